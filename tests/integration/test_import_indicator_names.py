"""The import's dry run refuses a 三级 name twice on one project, as ``indicator add`` does.

``indicator add`` refuses a second indicator with the same 三级 name on a project
(whatever its 一级/二级: it would be scored twice). The import compared whole
一级|二级|三级 keys only, so the same name under another 二级 went through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.importing import ImportRefused, import_file

HEADER = ["项目编码", "一级指标", "二级指标", "三级指标", "指标值", "分值"]


def sheet(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [HEADER, *rows]:
        ws.append(row)
    wb.save(path)
    return path


def refusals(app: BudgetTracker, path: Path) -> dict[tuple[int, str | None], str]:
    with pytest.raises(ImportRefused) as caught:
        import_file(app, path, year=2024, dry_run=True)
    return {(p.row, p.column): p.reason for p in caught.value.problems}


def test_the_same_name_under_two_second_levels_in_one_file_is_refused(
    funded: BudgetTracker, tmp_path: Path
) -> None:
    path = sheet(
        tmp_path / "twice.xlsx",
        [
            ["P1", "产出指标", "数量指标", "维修项目数", "≥5个", 20],
            ["P1", "产出指标", "质量指标", "维修项目数", "≥6个", 20],
        ],
    )
    reasons = refusals(funded, path)
    assert "与第2行重名" in reasons[(3, "三级指标")]
    assert funded.indicators("P1", 2024) == []


def test_a_name_already_recorded_under_other_levels_is_refused_naming_it(
    funded: BudgetTracker, tmp_path: Path
) -> None:
    iid = funded.add_indicator(
        "P1", level1="产出指标", level2="数量指标", name="维修项目数", target="≥5个", year=2024
    )
    path = sheet(tmp_path / "again.xlsx", [["P1", "效益指标", "社会效益指标", "维修 项目数", "≥5个", 20]])
    reason = refusals(funded, path)[(2, "三级指标")]
    assert str(iid) in reason
    assert "已有三级指标" in reason


def test_the_same_indicator_again_is_only_counted_as_present(funded: BudgetTracker, tmp_path: Path) -> None:
    funded.add_indicator(
        "P1", level1="产出指标", level2="数量指标", name="维修项目数", target="≥5个", year=2024
    )
    path = sheet(tmp_path / "same.xlsx", [["P1", "产出指标", "数量指标", "维修项目数", "≥5个", None]])
    report = import_file(funded, path, year=2024, dry_run=True)
    assert report.present["indicators"] == 1
