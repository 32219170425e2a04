"""Issue 12, points 7–10 and 13, against a real store (SQLite and PostgreSQL): plans in
万元 with their warnings, quiet Januaries in statuses and alerts, totals coloured by
the unit's rule, and an import that reports a missing year and a bad date in one run.

Figures from seed 003 (办公室整修: – / 7.00 / 10.00 / 50.00 万元 of 50.00 万元).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import DuplicateError
from tracker.importing import ImportRefused, import_file

D = Decimal
OFFICE = "13062124P00495310005H"
PLAN_WAN = "03-31:,06-30:7.00,09-30:10.00,12-31:50.00"


@pytest.fixture
def office(tracker: BudgetTracker) -> BudgetTracker:
    """Seed 003's 办公室整修 with its 50.00 万元 budget and no plan yet."""
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(year=2024, unit="450001", code=OFFICE, name="办公室整修")
    tracker.appropriate(OFFICE, "50", date="2024-01-01", wan=True)
    return tracker


def planned_on(app: BudgetTracker, day: dt.date, code: str = OFFICE) -> Decimal:
    report = app.queries.status_report(2024, day)
    return next(p.figures.planned_rate for p in report["projects"] if p.code == code)


# ------------------------------------------------------------- 7: plans in 万元


def test_a_plan_in_wan_gives_the_seed_planned_rate(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, PLAN_WAN, wan=True)
    assert planned_on(office, dt.date(2024, 6, 30)) == D(14)
    assert office.show(OFFICE)["plan"] == "03-31:,06-30:70000.00,09-30:100000.00,12-31:500000.00"


def test_a_project_added_with_a_wan_plan_keeps_it_in_yuan(office: BudgetTracker) -> None:
    office.add_project(year=2024, unit="450001", code="P2", name="乙", plan="06-30:1,12-31:2", wan=True)
    assert office.show("P2")["plan"] == "06-30:10000.00,12-31:20000.00"


def test_the_same_plan_request_with_and_without_wan_is_refused(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, PLAN_WAN, wan=True, request_id="plan-1")
    with pytest.raises(DuplicateError):
        office.set_plan(OFFICE, PLAN_WAN, request_id="plan-1")


def test_a_plan_typed_in_yuan_by_mistake_is_warned_about_everywhere(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, PLAN_WAN)  # taken as 元: 50.00 of 500,000.00
    differs = "计划合计 50.00 元 ≠ 全年预算 500,000.00 元"
    assert any(differs in w for w in office.show(OFFICE)["plan_warnings"])
    report = office.queries.status_report(2024, dt.date(2024, 3, 31))
    assert any(differs in w for w in report["plan_warnings"][OFFICE])
    progress = office.queries.progress(office.find_project(OFFICE, 2024), dt.date(2024, 3, 31))
    assert any(differs in w for w in progress["plan_warnings"])


def test_a_later_increase_makes_the_plan_total_differ(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, PLAN_WAN, wan=True)
    assert not any("计划合计" in w for w in office.show(OFFICE)["plan_warnings"])
    office.appropriate(OFFICE, "10", date="2024-08-01", kind="add", wan=True)
    differs = "计划合计 500,000.00 元 ≠ 全年预算 600,000.00 元"
    assert any(differs in w for w in office.show(OFFICE)["plan_warnings"])
    # Judged against the budget on 31 December even as of a date before the increase.
    report = office.queries.status_report(2024, dt.date(2024, 6, 30))
    assert any(differs in w for w in report["plan_warnings"][OFFICE])


def test_a_year_end_below_100_percent_is_warned_about(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, "06-30:50%,12-31:90%")
    assert office.show(OFFICE)["plan_warnings"] == ["年末检查点为 90%，不到 100%：计划没有要求执行完全年预算"]


# ------------------------------------------------------------ 8: quiet Januaries


def test_on_2_january_nothing_is_lagging_and_no_red_alert_is_raised(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, "03-31:25%,06-30:50%,09-30:75%,12-31:100%")
    report = office.queries.status_report(2024, dt.date(2024, 1, 2))
    assert [p.status for p in report["projects"]] == ["green"]
    assert report["total_status"] == "green"
    result = office.check_alerts(dt.date(2024, 1, 2))
    assert result["raised"] == []
    assert [a for a in office.alerts() if a["severity"] == "red"] == []


def test_beyond_the_minimum_the_ratio_rule_colours_as_before(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, "03-31:25%,06-30:50%,09-30:75%,12-31:100%")
    report = office.queries.status_report(2024, dt.date(2024, 1, 31))  # 8.52% planned, nothing spent
    assert [p.status for p in report["projects"]] == ["red"]


def test_a_unit_sets_its_minimum_and_it_survives_a_rebuild(office: BudgetTracker) -> None:
    office.set_plan(OFFICE, "03-31:25%,06-30:50%,09-30:75%,12-31:100%")
    office.change_unit_settings("450001", rule="ratio", min_points="10")
    day = dt.date(2024, 1, 31)
    assert [p.status for p in office.queries.status_report(2024, day)["projects"]] == ["green"]
    assert office.queries.rule_of(office.queries.units()["450001"]).min_points == D(10)
    office.rebuild_read_model()
    assert office.queries.rule_of(office.queries.units()["450001"]).min_points == D(10)
    assert [p.status for p in office.queries.status_report(2024, day)["projects"]] == ["green"]
    office.change_unit_settings("450001", rule="ratio")
    assert [p.status for p in office.queries.status_report(2024, day)["projects"]] == ["red"]


# ------------------------------------------------------ 9: the rule of a total


def two_units(app: BudgetTracker) -> BudgetTracker:
    """460001 under the points rule, 450001 under the default; one project each,
    both 15 points behind on 30 June at 50% planned (70% of plan: yellow by ratio,
    red by points)."""
    for unit, code in (("460001", "L1"), ("450001", "M1")):
        if unit not in app.queries.units():
            app.add_unit(unit, f"单位{unit}")
        app.add_project(year=2024, unit=unit, code=code, name=code, plan="06-30:50%,12-31:100%")
        app.appropriate(code, "1000", date="2024-01-01")
        app.pay(code, "350", date="2024-06-01", payee="某公司")
    app.change_unit_settings("460001", rule="points")
    return app


def test_a_total_over_one_unit_uses_that_units_rule(office: BudgetTracker) -> None:
    app = two_units(office)
    report = app.queries.status_report(2024, dt.date(2024, 6, 30), "460001")
    assert report["total_status"] == "red"
    assert report["total_rule"]["source"] == "单位 460001"


def test_a_total_over_units_with_different_rules_says_which_rule_it_used(office: BudgetTracker) -> None:
    app = two_units(office)
    report = app.queries.status_report(2024, dt.date(2024, 6, 30))
    assert report["total_rule"]["rule"].kind == "ratio"
    assert report["total_rule"]["source"] == "2 个单位规则不同，用默认规则"


# ------------------------------------------------------------ 13: import messages


def save(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "支付"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_an_import_without_year_and_with_a_bad_date_reports_both(
    office: BudgetTracker, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["日期", "项目编码", "金额(元)", "收款人"],
        ["2024-13-01", OFFICE, "100.00", "某公司"],
        ["2024-02-30", OFFICE, "100.00", "某公司"],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_file(office, save(tmp_path / "pay.xlsx", rows))
    reasons = [p.reason for p in refused.value.problems]
    assert any("预算年度" in r for r in reasons)
    assert "“2024-13-01”：月份应为 1–12" in reasons
    assert "“2024-02-30”：2024 年 2 月只有 29 天" in reasons
    assert not any("应写成" in r for r in reasons)


def test_an_imported_plan_cell_may_carry_wan(tracker: BudgetTracker, tmp_path: Path) -> None:
    header = ["项目编码", "项目名称", "预算单位", "预算数(万元)", "3月底", "6月底", "10月底", "12月底"]
    row = [
        OFFICE,
        "办公室整修",
        "450001保定市满城区医疗保障局本级",
        "50.00",
        "–",
        "7.00万",
        "10.00万元",
        "50.00",
    ]
    wb = openpyxl.Workbook()
    wb.active.append(header)
    wb.active.append(row)
    wb.save(tmp_path / "projects.xlsx")
    import_file(tracker, tmp_path / "projects.xlsx", year=2024)
    assert tracker.show(OFFICE)["plan"] == "03-31:,06-30:70000.00,10-31:100000.00,12-31:500000.00"
