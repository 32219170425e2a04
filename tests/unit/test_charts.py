"""The S-curve and the dashboard's bullet bars, built from query results without a
browser, Flask or a database: the points, colours, dashes, marker fills and links.

The query results are made here the way ``Queries.series`` and ``Queries.progress``
make them (``Queries._fill`` is the same pure step), for one project of 2024:

    budget      100,000.00 from 01-10 (initial), + 20,000.00 on 06-01 in one test
    payments    20,000.00 on 03-20; 10,000.50 on 04-05
    plan        25/50/75/100% at the end of each quarter
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from tracker.domain import lag
from tracker.domain.lag import POINTS, StatusRule
from tracker.queries import Figures, ProjectStatus, Queries
from web.charts import (
    AMBER,
    GREEN,
    RED,
    bullet_bars,
    bullet_data,
    s_curve,
    s_curve_data,
)

D = Decimal
d = dt.date
YEAR = 2024
QUARTERS = "03-31:25%,06-30:50%,09-30:75%,12-31:100%"


def project(code: str = "P1", plan: str | None = QUARTERS, name: str = "城乡居民医保宣传") -> ProjectStatus:
    source = "一般公共预算财政拨款"
    return ProjectStatus(
        "id-" + code,
        YEAR,
        code,
        name,
        "450002",
        "项目支出",
        "2101501",
        "30201",
        source,
        plan,
        lag.DEFAULT_RULE,
    )


def world(
    as_of: dt.date,
    budget: dict[dt.date, str] | None = None,
    spent: dict[dt.date, str] | None = None,
    plan: str | None = QUARTERS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(series, progress) as the queries answer them, as of ``as_of``."""
    budget = budget if budget is not None else {d(YEAR, 1, 10): "100000.00"}
    spent = spent if spent is not None else {d(YEAR, 3, 20): "20000.00", d(YEAR, 4, 5): "10000.50"}
    p = project(plan=plan)
    points = []
    b = s = D("0.00")
    day = d(YEAR, 1, 1)
    while day <= as_of:
        b += D(budget.get(day, "0"))
        s += D(spent.get(day, "0"))
        Queries._fill(p, b, s, day)
        points.append({"date": day, "figures": copy.copy(p.figures)})
        day += dt.timedelta(days=1)
    series = {"year": YEAR, "code": p.code, "unit": None, "as_of": as_of, "points": points}
    checkpoints = []
    for cp in lag.checkpoints_for(plan, YEAR):
        if cp.is_blank or cp.date > as_of:
            continue
        f = next(pt["figures"] for pt in points if pt["date"] == cp.date)
        target = lag.checkpoint_rate(cp, f.budget)
        checkpoints.append(
            {
                "date": cp.date,
                "target_rate": target,
                "actual_rate": f.execution_rate,
                "met": f.execution_rate >= target,
            }
        )
    progress = {"project": p, "as_of": as_of, "checkpoints": checkpoints}
    return series, progress


def trace(fig: dict[str, Any], name: str) -> dict[str, Any]:
    found = [t for t in fig["data"] if t["name"] == name]
    assert len(found) == 1, [t["name"] for t in fig["data"]]
    return found[0]


def exact(values: list[Any]) -> list[Decimal]:
    """JSON numbers back as Decimals: what the browser gets is what the ledger holds."""
    return [D(str(v)) for v in values]


# ------------------------------------------------------------------ S-curve


def test_disbursed_is_a_solid_step_line_of_the_days_spending_changed() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10)))
    t = trace(fig, "累计支付")
    assert t["x"] == ["2024-01-01", "2024-03-20", "2024-04-05", "2024-04-10"]
    assert exact(t["y"]) == [D("0"), D("20000"), D("30000.50"), D("30000.50")]
    assert t["line"]["shape"] == "hv"
    assert "dash" not in t["line"]
    assert "累计支付 30,000.50 元" in t["hovertext"][2]
    assert "执行率 30.00%" in t["hovertext"][2]


def test_planned_curve_is_dashed_and_kept_at_its_corners_only() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10)))
    t = trace(fig, "计划进度")
    assert t["line"]["dash"] == "dash"
    # Budget arrives on 01-10 (0 before it), then the quarter checkpoints to 31 Dec.
    assert t["x"] == [
        "2024-01-01",
        "2024-01-09",
        "2024-01-10",
        "2024-03-31",
        "2024-06-30",
        "2024-09-30",
        "2024-12-31",
    ]
    assert exact(t["y"]) == [D(0), D(0), D("2747.25"), D(25000), D(50000), D(75000), D(100000)]
    assert "序时进度 25.00%" in t["hovertext"][3]


def test_planned_curve_between_corners_is_the_plans_interpolation() -> None:
    data = s_curve_data(*world(d(YEAR, 4, 10)))
    corners = {day: amount for day, amount, _ in data.planned}
    for day in (d(YEAR, 2, 15), d(YEAR, 5, 1), d(YEAR, 11, 11)):
        before = max(c for c in corners if c <= day)
        after = min(c for c in corners if c >= day)
        drawn = (
            corners[before] + (corners[after] - corners[before]) * (day - before).days / (after - before).days
        )
        planned = lag.planned_rate(lag.checkpoints_for(QUARTERS, YEAR), YEAR, day, D(100000)) * 1000
        assert abs(drawn - planned) < D("0.005")


def test_a_budget_change_keeps_both_sides_of_its_jump() -> None:
    budget = {d(YEAR, 1, 10): "100000.00", d(YEAR, 6, 1): "20000.00"}
    data = s_curve_data(*world(d(YEAR, 7, 15), budget=budget))
    days = [day for day, _, _ in data.planned]
    assert d(YEAR, 5, 31) in days
    assert d(YEAR, 6, 1) in days
    amounts = {day: amount for day, amount, _ in data.planned}
    assert amounts[d(YEAR, 12, 31)] == D(120000)
    assert [(day.isoformat(), str(b)) for day, b in data.budget] == [
        ("2024-01-01", "0.00"),
        ("2024-01-10", "100000.00"),
        ("2024-06-01", "120000.00"),
        ("2024-07-15", "120000.00"),
        ("2024-12-31", "120000.00"),
    ]


def test_checkpoint_missed_is_hollow_red_and_met_is_filled_green() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10)))  # 03-31: 20% paid against 25% planned
    missed = trace(fig, "检查点（未达标）")
    assert missed["marker"]["symbol"] == "circle-open"
    assert missed["marker"]["color"] == RED
    assert missed["x"] == ["2024-03-31"]
    assert exact(missed["y"]) == [D(25000)]
    assert "实际 20.00%，未达标，差 +5.00 个百分点" in missed["hovertext"][0]
    assert not [t for t in fig["data"] if t["name"] == "检查点（已达标）"]

    fig = s_curve(*world(d(YEAR, 4, 10), spent={d(YEAR, 3, 1): "26000.00"}))
    met = trace(fig, "检查点（已达标）")
    assert met["marker"]["symbol"] == "circle"
    assert met["marker"]["color"] == GREEN
    assert met["x"] == ["2024-03-31"]


def test_checkpoints_still_ahead_are_shown_as_not_yet_due() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10)))
    ahead = trace(fig, "检查点（未到期）")
    assert ahead["x"] == ["2024-06-30", "2024-09-30", "2024-12-31"]
    assert exact(ahead["y"]) == [D(50000), D(75000), D(100000)]
    assert ahead["marker"]["symbol"].endswith("-open")


def test_blank_checkpoints_of_an_amount_plan_get_no_marker() -> None:
    plan = "03-31:,06-30:70000,10-31:100000,12-31:500000"
    fig = s_curve(*world(d(YEAR, 7, 15), budget={d(YEAR, 1, 10): "500000.00"}, plan=plan))
    days = [x for t in fig["data"] if t["name"].startswith("检查点") for x in t["x"]]
    assert days == ["2024-06-30", "2024-10-31", "2024-12-31"]
    missed = trace(fig, "检查点（未达标）")
    assert exact(missed["y"]) == [D(70000)]  # the amount checkpoint, on the planned curve


def test_forecast_runs_dotted_from_the_as_of_day_to_31_december() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10)))
    t = trace(fig, "年末预计")
    assert t["line"]["dash"] == "dot"
    assert t["x"] == ["2024-04-10", "2024-12-31"]
    # 30,000.50 over the 101 days to 04-10, at that pace over 366 days.
    assert exact(t["y"]) == [D("30000.50"), D("108714.68")]
    assert "年末预计 108,714.68 元" in t["hovertext"][1]
    assert "预计执行率 108.71%" in t["hovertext"][1]


def test_no_forecast_once_the_year_is_over() -> None:
    fig = s_curve(*world(d(YEAR, 12, 31)))
    assert not [t for t in fig["data"] if t["name"] == "年末预计"]


def test_the_as_of_day_is_a_vertical_line_with_its_date() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10)))
    (line,) = fig["layout"]["shapes"]
    assert line["x0"] == line["x1"] == "2024-04-10"
    assert (line["yref"], line["y0"], line["y1"]) == ("paper", 0, 1)
    assert fig["layout"]["annotations"][0]["text"] == "截至 2024-04-10"
    assert fig["layout"]["xaxis"]["range"] == ["2024-01-01", "2024-12-31"]


def test_amounts_in_wan_are_rounded_half_up_like_the_tables() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10), spent={d(YEAR, 3, 20): "12345.00"}), unit="wan")
    t = trace(fig, "累计支付")
    assert exact(t["y"]) == [D(0), D("1.23"), D("1.23")]
    assert "累计支付 1.23 万元" in t["hovertext"][1]
    assert fig["layout"]["yaxis"]["title"]["text"] == "金额（万元）"
    fig = s_curve(*world(d(YEAR, 4, 10), spent={d(YEAR, 3, 20): "12350.00"}), unit="wan")
    assert exact(trace(fig, "累计支付")["y"])[1] == D("1.24")


def test_an_as_of_day_before_the_year_draws_the_plan_alone() -> None:
    series, progress = world(d(YEAR - 1, 12, 1))
    fig = s_curve(series, progress)
    assert trace(fig, "累计支付")["x"] == []
    assert not [t for t in fig["data"] if t["name"] == "年末预计"]
    assert set(exact(trace(fig, "计划进度")["y"])) == {D(0)}


def test_the_figure_is_plain_json() -> None:
    fig = s_curve(*world(d(YEAR, 4, 10)))
    assert json.loads(json.dumps(fig)) == fig


# ------------------------------------------------------------- bullet bars


def status(code: str, budget: str, disbursed: str, planned_rate: str, name: str = "项目") -> ProjectStatus:
    p = project(code, name=name)
    b = D(budget)
    p.figures = Figures(budget=b, disbursed=D(disbursed), planned=D(planned_rate))
    return p


PROJECTS = [
    status("P1", "200000", "50000.50", "54.076"),  # 25.00% of 54.08%: ratio 46% -> red
    status("P2", "500000", "60000", "14.0"),  # 12% of 14%: ratio 86% -> green
    status("P3", "80000", "40000", "70"),  # 50% of 70%: ratio 71% -> yellow
]


def test_one_bar_per_project_coloured_by_status() -> None:
    fig = bullet_bars(PROJECTS)
    bars = {t["name"]: t for t in fig["data"] if t["type"] == "bar" and t.get("showlegend") is not False}
    assert bars["执行率（正常）"]["marker"]["color"] == GREEN
    assert bars["执行率（预警）"]["marker"]["color"] == AMBER
    assert bars["执行率（严重滞后）"]["marker"]["color"] == RED
    assert bars["执行率（正常）"]["customdata"] == ["P2"]
    assert bars["执行率（预警）"]["customdata"] == ["P3"]
    assert bars["执行率（严重滞后）"]["customdata"] == ["P1"]
    assert exact(bars["执行率（严重滞后）"]["x"]) == [D("25.00")]
    assert exact(bars["执行率（正常）"]["x"]) == [D(12)]
    assert all(t["orientation"] == "h" for t in bars.values())


def test_planned_rate_is_a_marker_on_every_bar() -> None:
    fig = bullet_bars(PROJECTS)
    marker = next(t for t in fig["data"] if t["name"] == "序时进度")
    assert marker["mode"] == "markers"
    assert marker["marker"]["symbol"] == "line-ns-open"
    # Most behind first: P1 (29.08 points), P3 (20), P2 (2).
    assert marker["customdata"] == ["P1", "P3", "P2"]
    assert exact(marker["x"]) == [D("54.08"), D(70), D(14)]
    assert fig["layout"]["yaxis"]["categoryarray"] == marker["y"]
    assert "差距 +29.08 个百分点 · 严重滞后" in marker["hovertext"][0]


def test_each_bar_links_to_its_project_page() -> None:
    fig = bullet_bars(PROJECTS, link=lambda code: f"/projects/2024/{code}?as_of=2024-07-15")
    assert fig["links"] == {
        "P1": "/projects/2024/P1?as_of=2024-07-15",
        "P2": "/projects/2024/P2?as_of=2024-07-15",
        "P3": "/projects/2024/P3?as_of=2024-07-15",
    }
    assert "links" not in bullet_bars(PROJECTS)


def test_the_bars_follow_the_units_status_rule() -> None:
    p = status("P9", "100", "40", "50")  # 10 points behind: ratio 80% (green), points rule: red
    p.rule = StatusRule(POINTS, D(5), D(8))
    (row,) = bullet_data([p])
    assert row.status == "red"


def test_a_limit_keeps_the_projects_most_behind() -> None:
    rows = bullet_data(PROJECTS, limit=2)
    assert [r.code for r in rows] == ["P1", "P3"]
    fig = bullet_bars(PROJECTS, limit=1)
    assert fig["layout"]["yaxis"]["categoryarray"] == ["P1 项目"]


def test_long_names_are_shortened_on_the_axis_but_whole_in_the_hover() -> None:
    long = status("P7", "100", "0", "0", name="城乡居民基本医疗保险区级配套资金")
    (row,) = bullet_data([long])
    assert row.label == "P7 城乡居民基本医疗保险区…"  # 12 characters with the ellipsis
    fig = bullet_bars([long])
    assert "城乡居民基本医疗保险区级配套资金" in fig["data"][-1]["hovertext"][0]


@pytest.mark.parametrize("count", [0, 1, 30])
def test_the_chart_grows_with_its_bars(count: int) -> None:
    fig = bullet_bars([status(f"P{i:02d}", "100", "10", "20") for i in range(count)])
    assert fig["layout"]["height"] == max(160, 70 + 30 * count)
    assert json.loads(json.dumps(fig)) == fig
