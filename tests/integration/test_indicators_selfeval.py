"""Indicators and the year-end self-evaluation through the service layer and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from zhanyi import record_zhanyi

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import DuplicateError, InvalidInputError, NotFoundError
from tracker.domain.selfeval import SelfEvaluationError


@pytest.fixture
def zhanyi(tracker: BudgetTracker) -> BudgetTracker:
    record_zhanyi(tracker, name="医疗保障服务能力提升")
    return tracker


def test_the_zhanyi_example_scores_98_and_grades_excellent(zhanyi: BudgetTracker) -> None:
    form = zhanyi.self_evaluation("ZY1", 2023)
    ev = form["evaluation"]
    assert ev.execution_points == Decimal(10)
    assert ev.total.quantize(Decimal("0.01")) == Decimal("98.00")
    assert ev.grade == "优"
    assert [line.points.quantize(Decimal("0.01")) for line in ev.lines] == [
        Decimal("10.00"),
        Decimal("15.00"),
        Decimal("10.00"),
        Decimal("13.00"),
        Decimal("15.00"),
        Decimal("15.00"),
        Decimal("10.00"),
    ]


def test_cannot_sign_off_until_every_shortfall_is_explained(zhanyi: BudgetTracker) -> None:
    with pytest.raises(SelfEvaluationError, match="群众看病负担"):
        zhanyi.finalise_evaluation("ZY1", 2023, signed_by="局长")
    assert zhanyi.read.all("SELECT * FROM rm_evaluations") == []
    burden = next(r for r in zhanyi.indicators("ZY1") if r["name"] == "群众看病负担")
    zhanyi.explain_deviation(burden["id"], cause="部分慢特病待遇未落实", action="次年扩大病种")
    eid = zhanyi.finalise_evaluation("ZY1", 2023, signed_by="局长")
    row = zhanyi.read.one("SELECT * FROM rm_evaluations WHERE id = ?", (str(eid),))
    assert (row["grade"], row["signed_by"], row["finalised"]) == ("优", "局长", 1)
    with pytest.raises(DuplicateError):
        zhanyi.finalise_evaluation("ZY1", 2023, signed_by="局长")
    zhanyi.reopen_evaluation("ZY1", 2023, reason="补充佐证材料")
    assert zhanyi.finalise_evaluation("ZY1", 2023, signed_by="副局长") == eid
    kinds = [type(e).__name__ for e in zhanyi.events.get(eid)]
    assert kinds == ["Finalised", "Reopened", "Refinalised"]


def test_indicator_commands_are_idempotent_and_rebuildable(zhanyi: BudgetTracker) -> None:
    before = zhanyi.recorder.max_notification_id()
    again = zhanyi.add_indicator(
        "ZY1",
        level1="产出指标",
        level2="数量指标",
        name="参保人数",
        target="≥31万人",
        weight="10",
        request_id="zy-ind-0",
    )
    assert again == UUIDish(zhanyi.indicators("ZY1")[0]["id"])
    assert zhanyi.recorder.max_notification_id() == before
    rows = zhanyi.indicators("ZY1")
    assert rows[0]["kind"] == "at_least"
    assert rows[0]["value"] == "310000"
    assert rows[0]["unit"] == "人"
    zhanyi.rebuild_read_model()
    assert zhanyi.indicators("ZY1") == rows


def UUIDish(text: str) -> object:
    from uuid import UUID

    return UUID(text)


def test_bad_indicator_input_is_refused_naming_the_field(zhanyi: BudgetTracker) -> None:
    with pytest.raises(InvalidInputError) as weight:
        zhanyi.add_indicator(
            "ZY1", level1="产出指标", level2="数量指标", name="x", target="≥1个", weight="120"
        )
    assert weight.value.field == "分值"
    with pytest.raises(NotFoundError):
        zhanyi.add_indicator("NOPE", level1="产出指标", level2="数量指标", name="x", target="1个")
    iid = zhanyi.indicators("ZY1")[3]["id"]
    with pytest.raises(InvalidInputError) as completion:
        zhanyi.record_indicator("ZY1", iid, completion="130%", date="2023-12-31")
    assert completion.value.field == "完成程度"


def test_unit_level_indicators_use_the_units_whole_budget(zhanyi: BudgetTracker) -> None:
    iid = zhanyi.add_indicator(
        "530328",
        unit_level=True,
        year=2023,
        level1="履职效果",
        level2="社会效益",
        name="群众满意度",
        target="≥90%",
        weight="90",
    )
    zhanyi.record_indicator("530328", iid, "95%", date="2023-12-31")
    form = zhanyi.self_evaluation("530328", 2023, unit_level=True)
    assert form["budget"] == Decimal("630000.00")
    assert form["evaluation"].total == Decimal(100)


def test_cli_selfeval_json(zhanyi: BudgetTracker, db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "财务"}
    out = subprocess.run(
        [sys.executable, "-m", "tracker", "selfeval", "ZY1", "--year", "2023", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert (data["execution_points"], data["total"], data["grade"]) == ("10.00", "98.00", "优")
    assert len(data["indicators"]) == 7
    assert data["indicators"][3]["points"] == "13.00"
    parsed = subprocess.run(
        [sys.executable, "-m", "tracker", "indicator", "parse", "≥2400人次"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(parsed.stdout) == {
        "kind": "at_least",
        "value": "2400",
        "unit": "人次",
        "text": "≥2400人次",
        "deadline": None,
    }
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "selfeval",
            "ZY1",
            "--year",
            "2023",
            "--finalise",
            "--signed-by",
            "局长",
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1
    assert "偏差原因" in refused.stderr


def test_combining_units_adds_quantities_and_weights_ratios_by_funding(tracker: BudgetTracker) -> None:
    tracker.add_unit("D1", "县医疗保障局")
    tracker.add_unit("U1", "医保中心", parent="D1")
    tracker.add_unit("U2", "医疗救助站", parent="D1")
    for unit, code, budget, people, rate in (
        ("U1", "A", "300000.00", "1200人", "90%"),
        ("U2", "B", "100000.00", "800人", "98%"),
    ):
        tracker.add_project(year=2024, unit=unit, code=code, name=f"项目{code}")
        tracker.appropriate(code, budget, date="2024-01-05")
        n = tracker.add_indicator(
            code, level1="产出指标", level2="数量指标", name="救助人次", target="≥1000人"
        )
        r = tracker.add_indicator(
            code, level1="效益指标", level2="社会效益指标", name="满意度", target="≥85%"
        )
        tracker.record_indicator(code, n, people, date="2024-12-31")
        tracker.record_indicator(code, r, rate, date="2024-12-31")
    rows = {r["name"]: r for r in tracker.combined_actuals("D1", 2024)}
    assert rows["救助人次"]["value"] == Decimal(2000)
    assert rows["满意度"]["value"] == Decimal(92)  # (90 x 3 + 98 x 1) / 4
    assert rows["满意度"]["projects"] == 2
