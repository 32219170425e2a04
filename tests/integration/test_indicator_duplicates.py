"""No silent duplicates: one 三级 name once per project and year (issue 12, point 3)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import DuplicateError

ADD = {"level1": "产出指标", "level2": "数量指标", "name": "慢特病审核人次", "target": "≥2400人次"}


@pytest.fixture
def project(tracker: BudgetTracker) -> BudgetTracker:
    tracker.add_unit("130001", "乐亭县医疗保障局")
    tracker.add_project(year=2024, unit="130001", code="LT1", name="慢特病审核")
    tracker.add_project(year=2024, unit="130001", code="LT2", name="异地就医")
    return tracker


def test_adding_the_same_indicator_name_again_is_refused_naming_the_existing_one(
    project: BudgetTracker,
) -> None:
    first = project.add_indicator("LT1", **ADD)
    before = project.recorder.max_notification_id()
    with pytest.raises(DuplicateError) as refused:
        project.add_indicator("LT1", **{**ADD, "name": " 慢特病审核人次", "target": "≥2500人次"})
    assert str(first) in refused.value.message
    assert refused.value.field == "三级指标"
    assert project.recorder.max_notification_id() == before
    assert len(project.indicators("LT1")) == 1


def test_the_same_request_again_is_a_no_op(project: BudgetTracker) -> None:
    first = project.add_indicator("LT1", **ADD, request_id="ind-1")
    assert project.add_indicator("LT1", **ADD, request_id="ind-1") == first
    assert len(project.indicators("LT1")) == 1


def test_the_same_name_on_another_project_is_its_own_indicator(project: BudgetTracker) -> None:
    project.add_indicator("LT1", **ADD)
    project.add_indicator("LT2", **ADD)
    assert len(project.indicators("LT2")) == 1


def test_the_cli_refuses_a_duplicate_with_exit_1(project: BudgetTracker, db_url: str) -> None:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "财务", "PYTHONIOENCODING": "utf-8"}
    args = [sys.executable, "-m", "tracker", "indicator", "add", "LT1", "--level1", "产出指标"]
    args += ["--level2", "数量指标", "--name", "慢特病审核人次", "--target", "≥2400人次"]
    first = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 1
    assert first.stdout.splitlines()[-1] in again.stderr
    assert "Traceback" not in again.stderr
