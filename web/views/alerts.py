"""The alerts page: open alerts with their figures, acknowledgement by the unit's
manager (with a comment), and the history of resolved alerts.

Everyone signed in sees the alerts of the units they may read, as the world stood on
the page's as-of date (raised by then; open if not resolved by then). Acknowledging is
a command of the service layer (``acknowledge_alert``): POST with the CSRF token and a
request id, so a double click acknowledges once; only a manager of the alert's unit
may do it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.domain.alert import RULE_LABELS
from tracker.domain.money import fmt_yuan_grouped
from web.auth import require_manage, scope
from web.extensions import tracker
from web.form_errors import FORM, Submission
from web.timectl import TimeView, current

bp = Blueprint("alerts", __name__)
SEVERITY_LABELS = {"yellow": "黄色预警", "red": "红色预警"}
FILTERS = ("unit", "rule", "severity")


def figure_lines(alert: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures an alert was raised with, as (label, text) pairs in Chinese."""
    f, rule = alert["figures"], alert["rule"]
    if rule == "overspend_refused" and f.get("kind") == "transfer":
        return [
            ("调剂日期", f.get("date", "")),
            ("拟调出", _yuan(f.get("amount"))),
            ("调入项目", f.get("to", "")),
            ("文号", f.get("doc", "")),
            ("可调出余额", _yuan(f.get("available"))),
            ("尝试次数", str(alert.get("attempts", 1))),
        ]
    if rule == "overspend_refused" and f.get("kind") == "commitment":
        return [
            ("签订日期", f.get("date", "")),
            ("拟登记合同", _yuan(f.get("amount"))),
            ("未占用余额", _yuan(f.get("available"))),
            ("尝试次数", str(alert.get("attempts", 1))),
        ]
    if rule == "overspend_refused":
        return [
            ("支付日期", f.get("date", "")),
            ("拟支付", _yuan(f.get("amount"))),
            ("可用余额", _yuan(f.get("available"))),
            ("尝试次数", str(alert.get("attempts", 1))),
        ]
    if rule == "indicator_deadline":
        return [("指标", f.get("name", "")), ("指标值", f.get("target", "")), ("期限", f.get("deadline", ""))]
    lines = [
        ("执行率", _pct(f.get("execution_rate"))),
        ("序时进度", _pct(f.get("planned_rate"))),
        ("差距", f"{f.get('lag_points', '—')} 百分点"),
    ]
    if rule == "checkpoint_missed":
        lines += [("检查点目标", _pct(f.get("target_rate"))), ("检查点实际", _pct(f.get("actual_rate")))]
    if rule == "forecast_miss":
        lines += [
            ("下一检查点", f.get("checkpoint", "")),
            ("目标", _pct(f.get("target_rate"))),
            ("按当前进度预计", _pct(f.get("projected_rate"))),
        ]
    if f.get("committed"):  # a project waiting for invoices, not a stalled one
        lines.append(("已签合同未支付", _yuan(f.get("committed"))))
    return [*lines, ("可用余额", _yuan(f.get("available")))]


def _pct(value: Any) -> str:
    return "—" if value in (None, "") else f"{value}%"


def _yuan(value: Any) -> str:
    if value in (None, ""):
        return "—"
    try:
        return f"{fmt_yuan_grouped(Decimal(str(value)))} 元"
    except InvalidOperation:
        return str(value)


def chosen_filters() -> dict[str, str]:
    """The filters in the URL; a unit the user may not read is refused (403)."""
    chosen = {k: v for k in FILTERS if (v := (request.args.get(k) or "").strip())}
    if "unit" in chosen and not scope().can_read(chosen["unit"]):
        abort(403)
    return chosen


def visible_alerts(tv: TimeView, chosen: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(open, resolved) alerts of readable units, as of the page's date, filtered."""
    units = tracker().queries.units()
    within = set(tracker().queries.subtree(chosen["unit"], units)) if chosen.get("unit") in units else None
    day = tv.as_of.isoformat()
    open_rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for row in tracker().alerts():
        if not scope().can_read(row["unit_code"]) or row["year"] != tv.year or row["raised_on"] > day:
            continue
        if ("unit" in chosen and (within is None or row["unit_code"] not in within)) or any(
            k in chosen and row[k] != chosen[k] for k in ("rule", "severity")
        ):
            continue
        shown = {
            **row,
            "unit_name": units.get(row["unit_code"], {}).get("name", ""),
            "lines": figure_lines(row),
        }
        resolved = row["resolved_on"] is not None and row["resolved_on"] <= day
        (history if resolved else open_rows).append(shown)
    history.sort(key=lambda r: r["resolved_on"], reverse=True)
    return open_rows, history


def project_link(row: dict[str, Any]) -> str | None:
    if "projects.show" not in current_app.view_functions:
        return None
    keep = {k: v for k in ("as_of", "year") if (v := request.args.get(k))}
    return url_for("projects.show", **{"year": row["year"], "code": row["project"], **keep})


def render(chosen: dict[str, str], posted: dict[str, Submission] | None = None, status: int = 200) -> Any:
    tv = current()
    open_rows, history = visible_alerts(tv, chosen)
    posted = posted or {}
    forms = {}
    for row in open_rows:
        if not row["acknowledged_by"] and scope().can_manage(row["unit_code"]):
            sub = posted.get(row["id"])
            forms[row["id"]] = {
                "request_id": sub.request_id if sub else str(uuid.uuid4()),
                "typed": sub.values if sub else {},
                "messages": sub.errors.messages if sub else {},
                "summary": sub.errors.summary() if sub else {},
            }
    # A refusal for an alert whose form is no longer shown (acknowledged meanwhile).
    stray = [(aid, sub.errors.summary()) for aid, sub in posted.items() if aid not in forms]
    units = tracker().queries.units()
    readable = [(c, u["name"]) for c, u in sorted(units.items()) if scope().can_read(c)]
    page = render_template(
        "alerts/index.html",
        open_rows=open_rows,
        history=history,
        forms=forms,
        stray=stray,
        chosen=chosen,
        unit_options=[("", "全部单位"), *((c, f"{c} {n}") for c, n in readable)],
        rule_options=[("", "全部规则"), *RULE_LABELS.items()],
        severity_options=[("", "全部级别"), *SEVERITY_LABELS.items()],
        rule_labels=RULE_LABELS,
        severity_labels=SEVERITY_LABELS,
        project_link=project_link,
        query=request.args.to_dict(),
    )
    return page, status


@bp.route("/alerts")
@login_required
def index() -> Any:
    return render(chosen_filters())


@bp.route("/alerts/<alert_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(alert_id: str) -> Any:
    row = next((r for r in tracker().alerts() if r["id"] == alert_id), None)
    if row is None:
        abort(404)
    require_manage(row["unit_code"])
    sub = Submission({"备注": "comment", "预警": FORM, "预警编号": FORM}, {"comment": "确认意见"})
    comment = sub.words("comment", "备注", required=False, limit=500, lines=True)
    if not sub.errors:
        done = sub.run(
            lambda: tracker().acknowledge_alert(
                alert_id, comment=comment, user=current_user.name, request_id=sub.request_id
            )
        )
        if done is not None:
            name = row["figures"].get("name") or row["project"]
            flash(f"已确认预警：{row['project']} {name}（{RULE_LABELS.get(row['rule'], row['rule'])}）", "ok")
            args: dict[str, Any] = request.args.to_dict()
            return redirect(url_for("alerts.index", **args))
    return render(chosen_filters(), {alert_id: sub}, 422)
