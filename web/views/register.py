"""The registers' forms: add a project (with its spending plan) and add an indicator
to a project, for administrators and for officers of the unit's subtree.

Until now a project or an indicator came in only by import. These forms follow the
ledger forms' patterns (``web.views.forms``): every field checked at once by the
domain's parsers, an error summary with each message beside its field and everything
typed kept, a request id so a double submit records once, a button disabled after the
first click; then back to the project page with a banner. The command is the one
``tracker project add`` and ``tracker indicator add`` call.

The indicator form's route is in ``web.views.register_indicator``. The links to these
forms are offered by a context processor (``register_links``), so
the project list and the project page show them only to those who may use them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user

from tracker.domain import classification as cls
from tracker.domain.inputs import parse_code, parse_year
from web.auth import ADMIN, OFFICER, WebUser, roles_required, scope
from web.extensions import tracker
from web.form_errors import Submission
from web.timectl import current
from web.views.form_page import link
from web.views.plan_form import MAX_ROWS, PLAN, PLAN_MODES, plan_spec, posted_rows

bp = Blueprint("register", __name__)

STANDARD_PLAN = ("03-31", "25"), ("06-30", "50"), ("09-30", "75"), ("12-31", "100")
PROJECT_FIELDS = {
    "年度": "year",
    "预算单位": "unit",
    "项目编码": "code",
    "项目名称": "name",
    "支出类型": "type",
    "功能分类科目": "functional",
    "经济分类科目": "economic",
    "资金来源": "source",
    "负责人": "owner",
    "资金支出计划": PLAN,
    "备注": "note",
}
PROJECT_LABELS = {
    "year": "预算年度",
    "unit": "预算单位",
    "code": "项目编码",
    "name": "项目名称",
    "type": "支出类型",
    "functional": "功能分类科目",
    "economic": "经济分类科目",
    "source": "资金来源",
    "owner": "负责人",
    PLAN: "资金支出计划",
    "mode": "计划形式",
    "note": "备注",
}


def may_register(unit: str) -> bool:
    """An administrator registers anywhere; an officer in their units' subtrees."""
    user = cast(WebUser, current_user)
    return bool(user.is_authenticated) and (user.has(ADMIN) or scope().can_record(unit))


def register_units() -> list[tuple[str, str]]:
    """The units the user may add a project to, as (code, "code name") choices."""
    if not cast(WebUser, current_user).is_authenticated:
        return []
    return [(u["code"], f"{u['code']} {u['name']}") for u in tracker().units() if may_register(u["code"])]


@bp.app_context_processor
def register_links() -> dict[str, Any]:
    """Links to the forms for the templates, each None for a user who may not use it."""

    def new_project_url() -> str | None:
        user = cast(WebUser, current_user)
        if not user.is_authenticated or not (user.has(ADMIN) or scope().recordable):
            return None
        return link("register.project_new")

    def new_indicator_url(year: int, code: str, unit: str) -> str | None:
        if not may_register(unit):
            return None
        return link("register.indicator_new", year=year, code=code)

    return {"new_project_url": new_project_url, "new_indicator_url": new_indicator_url}


# ---------------------------------------------------------------- project


@bp.route("/projects/new", methods=["GET", "POST"])
@roles_required(ADMIN, OFFICER)
def project_new() -> Any:
    units = register_units()
    if not units:
        abort(403)
    sub = Submission(PROJECT_FIELDS, PROJECT_LABELS)
    if request.method == "GET":
        sub.values.update(fresh_project(units))
    else:
        args = project_args(sub, {code for code, _ in units})
        if not sub.errors:
            pid = sub.run(
                lambda: tracker().add_project(**args, user=current_user.name, request_id=sub.request_id)
            )
            if pid is not None:
                flash(f"已添加 {args['year']} 年项目 {args['code']} {args['name']}", "ok")
                return redirect(link("projects.show", year=args["year"], code=args["code"]))
    rows = min(MAX_ROWS, max(4, posted_rows(sub.values)) + 2)
    return (
        render_template(
            "register/project_new.html",
            values=sub.values,
            errors=sub.errors.messages,
            summary=sub.errors.summary(),
            request_id=sub.request_id,
            units=units,
            types=[(t, t) for t in cls.EXPENDITURE_TYPES],
            sources=[(s, s) for s in cls.FUNDING_SOURCES],
            modes=PLAN_MODES,
            rows=rows,
            back=link("projects.index"),
        ),
        422 if sub.errors else 200,
    )


def fresh_project(units: list[tuple[str, str]]) -> dict[str, str]:
    """A new form: this year, the first unit, the common 25/50/75/100% plan."""
    year = current().year
    values = {"year": str(year), "unit": units[0][0], "type": cls.PROJECT_SPENDING, "mode": "percent"}
    values["source"] = cls.DEFAULT_SOURCE
    for i, (day, rate) in enumerate(STANDARD_PLAN):
        values[f"cp_date_{i}"], values[f"cp_value_{i}"] = f"{year}-{day}", rate
    return values


def project_args(sub: Submission, allowed: set[str]) -> dict[str, Any]:
    """Every field read at once (each refusal beside its field), as the command takes them."""
    year = sub.check("year", lambda: parse_year(sub.text("year").strip(), "预算年度"))
    unit = sub.text("unit").strip()
    if unit not in allowed:
        sub.errors.add("unit", "请选择预算单位（只能为本单位及下级单位添加项目）")
    optional: dict[str, Callable[[str], str]] = {
        "functional": cls.functional_code,
        "economic": cls.economic_code,
    }
    args: dict[str, Any] = {
        "year": year,
        "unit": unit,
        "code": sub.check("code", lambda: parse_code(sub.text("code"), "项目编码")),
        "name": sub.words("name", "项目名称", required=True, limit=200),
        "expenditure_type": sub.check("type", lambda: cls.expenditure_type(sub.text("type"))),
        "source": sub.check("source", lambda: cls.funding_source(sub.text("source"))),
        "owner": sub.words("owner", "负责人", required=False, limit=100),
        "note": sub.words("note", "备注", required=False, limit=500, lines=True),
    }
    for name, parse in optional.items():
        text = sub.words(name, PROJECT_LABELS[name], required=False, limit=20)
        args[name] = sub.check(name, partial(parse, text)) if text else None
    args["plan"] = plan_of(sub, year)
    return args


def plan_of(sub: Submission, year: int | None) -> str | None:
    """The rows as the CLI's plan text; no row filled in is no plan (the default)."""
    filled = [k for k, v in sub.values.items() if k.startswith(("cp_date_", "cp_value_")) and v.strip()]
    if not filled:
        return None
    if year is None:
        sub.errors.add(PLAN, "请先填写有效的预算年度，再填写检查点")
        return None
    return plan_spec(sub, year) or None


# The indicator and weight forms register on ``bp`` when imported (after everything above, which it uses).
from web.views import register_indicator, register_weights  # noqa: E402, F401
