"""The 预算调剂 form: budget moved from the project whose page it is opened from to
another project of the same year, in one atomic command (``BudgetTracker.transfer``).

GET shows a fresh form (``?to=`` may name the receiving project, as the banner's
"调回" link does); POST records and goes back to the giving project's page with a
banner, or shows the form again (422) with each refusal beside its field and in the
error summary. The receiving project is chosen among the projects of the year, with
the giver's funding source, that this officer may record for: a transfer needs the
right to record on both sides, the same rule as the API's.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import current_user, login_required
from markupsafe import Markup

from tracker.domain.inputs import parse_date
from tracker.domain.money import fmt_yuan_grouped
from tracker.queries import lookups
from tracker.queries.project_page import ProjectFacts
from web.auth import scope
from web.extensions import tracker
from web.form_errors import Submission
from web.views.form_page import default_day, done, in_year, link, recordable, show, standing

bp = Blueprint("reallocations", __name__)

FIELDS = {"调入项目": "to", "金额": "amount", "日期": "date", "文号": "doc", "备注": "note"}
LABELS = {"to": "调入项目", "amount": "金额", "date": "调剂日期", "doc": "文号", "note": "备注"}
OVERSPEND_HINT = "，请减少调剂金额"


@bp.route("/projects/<int:year>/<code>/transfers/new", methods=["GET", "POST"])
@login_required
def new(year: int, code: str) -> Any:
    facts = recordable(year, code)
    sub = Submission(FIELDS, LABELS)
    choices = receivers(facts)
    if request.method == "GET":
        sub.values["date"] = default_day(year)
        sub.values["to"] = request.args.get("to", "")
    else:
        to = sub.text("to")
        if to not in dict(choices) or not to:
            sub.errors.add("to", "请选择调入项目（同一年度、同一资金来源、可由您登记的其他项目）")
        amount = sub.amount(wan=sub.text("wan") == "1")
        day = sub.check("date", lambda: in_year(parse_date(sub.text("date"), "日期"), facts))
        doc = sub.words("doc", "文号", required=True, limit=200)
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
        if not sub.errors and amount is not None:
            tid = sub.run(
                lambda: tracker().transfer(
                    code,
                    to,
                    amount,
                    date=day,
                    doc=doc,
                    year=year,
                    user=current_user.name,
                    note=note,
                    request_id=sub.request_id,
                ),
                OVERSPEND_HINT,
            )
            if tid is not None:
                back = link("reallocations.new", year=year, code=to, to=code)
                return done(
                    Markup('已调剂 {} 元至 {}（文号 {}）。<a href="{}">从 {} 调回</a>').format(
                        fmt_yuan_grouped(amount), to, doc, back, to
                    ),
                    facts,
                )
    return show("forms/reallocation.html", facts, sub, figures=standing(facts), receivers=choices)


def receivers(facts: ProjectFacts) -> list[tuple[str, str]]:
    """The projects this one may give to: same year and source, recordable, not itself."""
    rows = lookups.project_rows(tracker().read, facts.year)
    can = scope().can_record
    options = [
        (r["code"], f"{r['code']} {r['name']}（{r['unit_code']}）")
        for r in rows
        if r["code"] != facts.code and r["source"] == facts.source and can(r["unit_code"])
    ]
    return [("", "请选择"), *options]
