"""``tracker demo`` reproduces seed 003's published tables figure for figure.

Seed 003 is 保定市满城区医疗保障局本级's 2024 单位预算. The figures below are copied
from its 单位预算收支总表, 支出总表, 一般公共预算财政拨款基本支出表 and 财政拨款“三公”经费
支出表 (万元, two decimals), and from the 预算数 of its eight 项目绩效目标表. The demo's
published forms (``tracker export``, the same ``Form`` every renderer draws), taken as of
the budget (2024-01-15, when the 年初预算 is in and nothing is paid yet), must print the
same figure on every row, and the 执行数 columns must be empty then.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tracker.cli import Context
from tracker.demo.data import UNIT_CODE
from tracker.demo.loader import run_demo
from tracker.demo.targets import TARGETS
from tracker.exporting import build_form
from tracker.exporting.forms import Form
from tracker.exporting.monitoring import monitoring_form
from tracker.store.readstore import ReadStore

YEAR = 2024
BUDGET_DAY = "2024-01-15"

# 单位预算支出总表: code, name, 合计, 基本支出, 项目支出 ("" where the seed prints nothing).
SEED_FUNCTION = [
    ("", "合计", "9064.36", "805.64", "8258.72"),
    ("208", "社会保障和就业支出", "115.18", "115.18", ""),
    ("20805", "行政事业单位养老支出", "115.18", "115.18", ""),
    ("2080501", "行政单位离退休", "4.87", "4.87", ""),
    ("2080505", "机关事业单位基本养老保险缴费支出", "71.99", "71.99", ""),
    ("2080506", "机关事业单位职业年金缴费支出", "38.31", "38.31", ""),
    ("210", "卫生健康支出", "8901.79", "643.08", "8258.72"),
    ("21011", "行政事业单位医疗", "29.16", "29.16", ""),
    ("2101101", "行政单位医疗", "29.16", "29.16", ""),
    ("21012", "财政对基本医疗保险基金的补助", "7544.13", "", "7544.13"),
    ("2101202", "财政对城乡居民基本医疗保险基金的补助", "7544.13", "", "7544.13"),
    ("21013", "医疗救助", "630.07", "", "630.07"),
    ("2101301", "城乡医疗救助", "630.07", "", "630.07"),
    ("21015", "医疗保障管理事务", "698.44", "613.92", "84.52"),
    ("2101501", "行政运行", "613.92", "613.92", ""),
    ("2101502", "一般行政管理事务", "55.52", "", "55.52"),
    ("2101506", "医疗保障经办事务", "29.00", "", "29.00"),
    ("221", "住房保障支出", "47.39", "47.39", ""),
    ("22102", "住房改革支出", "47.39", "47.39", ""),
    ("2210201", "住房公积金", "47.39", "47.39", ""),
]

# 单位预算一般公共预算财政拨款基本支出表: code, name, 合计, 人员经费, 公用经费.
SEED_BASIC = [
    ("", "合计", "805.64", "776.30", "29.34"),
    ("301", "工资福利支出", "709.73", "709.73", ""),
    ("30101", "基本工资", "219.89", "219.89", ""),
    ("30102", "津贴补贴", "44.00", "44.00", ""),
    ("30103", "奖金", "13.46", "13.46", ""),
    ("30107", "绩效工资", "215.93", "215.93", ""),
    ("30108", "机关事业单位基本养老保险缴费", "71.99", "71.99", ""),
    ("30109", "职业年金缴费", "38.31", "38.31", ""),
    ("30110", "职工基本医疗保险缴费", "29.16", "29.16", ""),
    ("30112", "其他社会保障缴费", "3.43", "3.43", ""),
    ("30113", "住房公积金", "47.39", "47.39", ""),
    ("30199", "其他工资福利支出", "26.16", "26.16", ""),
    ("302", "商品和服务支出", "29.34", "", "29.34"),
    ("30201", "办公费", "3.99", "", "3.99"),
    ("30205", "水费", "0.86", "", "0.86"),
    ("30206", "电费", "2.85", "", "2.85"),
    ("30207", "邮电费", "4.24", "", "4.24"),
    ("30208", "取暖费", "3.13", "", "3.13"),
    ("30211", "差旅费", "0.86", "", "0.86"),
    ("30217", "公务接待费", "0.61", "", "0.61"),
    ("30228", "工会经费", "2.64", "", "2.64"),
    ("30229", "福利费", "2.20", "", "2.20"),
    ("30231", "公务用车运行维护费", "3.00", "", "3.00"),
    ("30239", "其他交通费用", "4.98", "", "4.98"),
    ("303", "对个人和家庭的补助", "66.57", "66.57", ""),
    ("30302", "退休费", "4.87", "4.87", ""),
    ("30309", "奖励金", "61.70", "61.70", ""),
]

# 单位预算财政拨款“三公”经费支出表 (合计 column), in the tracker's wording of the lines.
SEED_THREE_PUBLIC = [
    ("合计", "3.61"),
    ("一、因公出国（境）费", ""),
    ("二、公务用车购置及运行维护费", "3.00"),  # the seed prints "2、 公务用车购置及运维费"
    ("其中：公务用车购置费", ""),
    ("公务用车运行维护费", "3.00"),
    ("三、公务接待费", "0.61"),
]

# 单位预算收支总表: the 31 expenditure lines (类 in order, then 人行科目) and their 预算数.
SEED_SUMMARY_LINES = [
    "一般公共服务支出",
    "外交支出",
    "国防支出",
    "公共安全支出",
    "教育支出",
    "科学技术支出",
    "文化旅游体育与传媒支出",
    "社会保障和就业支出",
    "社会保险基金支出",
    "卫生健康支出",
    "节能环保支出",
    "城乡社区支出",
    "农林水支出",
    "交通运输支出",
    "资源勘探工业信息等支出",
    "商业服务业等支出",
    "金融支出",
    "援助其他地区支出",
    "自然资源海洋气象等支出",
    "住房保障支出",
    "粮油物资储备支出",
    "国有资本经营预算支出",
    "灾害防治及应急管理支出",
    "预备费",
    "其他支出",
    "转移性支出",
    "债务还本支出",
    "债务付息支出",
    "债务发行费用支出",
    "抗疫特别国债安排的支出",
    "人行科目",
]
SEED_SUMMARY_FIGURES = {"社会保障和就业支出": "115.18", "卫生健康支出": "8901.79", "住房保障支出": "47.39"}
SEED_INCOME = {"一般公共预算财政拨款收入": "9064.36"}  # the seed: 一般公共预算拨款收入
SEED_TOTALS = {
    "本年收入合计": "9064.36",
    "收入总计": "9064.36",
    "本年支出合计": "9064.36",
    "支出总计": "9064.36",
}

# 项目支出表: the eight projects' 预算数 add up to the 项目支出 8258.72 of the 支出总表.
SEED_PROJECT_BUDGETS = ("50.00", "5.52", "29.00", "7544.13", "121.00", "110.00", "274.00", "125.07")


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    tmp = tmp_path_factory.mktemp("seed003")
    context = Context(db=f"sqlite:///{tmp}/demo.db", user="测试")
    run_demo(context, until="2024-12-31", reset=False, echo=lambda *a, **k: None)
    yield context
    context.close()


@pytest.fixture(scope="module")
def read(ctx: Context) -> ReadStore:
    return ctx.app.read


def printed(cell: object) -> str:
    """A form cell as the seed prints it: blank for nothing, else two decimals."""
    if cell is None or cell == "":
        return ""
    assert isinstance(cell, Decimal)
    return "" if cell == 0 else f"{cell:.2f}"


def form(read: ReadStore, kind: str, as_of: str = BUDGET_DAY) -> Form:
    return build_form(read, kind, YEAR, UNIT_CODE, as_of)


def test_the_expenditure_table_prints_the_seeds_rows_in_the_seeds_order(read: ReadStore) -> None:
    rows = form(read, "function").rows
    # cells: 序号, 编码, 名称, 预算数 合计/基本小计/人员/公用/项目, then 执行数 the same
    got = [
        (r.cells[1], r.cells[2], printed(r.cells[3]), printed(r.cells[4]), printed(r.cells[7])) for r in rows
    ]
    assert got == SEED_FUNCTION
    assert all(printed(c) == "" for r in rows for c in r.cells[8:])  # nothing paid yet


def test_the_basic_expenditure_table_splits_by_economic_class_as_the_seed(read: ReadStore) -> None:
    rows = form(read, "basic").rows
    got = [
        (r.cells[1], r.cells[2], printed(r.cells[3]), printed(r.cells[4]), printed(r.cells[5])) for r in rows
    ]
    assert got == SEED_BASIC


def test_the_three_public_table_is_the_seeds(read: ReadStore) -> None:
    rows = form(read, "three-public").rows
    # The first six lines are the 经费 lines; the 相关统计数 follow them.
    assert [(r.cells[1], printed(r.cells[2])) for r in rows[:6]] == SEED_THREE_PUBLIC
    assert [printed(r.cells[3]) for r in rows[:6]] == [f for _, f in SEED_THREE_PUBLIC]  # 全年 = 年初


def test_the_summary_lists_the_seeds_lines_and_balances(read: ReadStore) -> None:
    f = form(read, "summary")
    lines = [r.cells[3] for r in f.rows if isinstance(r.cells[3], str) and "、" in r.cells[3]]
    assert [line.split("、", 1)[1] for line in lines] == SEED_SUMMARY_LINES
    figures = {str(r.cells[3]).split("、", 1)[-1]: printed(r.cells[4]) for r in f.rows if printed(r.cells[4])}
    income = {str(r.cells[1]).split("、", 1)[-1]: printed(r.cells[2]) for r in f.rows if printed(r.cells[2])}
    for name, figure in SEED_SUMMARY_FIGURES.items():
        assert figures[name] == figure, name
    for name, figure in SEED_INCOME.items():
        assert income[name] == figure, name
    for name, figure in SEED_TOTALS.items():
        assert figure in (figures.get(name), income.get(name)), name
    assert set(figures) == {*SEED_SUMMARY_FIGURES, "本年支出合计", "支出总计"}


def test_the_project_table_adds_up_to_the_seeds_project_spending(read: ReadStore) -> None:
    total = form(read, "project-economic").rows[0]
    assert printed(total.cells[3]) == "8258.72"
    assert sum(Decimal(b) for b in SEED_PROJECT_BUDGETS) == Decimal("8258.72")


def test_the_budget_columns_stay_the_seeds_at_year_end(read: ReadStore) -> None:
    # No 追加/调减 in the demo: the 全年预算数 on 31 December is the 年初预算.
    for kind, width in (("function", 5), ("basic", 3)):
        early, late = form(read, kind), form(read, kind, "2024-12-31")
        assert [r.cells[: 3 + width] for r in early.rows] == [r.cells[: 3 + width] for r in late.rows]
        assert any(printed(c) for r in late.rows for c in r.cells[3 + width :]), kind  # the year is paid


# 项目支出绩效目标表: how many 三级 indicators each of the eight tables lists.
SEED_INDICATOR_COUNTS = {
    "13062124P00495310005H": 6,
    "13062124P00495310004X": 6,
    "13062124P00X0C810031G": 9,
    "13062124P00E8LT100137": 7,
    "13062124P00E8LT10017M": 14,
    "13062124P00E8LT10014T": 7,
    "13062124P00E8LT10015E": 7,
    "13062124P00E8LT100162": 6,
}


def test_every_project_carries_the_seeds_performance_targets(ctx: Context) -> None:
    assert set(TARGETS) == set(SEED_INDICATOR_COUNTS)
    for code, count in SEED_INDICATOR_COUNTS.items():
        rows = ctx.app.indicators(code, YEAR)
        assert len(rows) == count, code
        assert all(r["actual_text"] for r in rows), code  # every row has a year-end reading


def test_the_self_evaluations_are_believable_not_empty(ctx: Context) -> None:
    grades = {code: ctx.app.self_evaluation(code, YEAR)["evaluation"].grade for code in SEED_INDICATOR_COUNTS}
    assert "差" not in grades.values()
    assert grades["13062124P00495310005H"] != "优"  # 办公室整修 is badly behind, on paper too
    assert "优" in grades.values()


def test_the_monitoring_table_shows_the_indicators(ctx: Context) -> None:
    f = monitoring_form(ctx.app, YEAR, UNIT_CODE, "2024-06-30")
    unset = {r.cells[1] for r in f.rows if "（未设置绩效指标）" in r.cells}
    # Only the 基本支出 lines (codes with J) have no targets: the seed sets none for them.
    assert unset
    assert all("J" in str(code) for code in unset)
    texts = {c for r in f.rows for c in r.cells if isinstance(c, str)}
    assert {"门诊救助人数", "重残人员参保人数", "维修项目数"} <= texts


# Seed 001, 公开10表: the 相关统计数 lines under the "三公" figures, in its order.
SEED_001_STATISTICS = [
    "1. 因公出国（境）团组数（个）",
    "2. 因公出国（境）人次数（人）",
    "3. 公务用车购置数（辆）",
    "4. 公务用车保有量（辆）",
    "5. 国内公务接待批次（个）",
    "其中：外事接待批次（个）",
    "6. 国内公务接待人次（人）",
    "其中：外事接待人次（人）",
    "7. 国（境）外公务接待批次（个）",
    "8. 国（境）外公务接待人次（人）",
]


def test_the_three_public_table_has_the_statistics_rows_left_for_the_unit(read: ReadStore) -> None:
    rows = form(read, "three-public").rows
    assert rows[6].cells[1] == "相关统计数"
    stats = rows[7:]
    assert [r.cells[1] for r in stats] == SEED_001_STATISTICS
    # Counts, not 万元: no budget ("—" as in seed 001) and nothing the ledger could know.
    assert all(r.cells[2:4] == ["—", "—"] and r.cells[4] == "" for r in stats)
