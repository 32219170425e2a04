"""Recorded values are checked against the target (issue 12, point 4): each refusal
names the field and records nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError

TARGETS = {
    "people": ("产出指标", "数量指标", "救助人数", "≥1500人"),
    "rate": ("效益指标", "社会效益指标", "政策知晓率", "≥85%"),
    "none": ("效益指标", "生态效益指标", "生态效益", "不适用"),
    "words": ("效益指标", "可持续影响指标", "长效机制", "逐步推开"),
    "due": ("产出指标", "时效指标", "按时拨付", "2024年12月"),
}


@pytest.fixture
def ids(tracker: BudgetTracker) -> dict[str, str]:
    tracker.add_unit("431228", "辰溪县医疗保障局")
    tracker.add_project(year=2024, unit="431228", code="CX1", name="医疗救助")
    out = {}
    for key, (l1, l2, name, target) in TARGETS.items():
        out[key] = str(tracker.add_indicator("CX1", level1=l1, level2=l2, name=name, target=target))
    return out


@pytest.mark.parametrize(
    ("key", "value", "completion", "field"),
    [
        ("people", "abc", None, "实际完成值"),
        ("people", "1600元", None, "实际完成值"),
        ("people", "-3人", None, "实际完成值"),
        ("people", None, "90%", "完成程度"),
        ("rate", "90%", "90%", "完成程度"),
        ("none", "100%", None, "实际完成值"),
        ("none", None, "100", "完成程度"),
    ],
)
def test_a_value_that_does_not_fit_the_target_is_refused_naming_the_field(
    tracker: BudgetTracker,
    ids: dict[str, str],
    key: str,
    value: str | None,
    completion: str | None,
    field: str,
) -> None:
    before = tracker.recorder.max_notification_id()
    with pytest.raises(InvalidInputError) as refused:
        tracker.record_indicator("CX1", ids[key], value, completion=completion, date="2024-06-30")
    assert refused.value.field == field
    assert tracker.recorder.max_notification_id() == before


def test_a_numeric_actual_in_the_targets_unit_or_none_is_taken_and_wan_multiplies(
    tracker: BudgetTracker, ids: dict[str, str]
) -> None:
    tracker.record_indicator("CX1", ids["people"], "0.16万人", date="2024-06-30")
    assert tracker.indicators("CX1")[0]["actual_value"] == "1600"
    tracker.record_indicator("CX1", ids["people"], "1700", date="2024-07-31")
    assert tracker.indicators("CX1")[0]["actual_value"] == "1700"


def test_free_text_cannot_wipe_a_qualitative_completion(tracker: BudgetTracker, ids: dict[str, str]) -> None:
    tracker.record_indicator("CX1", ids["words"], "逐步推开", completion="85", date="2024-06-30")
    with pytest.raises(InvalidInputError) as refused:
        tracker.record_indicator("CX1", ids["words"], "已全面推开", date="2024-09-30")
    assert refused.value.field == "完成程度"
    row = next(r for r in tracker.indicators("CX1") if r["id"] == ids["words"])
    assert (row["actual_text"], row["completion"]) == ("逐步推开", "85")
    tracker.record_indicator("CX1", ids["words"], "已全面推开", completion="95", date="2024-09-30")


def test_a_deadline_takes_words_and_a_chosen_completion(tracker: BudgetTracker, ids: dict[str, str]) -> None:
    tracker.record_indicator("CX1", ids["due"], "已拨付", completion="70", date="2025-01-15")
    row = next(r for r in tracker.indicators("CX1") if r["id"] == ids["due"])
    assert row["completion"] == "70"


def test_the_cli_refuses_a_value_in_another_unit_with_exit_1(
    tracker: BudgetTracker, ids: dict[str, str], db_url: str
) -> None:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "财务", "PYTHONIOENCODING": "utf-8"}
    args = ["indicator", "record", "CX1", ids["people"], "1600元", "--date", "2024-06-30"]
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *args], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "实际完成值" in proc.stderr
    assert "Traceback" not in proc.stderr
