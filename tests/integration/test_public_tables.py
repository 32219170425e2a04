"""The standard public tables (公开表) from the read model.

Two ledgers:

- the 满城 2024 demo (``tracker demo``), whose budget is seed 003's unit budget: its
  预算数 must reproduce the seed's figures (row by row in test_demo_seed_tables.py);
- a small hand-built ledger, worked out by hand below, recorded on SQLite and on
  PostgreSQL, whose tables must agree to the cent.

Hand-built ledger (2024; units A100 -> B200, and an unrelated X900):

    K1 B200 基本支出-人员经费 2101501 / 301, 一般公共预算: 01-10 +500,000 initial;
       paid 01-20 200,000 (30101), 02-20 100,000 (30108), 03-20 50,000 (30302)
    K2 B200 基本支出-公用经费 2101501 / 302, 一般公共预算: 01-10 +100,000 initial,
       06-01 +20,000 add; paid 02-10 3,000 (30217), 03-10 5,000 (30231),
       04-10 8,000 (30201), reversed 06-15 2,000 of the 04-10 payment
    P1 A100 项目支出 2101502 / 30213, 一般公共预算: 01-05 +50,000 carryover,
       01-15 +300,000 initial, 09-01 -30,000 reduce; paid 05-20 120,000, 07-01 40,000,
       reversed 08-01 10,000 of the 05-20 payment
    P2 A100 项目支出 2080505 / 31013, 政府性基金: 02-01 +250,000; paid 03-01 240,000
    P3 A100 项目支出, no classes, 单位资金: 01-01 +10,000; paid 04-01 1,000
    X1 X900 项目支出 2101301: 01-01 +999,999; paid 01-02 1,000 (never under A100)
    Y1 A100 2023 项目: never in a 2024 table
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.cli import Context
from tracker.commands.tracker import BudgetTracker
from tracker.demo.data import BASIC_PROJECTS, PROJECTS, UNIT_CODE, UNIT_NAME
from tracker.demo.loader import run_demo, year_schedule
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.money import to_wan
from tracker.queries.reports import (
    ClassRow,
    ClassTable,
    basic_expenditure_by_economic,
    expenditure_by_function,
    income_expenditure_summary,
    project_expenditure_by_economic,
    three_public,
)
from tracker.store.config import Settings
from tracker.store.readstore import ReadStore

D = Decimal
YEAR = 2024
TABLES = (
    income_expenditure_summary,
    expenditure_by_function,
    basic_expenditure_by_economic,
    project_expenditure_by_economic,
    three_public,
)

# Seed 003, 支出总表 (万元): 项目支出 by 功能分类 (类/款/项 as printed).
SEED_PROJECT_BY_FUNCTION = {
    "210": "8258.72",
    "21012": "7544.13",
    "2101202": "7544.13",
    "21013": "630.07",
    "2101301": "630.07",
    "21015": "84.52",
    "2101502": "55.52",
    "2101506": "29.00",
}
# Seed 003, 基本支出 by 项 (万元): one demo line per 经济分类 款, each in its 项.
SEED_BASIC_BY_ITEM = {
    "2080501": "4.87",
    "2080505": "71.99",
    "2080506": "38.31",
    "2101101": "29.16",
    "2101501": "613.92",
    "2210201": "47.39",
}


def wan(value: Decimal) -> str:
    return f"{to_wan(value):f}"


def rows_by_code(table: ClassTable) -> dict[str, ClassRow]:
    return {r.code: r for r in table.rows}


# ------------------------------------------------------------------ the demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadStore]:
    tmp = tmp_path_factory.mktemp("demo")
    ctx = Context(db=f"sqlite:///{tmp}/d.db", user="测试")
    run_demo(ctx, until="2024-12-31", reset=False, echo=lambda *a, **k: None)
    yield ctx.app.read
    ctx.close()


def test_demo_budget_totals_are_the_seeds(demo: ReadStore) -> None:
    t = expenditure_by_function(demo, YEAR, UNIT_CODE)
    assert wan(t.total.budget.total) == "9064.36"
    assert wan(t.total.budget.basic) == "805.64"
    assert wan(t.total.budget.project) == "8258.72"
    # Seed 003: 基本支出 805.64 = 人员经费 776.30 + 日常公用经费 29.34.
    assert wan(t.total.budget.personnel) == "776.30"
    assert wan(t.total.budget.operating) == "29.34"
    assert t.unit_label == f"{UNIT_CODE}{UNIT_NAME}"


def test_demo_project_columns_match_seed_003(demo: ReadStore) -> None:
    rows = rows_by_code(expenditure_by_function(demo, YEAR, UNIT_CODE))
    for code, figure in SEED_PROJECT_BY_FUNCTION.items():
        assert wan(rows[code].budget.project) == figure, code
        # The seed prints no 基本支出 in these rows except 210 / 21015.
        if code not in ("210", "21015"):
            assert rows[code].budget.basic == 0, code
    for code, figure in SEED_BASIC_BY_ITEM.items():
        assert wan(rows[code].budget.basic) == figure, code
    assert {c for c in rows if len(c) == 7} == {
        *(c for c in SEED_PROJECT_BY_FUNCTION if len(c) == 7),
        *SEED_BASIC_BY_ITEM,
    }


def test_demo_summary_balances_and_matches_seed(demo: ReadStore) -> None:
    s = income_expenditure_summary(demo, YEAR, UNIT_CODE)
    income = {r.source: r.amount for r in s.income}
    assert wan(income["一般公共预算财政拨款"]) == "9064.36"
    assert sum(v for k, v in income.items() if k != "一般公共预算财政拨款") == 0
    assert s.carryover == 0
    assert s.income_total == s.budget_total  # 收入总计 = 本年支出合计 (预算数)
    assert s.budget_balance == 0
    assert wan(s.income_total) == "9064.36"
    assert s.spent_total + s.spent_balance == s.income_total  # 支出总计 (执行数) balances
    # Every 类 of the standard list is printed, in code order, as the seed's form does.
    assert [r.code for r in s.expenditure][:3] == ["201", "202", "203"]
    by_class = {r.code: r for r in s.expenditure}
    assert wan(by_class["210"].budget) == "8901.79"
    assert wan(by_class["208"].budget) == "115.18"
    assert wan(by_class["221"].budget) == "47.39"


def test_demo_basic_and_project_economic_tables(demo: ReadStore) -> None:
    basic = basic_expenditure_by_economic(demo, YEAR, UNIT_CODE)
    assert wan(basic.total.budget.personnel) == "776.30"  # seed: 301 709.73 + 303 66.57
    assert wan(basic.total.budget.operating) == "29.34"
    assert basic.total.budget.project == 0
    rows = rows_by_code(basic)
    assert wan(rows["301"].budget.personnel) == "709.73"
    assert wan(rows["303"].budget.personnel) == "66.57"
    assert wan(rows["302"].budget.operating) == "29.34"
    project = project_expenditure_by_economic(demo, YEAR, UNIT_CODE)
    assert wan(project.total.budget.project) == "8258.72"
    assert wan(rows_by_code(project)["31302"].budget.project) == "7544.13"  # 75,441,260 元
    assert project.total.budget.basic == 0
    # 类 rows are the sums of their 款 rows.
    for row in project.rows:
        if row.level == "类":
            parts = [
                r.budget.project for r in project.rows if r.level == "款" and r.code.startswith(row.code)
            ]
            assert sum(parts) == row.budget.project


def test_demo_spending_as_of_excludes_later_payments_and_reversals(demo: ReadStore) -> None:
    payments, reversals = year_schedule()
    functional = {p.code: p.functional for p in (*PROJECTS, *BASIC_PROJECTS)}
    reversal = reversals[0]  # 05-06 payment, 1,531.66 returned on 05-12
    for day in (
        reversal.payment.date,
        reversal.date - dt.timedelta(days=1),
        reversal.date,
        dt.date(2024, 6, 30),
        dt.date(2024, 12, 31),
    ):
        expected: dict[str, Decimal] = {}
        for p in payments:
            if p.date <= day:
                expected[functional[p.code]] = expected.get(functional[p.code], D(0)) + p.amount
        for r in reversals:
            if r.date <= day:
                expected[functional[r.code]] -= r.amount
        rows = rows_by_code(expenditure_by_function(demo, YEAR, UNIT_CODE, day))
        got = {code: row.spent.total for code, row in rows.items() if len(code) == 7}
        assert got == {k: v for k, v in expected.items() if v}, day
    before = expenditure_by_function(demo, YEAR, UNIT_CODE, reversal.date - dt.timedelta(days=1))
    on = expenditure_by_function(demo, YEAR, UNIT_CODE, reversal.date)
    same_day = sum(p.amount for p in payments if p.date == reversal.date)
    assert on.total.spent.total == before.total.spent.total + same_day - reversal.amount


def test_demo_three_public_is_the_seeds(demo: ReadStore) -> None:
    # Seed 003: 3.61 = 公务用车运行维护费 30231 3.00 + 公务接待费 30217 0.61.
    t = three_public(demo, YEAR, UNIT_CODE)
    assert [wan(r.initial) for r in t.rows] == ["3.61", "0.00", "3.00", "0.00", "3.00", "0.61"]
    assert 0 < t.total.spent <= t.total.budget


def test_unknown_unit_and_bad_date_are_refused(demo: ReadStore) -> None:
    with pytest.raises(NotFoundError):
        expenditure_by_function(demo, YEAR, "999999")
    with pytest.raises(InvalidInputError) as e:
        income_expenditure_summary(demo, YEAR, None, "2024-13-01")
    assert e.value.field == "截至日期"


# ------------------------------------------------------- the hand-built ledger


def build(t: BudgetTracker) -> None:
    t.add_unit("A100", "某市医疗保障局")
    t.add_unit("B200", "某市医疗保障局本级", parent="A100")
    t.add_unit("X900", "另一个局")
    t.add_project(
        year=YEAR,
        unit="B200",
        code="K1",
        name="人员经费",
        expenditure_type="人员经费",
        functional="2101501",
        economic="301",
    )
    t.add_project(
        year=YEAR,
        unit="B200",
        code="K2",
        name="公用经费",
        expenditure_type="公用经费",
        functional="2101501",
        economic="302",
    )
    t.add_project(
        year=YEAR, unit="A100", code="P1", name="办公室整修", functional="2101502", economic="30213"
    )
    t.add_project(
        year=YEAR,
        unit="A100",
        code="P2",
        name="公务用车购置",
        functional="2080505",
        economic="31013",
        source="政府性基金预算财政拨款",
    )
    t.add_project(year=YEAR, unit="A100", code="P3", name="无分类项目", source="单位资金")
    t.add_project(year=YEAR, unit="X900", code="X1", name="医疗救助", functional="2101301")
    t.add_project(year=2023, unit="A100", code="Y1", name="上年项目", functional="2101502")
    t.appropriate("Y1", "70000.00", date="2023-03-01", year=2023)
    t.pay("Y1", "7000.00", date="2023-04-01", payee="某公司", year=2023)

    t.appropriate("K1", "500000.00", date="2024-01-10")
    for day, amount, eco in (
        ("2024-01-20", "200000.00", "30101"),
        ("2024-02-20", "100000.00", "30108"),
        ("2024-03-20", "50000.00", "30302"),
    ):
        t.pay("K1", amount, date=day, payee="本单位职工", economic=eco)
    t.appropriate("K2", "100000.00", date="2024-01-10")
    t.appropriate("K2", "20000.00", date="2024-06-01", kind="add")
    t.pay("K2", "3000.00", date="2024-02-10", payee="某宾馆", economic="30217")
    t.pay("K2", "5000.00", date="2024-03-10", payee="某汽修厂", economic="30231")
    office = t.pay("K2", "8000.00", date="2024-04-10", payee="某文具店", economic="30201")
    t.reverse(office, "2000.00", date="2024-06-15", reason="退货")
    t.appropriate("P1", "50000.00", date="2024-01-05", kind="carryover")
    t.appropriate("P1", "300000.00", date="2024-01-15")
    t.appropriate("P1", "30000.00", date="2024-09-01", kind="reduce")
    first = t.pay("P1", "120000.00", date="2024-05-20", payee="某装饰公司")
    t.pay("P1", "40000.00", date="2024-07-01", payee="某装饰公司")
    t.reverse(first, "10000.00", date="2024-08-01", reason="多付退回")
    t.appropriate("P2", "250000.00", date="2024-02-01")
    t.pay("P2", "240000.00", date="2024-03-01", payee="某汽车销售公司")
    t.appropriate("P3", "10000.00", date="2024-01-01")
    t.pay("P3", "1000.00", date="2024-04-01", payee="某公司")
    t.appropriate("X1", "999999.00", date="2024-01-01")
    t.pay("X1", "1000.00", date="2024-01-02", payee="救助对象")


@pytest.fixture
def hand(tmp_path: Path) -> Iterator[ReadStore]:
    app = BudgetTracker(Settings(db_url=f"sqlite:///{tmp_path / 'hand.db'}", user="测试"))
    build(app)
    yield app.read
    app.close()


def test_hand_summary(hand: ReadStore) -> None:
    s = income_expenditure_summary(hand, YEAR, "A100")
    income = {r.source: r.amount for r in s.income if r.amount}
    assert income == {
        "一般公共预算财政拨款": D("890000.00"),
        "政府性基金预算财政拨款": D("250000.00"),
        "单位资金": D("10000.00"),
    }
    assert s.carryover == D("50000.00")
    assert s.income_total == s.budget_total == D("1200000.00")
    assert s.spent_total == D("755000.00")
    assert s.spent_balance == D("445000.00")
    by_class = {r.code: (r.budget, r.spent) for r in s.expenditure if r.budget or r.spent}
    assert by_class == {
        "208": (D("250000.00"), D("240000.00")),
        "210": (D("940000.00"), D("514000.00")),
        "": (D("10000.00"), D("1000.00")),
    }
    assert s.expenditure[-1].name == "未列功能分类科目"
    assert s.unit_label == "A100某市医疗保障局"
    # Without a unit every unit is included, X900 too.
    everything = income_expenditure_summary(hand, YEAR)
    assert everything.budget_total == D("2199999.00")
    assert everything.unit_label == "全部单位"


def test_hand_function_table(hand: ReadStore) -> None:
    t = expenditure_by_function(hand, YEAR, "A100")
    rows = rows_by_code(t)
    assert [r.code for r in t.rows] == ["208", "20805", "2080505", "210", "21015", "2101501", "2101502", ""]
    k = rows["2101501"]
    assert (k.budget.personnel, k.budget.operating, k.budget.project) == (
        D("500000.00"),
        D("120000.00"),
        D(0),
    )
    assert (k.spent.personnel, k.spent.operating) == (D("350000.00"), D("14000.00"))
    assert rows["21015"].budget.total == D("940000.00")
    assert rows["21015"].spent.project == D("150000.00")
    assert (t.total.budget.total, t.total.spent.total) == (D("1200000.00"), D("755000.00"))
    # Only B200 (a leaf): K1 and K2.
    leaf = expenditure_by_function(hand, YEAR, "B200")
    assert leaf.total.budget.total == D("620000.00")
    assert [r.code for r in leaf.rows] == ["210", "21015", "2101501"]


def test_hand_economic_tables(hand: ReadStore) -> None:
    basic = rows_by_code(basic_expenditure_by_economic(hand, YEAR, "A100"))
    assert basic["301"].budget.personnel == D("500000.00")
    assert basic["301"].spent.personnel == D("300000.00")
    assert basic["303"].spent.personnel == D("50000.00")
    assert basic["30201"].spent.operating == D("6000.00")
    assert basic["302"].spent.operating == D("14000.00")
    assert basic["302"].budget.operating == D("120000.00")
    project = project_expenditure_by_economic(hand, YEAR, "A100")
    p = rows_by_code(project)
    assert (p["30213"].budget.project, p["30213"].spent.project) == (D("320000.00"), D("150000.00"))
    assert p["310"].spent.project == D("240000.00")
    assert p[""].name == "未列经济分类科目"
    assert project.total.budget.project == D("580000.00")


def test_hand_three_public(hand: ReadStore) -> None:
    t = three_public(hand, YEAR, "A100")
    got = {r.label: (r.initial, r.budget, r.spent) for r in t.rows}
    assert got == {
        "合计": (D("250000.00"), D("250000.00"), D("248000.00")),
        "一、因公出国（境）费": (D(0), D(0), D(0)),
        "二、公务用车购置及运行维护费": (D("250000.00"), D("250000.00"), D("245000.00")),
        "其中：公务用车购置费": (D("250000.00"), D("250000.00"), D("240000.00")),
        "公务用车运行维护费": (D(0), D(0), D("5000.00")),
        "三、公务接待费": (D(0), D(0), D("3000.00")),
    }


def test_hand_as_of(hand: ReadStore) -> None:
    # 31 May: K2's add (06-01) and reversal (06-15), P1's 07-01 payment, its 08-01
    # reversal and its 09-01 reduction are all later.
    may = expenditure_by_function(hand, YEAR, "A100", dt.date(2024, 5, 31))
    assert may.total.budget.total == D("1210000.00")
    assert may.total.spent.total == D("727000.00")
    assert may.total.spent.operating == D("16000.00")
    # 15 July: P1's 07-01 payment counts, its 08-01 reversal does not yet.
    july = rows_by_code(expenditure_by_function(hand, YEAR, "A100", "2024-07-15"))
    assert july["2101502"].spent.project == D("160000.00")
    assert july["2101501"].spent.operating == D("14000.00")
    s = income_expenditure_summary(hand, YEAR, "A100", dt.date(2024, 5, 31))
    assert s.income_total == s.budget_total == D("1210000.00")
    # Before any appropriation everything is zero, and the tables still balance.
    early = income_expenditure_summary(hand, YEAR, "A100", dt.date(2023, 12, 31))
    assert early.income_total == early.budget_total == early.spent_total == 0


@pytest.mark.postgres
def test_postgres_agrees_with_sqlite(hand: ReadStore, pg_url: str) -> None:
    app = BudgetTracker(Settings(db_url=pg_url, user="测试"))
    try:
        build(app)
        for table in TABLES:
            for unit in (None, "A100", "B200"):
                for day in (None, dt.date(2024, 5, 31), dt.date(2024, 7, 15)):
                    assert table(app.read, YEAR, unit, day) == table(hand, YEAR, unit, day), (
                        table.__name__,
                        unit,
                        day,
                    )
        assert three_public(app.read, YEAR, "A100").total.spent == D("248000.00")
    finally:
        app.close()
