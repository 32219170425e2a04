"""Default weights and `indicator weight` through the service layer and the CLI (issue 12, point 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from uuid import UUID

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError

# Seed 002's style: a target table printed without 分值.
TABLE = [
    ("产出指标", "数量指标", "慢特病审核人次", "≥2400人次", "2500人次"),
    ("产出指标", "时效指标", "审核完成时间", "≤60分钟", "45分钟"),
    ("效益指标", "社会效益指标", "群众满意度提升", "≥90%", "95%"),
    ("满意度指标", "服务对象满意度指标", "参保群众满意度", "≥90%", "96%"),
]


@pytest.fixture
def unweighted(tracker: BudgetTracker) -> tuple[BudgetTracker, list[str]]:
    tracker.add_unit("130001", "乐亭县医疗保障局")
    tracker.add_project(year=2024, unit="130001", code="LT1", name="慢特病审核")
    tracker.appropriate("LT1", "100000.00", date="2024-01-10")
    tracker.pay("LT1", "100000.00", date="2024-11-10", payee="服务商")
    ids = []
    for l1, l2, name, target, actual in TABLE:
        iid = tracker.add_indicator("LT1", level1=l1, level2=l2, name=name, target=target)
        tracker.record_indicator("LT1", iid, actual, date="2024-12-31")
        ids.append(str(iid))
    return tracker, ids


def test_an_indicator_table_without_weights_is_scored_on_the_national_template(
    unweighted: tuple[BudgetTracker, list[str]],
) -> None:
    app, _ = unweighted
    ev = app.self_evaluation("LT1", 2024)["evaluation"]
    assert ev.total == Decimal(100)
    assert ev.grade == "优"
    assert [line.scaled_weight for line in ev.lines] == [Decimal(25), Decimal(25), Decimal(30), Decimal(10)]
    assert {line.weight_source for line in ev.lines} == {"默认模板"}


def test_a_weight_set_later_is_an_event_and_is_shown_as_given(
    unweighted: tuple[BudgetTracker, list[str]],
) -> None:
    app, ids = unweighted
    app.set_indicator_weight(ids[0], "30", request_id="w-1")
    before = app.recorder.max_notification_id()
    app.set_indicator_weight(ids[0], "30", request_id="w-1")
    assert app.recorder.max_notification_id() == before
    lines = app.self_evaluation("LT1", 2024)["evaluation"].lines
    assert (lines[0].scaled_weight, lines[0].weight_source) == (Decimal(30), "分值")
    assert (lines[1].scaled_weight, lines[1].weight_source) == (Decimal(20), "默认模板")
    assert [type(e).__name__ for e in app.events.get(UUID(ids[0]))][-1] == "WeightSet"
    app.rebuild_read_model()
    assert app.indicators("LT1")[0]["weight"] == "30"


def test_a_bad_weight_is_refused_naming_the_field(unweighted: tuple[BudgetTracker, list[str]]) -> None:
    app, ids = unweighted
    with pytest.raises(InvalidInputError) as refused:
        app.set_indicator_weight(ids[0], "abc")
    assert refused.value.field == "分值"
    assert app.indicators("LT1")[0]["weight"] is None


def test_the_cli_sets_a_weight_and_shows_where_each_weight_came_from(
    unweighted: tuple[BudgetTracker, list[str]], db_url: str
) -> None:
    _, ids = unweighted
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "财务", "PYTHONIOENCODING": "utf-8"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tracker", *args], env=env, capture_output=True, text=True, check=False
        )

    done = run("indicator", "weight", ids[2], "40")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == ids[2]
    refused = run("indicator", "weight", ids[2], "120")
    assert refused.returncode == 1
    assert "分值" in refused.stderr
    data = json.loads(run("selfeval", "LT1", "--year", "2024", "--format", "json").stdout)
    assert [i["weight_source"] for i in data["indicators"]] == ["默认模板", "默认模板", "分值", "默认模板"]
    text = run("selfeval", "LT1", "--year", "2024").stdout
    assert "默认模板" in text


def test_a_unit_sets_its_own_level_shares_for_its_subtree(
    unweighted: tuple[BudgetTracker, list[str]],
) -> None:
    app, _ = unweighted
    with pytest.raises(InvalidInputError) as refused:
        app.set_weight_shares("130001", "产出指标=40,效益指标=40")
    assert refused.value.field == "一级分值"
    app.set_weight_shares("130001", "产出指标=40，效益指标=40，满意度指标=10")
    lines = app.self_evaluation("LT1", 2024)["evaluation"].lines
    assert [line.scaled_weight for line in lines] == [Decimal(20), Decimal(20), Decimal(40), Decimal(10)]
    app.set_weight_shares("130001", "产出指标=50,效益指标=30,满意度指标=10")
    app.rebuild_read_model()
    lines = app.self_evaluation("LT1", 2024)["evaluation"].lines
    assert [line.scaled_weight for line in lines] == [Decimal(25), Decimal(25), Decimal(30), Decimal(10)]


def test_indicator_list_says_a_missing_weight_comes_from_the_template(
    unweighted: tuple[BudgetTracker, list[str]], db_url: str
) -> None:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "财务", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "indicator", "list", "LT1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.count("默认模板") == 4
