"""Self-evaluation (绩效自评) pages: the list of projects with their score and grade,
and one project's 自评表 on screen, as ``tracker.commands.selfeval`` computes it.

On the form an officer of the project's unit explains each shortfall (偏差原因分析及
改进措施), and a manager of the unit signs it off (定稿) or reopens a signed form with a
reason. Each is a command of the service layer, posted with the CSRF token and a
request id so a double click records once. The list scores every project of the year
from two reads (the year's statuses and its indicators), never form by form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from tracker.commands.selfeval import result_of
from tracker.domain import selfeval
from tracker.domain.errors import DuplicateError, TrackerError
from tracker.domain.performance import evaluation_id
from tracker.queries import indicators as indicator_queries
from tracker.queries import lookups
from tracker.queries.project_page import ProjectFacts, ProjectPageQueries
from web.auth import require_manage, require_read, require_record, scope
from web.extensions import tracker
from web.form_errors import FORM, Submission
from web.timectl import current

bp = Blueprint("selfeval", __name__)
EXECUTION = selfeval.EXECUTION


def scored_projects(year: int) -> list[dict[str, Any]]:
    """Every readable project of the year with its draft score, grade and sign-off."""
    _, projects = tracker().queries.statuses(year, dt.date(year, 12, 31))
    indicators: dict[str, list[dict[str, Any]]] = {}
    for row in lookups.year_indicator_rows(tracker().read, year):
        if row["owner_kind"] == "project":
            indicators.setdefault(row["owner_code"], []).append(row)
    units = tracker().queries.units()
    shares = indicator_queries.weight_shares_of(tracker().read, sorted({p.unit for p in projects}))
    out = []
    for p in projects:
        if not scope().can_read(p.unit):
            continue
        rows = sorted(indicators.get(p.code, []), key=lambda r: r["seq"])
        entry: dict[str, Any] = {
            "project": p,
            "unit_name": units.get(p.unit, {}).get("name", ""),
            "count": len(rows),
        }
        try:
            entry["evaluation"] = selfeval.evaluate(
                Decimal(0),
                p.figures.budget,
                p.figures.disbursed,
                [result_of(r) for r in rows],
                shares=shares[p.unit],
            )
        except TrackerError as e:
            entry["problem"] = e.message
        entry["signed"] = lookups.evaluation_row(tracker().read, evaluation_id("project", p.code, year))
        entry["stale"] = stale(entry)
        out.append(entry)
    return out


def stale(entry: dict[str, Any]) -> bool:
    """A signed form whose total moved since (the list's short check; the form itself
    compares every signed figure)."""
    signed, ev = entry["signed"], entry.get("evaluation")
    return bool(signed and signed["finalised"] and ev is not None and Decimal(signed["total"]) != ev.total)


@bp.route("/selfeval")
@login_required
def index() -> Any:
    tv = current()
    return render_template("selfeval/index.html", rows=scored_projects(tv.year), year=tv.year)


def readable(year: int, code: str) -> ProjectFacts:
    facts = ProjectPageQueries(tracker().read).facts(year, code)
    if facts is None:
        abort(404)
    require_read(facts.unit_code)
    return facts


def download_url(facts: ProjectFacts) -> str | None:
    """The xlsx 自评表 on the export page, when that page is there."""
    if "transfer.download" not in current_app.view_functions:
        return None
    try:
        return url_for(
            "transfer.download", kind="selfeval", format="xlsx", project=facts.code, year=facts.year
        )
    except BuildError:
        return None


def render(facts: ProjectFacts, posted: dict[str, Submission] | None = None, status: int = 200) -> Any:
    """The form on screen; ``posted`` holds a refused submission by form name."""
    posted = posted or {}
    try:
        form: dict[str, Any] | None = tracker().self_evaluation(facts.code, facts.year)
        problem = None
    except TrackerError as e:
        form, problem = None, e.message
    subs = {
        name: posted.get(name) or Submission({}, {}, blank=True)
        for name in ("explain", "sign", "reopen", "goal")
    }
    if form and "sign" not in posted:
        subs["sign"].values.setdefault("signed_by", current_user.name)
        signed = form["signed"]
        if signed:
            subs["sign"].values.setdefault("execution_cause", signed["execution_cause"])
            subs["sign"].values.setdefault("execution_action", signed["execution_action"])
    if form and "goal" not in posted:
        subs["goal"].values.setdefault("goal", form["goal"]["goal"])
        subs["goal"].values.setdefault("outcome", form["goal"]["outcome"])
    if form and "explain" not in posted:
        for row in form["indicators"]:
            subs["explain"].values.setdefault(f"cause_{row['id']}", row["cause"] or "")
            subs["explain"].values.setdefault(f"action_{row['id']}", row["action"] or "")
    page = render_template(
        "selfeval/show.html",
        facts=facts,
        form=form,
        problem=problem,
        rows={r["id"]: r for r in form["indicators"]} if form else {},
        subs=subs,
        can_explain=scope().can_record(facts.unit_code),
        can_sign=scope().can_manage(facts.unit_code),
        can_write_indicator="forms.indicator" in current_app.view_functions,
        download=download_url(facts),
        project_url=(
            url_for("projects.show", year=facts.year, code=facts.code)
            if "projects.show" in current_app.view_functions
            else None
        ),
        execution=EXECUTION,
        show_points=selfeval.show_points,
        signed_total=signed_total(form),
    )
    return page, status


def signed_total(form: dict[str, Any] | None) -> str | None:
    """The total as it was signed, two decimals, for the signed-versus-current table."""
    signed = form["signed"] if form else None
    scores = (signed or {}).get("scores") or {}
    return selfeval.show_points(Decimal(str(scores["total"]))) if "total" in scores else None


@bp.route("/selfeval/<int:year>/<code>")
@login_required
def show(year: int, code: str) -> Any:
    return render(readable(year, code))


def back_to(facts: ProjectFacts, message: str) -> Any:
    flash(message, "ok")
    keep: dict[str, Any] = {k: v for k in ("as_of", "year") if (v := request.args.get(k))}
    return redirect(url_for("selfeval.show", **{**keep, "year": facts.year, "code": facts.code}))


def attempt(sub: Submission, command: Callable[[], Any], fields: dict[str, str]) -> bool:
    """Run one command; a refusal goes beside the field it names (``fields``)."""
    try:
        command()
    except DuplicateError as e:
        if e.field == "请求编号":
            sub.renew()
        else:
            sub.errors.add(fields.get(e.field or "", FORM), e.message)
        return False
    except TrackerError as e:
        sub.errors.add(fields.get(e.field or "", FORM), e.message)
        return False
    return True


@bp.route("/selfeval/<int:year>/<code>/explain", methods=["POST"])
@login_required
def explain(year: int, code: str) -> Any:
    """Save the causes and actions that were filled in or changed, one command each."""
    facts = readable(year, code)
    require_record(facts.unit_code)
    sub = Submission({}, {})
    changes = []
    for row in tracker().indicators(code, year):
        iid = row["id"]
        cause_name, action_name = f"cause_{iid}", f"action_{iid}"
        if cause_name not in sub.values and action_name not in sub.values:
            continue  # not a shortfall on the form that was shown
        sub.errors.labels.update(
            {cause_name: f"“{row['name']}”偏差原因", action_name: f"“{row['name']}”改进措施"}
        )
        cause = sub.words(cause_name, "偏差原因", required=False, limit=1000, lines=True)
        action = sub.words(action_name, "改进措施", required=False, limit=1000, lines=True)
        if (cause, action) == (row["cause"] or "", row["action"] or ""):
            continue
        if not cause or not action:
            sub.errors.add(action_name if cause else cause_name, "偏差原因和改进措施须同时填写")
            continue
        changes.append((iid, cause, action, {"偏差原因": cause_name, "改进措施": action_name}))
    for iid, cause, action, fields in [] if sub.errors else changes:
        command = partial(
            tracker().explain_deviation,
            iid,
            cause=cause,
            action=action,
            user=current_user.name,
            request_id=f"{sub.request_id}:{iid}",
        )
        attempt(sub, command, fields)
    if sub.errors:
        return render(facts, {"explain": sub}, 422)
    return back_to(facts, f"已保存 {len(changes)} 项偏差原因及改进措施" if changes else "没有需要保存的改动")


@bp.route("/selfeval/<int:year>/<code>/sign", methods=["POST"])
@login_required
def sign(year: int, code: str) -> Any:
    facts = readable(year, code)
    require_manage(facts.unit_code)
    sub = Submission(
        {}, {"signed_by": "签字人", "execution_cause": "预算执行偏差原因", "execution_action": "改进措施"}
    )
    signer = sub.words("signed_by", "签字人", required=True, limit=100)
    cause = sub.words("execution_cause", "偏差原因", required=False, limit=1000, lines=True)
    action = sub.words("execution_action", "改进措施", required=False, limit=1000, lines=True)
    fields = {"签字人": "signed_by", EXECUTION: "execution_cause" if not cause else "execution_action"}
    if not sub.errors and attempt(
        sub,
        lambda: tracker().finalise_evaluation(
            code,
            year,
            signed_by=signer,
            execution_cause=cause,
            execution_action=action,
            user=current_user.name,
            request_id=sub.request_id,
        ),
        fields,
    ):
        form = tracker().self_evaluation(code, year)
        ev = form["evaluation"]
        return back_to(facts, f"已定稿：总分 {ev.shown_total}，等级 {ev.grade}，签字人 {signer}")
    return render(facts, {"sign": sub}, 422)


@bp.route("/selfeval/<int:year>/<code>/reopen", methods=["POST"])
@login_required
def reopen(year: int, code: str) -> Any:
    facts = readable(year, code)
    require_manage(facts.unit_code)
    sub = Submission({}, {"reason": "退回原因"})
    reason = sub.words("reason", "原因", required=True, limit=500, lines=True)
    if not sub.errors and attempt(
        sub,
        lambda: tracker().reopen_evaluation(
            code, year, reason=reason, user=current_user.name, request_id=sub.request_id
        ),
        {"原因": "reason"},
    ):
        return back_to(facts, "已退回修改：自评表恢复为草稿，修改后须重新定稿")
    return render(facts, {"reopen": sub}, 422)


from web.views import selfeval_goal  # noqa: E402, F401  (registers the 年度总体目标 form's route)
