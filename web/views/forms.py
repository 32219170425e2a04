"""The forms an officer records with: a payment, an appropriation or adjustment, a
reversal, a spending plan, an indicator's progress.

Each is GET (a fresh form, 200) and POST (recorded, then back to the project page with
a banner; or refused, 422, with everything typed and each message beside its field).
Every value goes through the domain's parsers and the command through the service
layer, which decides; the form only says where each refusal belongs. The form's
hidden request id (a uuid4, kept when the form is shown again) goes to the command,
so a double click or a reload records once. Only an officer who may record for the
project's unit sees or posts these forms. What the pages share (finding the project,
showing a refused form, the way back) is in ``web.views.form_page``; the plan's rows
in ``web.views.plan_form``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, request
from flask_login import current_user, login_required
from markupsafe import Markup

from tracker.domain import classification as cls
from tracker.domain.characters import refuse_controls, typed_number
from tracker.domain.inputs import parse_date
from tracker.domain.money import fmt_yuan_grouped
from tracker.domain.project import KIND_LABELS
from tracker.queries.project_page import ProjectPageQueries
from web.extensions import tracker
from web.form_errors import FORM, Submission
from web.views.commitments import open_choices
from web.views.form_page import default_day, done, in_year, link, recordable, show, standing
from web.views.plan_form import MAX_ROWS, PLAN, PLAN_MODES, describe_plan, plan_spec, plan_values, posted_rows

bp = Blueprint("forms", __name__)


# ---------------------------------------------------------------- payment

PAYMENT_FIELDS = {
    "金额": "amount",
    "日期": "date",
    "收款人": "payee",
    "经济分类科目": "economic",
    "凭证号": "voucher",
    "资金来源": "source",
    "备注": "note",
    "合同": "commitment",
}
PAYMENT_LABELS = {
    "amount": "金额",
    "date": "支付日期",
    "payee": "收款人",
    "economic": "经济分类科目",
    "voucher": "凭证号",
    "source": "资金来源",
    "note": "备注",
    "commitment": "按合同支付",
}
OVERSPEND_HINT = "，请减少金额或先追加预算"


@bp.route("/projects/<int:year>/<code>/payments/new", methods=["GET", "POST"])
@login_required
def payment(year: int, code: str) -> Any:
    facts = recordable(year, code)
    sub = Submission(PAYMENT_FIELDS, PAYMENT_LABELS)
    contracts = open_choices(facts)
    if request.method == "GET":
        sub.values["date"] = default_day(year)
        sub.values["commitment"] = request.args.get("commitment", "")
    else:
        wan = sub.text("wan") == "1"
        amount = sub.amount(wan=wan)
        day = sub.check("date", lambda: in_year(parse_date(sub.text("date"), "日期"), facts))
        payee = sub.words("payee", "收款人", required=True, limit=200)
        economic = sub.check("economic", lambda: _optional(sub.text("economic"), cls.economic_code))
        voucher = sub.words("voucher", "凭证号", required=False, limit=100)
        source = sub.check("source", lambda: _optional(sub.text("source"), cls.funding_source))
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
        commitment = sub.text("commitment").strip() or None
        if commitment is not None and commitment not in dict(contracts):
            sub.errors.add("commitment", "请选择本项目仍有未支付余额的合同，或选择“不按合同支付”")
        if not sub.errors and amount is not None:
            pid = sub.run(
                lambda: tracker().pay(
                    code,
                    amount,
                    date=day,
                    payee=payee,
                    economic=economic,
                    voucher=voucher,
                    source=source,
                    year=year,
                    user=current_user.name,
                    note=note,
                    request_id=sub.request_id,
                    commitment=commitment,
                ),
                OVERSPEND_HINT,
            )
            if pid is not None:
                undo = link("forms.reversal", year=year, code=code, payment_id=str(pid))
                return done(
                    Markup('已登记支付 {} 元，收款人 {}。<a href="{}">冲销这笔支付</a>').format(
                        fmt_yuan_grouped(amount), payee, undo
                    ),
                    facts,
                )
    figures = standing(facts)
    sources = [("", f"与项目相同（{facts.source}）"), *((s, s) for s in cls.FUNDING_SOURCES)]
    return show("forms/payment.html", facts, sub, figures=figures, sources=sources, contracts=contracts)


def _optional(text: str, parse: Callable[[str], str]) -> str | None:
    text = refuse_controls(text, "") if text else text
    return parse(text) if text.strip() else None


# ---------------------------------------------------------- appropriation

APPROPRIATION_FIELDS = {"金额": "amount", "日期": "date", "类型": "kind", "文号": "doc", "备注": "note"}
APPROPRIATION_LABELS = {"kind": "类型", "amount": "金额", "date": "日期", "doc": "文号", "note": "备注"}


@bp.route("/projects/<int:year>/<code>/appropriations/new", methods=["GET", "POST"])
@login_required
def appropriation(year: int, code: str) -> Any:
    facts = recordable(year, code)
    sub = Submission(APPROPRIATION_FIELDS, APPROPRIATION_LABELS)
    figures = standing(facts)
    if request.method == "GET":
        sub.values["date"] = default_day(year)
        sub.values["kind"] = "initial" if figures is None or figures.budget == 0 else "add"
    else:
        kind = sub.text("kind")
        if kind not in KIND_LABELS:
            sub.errors.add("kind", "请选择类型：" + "、".join(KIND_LABELS.values()))
        amount = sub.amount(wan=sub.text("wan") == "1")
        day = sub.check("date", lambda: in_year(parse_date(sub.text("date"), "日期"), facts))
        doc = sub.words("doc", "文号", required=False, limit=200)
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
        if not sub.errors and amount is not None:
            done_id = sub.run(
                lambda: tracker().appropriate(
                    code,
                    amount,
                    date=day,
                    kind=kind,
                    doc=doc,
                    year=year,
                    user=current_user.name,
                    note=note,
                    request_id=sub.request_id,
                )
            )
            if done_id is not None:
                with_doc = f"（文号 {doc}）" if doc else ""
                return done(f"已登记{KIND_LABELS[kind]} {fmt_yuan_grouped(amount)} 元{with_doc}", facts)
    kinds = list(KIND_LABELS.items())
    return show("forms/appropriation.html", facts, sub, figures=figures, kinds=kinds)


# --------------------------------------------------------------- reversal

REVERSAL_FIELDS = {"金额": "amount", "日期": "date", "原因": "reason"}
REVERSAL_LABELS = {"amount": "冲销金额", "date": "冲销日期", "reason": "原因"}


@bp.route("/projects/<int:year>/<code>/payments/<payment_id>/reverse", methods=["GET", "POST"])
@login_required
def reversal(year: int, code: str, payment_id: str) -> Any:
    facts = recordable(year, code)
    ledger = ProjectPageQueries(tracker().read).ledger(facts.id, dt.date(year, 12, 31))
    paid = next((p for p in ledger.payments if p.id == payment_id), None)
    if paid is None:
        abort(404)
    sub = Submission(REVERSAL_FIELDS, REVERSAL_LABELS)
    if request.method == "GET":
        sub.values["date"] = default_day(year, paid.date)
    else:
        whole = not sub.text("amount").strip()
        amount = None if whole else sub.amount()
        day = sub.check("date", lambda: in_year(parse_date(sub.text("date"), "日期"), facts))
        reason = sub.words("reason", "原因", required=True, limit=500, lines=True)
        if not sub.errors:
            rid = sub.run(
                lambda: tracker().reverse(
                    payment_id,
                    amount,
                    date=day,
                    reason=reason,
                    user=current_user.name,
                    request_id=sub.request_id,
                )
            )
            if rid is not None:
                back = paid.net if amount is None else amount  # 0 when a repeated submit replays
                what = f" {fmt_yuan_grouped(back)} 元" if back else ""
                return done(
                    f"已冲销支付{what}（原支付 {paid.date} {fmt_yuan_grouped(paid.amount)} 元，"
                    f"收款人 {paid.payee}）",
                    facts,
                )
    return show("forms/reversal.html", facts, sub, paid=paid)


# ------------------------------------------------------------------- plan


@bp.route("/projects/<int:year>/<code>/plan", methods=["GET", "POST"])
@login_required
def plan(year: int, code: str) -> Any:
    facts = recordable(year, code)
    sub = Submission({"资金支出计划": PLAN, "备注": "note"}, {PLAN: "资金支出计划", "note": "备注"})
    if request.method == "GET":
        sub.values.update(plan_values(facts.checkpoints))
    else:
        spec = plan_spec(sub, year)
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
        if not sub.errors:
            done_id = sub.run(
                lambda: tracker().set_plan(
                    code, spec, year=year, user=current_user.name, note=note, request_id=sub.request_id
                )
            )
            if done_id is not None:
                back = done(f"已设定资金支出计划：{describe_plan(spec)}", facts)
                for warning in tracker().show(code, year)["plan_warnings"]:
                    flash(f"计划提示：{warning}", "warn")  # after the confirmation, beneath it
                return back
    rows = min(MAX_ROWS, max(4, posted_rows(sub.values)) + 2)
    warnings = tracker().show(code, year)["plan_warnings"]  # of the plan in force
    return show("forms/plan.html", facts, sub, rows=rows, modes=PLAN_MODES, plan_warnings=warnings)


# -------------------------------------------------------------- indicator

INDICATOR_FIELDS = {"实际完成值": "value", "完成程度": "completion", "日期": "date", "指标编号": FORM}
INDICATOR_LABELS = {"value": "实际完成值", "completion": "完成程度", "date": "日期", "note": "佐证说明"}
KIND_TEXT = {
    "at_least": "定量（不低于）",
    "at_most": "定量（不高于）",
    "equal": "定量（达到）",
    "deadline": "时限",
    "qualitative": "定性",
    "not_applicable": "不适用",
}


@bp.route("/projects/<int:year>/<code>/indicators/<indicator_id>/progress", methods=["GET", "POST"])
@login_required
def indicator(year: int, code: str, indicator_id: str) -> Any:
    facts = recordable(year, code)
    rows = ProjectPageQueries(tracker().read).indicators(year, code, dt.date(year, 12, 31))
    found = next((r for r in rows if r.id == indicator_id), None)
    if found is None:
        abort(404)
    sub = Submission(INDICATOR_FIELDS, INDICATOR_LABELS)
    if request.method == "GET":
        sub.values["date"] = default_day(year)
    else:
        value = sub.words("value", "实际完成值", required=False, limit=200)
        completion = sub.check("completion", lambda: typed_number(sub.text("completion"), "完成程度") or None)
        if not value and not completion and "completion" not in sub.errors.messages:
            sub.errors.add("value", "请填写实际完成值，或为定性指标填写完成程度")
        day = sub.check("date", lambda: parse_date(sub.text("date"), "日期"))
        note = sub.words("note", "佐证说明", required=False, limit=500, lines=True)
        if not sub.errors:
            done_id = sub.run(
                lambda: tracker().record_indicator(
                    code,
                    indicator_id,
                    value or None,
                    completion=completion,
                    date=day,
                    note=note,
                    year=year,
                    user=current_user.name,
                    request_id=sub.request_id,
                )
            )
            if done_id is not None:
                what = value or f"完成程度 {completion.rstrip('%')}%"
                return done(f"已登记指标“{found.name}”的完成情况：{what}", facts)
    return show("forms/indicator.html", facts, sub, indicator=found, kind_text=KIND_TEXT)
