"""The CLI's 自评表 rows say what they are (issue 12, point 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tracker.commands.tracker import BudgetTracker


@pytest.fixture
def rows(tracker: BudgetTracker) -> BudgetTracker:
    tracker.add_unit("431228", "辰溪县医疗保障局")
    tracker.add_project(year=2024, unit="431228", code="CX1", name="医疗救助")
    add = {"level1": "产出指标", "level2": "时效指标"}
    tracker.add_indicator("CX1", **add, name="生态效益", target="不适用")
    late = tracker.add_indicator("CX1", **add, name="按时拨付", target="2024年6月")
    tracker.record_indicator("CX1", late, "已拨付", date="2024-08-01")
    tracker.add_indicator("CX1", **add, name="年底验收", target="2024年10月")
    words = tracker.add_indicator(
        "CX1", level1="效益指标", level2="社会效益指标", name="政策推开", target="逐步提高"
    )
    tracker.record_indicator("CX1", words, "逐步推开", completion="85", date="2024-12-31")
    return tracker


def test_the_form_says_not_applicable_overdue_and_keeps_the_officers_words(
    rows: BudgetTracker, db_url: str
) -> None:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "财务", "PYTHONIOENCODING": "utf-8"}
    args = [sys.executable, "-m", "tracker", "selfeval", "CX1", "--year", "2024"]
    data = json.loads(
        subprocess.run(
            [*args, "--format", "json"], env=env, capture_output=True, text=True, check=True
        ).stdout
    )
    shown = {i["name"]: (i["actual_shown"], i["completion_shown"]) for i in data["indicators"]}
    assert shown == {
        "生态效益": ("不适用", "不适用"),
        "按时拨付": ("2024-08-01 完成", "逾期，待评定"),
        "年底验收": ("未完成", "逾期，待评定"),
        "政策推开": ("逐步推开", "85.00"),
    }
    text = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    assert "待填" not in text
    assert "全部或基本达成预期指标" in text
