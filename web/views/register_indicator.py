"""添加绩效指标: the form that adds a 三级 indicator to a project, for administrators
and officers of the project's unit; a route of the ``register`` blueprint
(``web.views.register``), with its patterns (every field at once, everything typed
kept, a request id), over the command of ``tracker indicator add``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from tracker.commands.indicators import parse_weight
from tracker.domain.characters import typed_number
from tracker.domain.indicator import LEVEL1, LEVEL2, parse_target
from tracker.queries.project_page import ProjectFacts, ProjectPageQueries
from web.extensions import tracker
from web.form_errors import Submission
from web.views.form_page import project_url
from web.views.register import bp, may_register

INDICATOR_FIELDS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "指标值": "target",
    "分值": "weight",
    "指标描述": "description",
    "备注": "note",
}
INDICATOR_LABELS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "指标值",
    "weight": "分值",
    "description": "指标描述",
    "note": "备注",
}


def registrable(year: int, code: str) -> ProjectFacts:
    facts = ProjectPageQueries(tracker().read).facts(year, code)
    if facts is None:
        abort(404)
    if not may_register(facts.unit_code):
        abort(403)
    return facts


@bp.route("/projects/<int:year>/<code>/indicators/new", methods=["GET", "POST"])
@login_required
def indicator_new(year: int, code: str) -> Any:
    facts = registrable(year, code)
    sub = Submission(INDICATOR_FIELDS, INDICATOR_LABELS)
    if request.method == "GET":
        sub.values["level1"] = LEVEL1[0]
    else:
        args = indicator_args(sub, year)
        if not sub.errors:
            done = sub.run(
                lambda: tracker().add_indicator(
                    code, **args, year=year, user=current_user.name, request_id=sub.request_id
                )
            )
            if done is not None:
                flash(f"已添加绩效指标“{args['name']}”（指标值 {args['target']}）", "ok")
                return redirect(project_url(facts) + "#indicators")
    return (
        render_template(
            "register/indicator_new.html",
            facts=facts,
            values=sub.values,
            errors=sub.errors.messages,
            summary=sub.errors.summary(),
            request_id=sub.request_id,
            level1=LEVEL1,
            level2=sorted({name for names in LEVEL2.values() for name in names}),
            back=project_url(facts),
        ),
        422 if sub.errors else 200,
    )


def indicator_args(sub: Submission, year: int) -> dict[str, Any]:
    target = sub.words("target", "指标值", required=True, limit=200)
    if target:
        sub.check("target", lambda: parse_target(target, year))
    weight = sub.check("weight", lambda: typed_number(sub.text("weight"), "分值").strip()) or ""
    if weight:
        sub.check("weight", lambda: parse_weight(weight))
    return {
        "level1": sub.words("level1", "一级指标", required=True, limit=50),
        "level2": sub.words("level2", "二级指标", required=True, limit=50),
        "name": sub.words("name", "三级指标", required=True, limit=200),
        "target": target,
        "weight": weight or None,
        "description": sub.words("description", "指标描述", required=False, limit=500, lines=True),
        "note": sub.words("note", "备注", required=False, limit=500, lines=True),
    }
