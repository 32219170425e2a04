"""Read-model queries as of a business date, on SQLite and PostgreSQL alike.

One ledger (units A100 -> B200 -> C300, and an unrelated X900) is recorded out of
business-date order: a payment back-dated before an earlier-recorded one, a reversal
dated later than its payment, appropriations of every kind including 上年结转. Every
figure below is worked out by hand from the issue's definitions:

    PA1 (A100, default plan)      budget: 01-10 +100,000 initial, 02-01 +5,000 carryover,
                                          04-15 +20,000 add, 07-01 -10,000 reduce,
                                          11-01 -5,000 recall
                                  spent:  03-15 +10,000 (recorded second),
                                          05-20 +30,000 (recorded first),
                                          06-10 -5,000 reversal of the 03-15 payment
    PB1 (B200, seed 002 plan)     01-05 +200,000; 06-30 paid 60,000
    PC1 (C300, seed 003 amounts)  01-02 +500,000; 06-20 paid 70,000
    PC2 (C300, no classes)        01-01 +50,000 carryover; nothing paid
    PX1 (X900)                    01-03 +80,000; 02-01 paid 8,000
    PY  (A100, fiscal year 2023)  never in a 2024 answer
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tracker.cli import status_text
from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.queries import Figures, ProjectStatus, wire

D = Decimal
d = dt.date
YEAR = 2024
SEED_002 = "03-31:25%,06-30:50%,10-31:75%,12-31:100%"
SEED_003 = "03-31:,06-30:70000,10-31:100000,12-31:500000"
TRACKER = str(Path(sys.executable).parent / "tracker")
EPSILON = Fraction(1, 10**20)


def close(value: Decimal, exact: Fraction | int) -> bool:
    return abs(Fraction(value) - Fraction(exact)) < EPSILON


@pytest.fixture
def ledger(tracker: BudgetTracker) -> BudgetTracker:
    t = tracker
    t.add_unit("A100", "某市医疗保障局")
    t.add_unit("B200", "某市医疗保障局本级", parent="A100")
    t.add_unit("C300", "某市医疗保障事务中心", parent="B200")
    t.add_unit("X900", "另一个局")
    t.add_project(
        year=YEAR, unit="A100", code="PA1", name="医保信息化建设", functional="2101501", economic="30201"
    )
    t.add_project(
        year=YEAR,
        unit="B200",
        code="PB1",
        name="日常公用经费",
        expenditure_type="公用经费",
        functional="2101502",
        economic="30213",
        source="政府性基金预算财政拨款",
        plan=SEED_002,
    )
    t.add_project(
        year=YEAR,
        unit="C300",
        code="PC1",
        name="办公室整修",
        expenditure_type="人员经费",
        functional="2080505",
        economic="30108",
        plan=SEED_003,
    )
    t.add_project(year=YEAR, unit="C300", code="PC2", name="上年结转项目", source="上年结转")
    t.add_project(
        year=YEAR, unit="X900", code="PX1", name="别处的项目", functional="2101501", economic="30201"
    )
    t.add_project(year=2023, unit="A100", code="PY", name="去年的项目")
    t.appropriate("PY", "999.00", date="2023-05-01")

    t.appropriate("PA1", "100000.00", date="2024-01-10", kind="initial", doc="某财【2024】1号")
    t.appropriate("PA1", "5000.00", date="2024-02-01", kind="carryover")
    t.pay("PA1", "30000.00", date="2024-05-20", payee="某科技公司")
    t.appropriate("PA1", "20000.00", date="2024-04-15", kind="add")
    back_dated = t.pay("PA1", "10000.00", date="2024-03-15", payee="某印刷厂")
    t.reverse(back_dated, "5000.00", date="2024-06-10", reason="退回多付款")
    t.appropriate("PA1", "5000.00", date="2024-11-01", kind="recall")
    t.appropriate("PA1", "10000.00", date="2024-07-01", kind="reduce")

    t.appropriate("PB1", "200000.00", date="2024-01-05")
    t.pay("PB1", "60000.00", date="2024-06-30", payee="某物业公司")
    t.appropriate("PC1", "500000.00", date="2024-01-02")
    t.pay("PC1", "70000.00", date="2024-06-20", payee="某装修公司")
    t.appropriate("PC2", "50000.00", date="2024-01-01", kind="carryover")
    t.appropriate("PX1", "80000.00", date="2024-01-03")
    t.pay("PX1", "8000.00", date="2024-02-01", payee="某公司")
    return t


def by_code(projects: list[ProjectStatus]) -> dict[str, ProjectStatus]:
    return {p.code: p for p in projects}


def amounts(f: Figures) -> tuple[Decimal, Decimal]:
    return f.budget, f.disbursed


def values(f: Figures) -> tuple[Decimal | Fraction, ...]:
    """Every figure a reader sees (whatever the dataclass keeps inside); rates to 20
    places, since a sum of one project's amounts may differ in the 28th digit."""
    rates = (f.execution_rate, f.planned_rate, f.lag_points, f.forecast_rate)
    return (f.budget, f.disbursed, f.available, *(Fraction(r).limit_denominator(10**12) for r in rates))


# ------------------------------------------------------------------ status as of d

PA1_TIMELINE = [  # as of -> (budget, disbursed), 元
    (d(2023, 12, 31), "0.00", "0.00"),
    (d(2024, 1, 9), "0.00", "0.00"),
    (d(2024, 1, 10), "100000.00", "0.00"),
    (d(2024, 1, 31), "100000.00", "0.00"),
    (d(2024, 2, 1), "105000.00", "0.00"),
    (d(2024, 3, 14), "105000.00", "0.00"),
    (d(2024, 3, 15), "105000.00", "10000.00"),
    (d(2024, 4, 14), "105000.00", "10000.00"),
    (d(2024, 4, 15), "125000.00", "10000.00"),
    (d(2024, 5, 19), "125000.00", "10000.00"),
    (d(2024, 5, 20), "125000.00", "40000.00"),
    (d(2024, 6, 9), "125000.00", "40000.00"),
    (d(2024, 6, 10), "125000.00", "35000.00"),
    (d(2024, 6, 30), "125000.00", "35000.00"),
    (d(2024, 7, 1), "115000.00", "35000.00"),
    (d(2024, 10, 31), "115000.00", "35000.00"),
    (d(2024, 11, 1), "110000.00", "35000.00"),
    (d(2024, 12, 31), "110000.00", "35000.00"),
    (d(2025, 3, 1), "110000.00", "35000.00"),
]


@pytest.mark.parametrize(("day", "budget", "disbursed"), PA1_TIMELINE, ids=[str(t[0]) for t in PA1_TIMELINE])
def test_budget_and_disbursed_by_business_date(
    ledger: BudgetTracker, day: dt.date, budget: str, disbursed: str
) -> None:
    as_of, projects = ledger.queries.statuses(YEAR, day)
    assert as_of == day
    pa1 = by_code(projects)["PA1"]
    assert amounts(pa1.figures) == (D(budget), D(disbursed))
    assert pa1.figures.available == D(budget) - D(disbursed)


def test_status_report_as_of_30_june(ledger: BudgetTracker) -> None:
    report = ledger.queries.status_report(YEAR, d(2024, 6, 30))
    assert report["as_of"] == d(2024, 6, 30)
    assert [p.code for p in report["projects"]] == ["PA1", "PB1", "PC1", "PC2", "PX1"]
    p = by_code(report["projects"])
    # PA1: 35,000 of 125,000 = 28%, default plan 50% -> ratio 56% -> red.
    f = p["PA1"].figures
    assert (f.budget, f.disbursed, f.available) == (D("125000.00"), D("35000.00"), D("90000.00"))
    assert f.execution_rate == D(28)
    assert f.planned_rate == D(50)
    assert f.lag_points == D(22)
    assert p["PA1"].status == "red"
    # Average pace over the 182 days to 30 June, over 366 days: 28 * 366 / 182.
    assert close(f.forecast_rate, Fraction(28 * 366, 182))
    # PB1: 30% of a 50% plan: ratio exactly 60% -> yellow.
    assert p["PB1"].figures.execution_rate == D(30)
    assert p["PB1"].figures.planned_rate == D(50)
    assert p["PB1"].status == "yellow"
    # PC1: 70,000 of 500,000 against the 70,000 checkpoint: 14 of 14 -> green.
    assert p["PC1"].figures.execution_rate == D(14)
    assert p["PC1"].figures.planned_rate == D(14)
    assert p["PC1"].figures.lag_points == 0
    assert p["PC1"].status == "green"
    # PC2: nothing spent of 50,000 -> red.
    assert amounts(p["PC2"].figures) == (D("50000.00"), D("0.00"))
    assert p["PC2"].status == "red"
    assert p["PX1"].figures.execution_rate == D(10)
    # Every project of the year is listed, none of 2023.
    assert "PY" not in p


def test_status_between_checkpoints_is_linear(ledger: BudgetTracker) -> None:
    _, projects = ledger.queries.statuses(YEAR, d(2024, 5, 20))
    pa1 = by_code(projects)["PA1"]
    # 20 May is day 50 of the 91 days from 03-31 to 06-30.
    planned = 25 + Fraction(25 * 50, 91)
    assert close(pa1.figures.planned_rate, planned)
    assert pa1.figures.execution_rate == D(32)
    assert close(pa1.figures.lag_points, planned - 32)
    assert pa1.status == "green"  # 32 / 38.74 = 82.6%
    _, projects = ledger.queries.statuses(YEAR, d(2024, 3, 31))
    pa1 = by_code(projects)["PA1"]
    assert close(pa1.figures.execution_rate, Fraction(10000 * 100, 105000))
    assert pa1.figures.planned_rate == D(25)
    assert pa1.status == "red"


def test_amount_plan_uses_the_budget_on_the_day_asked(tracker: BudgetTracker) -> None:
    tracker.add_unit("U1", "单位")
    tracker.add_project(year=YEAR, unit="U1", code="AM", name="金额计划", plan=SEED_003)
    tracker.appropriate("AM", "250000.00", date="2024-01-02")
    tracker.pay("AM", "70000.00", date="2024-06-30", payee="某公司")
    tracker.appropriate("AM", "250000.00", date="2024-07-01", kind="add")
    _, [p] = tracker.queries.statuses(YEAR, d(2024, 6, 30))
    assert p.figures.planned_rate == D(28)  # 70,000 of 250,000
    assert p.figures.execution_rate == D(28)
    _, [p] = tracker.queries.statuses(YEAR, d(2024, 7, 1))
    # The budget doubled: 14% at 06-30, 20% at 10-31 (123 days later), day 1 of them.
    assert close(p.figures.planned_rate, 14 + Fraction(6, 123))
    assert p.figures.execution_rate == D(14)
    _, [p] = tracker.queries.statuses(YEAR, d(2024, 3, 31))
    assert p.figures.planned_rate == D(14)  # half-way to 28, the blank 03-31 skipped
    progress = tracker.queries.progress(tracker.find_project("AM"), d(2024, 7, 1))
    # The 06-30 checkpoint is judged on the budget of 06-30: 28 of 28, met.
    assert [(c["date"], c["target_rate"], c["actual_rate"], c["met"]) for c in progress["checkpoints"]] == [
        (d(2024, 6, 30), D(28), D(28), True)
    ]


def test_percent_plan_before_any_budget_arrives(tracker: BudgetTracker) -> None:
    """planned_rate(d) of a percentage plan does not depend on budget(d): with no budget
    yet on 30 June the plan still says 50%, so the project lags by 50 points (red)."""
    tracker.add_unit("U1", "单位")
    tracker.add_project(year=YEAR, unit="U1", code="LATE", name="预算晚到")
    tracker.add_project(year=YEAR, unit="U1", code="AMT", name="金额计划", plan="06-30:500,12-31:1000")
    tracker.appropriate("LATE", "1000.00", date="2024-07-01")
    tracker.appropriate("AMT", "1000.00", date="2024-07-01")
    report = tracker.queries.status_report(YEAR, d(2024, 6, 30))
    amt, late = wire.status_json(report)["projects"]  # ordered by code
    assert (late["budget"], late["execution_rate"]) == ("0.00", 0.0)
    assert (late["planned_rate"], late["lag_points"], late["status"]) == (50.0, 50.0, "red")
    # An amount plan over a budget of 0 is 0 (DOMAIN.md "Amount plans").
    assert (amt["planned_rate"], amt["lag_points"], amt["status"]) == (0.0, 0.0, "green")
    # The total is budget-weighted: nothing budgeted, nothing planned.
    assert report["total"].planned_rate == 0


def test_series_agrees_with_status_before_any_budget_arrives(tracker: BudgetTracker) -> None:
    tracker.add_unit("U1", "单位")
    tracker.add_project(year=YEAR, unit="U1", code="LATE", name="预算晚到")
    tracker.appropriate("LATE", "1000.00", date="2024-07-01")
    series = tracker.queries.series(YEAR, code="LATE", as_of=d(2024, 6, 30))
    _, [status] = tracker.queries.statuses(YEAR, d(2024, 6, 30), codes=["LATE"])
    assert values(series["points"][-1]["figures"]) == values(status.figures)
    assert series["points"][-1]["figures"].planned_rate == D(50)


def test_as_of_before_the_year_lists_every_project_at_zero(ledger: BudgetTracker) -> None:
    _, projects = ledger.queries.statuses(YEAR, d(2023, 12, 31))
    assert len(projects) == 5
    for p in projects:
        assert amounts(p.figures) == (0, 0)
        assert p.figures.planned_rate == 0
        assert p.status == "green"


def test_status_for_a_unit_includes_its_whole_subtree(ledger: BudgetTracker) -> None:
    q = ledger.queries
    day = d(2024, 6, 30)
    assert [p.code for p in q.status_report(YEAR, day, "A100")["projects"]] == ["PA1", "PB1", "PC1", "PC2"]
    assert [p.code for p in q.status_report(YEAR, day, "B200")["projects"]] == ["PB1", "PC1", "PC2"]
    assert [p.code for p in q.status_report(YEAR, day, "C300")["projects"]] == ["PC1", "PC2"]
    assert [p.code for p in q.status_report(YEAR, day, "X900")["projects"]] == ["PX1"]
    assert q.subtree("A100") == ["A100", "B200", "C300"]
    total = q.status_report(YEAR, day, "B200")["total"]
    assert amounts(total) == (D("750000.00"), D("130000.00"))
    with pytest.raises(NotFoundError):
        q.status_report(YEAR, day, "NOPE")


def test_total_row_is_budget_weighted(ledger: BudgetTracker) -> None:
    report = ledger.queries.status_report(YEAR, d(2024, 6, 30))
    total = report["total"]
    assert amounts(total) == (D("955000.00"), D("173000.00"))
    assert total.available == D("782000.00")
    assert close(total.execution_rate, Fraction(173000 * 100, 955000))
    # Planned amounts 62,500 + 100,000 + 70,000 + 25,000 + 40,000 over 955,000 (the
    # unweighted mean of the planned rates would be 42.8).
    assert close(total.planned_rate, Fraction(297500 * 100, 955000))
    assert close(total.lag_points, Fraction((297500 - 173000) * 100, 955000))
    # 18.1 / 31.2 = 58% -> red by the default rule.
    assert report["total_status"] == "red"
    data = wire.status_json(report)
    assert data["total"] == {
        "budget": "955000.00",
        "disbursed": "173000.00",
        "available": "782000.00",
        "execution_rate": 18.12,
        "planned_rate": 31.15,
        "lag_points": 13.04,
        "forecast_rate": 36.43,
        "committed": "0.00",
        "uncommitted": "782000.00",
        "status": "red",
    }
    # forecast: each project's pace, summed as amounts: 173,000 * 366 / 182 / 955,000.
    assert close(total.forecast_rate, Fraction(173000 * 366 * 100, 182 * 955000))


# ------------------------------------------------------------------------ roll-ups


def rows_of(r: dict[str, Any]) -> dict[tuple[str, ...], tuple[int, Decimal, Decimal]]:
    return {
        tuple(row["key"]): (row["projects"], row["figures"].budget, row["figures"].disbursed)
        for row in r["rows"]
    }


def test_rollup_by_unit_counts_each_project_for_every_ancestor(ledger: BudgetTracker) -> None:
    r = ledger.queries.rollup(YEAR, ["unit"], as_of=d(2024, 12, 31))
    assert rows_of(r) == {
        ("A100",): (4, D("860000.00"), D("165000.00")),
        ("B200",): (3, D("750000.00"), D("130000.00")),
        ("C300",): (2, D("550000.00"), D("70000.00")),
        ("X900",): (1, D("80000.00"), D("8000.00")),
    }
    assert amounts(r["total"]) == (D("940000.00"), D("173000.00"))
    assert r["rows"][0]["name"] == ["某市医疗保障局"]
    below = ledger.queries.rollup(YEAR, ["unit"], as_of=d(2024, 12, 31), unit="B200")
    assert rows_of(below) == {
        ("B200",): (3, D("750000.00"), D("130000.00")),
        ("C300",): (2, D("550000.00"), D("70000.00")),
    }
    assert amounts(below["total"]) == (D("750000.00"), D("130000.00"))


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (
            None,
            {
                ("208",): (1, "500000.00", "70000.00"),
                ("210",): (3, "390000.00", "103000.00"),
                ("未分类",): (1, "50000.00", "0.00"),
            },
        ),
        (
            3,
            {
                ("208",): (1, "500000.00", "70000.00"),
                ("210",): (3, "390000.00", "103000.00"),
                ("未分类",): (1, "50000.00", "0.00"),
            },
        ),
        (
            5,
            {
                ("20805",): (1, "500000.00", "70000.00"),
                ("21015",): (3, "390000.00", "103000.00"),
                ("未分类",): (1, "50000.00", "0.00"),
            },
        ),
        (
            7,
            {
                ("2080505",): (1, "500000.00", "70000.00"),
                ("2101501",): (2, "190000.00", "43000.00"),
                ("2101502",): (1, "200000.00", "60000.00"),
                ("未分类",): (1, "50000.00", "0.00"),
            },
        ),
    ],
)
def test_rollup_by_functional_class_at_each_level(
    ledger: BudgetTracker,
    level: int | None,
    expected: dict[tuple[str, ...], tuple[int, str, str]],
) -> None:
    r = ledger.queries.rollup(YEAR, ["functional"], level, d(2024, 12, 31))
    assert rows_of(r) == {k: (n, D(b), D(s)) for k, (n, b, s) in expected.items()}
    assert amounts(r["total"]) == (D("940000.00"), D("173000.00"))
    names = {tuple(row["key"]): row["name"] for row in r["rows"]}
    if level in (None, 3):
        assert names[("210",)] == ["卫生健康支出"]


def test_rollup_by_economic_class(ledger: BudgetTracker) -> None:
    r = ledger.queries.rollup(YEAR, ["economic"], as_of=d(2024, 12, 31))
    assert rows_of(r) == {
        ("301",): (1, D("500000.00"), D("70000.00")),
        ("302",): (3, D("390000.00"), D("103000.00")),
        ("未分类",): (1, D("50000.00"), D("0.00")),
    }
    r = ledger.queries.rollup(YEAR, ["economic"], 5, d(2024, 12, 31))
    assert rows_of(r) == {
        ("30108",): (1, D("500000.00"), D("70000.00")),
        ("30201",): (2, D("190000.00"), D("43000.00")),
        ("30213",): (1, D("200000.00"), D("60000.00")),
        ("未分类",): (1, D("50000.00"), D("0.00")),
    }


def test_rollup_by_source_and_type(ledger: BudgetTracker) -> None:
    r = ledger.queries.rollup(YEAR, ["source"], as_of=d(2024, 12, 31))
    assert rows_of(r) == {
        ("一般公共预算财政拨款",): (3, D("690000.00"), D("113000.00")),
        ("政府性基金预算财政拨款",): (1, D("200000.00"), D("60000.00")),
        ("上年结转",): (1, D("50000.00"), D("0.00")),
    }
    r = ledger.queries.rollup(YEAR, ["type"], as_of=d(2024, 12, 31))
    assert rows_of(r) == {
        ("项目支出",): (3, D("240000.00"), D("43000.00")),
        ("基本支出-公用经费",): (1, D("200000.00"), D("60000.00")),
        ("基本支出-人员经费",): (1, D("500000.00"), D("70000.00")),
    }


def test_rollup_as_of_an_earlier_date(ledger: BudgetTracker) -> None:
    r = ledger.queries.rollup(YEAR, ["type"], as_of=d(2024, 3, 15))
    # PA1 105,000 / 10,000; PC2 50,000; PX1 80,000 / 8,000.
    assert rows_of(r)[("项目支出",)] == (3, D("235000.00"), D("18000.00"))
    assert rows_of(r)[("基本支出-人员经费",)] == (1, D("500000.00"), D("0.00"))


def test_two_way_pivot_cells_sum_to_the_total(ledger: BudgetTracker) -> None:
    r = ledger.queries.rollup(YEAR, ["functional", "type"], as_of=d(2024, 6, 30))
    cells = rows_of(r)
    assert cells == {
        ("208", "基本支出-人员经费"): (1, D("500000.00"), D("70000.00")),
        ("210", "基本支出-公用经费"): (1, D("200000.00"), D("60000.00")),
        ("210", "项目支出"): (2, D("205000.00"), D("43000.00")),
        ("未分类", "项目支出"): (1, D("50000.00"), D("0.00")),
    }
    assert sum(n for n, _, _ in cells.values()) == 5
    assert sum(b for _, b, _ in cells.values()) == r["total"].budget == D("955000.00")
    assert sum(s for _, _, s in cells.values()) == r["total"].disbursed == D("173000.00")
    planned = sum(row["figures"].planned_amount for row in r["rows"])
    assert planned == r["total"].planned_amount
    assert close(r["total"].planned_rate, Fraction(297500 * 100, 955000))


def test_rollup_refuses_unknown_or_repeated_dimensions(ledger: BudgetTracker) -> None:
    with pytest.raises(InvalidInputError):
        ledger.queries.rollup(YEAR, ["colour"])
    with pytest.raises(InvalidInputError):
        ledger.queries.rollup(YEAR, ["type", "type"])
    with pytest.raises(InvalidInputError):
        ledger.queries.rollup(YEAR, ["type", "source", "unit"])


# -------------------------------------------------------------------------- series


def test_series_is_cumulative_and_ends_at_the_status(ledger: BudgetTracker) -> None:
    s = ledger.queries.series(YEAR, code="PA1", as_of=d(2024, 7, 1))
    points = {p["date"]: p["figures"] for p in s["points"]}
    assert s["points"][0]["date"] == d(2024, 1, 1)
    assert s["points"][-1]["date"] == d(2024, 7, 1)
    assert len(points) == 183
    for day, budget, disbursed in PA1_TIMELINE:
        if d(2024, 1, 1) <= day <= d(2024, 7, 1):
            assert amounts(points[day]) == (D(budget), D(disbursed)), day
    assert points[d(2024, 3, 31)].planned_rate == D(25)
    assert close(points[d(2024, 3, 15)].planned_rate, Fraction(25 * 75, 91))
    _, projects = ledger.queries.statuses(YEAR, d(2024, 7, 1))
    last = s["points"][-1]["figures"]
    assert values(last) == values(by_code(projects)["PA1"].figures)
    rows = wire.series_rows(s)
    assert rows[74] == {
        "date": "2024-03-15",
        "budget": "105000.00",
        "disbursed": "10000.00",
        "execution_rate": 9.52,
        "planned_rate": 20.6,
    }


def test_series_of_a_unit_sums_its_subtree(ledger: BudgetTracker) -> None:
    s = ledger.queries.series(YEAR, unit="B200", as_of=d(2024, 12, 31))
    assert len(s["points"]) == 366
    points = {p["date"]: p["figures"] for p in s["points"]}
    assert amounts(points[d(2024, 1, 1)]) == (D("50000.00"), D("0.00"))
    assert amounts(points[d(2024, 1, 5)]) == (D("750000.00"), D("0.00"))
    assert amounts(points[d(2024, 6, 20)]) == (D("750000.00"), D("70000.00"))
    assert amounts(points[d(2024, 6, 30)]) == (D("750000.00"), D("130000.00"))
    total = ledger.queries.status_report(YEAR, d(2024, 12, 31), "B200")["total"]
    assert values(s["points"][-1]["figures"]) == values(total)


def test_series_needs_a_known_project_or_unit(ledger: BudgetTracker) -> None:
    with pytest.raises(NotFoundError):
        ledger.queries.series(YEAR, code="NOPE")
    with pytest.raises(InvalidInputError):
        ledger.queries.series(YEAR)


# ------------------------------------------------------------------------ progress


def test_progress_reports_missed_checkpoints_with_their_shortfall(ledger: BudgetTracker) -> None:
    data = ledger.queries.progress(ledger.find_project("PA1"), d(2024, 7, 15))
    assert data["as_of"] == d(2024, 7, 15)
    [march, june] = data["checkpoints"]
    assert (march["date"], march["target_rate"], march["met"]) == (d(2024, 3, 31), D(25), False)
    assert close(march["actual_rate"], Fraction(10000 * 100, 105000))  # budget of 31 March
    assert close(march["shortfall_points"], 25 - Fraction(10000 * 100, 105000))
    assert (
        june["date"],
        june["target_rate"],
        june["actual_rate"],
        june["met"],
        june["shortfall_points"],
    ) == (d(2024, 6, 30), D(50), D(28), False, D(22))
    # Next: 75% of the 115,000 budget of 15 July by 30 September, 77 days on.
    assert data["next_checkpoint"] == d(2024, 9, 30)
    assert data["next_target_rate"] == D(75)
    assert close(data["daily_needed"], Fraction(86250 - 35000, 77))


def test_progress_reports_met_checkpoints_and_skips_blank_ones(ledger: BudgetTracker) -> None:
    data = ledger.queries.progress(ledger.find_project("PC1"), d(2024, 7, 15))
    assert [
        (c["date"], c["target_rate"], c["actual_rate"], c["met"], c["shortfall_points"])
        for c in data["checkpoints"]
    ] == [(d(2024, 6, 30), D(14), D(14), True, D(0))]
    # 100,000 by 31 October: 30,000 more in the 108 days from 15 July.
    assert data["next_checkpoint"] == d(2024, 10, 31)
    assert data["next_target_rate"] == D(20)
    assert close(data["daily_needed"], Fraction(30000, 108))


def test_progress_on_a_checkpoint_day_looks_at_the_following_one(ledger: BudgetTracker) -> None:
    data = ledger.queries.progress(ledger.find_project("PC1"), d(2024, 6, 30))
    assert [c["date"] for c in data["checkpoints"]] == [d(2024, 6, 30)]
    assert data["next_checkpoint"] == d(2024, 10, 31)
    assert close(data["daily_needed"], Fraction(30000, 123))
    data = ledger.queries.progress(ledger.find_project("PB1"), d(2024, 6, 30))
    assert [(c["date"], c["met"]) for c in data["checkpoints"]] == [
        (d(2024, 3, 31), False),
        (d(2024, 6, 30), False),
    ]
    assert data["checkpoints"][1]["shortfall_points"] == D(20)
    # Seed 002: 75% of 200,000 by 31 October, 123 days after 30 June.
    assert data["next_checkpoint"] == d(2024, 10, 31)
    assert close(data["daily_needed"], Fraction(150000 - 60000, 123))


def test_progress_after_the_last_checkpoint(ledger: BudgetTracker) -> None:
    data = ledger.queries.progress(ledger.find_project("PX1"), d(2024, 12, 31))
    assert [c["date"] for c in data["checkpoints"]] == [
        d(2024, 3, 31),
        d(2024, 6, 30),
        d(2024, 9, 30),
        d(2024, 12, 31),
    ]
    assert all(not c["met"] for c in data["checkpoints"])
    assert data["checkpoints"][-1]["shortfall_points"] == D(90)
    assert data["next_checkpoint"] is None
    assert data["daily_needed"] == 0
    with pytest.raises(NotFoundError):
        ledger.queries.progress(uuid.uuid4())


# -------------------------------------------------------------------- unit settings


def test_points_rule_of_a_unit_changes_its_projects_status(ledger: BudgetTracker) -> None:
    day = d(2024, 6, 30)

    def status_of(code: str) -> str:
        return by_code(ledger.queries.statuses(YEAR, day)[1])[code].status

    assert status_of("PB1") == "yellow"  # ratio 30/50 = 60%
    ledger.change_unit_settings("B200", rule="points")
    assert ledger.queries.units()["B200"]["status_rule"] == "points"
    assert status_of("PB1") == "red"  # 20 points behind
    ledger.change_unit_settings("B200", rule="points", yellow="20", red="30")
    assert status_of("PB1") == "green"  # exactly 20 points behind: not more than 20
    ledger.change_unit_settings("B200", rule="ratio", yellow="60", red="50")
    assert status_of("PB1") == "green"  # ratio exactly 60%
    ledger.change_unit_settings("B200", rule="ratio", yellow="61", red="60")
    assert status_of("PB1") == "yellow"
    ledger.change_unit_settings("B200", rule="ratio", yellow="62", red="61")
    assert status_of("PB1") == "red"


def test_a_unit_report_total_uses_the_units_rule(ledger: BudgetTracker) -> None:
    day = d(2024, 6, 30)
    # C300: 70,000 of 550,000 (12.73%) against 70,000 + 25,000 planned (17.27%): 73.7%.
    report = ledger.queries.status_report(YEAR, day, "C300")
    assert close(report["total"].planned_rate, Fraction(95000 * 100, 550000))
    assert report["total_status"] == "yellow"
    ledger.change_unit_settings("C300", rule="points")
    assert ledger.queries.status_report(YEAR, day, "C300")["total_status"] == "green"


def test_custom_ratio_thresholds(ledger: BudgetTracker) -> None:
    day = d(2024, 5, 20)
    assert by_code(ledger.queries.statuses(YEAR, day)[1])["PA1"].status == "green"
    ledger.change_unit_settings("A100", rule="ratio", yellow="90", red="70")
    assert by_code(ledger.queries.statuses(YEAR, day)[1])["PA1"].status == "yellow"


# ------------------------------------------------------------------------ the wire

PROJECT_KEYS = {
    "code",
    "name",
    "unit",
    "budget",
    "disbursed",
    "available",
    "execution_rate",
    "planned_rate",
    "lag_points",
    "status",
    "forecast_rate",
    "committed",
    "uncommitted",
}


def test_status_json_shape(ledger: BudgetTracker) -> None:
    data = wire.status_json(ledger.queries.status_report(YEAR, d(2024, 6, 30)))
    assert set(data) >= {"year", "as_of", "projects", "total"}
    assert data["year"] == YEAR
    assert data["as_of"] == "2024-06-30"
    assert all(set(row) == PROJECT_KEYS for row in data["projects"])
    assert set(data["total"]) >= PROJECT_KEYS - {"code", "name", "unit"}
    pa1 = data["projects"][0]
    assert pa1 == {
        "code": "PA1",
        "name": "医保信息化建设",
        "unit": "A100",
        "budget": "125000.00",
        "disbursed": "35000.00",
        "available": "90000.00",
        "execution_rate": 28.0,
        "planned_rate": 50.0,
        "lag_points": 22.0,
        "status": "red",
        "forecast_rate": 56.31,
        "committed": "0.00",
        "uncommitted": "90000.00",
    }
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data


def test_rates_are_rounded_half_up_from_exact_values(tracker: BudgetTracker) -> None:
    tracker.add_unit("U1", "单位")
    tracker.add_project(year=YEAR, unit="U1", code="R1", name="甲", plan="06-30:12345,12-31:100000")
    tracker.add_project(year=YEAR, unit="U1", code="R2", name="乙", plan="06-30:12340,12-31:100000")
    tracker.appropriate("R1", "100000.00", date="2024-01-01")
    tracker.appropriate("R2", "100000.00", date="2024-01-01")
    tracker.pay("R1", "12340.00", date="2024-06-01", payee="某公司")
    tracker.pay("R2", "12345.00", date="2024-06-01", payee="某公司")
    report = tracker.queries.status_report(YEAR, d(2024, 6, 30))
    r1, r2 = report["projects"]
    assert r1.figures.planned_rate == D("12.345")
    assert r2.figures.execution_rate == D("12.345")
    data = wire.status_json(report)
    row1, row2 = data["projects"]
    # 12.345 -> 12.35 (half-even would give 12.34); 0.005 -> 0.01; -0.005 -> -0.01.
    assert (row1["execution_rate"], row1["planned_rate"], row1["lag_points"]) == (12.34, 12.35, 0.01)
    assert (row2["execution_rate"], row2["planned_rate"], row2["lag_points"]) == (12.35, 12.34, -0.01)
    # 12,340 in 182 days, over 366: 24.8156… -> 24.82.
    assert row1["forecast_rate"] == 24.82
    # Total: 24,685 of 200,000 = 12.3425 -> 12.34; both plans 24,685 -> lag 0.
    assert (data["total"]["execution_rate"], data["total"]["planned_rate"], data["total"]["lag_points"]) == (
        12.34,
        12.34,
        0.0,
    )
    assert wire.pct(D("0.125")) == 0.13
    assert wire.pct(D("-0.125")) == -0.13
    assert wire.pct(D("99.994999")) == 99.99


def test_status_is_decided_before_rounding(tracker: BudgetTracker) -> None:
    tracker.add_unit("U1", "单位")
    tracker.add_project(year=YEAR, unit="U1", code="S1", name="甲")
    tracker.appropriate("S1", "100000.00", date="2024-01-01")
    tracker.pay("S1", "39996.00", date="2024-06-01", payee="某公司")
    row = wire.status_json(tracker.queries.status_report(YEAR, d(2024, 6, 30)))["projects"][0]
    # 40.00 of 50.00 on the wire would be exactly 80% (green), but 39.996 is yellow.
    assert (row["execution_rate"], row["planned_rate"], row["status"]) == (40.0, 50.0, "yellow")


def test_status_csv_and_table(ledger: BudgetTracker) -> None:
    report = ledger.queries.status_report(YEAR, d(2024, 6, 30))
    lines = wire.status_csv(report).splitlines()
    assert lines[0] == ",".join(wire.STATUS_COLUMNS)
    assert lines[1] == "PA1,医保信息化建设,A100,125000.00,35000.00,90000.00,28.0,50.0,22.0,red,56.31"
    assert lines[-1].startswith("合计,,,955000.00,173000.00,782000.00,18.12,31.15,13.04,red,")
    assert len(lines) == 7
    text = status_text.status_table(report)
    assert "125,000.00" in text
    assert "955,000.00" in text
    assert "严重滞后" in text
    assert "预警" in text
    assert "项目编码" in text


# ----------------------------------------------------------------------------- CLI


def cli(db_url: str, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
    env.update(TRACKER_DB=db_url, TRACKER_USER="测试员", PYTHONIOENCODING="utf-8")
    proc = subprocess.run(
        [TRACKER, *args], env=env, capture_output=True, text=True, encoding="utf-8", timeout=60, check=False
    )
    assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
    return proc


def test_cli_status_in_every_format(ledger: BudgetTracker) -> None:
    url = ledger.settings.db_url
    data = json.loads(
        cli(url, "status", "--year", "2024", "--as-of", "2024-06-30", "--format", "json").stdout
    )
    assert data == wire.status_json(ledger.queries.status_report(YEAR, d(2024, 6, 30)))
    assert [p["code"] for p in data["projects"]] == ["PA1", "PB1", "PC1", "PC2", "PX1"]
    assert data["projects"][0]["budget"] == "125000.00"
    assert data["total"]["planned_rate"] == 31.15
    sub = json.loads(
        cli(
            url, "status", "--year", "2024", "--as-of", "2024-06-30", "--unit", "B200", "--format", "json"
        ).stdout
    )
    assert [p["code"] for p in sub["projects"]] == ["PB1", "PC1", "PC2"]
    assert sub["total"]["budget"] == "750000.00"
    csv_text = cli(url, "status", "--year", "2024", "--as-of", "2024-06-30", "--format", "csv").stdout
    assert csv_text == wire.status_csv(ledger.queries.status_report(YEAR, d(2024, 6, 30)))
    table = cli(url, "status", "--year", "2024", "--as-of", "2024-06-30").stdout
    for header in (
        "项目编码",
        "项目名称",
        "全年预算(元)",
        "执行数(元)",
        "执行率%",
        "序时进度%",
        "状态",
        "预计年末%",
    ):
        assert header in table
    assert "截至 2024-06-30" in table
    assert "125,000.00" in table
    assert "955,000.00" in table
    assert "严重滞后" in table


def test_cli_status_defaults_to_the_year_end_once_the_year_is_over(
    ledger: BudgetTracker,
) -> None:
    data = json.loads(cli(ledger.settings.db_url, "status", "--year", "2024", "--format", "json").stdout)
    assert data["as_of"] == "2024-12-31"
    assert data["total"]["budget"] == "940000.00"


def test_cli_status_refusals(ledger: BudgetTracker) -> None:
    url = ledger.settings.db_url
    proc = cli(url, "status", "--year", "2024", "--unit", "NOPE", code=1)
    assert "NOPE" in proc.stderr
    cli(url, "status", "--year", "2024", "--as-of", "2024-13-01", code=1)
    cli(url, "status", "--year", "2024", "--format", "xml", code=2)


def test_cli_rollup(ledger: BudgetTracker) -> None:
    url = ledger.settings.db_url
    data = json.loads(
        cli(
            url,
            "rollup",
            "--year",
            "2024",
            "--by",
            "functional,type",
            "--as-of",
            "2024-06-30",
            "--format",
            "json",
        ).stdout
    )
    assert data["by"] == ["functional", "type"]
    cells = {tuple(r["key"]): r for r in data["rows"]}
    assert cells[("210", "项目支出")]["budget"] == "205000.00"
    assert sum(D(r["budget"]) for r in data["rows"]) == D(data["total"]["budget"])
    assert data["total"]["budget"] == "955000.00"
    data = json.loads(
        cli(
            url,
            "rollup",
            "--year",
            "2024",
            "--by",
            "functional",
            "--level",
            "7",
            "--unit",
            "A100",
            "--format",
            "json",
        ).stdout
    )
    assert [r["key"] for r in data["rows"]] == [["2080505"], ["2101501"], ["2101502"], ["未分类"]]
    assert data["total"]["budget"] == "860000.00"
    table = cli(url, "rollup", "--year", "2024", "--by", "unit", "--as-of", "2024-12-31").stdout
    assert "单位" in table
    assert "项目数" in table
    assert "860,000.00" in table
    assert "A100 某市医疗保障局" in table
    cli(url, "rollup", "--year", "2024", "--by", "colour", code=1)
    cli(url, "rollup", "--year", "2024", "--by", "unit", "--level", "4", code=2)


def test_cli_series_csv(ledger: BudgetTracker) -> None:
    url = ledger.settings.db_url
    lines = cli(url, "series", "PA1", "--as-of", "2024-07-01", "--format", "csv").stdout
    rows = lines.splitlines()
    assert rows[0] == "date,budget,disbursed,execution_rate,planned_rate"
    assert len(rows) == 1 + 183
    assert rows[1] == "2024-01-01,0.00,0.00,0.0,0.27"  # 25% x 1/91: a % plan needs no budget
    assert rows[1 + 74] == "2024-03-15,105000.00,10000.00,9.52,20.6"
    assert rows[-1] == "2024-07-01,115000.00,35000.00,30.43,50.27"
    data = json.loads(cli(url, "series", "C300", "--unit", "--year", "2024", "--as-of", "2024-06-30").stdout)
    assert data["points"][-1] == {
        "date": "2024-06-30",
        "budget": "550000.00",
        "disbursed": "70000.00",
        "execution_rate": 12.73,
        "planned_rate": 17.27,
    }
    cli(url, "series", "C300", "--unit", code=2)
    cli(url, "series", "NOPE", code=1)


def test_cli_progress(ledger: BudgetTracker) -> None:
    url = ledger.settings.db_url
    data = json.loads(cli(url, "progress", "PA1", "--as-of", "2024-07-15", "--format", "json").stdout)
    assert data["code"] == "PA1"
    assert data["checkpoints"] == [
        {
            "date": "2024-03-31",
            "target_rate": 25.0,
            "actual_rate": 9.52,
            "met": False,
            "shortfall_points": 15.48,
        },
        {
            "date": "2024-06-30",
            "target_rate": 50.0,
            "actual_rate": 28.0,
            "met": False,
            "shortfall_points": 22.0,
        },
    ]
    assert data["next_checkpoint"] == "2024-09-30"
    assert data["daily_needed"] == "665.58"  # 51,250 / 77
    text = cli(url, "progress", "PC1", "--as-of", "2024-07-15").stdout
    assert "达成" in text
    assert "2024-10-31" in text
    assert "277.78" in text


def test_cli_settings_set_and_show(ledger: BudgetTracker) -> None:
    url = ledger.settings.db_url
    shown = json.loads(cli(url, "settings", "show", "B200", "--format", "json").stdout)
    assert shown == {"unit": "B200", "rule": "ratio", "yellow": "80", "red": "60", "min_points": "3"}
    proc = cli(url, "settings", "set", "B200", "--rule", "points")
    uid = proc.stdout.strip().splitlines()[-1]
    assert str(uuid.UUID(uid)) == uid
    shown = json.loads(cli(url, "settings", "show", "B200", "--format", "json").stdout)
    assert shown == {"unit": "B200", "rule": "points", "yellow": "5", "red": "10"}
    assert "百分点规则" in cli(url, "settings", "show", "B200").stdout
    data = json.loads(
        cli(
            url, "status", "--year", "2024", "--as-of", "2024-06-30", "--unit", "B200", "--format", "json"
        ).stdout
    )
    assert data["projects"][0]["status"] == "red"  # PB1, yellow under the ratio rule
    cli(url, "settings", "set", "B200", "--rule", "points", "--yellow", "12", "--red", "25")
    shown = json.loads(cli(url, "settings", "show", "B200", "--format", "json").stdout)
    assert (shown["yellow"], shown["red"]) == ("12", "25")
    cli(url, "settings", "set", "B200", "--rule", "points", "--yellow", "10", "--red", "5", code=1)
    cli(url, "settings", "set", "NOPE", "--rule", "ratio", code=1)
    cli(url, "settings", "show", "NOPE", code=1)
    cli(url, "settings", "set", "B200", "--rule", "colour", code=2)
    # The refusals changed nothing.
    shown = json.loads(cli(url, "settings", "show", "B200", "--format", "json").stdout)
    assert (shown["rule"], shown["yellow"], shown["red"]) == ("points", "12", "25")


@pytest.mark.parametrize("year", [1, 1999, 2101, 99999])
def test_every_query_refuses_a_year_out_of_range_by_name(ledger: BudgetTracker, year: int) -> None:
    """The web app and the workers call these directly, with whatever year they were given."""
    for ask in (
        lambda: ledger.queries.status_report(year),
        lambda: ledger.queries.rollup(year, ["unit"]),
        lambda: ledger.queries.series(year, unit="450001"),
        lambda: ledger.check_alerts(dt.date(2024, 6, 30), year=year),
        lambda: ledger.projects(year),
    ):
        with pytest.raises(InvalidInputError) as caught:
            ask()
        assert caught.value.field == "年度"
