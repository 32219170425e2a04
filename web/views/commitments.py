"""合同/采购 commitments on the pages: record one (登记合同) and release what it still
holds (解除占用), from the project page, through ``BudgetTracker.commit`` and
``release_commitment``.

Both are GET (a fresh form) and POST (recorded, back to the project page with a banner;
or refused, 422, with everything typed, the error summary and each message beside its
field). The payment form offers the project's open commitments to pay against
(``open_choices``). Only an officer who may record for the project's unit gets here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, request
from flask_login import current_user, login_required
from markupsafe import Markup

from tracker.domain.inputs import parse_date
from tracker.domain.money import fmt_yuan_grouped
from tracker.queries.commitments import CommitmentRow
from tracker.queries.project_page import ProjectFacts
from web.extensions import tracker
from web.form_errors import Submission
from web.views.form_page import default_day, done, in_year, link, recordable, show, standing

bp = Blueprint("commitments", __name__)

NEW_FIELDS = {"金额": "amount", "日期": "date", "合同": "contract", "供应商": "supplier", "备注": "note"}
NEW_LABELS = {
    "amount": "合同金额",
    "date": "签订日期",
    "contract": "合同",
    "supplier": "供应商",
    "note": "备注",
}
RELEASE_FIELDS = {"金额": "amount", "日期": "date", "原因": "reason", "合同": "amount"}
RELEASE_LABELS = {"amount": "解除金额", "date": "解除日期", "reason": "原因"}
OVERSPEND_HINT = "，请减少合同金额或先追加预算"


@bp.route("/projects/<int:year>/<code>/commitments/new", methods=["GET", "POST"])
@login_required
def new(year: int, code: str) -> Any:
    facts = recordable(year, code)
    sub = Submission(NEW_FIELDS, NEW_LABELS)
    if request.method == "GET":
        sub.values["date"] = default_day(year)
    else:
        amount = sub.amount(wan=sub.text("wan") == "1")
        day = sub.check("date", lambda: in_year(parse_date(sub.text("date"), "日期"), facts))
        contract = sub.words("contract", "合同", required=True, limit=200)
        supplier = sub.words("supplier", "供应商", required=False, limit=200)
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
        if not sub.errors and amount is not None:
            cid = sub.run(
                lambda: tracker().commit(
                    code,
                    amount,
                    date=day,
                    contract=contract,
                    supplier=supplier,
                    year=year,
                    user=current_user.name,
                    note=note,
                    request_id=sub.request_id,
                ),
                OVERSPEND_HINT,
            )
            if cid is not None:
                pay = link("forms.payment", year=year, code=code, commitment=str(cid))
                return done(
                    Markup('已登记合同“{}”，金额 {} 元。<a href="{}">按此合同登记支付</a>').format(
                        contract, fmt_yuan_grouped(amount), pay
                    ),
                    facts,
                )
    return show("commitments/new.html", facts, sub, figures=standing(facts))


@bp.route("/projects/<int:year>/<code>/commitments/<commitment_id>/release", methods=["GET", "POST"])
@login_required
def release(year: int, code: str, commitment_id: str) -> Any:
    facts = recordable(year, code)
    row = _commitment(facts, commitment_id)
    sub = Submission(RELEASE_FIELDS, RELEASE_LABELS)
    if request.method == "GET":
        sub.values["date"] = default_day(year, row.date)
        sub.values["amount"] = str(row.open)
    else:
        typed = sub.text("amount")
        amount = sub.amount() if typed else None
        day = sub.check("date", lambda: in_year(parse_date(sub.text("date"), "日期"), facts))
        reason = sub.words("reason", "原因", required=True, limit=500, lines=True)
        if not sub.errors and day is not None:
            rid = sub.run(
                lambda: tracker().release_commitment(
                    row.id,
                    amount,
                    date=day,
                    reason=reason,
                    user=current_user.name,
                    request_id=sub.request_id,
                )
            )
            if rid is not None:
                freed = amount if amount is not None else row.open
                return done(f"已解除合同“{row.contract}”的占用 {fmt_yuan_grouped(freed)} 元。", facts)
    return show("commitments/release.html", facts, sub, commitment=row)


def _commitment(facts: ProjectFacts, commitment_id: str) -> CommitmentRow:
    """The project's commitment (every entry counted, as the release is judged), or 404."""
    _, rows = tracker().commitments(facts.code, year=facts.year, as_of=dt.date(facts.year, 12, 31))
    found = next((row for row in rows if row.id == commitment_id), None)
    if found is None:
        abort(404)
    return found


def open_choices(facts: ProjectFacts) -> list[tuple[str, str]]:
    """The payment form's 合同 options: none, then each commitment with money still open."""
    _, rows = tracker().commitments(facts.code, year=facts.year, as_of=dt.date(facts.year, 12, 31))
    options = [
        (r.id, f"{r.contract}（{r.date.isoformat()}，未支付 {fmt_yuan_grouped(r.open)} 元）")
        for r in rows
        if r.open > 0
    ]
    return [("", "不按合同支付"), *options] if options else []
