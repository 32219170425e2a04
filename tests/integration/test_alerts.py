"""Lag alerts through the service layer and the CLI (no Redis needed)."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import subprocess
import sys

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import DuplicateError, InvalidInputError, OverspendError
from tracker.store.config import Settings

D = dt.date


@pytest.fixture
def lagging(tracker: BudgetTracker) -> BudgetTracker:
    """P1 on the default quarterly plan, 100,000.00 budget, 10% spent by 30 June."""
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    tracker.appropriate("P1", "100000.00", date="2024-01-02")
    tracker.pay("P1", "10000.00", date="2024-03-01", payee="甲")
    return tracker


def rules_of(result: dict) -> list[tuple[str, str, str]]:
    return sorted((r["rule"], r["severity"], r["period"]) for r in result["raised"])


def test_a_check_raises_each_alert_once(lagging: BudgetTracker) -> None:
    first = lagging.check_alerts(D(2024, 6, 30))
    assert rules_of(first) == [
        ("checkpoint_missed", "red", "2024-06-30"),
        ("forecast_miss", "red", "2024-09-30"),
        ("lag", "red", "2024-04-01~2024-06-30"),
    ]
    assert first["raised"][0]["unit"] == "450001"
    second = lagging.check_alerts(D(2024, 6, 30))
    assert second["raised"] == []
    assert second["already_open"] == 3
    assert len(lagging.alerts()) == 3


def test_a_rise_from_yellow_to_red_is_a_new_alert(lagging: BudgetTracker) -> None:
    lagging.pay("P1", "10000.00", date="2024-04-01", payee="乙")  # 20% spent
    lagging.change_alert_settings("450001", rules_enabled=["lag"])
    # 10 April: planned 25 + 25 x 10/91 = 27.75%, 20/27.75 = 72% of plan -> yellow.
    assert rules_of(lagging.check_alerts(D(2024, 4, 10))) == [("lag", "yellow", "2024-04-01~2024-06-30")]
    # 20 May: planned 25 + 25 x 50/91 = 38.74%, 20/38.74 = 52% -> red: a new alert.
    assert rules_of(lagging.check_alerts(D(2024, 5, 20))) == [("lag", "red", "2024-04-01~2024-06-30")]
    assert sorted(a["severity"] for a in lagging.alerts(open_only=True)) == ["red", "yellow"]


def test_alerts_resolve_when_the_project_is_back_on_plan(lagging: BudgetTracker) -> None:
    lagging.check_alerts(D(2024, 6, 30))
    lagging.pay("P1", "45000.00", date="2024-07-01", payee="丁")
    result = lagging.check_alerts(D(2024, 7, 2))
    assert len(result["resolved"]) == 3
    assert lagging.alerts(open_only=True) == []


def test_unacknowledged_alerts_escalate_after_three_working_days(lagging: BudgetTracker) -> None:
    lagging.change_alert_settings("450001", managers="张局长")
    raised = lagging.check_alerts(D(2024, 6, 28))  # a Friday
    lag_id = next(r["id"] for r in raised["raised"] if r["rule"] == "lag")
    lagging.acknowledge_alert(lag_id, comment="已安排支付", user="王科长")
    assert lagging.check_alerts(D(2024, 7, 2))["escalated"] == []  # Mon, Tue: two working days
    escalated = lagging.check_alerts(D(2024, 7, 3))["escalated"]
    assert lag_id not in escalated
    assert len(escalated) == 2
    rows = {r["id"]: r for r in lagging.alerts()}
    assert rows[lag_id]["acknowledged_by"] == "王科长"
    assert {rows[i]["escalated_to"] for i in escalated} == {"张局长"}
    with pytest.raises(DuplicateError):
        lagging.acknowledge_alert(lag_id)


def test_rules_can_be_switched_off_per_unit(lagging: BudgetTracker) -> None:
    lagging.change_alert_settings("450001", rules_enabled=["lag"])
    assert [r["rule"] for r in lagging.check_alerts(D(2024, 6, 30))["raised"]] == ["lag"]
    with pytest.raises(InvalidInputError) as e:
        lagging.change_alert_settings("450001", rules_enabled=["nonsense"])
    assert e.value.field == "预警规则"


def test_a_refused_overspend_is_kept_in_an_alert_never_on_the_project(lagging: BudgetTracker) -> None:
    pid = lagging.find_project("P1")
    before = len(list(lagging.events.get(pid)))
    for _ in range(2):
        with pytest.raises(OverspendError):
            lagging.pay("P1", "95000.00", date="2024-05-01", payee="戊")
    assert len(list(lagging.events.get(pid))) == before
    [alert] = [a for a in lagging.alerts() if a["rule"] == "overspend_refused"]
    assert alert["attempts"] == 2
    assert alert["figures"]["available"] == "90000.00"
    kinds = [type(e).__name__ for e in lagging.events.get(__import__("uuid").UUID(alert["id"]))]
    assert kinds == ["Raised", "AttemptRecorded"]


def test_indicator_deadline_passed_without_completion(lagging: BudgetTracker) -> None:
    lagging.add_indicator(
        "P1", level1="产出指标", level2="时效指标", name="完工时间", target="2024年6月", weight="10"
    )
    rules = [r["rule"] for r in lagging.check_alerts(D(2024, 7, 5))["raised"]]
    assert "indicator_deadline" in rules


def _check_in_process(db_url: str, day: str, queue: multiprocessing.Queue) -> None:
    app = BudgetTracker(Settings(db_url=db_url, user="worker"))
    try:
        queue.put(len(app.check_alerts(D.fromisoformat(day))["raised"]))
    finally:
        app.close()


@pytest.mark.slow
def test_concurrent_checks_record_no_duplicate_alerts(lagging: BudgetTracker, db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_check_in_process, args=(db_url, "2024-06-30", queue)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    raised = sorted(queue.get(timeout=5) for _ in procs)
    assert sum(raised) == 3
    assert len(lagging.alerts()) == 3
    assert len(lagging.read.all("SELECT id FROM rm_alerts")) == 3


def test_cli_alerts_check_json(lagging: BudgetTracker, db_url: str) -> None:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "检查员"}
    run = [sys.executable, "-m", "tracker", "alerts", "check", "--as-of", "2024-06-30", "--format", "json"]
    first = json.loads(subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout)
    assert first["as_of"] == "2024-06-30"
    assert {r["project"] for r in first["raised"]} == {"P1"}
    assert set(first["raised"][0]) >= {"id", "unit", "project", "rule", "severity", "lag_points", "period"}
    second = json.loads(subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout)
    assert (second["raised"], second["already_open"]) == ([], 3)
    listed = subprocess.run(
        [sys.executable, "-m", "tracker", "alerts", "list", "--open"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "执行进度滞后" in listed


def test_the_weekly_digest_reaches_the_managers_robot(
    lagging: BudgetTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from receivers import HttpReceiver

    from tracker.notify.digest import send_digests

    lagging.check_alerts(D(2024, 6, 30))
    with HttpReceiver() as http:
        monkeypatch.setenv("TEST_MANAGERS_WECOM_KEY", http.wecom_key)
        lagging.add_channel(
            "450001",
            name="局领导群",
            kind="wecom",
            purpose="managers",
            config={"key": "env:TEST_MANAGERS_WECOM_KEY", "base_url": http.base_url},
        )
        assert send_digests(lagging, D(2024, 7, 1)) == 1
        [post] = http.requests
    content = json.loads(post.body)["markdown"]["content"]
    assert "预算执行周报" in content
    assert "办公室整修（P1）" in content
    assert "严重滞后 1 个" in content
    assert "未关闭的提醒" in content


def test_in_process_delivery_without_redis(lagging: BudgetTracker, monkeypatch: pytest.MonkeyPatch) -> None:
    from receivers import HttpReceiver

    from tracker.notify.delivery import deliver_pending

    lagging.check_alerts(D(2024, 6, 30))
    with HttpReceiver() as http:
        monkeypatch.setenv("TEST_WECOM_KEY", http.wecom_key)
        lagging.add_channel(
            "450001",
            name="财务群",
            kind="wecom",
            config={"key": "env:TEST_WECOM_KEY", "base_url": http.base_url},
        )
        assert deliver_pending(lagging) == {"delivered": 3, "failed": 0, "already": 0}
        assert deliver_pending(lagging) == {"delivered": 0, "failed": 0, "already": 0}
        assert len(http.requests) == 3
    assert "执行率" in json.loads(http.requests[0].body)["markdown"]["content"]
