"""Combined forms as seed 004 makes them (issue 12, point 6): funds summed, targets and
actuals combined (absolute values add, ratios weighted by funding), deadlines and
qualitative indicators met only when all are, explicit grouping, export, unit level."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracker.commands.tracker import BudgetTracker

# (code, 万元, [(一级, 二级, 三级, 指标值, 完成值, 完成程度)]) after seed 004's two forms.
FUNDS = [
    (
        "LX",
        "62",
        [
            ("产出指标", "数量指标", "离休人员补助人数", "17人", "17人", None),
            ("产出指标", "时效指标", "完成年度", "2022年", "2022年12月", None),
            ("成本指标", "经济成本指标", "费用控制", "≤62万元", "62万元", None),
            ("效益指标", "可持续影响指标", "待遇保障", "影响程度明显", "影响程度明显", "90"),
            ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥95%", "95%", None),
        ],
    ),
    (
        "PC",
        "102",
        [
            ("产出指标", "数量指标", "参保人数", "3520人", "3520人", None),
            ("产出指标", "时效指标", "完成年度", "2022年", "2022年12月", None),
            ("成本指标", "经济成本指标", "费用控制", "≤102万元", "102万元", None),
            ("效益指标", "可持续影响指标", "待遇保障", "影响程度明显", "较为明显", "70"),
            ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥95%", "90%", None),
        ],
    ),
]


@pytest.fixture
def chenxi(tracker: BudgetTracker) -> tuple[BudgetTracker, dict[str, str]]:
    tracker.add_unit("431228", "辰溪县医疗保障局")
    ids: dict[str, str] = {}
    for code, wan, indicators in FUNDS:
        tracker.add_project(year=2022, unit="431228", code=code, name=f"专项资金{code}")
        tracker.appropriate(code, wan, wan=True, date="2022-01-10")
        tracker.pay(code, wan, wan=True, date="2022-12-20", payee="定点医疗机构")
        for l1, l2, name, target, actual, completion in indicators:
            iid = tracker.add_indicator(code, level1=l1, level2=l2, name=name, target=target)
            tracker.record_indicator(code, iid, actual, completion=completion, date="2022-12-31")
            ids[f"{code}:{name}"] = str(iid)
    return tracker, ids


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "财务", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args], env=env, capture_output=True, text=True, check=False
    )


def by_name(form: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["name"]: r for r in form["indicators"]}


def test_funds_targets_and_actuals_combine_as_seed_004_note_2_says(
    chenxi: tuple[BudgetTracker, dict[str, str]],
) -> None:
    app, _ = chenxi
    form = app.self_evaluation("431228", 2022, unit_level=True, combine=True)
    assert (form["budget"], form["disbursed"]) == (Decimal("1640000.00"), Decimal("1640000.00"))
    rows = by_name(form)
    assert rows["费用控制"]["target_text"] == "≤164万元"
    assert rows["费用控制"]["actual_text"] == "164万元"
    assert rows["服务对象满意度"]["target_text"] == "≥95%"
    assert rows["服务对象满意度"]["actual_text"] == "91.89%"  # (95 × 62 + 90 × 102) ÷ 164
    assert rows["完成年度"]["actual_text"] == "全部按期完成"
    assert rows["待遇保障"]["completion"] == "70"  # met only when all are: the weaker part
    assert {"离休人员补助人数", "参保人数"} <= set(rows)


def test_indicators_named_differently_are_grouped_only_when_told(
    chenxi: tuple[BudgetTracker, dict[str, str]],
) -> None:
    app, ids = chenxi
    same = [[ids["LX:离休人员补助人数"], ids["PC:参保人数"]]]
    rows = by_name(app.self_evaluation("431228", 2022, unit_level=True, combine=True, same=same))
    assert "参保人数" not in rows
    assert rows["离休人员补助人数"]["target_text"] == "3537人"
    assert rows["离休人员补助人数"]["projects"] == ["LX", "PC"]


def test_the_cli_prints_two_decimals_and_wan_and_exports_the_combined_form(
    chenxi: tuple[BudgetTracker, dict[str, str]], db_url: str, tmp_path: Path
) -> None:
    _, ids = chenxi
    text = cli(db_url, "indicator", "combine", "431228", "--year", "2022").stdout
    assert "91.89%" in text
    assert "164万元" in text
    assert "全年预算数 164.00 万元" in text
    assert "91.8902" not in text
    same = f"{ids['LX:离休人员补助人数']},{ids['PC:参保人数']}"
    data = json.loads(
        cli(
            db_url, "indicator", "combine", "431228", "--year", "2022", "--same", same, "--format", "json"
        ).stdout
    )
    assert [i["actual_shown"] for i in data["indicators"] if i["name"] == "离休人员补助人数"] == ["3537人"]
    path = tmp_path / "combined.xlsx"
    done = cli(
        db_url, "indicator", "combine", "431228", "--year", "2022", "--format", "xlsx", "-o", str(path)
    )
    assert done.returncode == 0, done.stderr
    cells = [c for row in load_workbook(path).active.iter_rows(values_only=True) for c in row if c]
    assert "费用控制" in cells
    assert {"≤", "164", "万元"} <= set(cells)  # 年度指标值 as seed 001 splits it: ≤ | 164 | 万元


def test_a_unit_without_its_own_indicators_is_scored_on_the_combined_ones_and_says_so(
    chenxi: tuple[BudgetTracker, dict[str, str]], db_url: str
) -> None:
    app, _ = chenxi
    form = app.self_evaluation("431228", 2022, unit_level=True)
    assert form["combined_note"] is not None
    assert "本单位未设部门整体绩效指标" in form["combined_note"]
    assert len(form["evaluation"].lines) == 6
    text = cli(db_url, "selfeval", "431228", "--year", "2022", "--unit-level").stdout
    assert "按下属 2 个项目的绩效指标汇总" in text
