"""设置分值 and 单位一级分值: the pages of ``tracker indicator weight`` and ``tracker
indicator shares``, for administrators and officers of the unit; routes of the
``register`` blueprint, with its patterns (everything typed kept, a request id, the
refusal beside the field in Chinese), over the same commands.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.domain.characters import typed_number
from tracker.queries import lookups
from web.extensions import tracker
from web.form_errors import Submission
from web.views.form_page import project_url
from web.views.register import bp, may_register
from web.views.register_indicator import registrable


@bp.route("/projects/<int:year>/<code>/indicators/<iid>/weight", methods=["GET", "POST"])
@login_required
def indicator_weight(year: int, code: str, iid: str) -> Any:
    facts = registrable(year, code)
    row = next((r for r in tracker().indicators(code, year) if r["id"] == iid), None)
    if row is None:
        abort(404)
    sub = Submission({"分值": "weight", "备注": "note"}, {"weight": "分值", "note": "备注"})
    if request.method == "GET":
        sub.values["weight"] = row["weight"] or ""
    else:
        weight = sub.check("weight", lambda: typed_number(sub.text("weight"), "分值").strip()) or ""
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
        if not sub.errors:
            done = sub.run(
                lambda: tracker().set_indicator_weight(
                    iid, weight or None, note=note, user=current_user.name, request_id=sub.request_id
                )
            )
            if done is not None:
                flash(f"已设置“{row['name']}”的分值：{weight or '默认模板'}", "ok")
                return redirect(project_url(facts) + "#indicators")
    return page("register/indicator_weight.html", sub, facts=facts, row=row, back=project_url(facts))


@bp.route("/units/<code>/weight-shares", methods=["GET", "POST"])
@login_required
def weight_shares(code: str) -> Any:
    if not lookups.unit_exists(tracker().read, code):
        abort(404)
    if not may_register(code):
        abort(403)
    sub = Submission({"一级分值": "shares", "备注": "note"}, {"shares": "一级分值", "note": "备注"})
    if request.method == "POST":
        shares = sub.words("shares", "一级分值", required=True, limit=500)
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
        if not sub.errors:
            done = sub.run(
                lambda: tracker().set_weight_shares(
                    code, shares, note=note, user=current_user.name, request_id=sub.request_id
                )
            )
            if done is not None:
                flash(f"已设置单位 {code} 的一级分值：{shares}", "ok")
                return redirect(url_for("register.weight_shares", code=code))
    return page("register/weight_shares.html", sub, unit=code)


def page(template: str, sub: Submission, **context: Any) -> Any:
    html = render_template(
        template,
        values=sub.values,
        errors=sub.errors.messages,
        summary=sub.errors.summary(),
        request_id=sub.request_id,
        **context,
    )
    return html, 422 if sub.errors else 200
