"""The 自评表's funds block, as seed 001 lays it out: 年度资金总额 and its three parts.

Worked by hand (2024, project P1, 一般公共预算财政拨款):

    01-05 上年结转 +20,000; 01-10 年初预算 +100,000; 06-01 追加 +30,000
    paid 03-01 40,000 (its own source), 04-01 15,000 from 上年结转
    project P2 (单位资金): 年初预算 +10,000; paid 05-01 4,000

    P1  年度资金总额 年初 100,000  全年 150,000  执行 55,000
        当年财政拨款 年初 100,000  全年 130,000  执行 40,000 (30.77%)
        上年结转资金 年初 0        全年  20,000  执行 15,000 (75.00%)
        其他资金     0 / 0 / 0
    unit 450001: 其他资金 10,000 / 10,000 / 4,000 (P2) and the rest as P1.
"""

from __future__ import annotations

from decimal import Decimal

from tracker.commands.tracker import BudgetTracker
from tracker.exporting.selfeval_form import selfeval_form

D = Decimal


def record(funded: BudgetTracker) -> BudgetTracker:
    app = funded
    app.appropriate("P1", "20000.00", date="2024-01-05", doc="上年结转", kind="carryover")
    app.appropriate("P1", "30000.00", date="2024-06-01", doc="满财【2024】9号", kind="add")
    app.pay("P1", "40000.00", date="2024-03-01", payee="某公司")
    app.pay("P1", "15000.00", date="2024-04-01", payee="某公司", source="上年结转")
    app.add_project(year=2024, unit="450001", code="P2", name="自有资金项目", source="单位资金")
    app.appropriate("P2", "10000.00", date="2024-01-10", doc="单位资金")
    app.pay("P2", "4000.00", date="2024-05-01", payee="某公司")
    return app


def lines(form: dict) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {f["label"]: (f["initial"], f["budget"], f["spent"]) for f in form["funds"]}


def test_a_projects_funds_split_into_this_years_money_and_the_carry_over(funded: BudgetTracker) -> None:
    form = record(funded).self_evaluation("P1", 2024)
    assert lines(form) == {
        "年度资金总额": (D("100000.00"), D("150000.00"), D("55000.00")),
        "其中：当年财政拨款": (D("100000.00"), D("130000.00"), D("40000.00")),
        "上年结转资金": (D(0), D("20000.00"), D("15000.00")),
        "其他资金": (D(0), D(0), D(0)),
    }
    # The total line is the form's own 年度资金总额 figures.
    assert lines(form)["年度资金总额"] == (form["budget_initial"], form["budget"], form["disbursed"])


def test_a_units_funds_count_other_money_apart(funded: BudgetTracker) -> None:
    form = record(funded).self_evaluation("450001", 2024, unit_level=True)
    assert lines(form)["其他资金"] == (D("10000.00"), D("10000.00"), D("4000.00"))
    assert lines(form)["年度资金总额"] == (D("110000.00"), D("160000.00"), D("59000.00"))


def test_the_form_prints_the_four_lines_with_rates_but_one_score(funded: BudgetTracker) -> None:
    laid_out = selfeval_form(record(funded).self_evaluation("P1", 2024))
    by_label = {r.cells[0]: r.cells for r in laid_out.rows}
    assert by_label["其中：当年财政拨款"][2:8] == [D("10.00"), D("13.00"), D("4.00"), "—", D("30.77"), "—"]
    assert by_label["上年结转资金"][2:8] == [D("0.00"), D("2.00"), D("1.50"), "—", D("75.00"), "—"]
    assert by_label["其他资金"][6] == ""  # no budget, no rate
    assert by_label["年度资金总额"][5] == D("10.00")  # 分值 10 only on the total
