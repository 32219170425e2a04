"""The roll-ups heat map (units x months, execution against plan), on SQLite and
PostgreSQL alike. Every figure is worked out by hand from the issue's definitions:

    A100 (root) -> B200;  X900 unrelated
    PA (A100, default plan 25/50/75/100% at quarter ends)
          budget 01-10 +120,000;  paid 02-15 10,000, 04-10 20,000 (recorded first),
          03-05 6,000 recorded last (back-dated), reversed 2,000 on 04-12
    PB (B200, "03-31:,06-30:50%,12-31:100%": a blank first checkpoint)
          budget 01-05 +100,000;  paid 04-25 5,000 (after the as-of date)
    PX (X900, default plan)  budget 01-03 +80,000; paid 03-01 8,000
    PY (A100, 2023)          never in a 2024 answer

2024 is a leap year: 1 Jan - 31 Mar is 91 days, 1 Apr - 30 Jun 91, 1 Jan - 30 Jun 182.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import NotFoundError
from tracker.queries.heatmap import TOTAL, month_ends, unit_months

d = dt.date
F = Fraction
AS_OF = d(2024, 4, 20)


def close(value: Decimal | None, exact: Fraction | int) -> bool:
    assert value is not None
    return abs(Fraction(value) - Fraction(exact)) < Fraction(1, 10**15)


@pytest.fixture
def ledger(tracker: BudgetTracker) -> BudgetTracker:
    t = tracker
    t.add_unit("A100", "某市医疗保障局")
    t.add_unit("B200", "某市医疗保障局本级", parent="A100")
    t.add_unit("X900", "另一个局")
    t.add_project(year=2024, unit="A100", code="PA", name="宣传", functional="2101501")
    t.add_project(year=2024, unit="B200", code="PB", name="整修", plan="03-31:,06-30:50%,12-31:100%")
    t.add_project(year=2024, unit="X900", code="PX", name="审核")
    t.add_project(year=2023, unit="A100", code="PY", name="去年")
    t.appropriate("PA", "120000", date="2024-01-10")
    t.appropriate("PB", "100000", date="2024-01-05")
    t.appropriate("PX", "80000", date="2024-01-03")
    t.appropriate("PY", "999999", date="2023-03-01")
    t.pay("PY", "5000", date="2023-04-01", payee="甲")
    t.pay("PA", "10000", date="2024-02-15", payee="甲")
    t.pay("PA", "20000", date="2024-04-10", payee="乙")
    late = t.pay("PA", "6000", date="2024-03-05", payee="丙")
    t.reverse(late, "2000", date="2024-04-12", reason="多付")
    t.pay("PB", "5000", date="2024-04-25", payee="丁")
    t.pay("PX", "8000", date="2024-03-01", payee="戊")
    return t


def by_code(heat, code):  # type: ignore[no-untyped-def]
    return next(r for r in heat.rows if r.code == code)


def pa_planned(month_end: dt.date) -> Fraction:
    """PA's planned amount (default plan) on a day of January - June."""
    if month_end <= d(2024, 3, 31):
        return F(120000) * F(25, 100) * F((month_end - d(2023, 12, 31)).days, 91)
    return F(120000) * (F(25, 100) + F(25, 100) * F((month_end - d(2024, 3, 31)).days, 91))


def pb_planned(month_end: dt.date) -> Fraction:
    return F(100000) * F(50, 100) * F((month_end - d(2023, 12, 31)).days, 182)


def px_planned(month_end: dt.date) -> Fraction:
    return pa_planned(month_end) * F(80000, 120000)


def test_months_run_from_january_to_the_as_of_date(ledger: BudgetTracker) -> None:
    heat = unit_months(ledger.read, 2024, AS_OF)
    assert heat.months == ("2024-01", "2024-02", "2024-03", "2024-04")
    assert [c.day for c in heat.total.cells] == [d(2024, 1, 31), d(2024, 2, 29), d(2024, 3, 31), AS_OF]
    assert heat.as_of == AS_OF


def test_rows_follow_the_unit_tree_and_a_parent_covers_its_subtree(ledger: BudgetTracker) -> None:
    heat = unit_months(ledger.read, 2024, AS_OF)
    assert [(r.code, r.depth, r.projects) for r in heat.rows] == [
        ("A100", 0, 2),
        ("B200", 1, 1),
        ("X900", 0, 1),
    ]
    assert heat.total.code == TOTAL
    assert heat.total.projects == 3
    a100 = by_code(heat, "A100")
    april = a100.cells[3]
    assert april.budget == Decimal("220000.00")
    assert april.disbursed == Decimal("34000.00")  # PA 10,000 + 6,000 + 20,000 - 2,000; PB's 04-25 not yet


def test_each_cell_is_execution_against_plan_at_the_months_end(ledger: BudgetTracker) -> None:
    heat = unit_months(ledger.read, 2024, AS_OF)
    a100, b200, x900 = by_code(heat, "A100"), by_code(heat, "B200"), by_code(heat, "X900")
    ends = [d(2024, 1, 31), d(2024, 2, 29), d(2024, 3, 31), AS_OF]
    pa_spent = [0, 10000, 16000, 34000]
    for i, end in enumerate(ends):
        planned = pa_planned(end) + pb_planned(end)
        assert close(a100.cells[i].planned_amount, planned)
        assert close(a100.cells[i].ratio, F(pa_spent[i]) / planned * 100)
        assert close(b200.cells[i].ratio, 0)
        assert close(x900.cells[i].planned_amount, px_planned(end))
    # February: PA 10,000 against 120,000 x 25% x 60/91 (and PB 50% x 60/182 of 100,000)
    assert close(
        by_code(heat, "A100").cells[1].ratio,
        F(10000) / (pa_planned(d(2024, 2, 29)) + pb_planned(d(2024, 2, 29))) * 100,
    )
    assert close(x900.cells[2].ratio, F(8000) / F(20000) * 100)  # 8,000 of 25% x 80,000
    assert x900.cells[2].status == "red"  # 40% of plan: below the default 60%
    assert close(x900.cells[2].execution_rate, 10)
    assert close(x900.cells[2].planned_rate, 25)


def test_the_total_row_counts_each_project_once(ledger: BudgetTracker) -> None:
    heat = unit_months(ledger.read, 2024, AS_OF)
    march = heat.total.cells[2]
    assert march.budget == Decimal("300000.00")
    assert march.disbursed == Decimal("24000.00")
    expected = pa_planned(d(2024, 3, 31)) + pb_planned(d(2024, 3, 31)) + px_planned(d(2024, 3, 31))
    assert close(march.planned_amount, expected)
    assert close(march.ratio, F(24000) / expected * 100)


def test_a_unit_selects_its_subtree(ledger: BudgetTracker) -> None:
    heat = unit_months(ledger.read, 2024, AS_OF, unit="B200")
    assert [(r.code, r.depth) for r in heat.rows] == [("B200", 0)]
    assert heat.total.projects == 1
    assert heat.total.cells[3].budget == Decimal("100000.00")
    a = unit_months(ledger.read, 2024, AS_OF, unit="A100")
    assert [r.code for r in a.rows] == ["A100", "B200"]
    assert a.total.cells[3].disbursed == Decimal("34000.00")


def test_nothing_planned_yet_is_no_ratio_not_zero(ledger: BudgetTracker) -> None:
    ledger.add_unit("C300", "新单位")
    ledger.add_project(year=2024, unit="C300", code="PC", name="空", plan="03-31:,06-30:,12-31:50000")
    heat = unit_months(ledger.read, 2024, AS_OF, unit="C300")
    assert [c.ratio for c in heat.rows[0].cells] == [None, None, None, None]  # no budget, no plan
    assert heat.rows[0].cells[0].status == "green"


def test_year_end_and_before_the_year(ledger: BudgetTracker) -> None:
    assert len(unit_months(ledger.read, 2024, d(2025, 3, 1)).months) == 12
    before = unit_months(ledger.read, 2024, d(2023, 12, 31))
    assert before.months == ()
    assert all(r.cells == () for r in before.rows)
    assert month_ends(2024, d(2024, 2, 10)) == [("2024-01", d(2024, 1, 31)), ("2024-02", d(2024, 2, 10))]


def test_the_last_year_is_its_own(ledger: BudgetTracker) -> None:
    heat = unit_months(ledger.read, 2023, d(2023, 12, 31))
    assert [r.code for r in heat.rows] == ["A100"]
    assert heat.total.cells[-1].budget == Decimal("999999.00")
    assert heat.total.cells[3].disbursed == Decimal("5000.00")


def test_an_unknown_unit_is_refused_by_name(ledger: BudgetTracker) -> None:
    with pytest.raises(NotFoundError) as e:
        unit_months(ledger.read, 2024, AS_OF, unit="Q000")
    assert e.value.field == "单位编码"


def test_every_cell_agrees_with_the_status_of_its_projects_at_the_months_end(tracker: BudgetTracker) -> None:
    """Projects sharing a plan are summed in the database, projects of an amount plan
    one by one: either way each cell is the sum of its projects' own figures."""
    t = tracker
    t.add_unit("D100", "部门")
    t.add_unit("D200", "下属单位", parent="D100")
    amounts = "03-31:,06-30:70000,10-31:100000,12-31:500000"
    quarters = "03-31:20%,06-30:45%,09-30:80%,12-31:100%"
    specs = [
        ("Q1", "D100", quarters, "300000", [("02-10", "20000"), ("05-01", "90000")]),
        ("Q2", "D100", quarters, "120000", [("03-31", "30000")]),
        ("Q3", "D200", quarters, "50000", [("04-15", "5000")]),
        ("A1", "D100", amounts, "500000", [("05-10", "60000")]),
        ("A2", "D200", amounts, "80000", [("06-30", "75000")]),  # the amount plan caps at the budget
        ("N1", "D200", None, "40000", [("01-20", "1000"), ("04-30", "9000")]),
        ("N2", "D200", None, "60000", []),
    ]
    for code, unit, plan, budget, paid in specs:
        t.add_project(year=2024, unit=unit, code=code, name=code, plan=plan)
        t.appropriate(code, budget, date="2024-01-05")
        for day, amount in paid:
            t.pay(code, amount, date=f"2024-{day}", payee="某")
    t.appropriate("A1", "100000", date="2024-04-20", kind="add")  # a budget change moves an amount plan
    late = t.pay("Q2", "4000", date="2024-02-01", payee="后补")
    t.reverse(late, date="2024-05-05", reason="退回")
    day = d(2024, 7, 19)
    heat = unit_months(t.read, 2024, day)
    for row in heat.rows:
        for c in row.cells:
            _, projects = t.queries.statuses(2024, c.day, row.code)
            assert c.budget == sum((p.figures.budget for p in projects), Decimal(0)), (row.code, c.month)
            assert c.disbursed == sum((p.figures.disbursed for p in projects), Decimal(0)), (
                row.code,
                c.month,
            )
            expected = sum((Fraction(p.figures.planned_amount) for p in projects), Fraction(0))
            assert close(c.planned_amount, expected), (row.code, c.month)
    assert [(r.code, r.projects) for r in heat.rows] == [("D100", 7), ("D200", 4)]
