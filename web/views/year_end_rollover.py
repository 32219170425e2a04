"""年末结转: choose the closing year (and a unit), see the dry run's table, then
确认结转. Routes of the ``year_end`` blueprint (``web.views.year_end``).

Admins may carry any unit (or every unit); officers only a unit they record for. The
preview is the service layer's dry run, the confirmation its rollover: the same
checks as the CLI and the API (a year not over is refused beside 年度). The form
carries its request id like every form; the rollover needs none of its own, since
each project's carry-over has a request id fixed by its source project, so a second
click records nothing and says 已结转，未重复记录.
"""

from __future__ import annotations

from typing import Any, cast

from flask import abort, render_template, request
from flask_login import current_user

from tracker.commands.rollover import RolloverResult
from tracker.domain.errors import TrackerError
from web.auth import ADMIN, OFFICER, WebUser, roles_required, scope
from web.extensions import tracker
from web.form_errors import FormErrors, Submission
from web.timectl import the_day
from web.views.dashboard import unit_tree
from web.views.year_end import bp

FIELDS = {"年度": "from_year", "单位编码": "unit", "单位": "unit"}
LABELS = {"from_year": "结转年度", "unit": "单位"}
TARGETS = {"created": "新登记", "existing": "已有项目", "to_create": "将新登记", "": ""}


@bp.route("/rollover", methods=["GET", "POST"])
@roles_required(ADMIN, OFFICER)
def rollover() -> Any:
    user = cast(WebUser, current_user)
    form = Submission(FIELDS, LABELS)
    source = request.form if request.method == "POST" else request.args
    values = {
        "from_year": (source.get("from_year") or str(the_day().year - 1)).strip(),
        "unit": (source.get("unit") or "").strip(),
    }
    asked = request.method == "POST" or "from_year" in request.args or "unit" in request.args
    if not values["unit"] and not user.has(ADMIN) and len(scope().recordable) == 1:
        values["unit"] = next(iter(scope().recordable))  # an officer of one unit: that one
    form.values.update(values)
    unit = values["unit"] or None
    errors: FormErrors = form.errors
    if not user.has(ADMIN):
        if unit is None and asked:
            errors.add("unit", "请选择要结转的单位")
        elif unit is not None and not scope().can_record(unit):
            abort(403)
    result: RolloverResult | None = None
    if not errors and (unit is not None or user.has(ADMIN)):
        try:
            result = tracker().rollover(
                values["from_year"],
                unit=unit,
                dry_run=request.method != "POST",
                today=the_day(),
                user=user.name,
            )
        except TrackerError as e:
            errors.refuse(e)
    units = tracker().units()
    readable = None if user.has(ADMIN) else frozenset(scope().recordable)
    page = render_template(
        "year_end/rollover.html",
        form=form,
        values=form.values,
        errors=dict(errors.messages),
        summary=errors.summary(),
        result=result,
        targets=TARGETS,
        units=unit_tree(units, readable),
        may_choose_all=user.has(ADMIN),
    )
    return page, 422 if errors else 200
