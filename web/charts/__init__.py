"""Plotly figures, built in two pure steps: query results -> plain chart data -> figure.

Nothing here touches Flask's request, the session or the database: a view hands in
what ``tracker.queries`` returned (and the URL of each project, for drill-down), and
gets back a figure dict ``{"data": [...], "layout": {...}, "links": {key: url}}`` that
``web/static/js/app.js`` draws with the vendored plotly.js (zh-CN locale, no logo,
download-as-PNG only) and follows ``links[clicked point's customdata]`` on a click.

Amounts stay ``Decimal`` until the last step, where they are rounded (half-up, to the
分 in 元 or to 0.01 万元) and only then turned into JSON numbers; hover texts are
formatted from the Decimals with the tables' own format. Status colours are the three
of the whole app.

ARCHITECTURE.md keeps the figures "in one module of web/": this package is that
module. Its parts are small files named after what they hold (``common``: colours,
layout and rounding; ``project``: the S-curve; ``dashboard``: the bullet bars;
``rollups``: the roll-up bars; ``heatmap``: units x months), and this file exposes
every public name, so ``from web import charts`` and ``from web.charts import …`` see
one module.
"""

from web.charts.common import (
    AMBER,
    BLUE,
    CENT,
    FONT,
    GREEN,
    GRID,
    INK,
    MUTED,
    RED,
    STATUS_COLORS,
    Figure,
    base_layout,
    category_axis,
    in_unit,
    number,
    rate_number,
)
from web.charts.dashboard import (
    Bullet,
    Stack,
    bullet_bars,
    bullet_data,
    bullet_figure,
    commitment_bars,
    stack_data,
)
from web.charts.heatmap import HEAT_MAX, HEAT_SCALE, NEUTRAL, heat_shows_total, rollup_heatmap
from web.charts.project import MARK_STYLES, Mark, SCurveData, s_curve, s_curve_data, s_curve_figure
from web.charts.rollups import (
    TOP_LEGEND,
    UNPAID,
    RollupBar,
    rollup_bar_data,
    rollup_class_bars,
    rollup_class_figure,
    rollup_split_bars,
    rollup_split_figure,
)

__all__ = [
    "AMBER",
    "BLUE",
    "CENT",
    "FONT",
    "GREEN",
    "GRID",
    "HEAT_MAX",
    "HEAT_SCALE",
    "INK",
    "MARK_STYLES",
    "MUTED",
    "NEUTRAL",
    "RED",
    "STATUS_COLORS",
    "TOP_LEGEND",
    "UNPAID",
    "Bullet",
    "Figure",
    "Mark",
    "RollupBar",
    "SCurveData",
    "Stack",
    "base_layout",
    "bullet_bars",
    "bullet_data",
    "bullet_figure",
    "category_axis",
    "commitment_bars",
    "heat_shows_total",
    "in_unit",
    "number",
    "rate_number",
    "rollup_bar_data",
    "rollup_class_bars",
    "rollup_class_figure",
    "rollup_heatmap",
    "rollup_split_bars",
    "rollup_split_figure",
    "s_curve",
    "s_curve_data",
    "s_curve_figure",
    "stack_data",
]
