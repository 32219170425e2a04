"""排名 (the 通报) and 年末结转 (the year-end carry-over) pages.

排名: the child units of a chosen unit ranked by execution rate, with the same date a
year earlier and 同比, as ``tracker ranking`` prints it; a horizontal bar per unit
(the roll-ups' bars, coloured by status, with the planned rate as a tick), the table
sortable in the browser, and the exact view as the 通报 .xlsx. A user whose reach is
limited always has one of their units chosen (``web.views.rollups.choose``), so a
ranking never shows a unit they may not read.

The rollover pages are routes of this blueprint too (``web.views.year_end_rollover``).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user, login_required

from tracker.exporting.ranking import title, write_ranking
from tracker.queries.ranking import Ranking
from web.auth import WebUser, scope
from web.charts.common import short_label
from web.charts.rollups import RollupBar, rollup_class_figure
from web.extensions import tracker
from web.formatting import money_unit
from web.timectl import TimeView, current
from web.views.dashboard import unit_tree
from web.views.rollups import choose, projects_url

bp = Blueprint("year_end", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def chosen_ranking() -> tuple[TimeView, Ranking, Any]:
    """The time control, the ranking of the unit the URL chose, and that choice."""
    tv = current()
    units = tracker().queries.units()
    choice = choose(scope(), cast(WebUser, current_user).units, request.args, units)
    return tv, tracker().queries.ranking(tv.year, tv.as_of, choice.unit, tv.known), choice


def ranking_bars(k: Ranking) -> list[RollupBar]:
    """One bar per row, in rank order (the chart reads top-down like the table)."""
    return [
        RollupBar(
            key=r.code,
            label=f"{r.rank}. {short_label(r.code, r.name, 8)}",
            projects=r.projects,
            budget=r.figures.budget,
            disbursed=r.figures.disbursed,
            execution=r.figures.execution_rate,
            planned=r.figures.planned_rate,
            status=r.status,
        )
        for r in k.rows
    ]


@bp.route("/ranking")
@login_required
def ranking() -> Any:
    tv, k, choice = chosen_ranking()
    as_of = tv.as_of.isoformat()

    def link(code: str) -> str:
        return projects_url(tv, code, as_of=as_of)

    figure = rollup_class_figure(ranking_bars(k), link, money_unit())
    figure["title"] = "各单位执行率"
    figure["links"] = {key: url for key, url in figure.get("links", {}).items() if url}
    return render_template(
        "year_end/ranking.html",
        k=k,
        title=title(k.year, k.as_of),
        choice=choice,
        units=unit_tree(list(tracker().queries.units().values()), scope().readable),
        chart=figure,
        link=link,
    )


@bp.route("/ranking.xlsx")
@login_required
def ranking_xlsx() -> Any:
    """The page's exact view as the 通报 table."""
    tv, k, _ = chosen_ranking()
    with tempfile.TemporaryDirectory() as folder:
        path = write_ranking(
            tracker().read, k.year, tv.as_of, k.unit, Path(folder) / "ranking.xlsx", tv.known
        )
        data = io.BytesIO(path.read_bytes())
    name = f"{title(k.year, k.as_of)}.xlsx"
    return send_file(data, mimetype=XLSX, as_attachment=True, download_name=name)


# The rollover routes register on ``bp`` when imported (after ``bp`` exists).
from web.views import year_end_rollover  # noqa: E402, F401
