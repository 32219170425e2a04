"""The roll-ups page's figures, built from query results without a browser or a database."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from tracker.domain.lag import POINTS, StatusRule
from tracker.queries import Figures
from tracker.queries.heatmap import TOTAL, Cell, Heatmap, UnitRow
from web.charts import (
    AMBER,
    GREEN,
    HEAT_MAX,
    RED,
    rollup_bar_data,
    rollup_class_bars,
    rollup_heatmap,
    rollup_split_bars,
)

D = Decimal


def figures(budget: str, disbursed: str, planned_rate: str) -> Figures:
    b = D(budget)
    return Figures(budget=b, disbursed=D(disbursed), planned_amount=b * D(planned_rate) / 100)


def rollup(*rows: tuple[str, str, int, Figures], by: str = "functional") -> dict[str, Any]:
    return {
        "by": [by],
        "rows": [{"key": [k], "name": [n], "projects": c, "figures": f} for k, n, c, f in rows],
        "total": Figures(),
    }


CLASSES = rollup(
    ("2101501", "行政运行", 2, figures("200000", "100000", "50")),  # 100% of plan: green
    ("2101502", "一般行政管理事务", 1, figures("500000", "60000", "20")),  # 60%: yellow
    ("未分类", "", 1, figures("80000", "4000", "25")),  # 20%: red
)


def link(key: str) -> str:
    return f"/projects?functional={key}"


def test_class_bars_read_across_with_code_and_name_and_open_their_projects() -> None:
    fig = rollup_class_bars(CLASSES, link)
    assert fig["layout"]["yaxis"]["categoryarray"] == [
        "2101501 行政运行",
        "2101502 一般行政管理事务",
        "未分类",
    ]
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"  # first class on top
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert all(t["orientation"] == "h" for t in bars)
    assert fig["links"] == {
        "2101501": "/projects?functional=2101501",
        "2101502": "/projects?functional=2101502",
        "未分类": "/projects?functional=未分类",
    }
    clicked = {key for t in fig["data"] for key in t["customdata"]}
    assert clicked == set(fig["links"])
    json.dumps(fig)  # plain JSON: no Decimal, no date


def test_class_bars_are_coloured_by_status_and_say_it_in_words() -> None:
    fig = rollup_class_bars(CLASSES)
    by_colour = {t["marker"]["color"]: t for t in fig["data"] if t["type"] == "bar"}
    assert by_colour[GREEN]["y"] == ["2101501 行政运行"]
    assert by_colour[AMBER]["y"] == ["2101502 一般行政管理事务"]
    assert by_colour[RED]["y"] == ["未分类"]
    assert by_colour[GREEN]["x"] == [50]
    assert by_colour[AMBER]["text"] == ["12.00% 预警"]
    assert "links" not in fig


def test_class_bars_mark_the_planned_rate_and_hover_in_the_tables_format() -> None:
    fig = rollup_class_bars(CLASSES, unit="wan")
    planned = next(t for t in fig["data"] if t["type"] == "scatter")
    assert planned["name"] == "序时进度"
    assert planned["x"] == [50, 20, 25]
    hover = planned["hovertext"][1]
    assert "2101502 一般行政管理事务（1 个项目）" in hover
    assert "全年预算 50.00 万元" in hover
    assert "已支付 6.00 万元" in hover
    assert "执行率 12.00% · 序时进度 20.00% · 预警" in hover


def test_a_units_rule_decides_the_bars_status() -> None:
    strict = StatusRule(POINTS, D(5), D(10))  # 8 points behind: yellow under this rule
    bars = rollup_bar_data(rollup(("210", "卫生健康支出", 1, figures("100", "42", "50"))), strict)
    assert bars[0].status == "yellow"
    assert (
        rollup_bar_data(rollup(("210", "卫生健康支出", 1, figures("100", "42", "50"))))[0].status == "green"
    )


def test_bars_grow_with_the_groups_and_half_up_rates() -> None:
    one = rollup_class_bars(rollup(("210", "卫生健康支出", 1, figures("3", "1", "50"))))
    assert one["data"][0]["x"] == [33.33]
    many = rollup_class_bars(rollup(*[(str(210 + i), "", 1, figures("1", "0", "0")) for i in range(12)]))
    assert many["layout"]["height"] > one["layout"]["height"]


def test_source_split_stacks_disbursed_and_undisbursed_to_the_budget() -> None:
    sources = rollup(
        ("一般公共预算财政拨款", "一般公共预算财政拨款", 2, figures("700000", "90000.50", "40")),
        ("上级补助", "上级补助", 1, figures("80000", "50000", "40")),
        by="source",
    )
    fig = rollup_split_bars(sources, lambda k: f"/projects?source={k}", title="按资金来源")
    assert fig["layout"]["barmode"] == "stack"
    paid, unpaid = fig["data"]
    assert (paid["name"], unpaid["name"]) == ("已支付", "未支付")
    assert paid["y"] == ["一般公共预算财政拨款", "上级补助"]  # a name equal to its key is said once
    assert paid["x"] == [90000.5, 50000]
    assert unpaid["x"] == [609999.5, 30000]
    assert "已支付 90,000.50 元" in paid["hovertext"][0]
    assert fig["links"]["上级补助"] == "/projects?source=上级补助"
    assert fig["title"] == "按资金来源：已支付与未支付"
    wan = rollup_split_bars(sources, unit="wan")
    assert wan["data"][0]["x"] == [9, 5]
    assert wan["layout"]["xaxis"]["title"]["text"] == "金额（万元）"


def cell(month: str, day: dt.date, budget: str, spent: str, planned: str, status: str = "green") -> Cell:
    return Cell(month, day, D(budget), D(spent), D(planned), status)


def heat() -> Heatmap:
    jan, feb = dt.date(2024, 1, 31), dt.date(2024, 2, 20)
    parent = UnitRow(
        "450001",
        "满城区医疗保障局",
        0,
        2,
        (cell("2024-01", jan, "100", "0", "0"), cell("2024-02", feb, "100", "10", "40", "red")),
    )
    child = UnitRow(
        "450002",
        "满城区医保中心",
        1,
        1,
        (cell("2024-01", jan, "100", "30", "20"), cell("2024-02", feb, "100", "45", "40")),
    )
    total = UnitRow(TOTAL, TOTAL, 0, 2, parent.cells)
    return Heatmap(2024, feb, None, ("2024-01", "2024-02"), (parent, child), total)


def two_roots() -> Heatmap:
    one = heat()
    other = UnitRow("450003", "易县医疗保障局", 0, 1, one.rows[1].cells)
    return Heatmap(2024, one.as_of, None, one.months, (*one.rows, other), one.total)


def test_heat_map_is_units_by_months_on_one_scale_centred_at_plan() -> None:
    fig = rollup_heatmap(heat(), lambda key: "/projects?cell=" + key)
    (trace,) = fig["data"]
    assert trace["type"] == "heatmap"
    assert trace["x"] == ["1月", "2月"]
    assert trace["y"] == ["满城区医疗保障局", "　满城区医保中心"]  # the tree; one root is its own total
    assert (trace["zmin"], trace["zmid"], trace["zmax"]) == (0, 100, HEAT_MAX)
    assert trace["colorscale"][0] == [0.0, RED]
    assert trace["colorscale"][-1] == [1.0, GREEN]
    assert trace["colorscale"][2][0] == 0.5  # neutral exactly at 100%
    assert trace["z"][0] == [None, 25]  # nothing planned in January: blank, not 0%
    assert trace["z"][1] == [150, 112.5]
    assert trace["text"][1] == ["150%", "113%"]  # colour is never alone
    json.dumps(fig)


def test_several_roots_get_a_total_row_last() -> None:
    trace = rollup_heatmap(two_roots())["data"][0]
    assert trace["y"] == ["满城区医疗保障局", "　满城区医保中心", "易县医疗保障局", "合计"]
    assert trace["customdata"][3][0] == "合计|2024-01"


def test_heat_map_cells_open_the_projects_behind_them() -> None:
    fig = rollup_heatmap(two_roots(), lambda key: "/projects?cell=" + key)
    trace = fig["data"][0]
    assert trace["customdata"][1] == ["450002|2024-01", "450002|2024-02"]
    assert fig["links"]["450002|2024-02"] == "/projects?cell=450002|2024-02"
    assert fig["links"]["合计|2024-02"] == "/projects?cell=合计|2024-02"
    assert len(fig["links"]) == 8


def test_heat_map_hover_says_the_day_the_figures_and_the_status() -> None:
    trace = rollup_heatmap(heat(), unit="yuan")["data"][0]
    assert trace["hovertext"][0][0].startswith("满城区医疗保障局 · 截至 2024-01-31<br>尚无计划进度")
    text = trace["hovertext"][0][1]
    assert "截至 2024-02-20" in text
    assert "执行÷计划 25.00% · 严重滞后" in text
    assert "已支付 10.00 元 / 全年预算 100.00 元" in text
    assert trace["hovertext"][1][0].startswith("满城区医保中心")


def test_an_empty_year_makes_an_empty_heat_map() -> None:
    empty = Heatmap(2024, dt.date(2023, 12, 31), None, (), (), UnitRow(TOTAL, TOTAL, 0, 0, ()))
    fig = rollup_heatmap(empty)
    assert fig["data"][0]["z"] == [[]]
    assert "links" not in fig
