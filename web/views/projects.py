"""项目: the project list (the dashboard's selection with more columns) and the page
of one project at ``/projects/<year>/<code>`` (the address alert messages link to).

The project page reads only read tables and stored events: the status and checkpoints
from ``Queries.progress``, the S-curve from ``Queries.series``, the ledger and the
indicators from ``tracker.queries.project_page``, the history from the project's (and
its indicators') stored events. It never loads the aggregate.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast
from uuid import UUID

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from tracker.domain.errors import NotFoundError
from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import from_fen
from tracker.queries import commitments as commitment_queries
from tracker.queries import default_as_of
from tracker.queries.known_views import mark_recorded_after
from tracker.queries.project_history import indicator_history, project_history, split_history
from tracker.queries.project_page import ProjectPageQueries
from web import charts
from web.auth import WebUser, require_read, scope
from web.extensions import tracker
from web.formatting import UNITS, money_unit
from web.templating import keep_time
from web.timectl import current
from web.views.dashboard import CODE_MARK, Selection, project_url, select
from web.views.status_table import STATUS_ORDER, status_table

bp = Blueprint("projects", __name__)
CENT = Decimal("0.01")
PAYMENT_LIMIT = 100  # the latest payments listed; ?all=1 lists every one (and the whole history)
HISTORY_LIMIT = 50
ID = "00000000-0000-0000-0000-000000000000"  # stands for a row's id in a URL built once

# The forms' endpoints (another area); a link is shown only once its endpoint exists.
ACTIONS = (
    ("forms.payment", "登记支付"),
    ("forms.appropriation", "追加预算"),
    ("forms.plan", "设定支出计划"),
    ("reallocations.new", "预算调剂"),
    ("commitments.new", "登记合同"),
)


def committed_changes(project_id: str, known: Any) -> list[tuple[dt.date, Decimal]]:
    """Each day's change of the project's open commitments in 元, for the S-curve's band."""
    rows = commitment_queries.committed_changes(tracker().read, project_id, known)
    return [(day, from_fen(fen)) for day, fen in rows]


def action_url(endpoint: str, **values: Any) -> str | None:
    """The endpoint's URL keeping the time control, or None while its area (the forms,
    built by another part of the site) is not served."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        args: dict[str, Any] = {**values, **keep_time()}
        return url_for(endpoint, **args)
    except BuildError:
        return None


@bp.route("/projects")
@login_required
def index() -> Any:
    user = cast(WebUser, current_user)
    sel = select(scope(), user.units, request.args)
    table = status_table(sel.projects, sel.total, sel.rule, money_unit(), request.args.to_dict())
    return render_template(
        "projects/index.html",
        sel=sel,
        table=table,
        status_order=STATUS_ORDER,
        link_base=project_url(sel.year, CODE_MARK),
        code_mark=CODE_MARK,
        unit_arg=request.args.get("unit"),
    )


@bp.route("/projects/export.xlsx")
@login_required
def export() -> Any:
    """The dashboard's or the list's table exactly as shown (unit, filters, day, 元/万元)."""
    user = cast(WebUser, current_user)
    sel = select(scope(), user.units, request.args)
    unit = money_unit()
    where = sel.unit or "全部可见单位"
    return send_file(
        io.BytesIO(status_workbook(sel, unit)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"项目执行情况_{where}_{sel.year}_截至{sel.as_of.isoformat()}.xlsx",
        max_age=0,
    )


HEADERS = (
    ("项目编码", 14), ("项目名称", 30), ("单位", 10), ("支出类型", 16), ("功能分类", 10), ("资金来源", 22),
    ("全年预算", 16), ("已支付", 16), ("可用余额", 16), ("执行率(%)", 11), ("序时进度(%)", 12),
    ("差距(百分点)", 12), ("年末预计(%)", 12), ("状态", 10),
)  # fmt: skip


def status_workbook(sel: Selection, unit: str) -> bytes:
    """An .xlsx of the selection: amounts exact to the 分 (or 0.01 万元), rates to 0.01."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from tracker.exporting.xlsx import MONEY_FORMAT, exact_number
    from web.charts import in_unit

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "项目执行情况"
    where = f"{sel.unit} {sel.unit_name}" if sel.unit else "全部可见单位"
    ws.append(
        [f"{sel.year} 年项目执行情况 · {where} · 截至 {sel.as_of.isoformat()} · 金额单位：{UNITS[unit]}"]
    )
    ws.append([h for h, _ in HEADERS])
    for c, (_, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
        ws.cell(2, c).font = Font(bold=True)
    rows = [
        (p.code, p.name, p.unit, p.expenditure_type, p.functional or "", p.source, p.figures, p.status)
        for p in sel.projects
    ]
    rows.append(("合计", f"{len(sel.projects)} 个项目", "", "", "", "", sel.total, sel.total_status))
    for r, (*texts, f, status) in enumerate(rows, start=3):
        for c, text in enumerate(texts, start=1):
            ws.cell(r, c, text).number_format = "@"
        numbers = (
            in_unit(f.budget, unit), in_unit(f.disbursed, unit), in_unit(f.available, unit),
            f.execution_rate, f.planned_rate, f.lag_points, f.forecast_rate,
        )  # fmt: skip
        for c, value in enumerate(numbers, start=7):
            cell = ws.cell(r, c)
            exact_number(cell, value.quantize(CENT, rounding=ROUND_HALF_UP))
            cell.number_format = MONEY_FORMAT
        ws.cell(r, 14, STATUS_LABELS[status])
    for c in range(1, len(HEADERS) + 1):
        ws.cell(len(rows) + 2, c).font = Font(bold=True)
    ws.freeze_panes = "C3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@bp.route("/projects/<int:year>/<code>")
@login_required
def show(year: int, code: str) -> Any:
    if not 2000 <= year <= 2100:
        abort(404)
    pages = ProjectPageQueries(tracker().read)
    facts = pages.facts(year, code)
    if facts is None:
        abort(404)
    require_read(facts.unit_code)
    tv = current()
    asked = tv.as_of if tv.explicit else default_as_of(year, tv.today)
    series = tracker().queries.series(year, code=code, as_of=asked, known=tv.known)
    as_of = series["as_of"]  # within the fiscal year
    if tv.known is None:
        progress = pages.progress(facts, as_of)
    else:  # the same answer as known on the moment (a registration after it: not found)
        try:
            progress = tracker().queries.progress(UUID(facts.id), as_of, tv.known)
        except NotFoundError:
            abort(404)
    everything = request.args.get("all") == "1"
    ledger = pages.ledger(facts.id, as_of, limit=None if everything else PAYMENT_LIMIT, known=tv.known)
    known = tv.known
    as_known = None if known is None else (lambda rows: tracker().known_indicator_rows(rows, known))
    indicators = pages.indicators(year, code, as_of, as_known)
    events, event_count = project_history(tracker().events, facts.id, None if everything else HISTORY_LIMIT)
    for ind in indicators:
        events += indicator_history(tracker().events.get(UUID(ind.id)), ind.name)
    history, later_events = split_history(events, as_of)
    if tv.known is not None:
        history = mark_recorded_after(history, tv.known)
    can_record = scope().can_record(facts.unit_code)
    actions = []
    if can_record:
        for endpoint, label in ACTIONS:
            url = action_url(endpoint, year=year, code=code)
            if url:
                actions.append((label, url))
    # One URL built per page, the payment's id put in per row (a thousand url_for calls
    # would cost more than the rest of the page).
    reverse_url = action_url("forms.reversal", year=year, code=code, payment_id=ID) if can_record else None
    _, commitments = tracker().commitments(code, year=year, as_of=as_of, known=tv.known)
    release_url = (
        action_url("commitments.release", year=year, code=code, commitment_id=ID) if can_record else None
    )
    pay_url = action_url("forms.payment", year=year, code=code, commitment=ID) if can_record else None
    progress_url = (
        action_url("forms.indicator", year=year, code=code, indicator_id=ID) if can_record else None
    )
    return render_template(
        "projects/show.html",
        p=facts,
        status=progress["project"],
        progress=progress,
        as_of=as_of,
        chart=charts.s_curve(series, progress, money_unit(), committed_changes(facts.id, tv.known)),
        ledger=ledger,
        indicators=indicators,
        history=history,
        later_events=later_events,
        actions=actions,
        reverse_url=reverse_url,
        progress_url=progress_url,
        commitments=commitments,
        release_url=release_url,
        pay_url=pay_url,
        placeholder=ID,
        everything=everything,
        event_count=event_count,
        history_limit=HISTORY_LIMIT,
        all_url=action_url("projects.show", year=year, code=code, all="1"),
        status_labels=STATUS_LABELS,
    )
