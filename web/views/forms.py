"""The forms an officer records with: a payment, an appropriation or adjustment, a
reversal, a spending plan, an indicator's progress.

Each is GET (a fresh form, 200) and POST (recorded, then back to the project page with
a banner; or refused, 422, with everything typed and each message beside its field).
Every value goes through the domain's parsers and the command through the service
layer, which decides; the form only says where each refusal belongs. The form's
hidden request id (a uuid4, kept when the form is shown again) goes to the command,
so a double click or a reload records once. Only an officer who may record for the
project's unit sees or posts these forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from tracker.domain import classification as cls
from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_date
from tracker.domain.money import FEN, WAN, fmt_yuan, fmt_yuan_grouped
from tracker.domain.plan import Checkpoint
from tracker.domain.project import KIND_LABELS
from tracker.queries.project_page import ProjectFacts, ProjectPageQueries
from web.auth import require_record
from web.extensions import tracker
from web.form_errors import FORM, Submission, no_controls, typed_number
from web.templating import keep_time
from web.timectl import the_day

bp = Blueprint("forms", __name__)


def recordable(year: int, code: str) -> ProjectFacts:
    """The project, if this officer may record for its unit (else 403; unknown: 404)."""
    facts = ProjectPageQueries(tracker().read).facts(year, code)
    if facts is None:
        abort(404)
    require_record(facts.unit_code)
    return facts


def default_day(year: int, not_before: dt.date | None = None) -> str:
    """Today, within the fiscal year (and not before ``not_before``)."""
    day = min(max(the_day(), dt.date(year, 1, 1)), dt.date(year, 12, 31))
    return max(day, not_before or day).isoformat()


def link(endpoint: str, **values: Any) -> str:
    """A URL that keeps the page's time control (``?as_of=``)."""
    return url_for(endpoint, **{**values, **keep_time()})


def project_url(facts: ProjectFacts) -> str:
    if "projects.show" in current_app.view_functions:
        return link("projects.show", year=facts.year, code=facts.code)
    return f"/projects/{facts.year}/{facts.code}"


def standing(facts: ProjectFacts) -> Any:
    """Budget, disbursed and available over the whole year (every entry counted)."""
    _, found = tracker().queries.statuses(
        facts.year, dt.date(facts.year, 12, 31), facts.unit_code, [facts.code]
    )
    return found[0].figures if found else None


def show(template: str, facts: ProjectFacts, sub: Submission, **extra: Any) -> Any:
    status = 422 if sub.errors else 200
    page = render_template(
        template,
        facts=facts,
        values=sub.values,
        errors=sub.errors.messages,
        summary=sub.errors.summary(),
        request_id=sub.request_id,
        back=project_url(facts),
        **extra,
    )
    return page, status


def in_year(day: dt.date, facts: ProjectFacts) -> dt.date:
    """The aggregate refuses a date outside the year too; said here beside the other
    refusals, so one round trip shows them all."""
    if day.year != facts.year:
        raise InvalidInputError(f"日期 {day} 不在项目 {facts.code} 的预算年度 {facts.year} 年内", "日期")
    return day


def done(message: Markup | str, facts: ProjectFacts) -> Any:
    flash(message, "ok")
    return redirect(project_url(facts))


# ---------------------------------------------------------------- payment

PAYMENT_FIELDS = {
    "金额": "amount",
    "日期": "date",
    "收款人": "payee",
    "经济分类科目": "economic",
    "凭证号": "voucher",
    "资金来源": "source",
    "备注": "note",
}
PAYMENT_LABELS = {
    "amount": "金额",
    "date": "支付日期",
    "payee": "收款人",
    "economic": "经济分类科目",
    "voucher": "凭证号",
    "source": "资金来源",
    "note": "备注",
}
OVERSPEND_HINT = "，请减少金额或先追加预算"


@bp.route("/projects/<int:year>/<code>/payments/new", methods=["GET", "POST"])
@login_required
def payment(year: int, code: str) -> Any:
    facts = recordable(year, code)
    sub = Submission(PAYMENT_FIELDS, PAYMENT_LABELS)
    if request.method == "GET":
        sub.values["date"] = default_day(year)
    else:
        wan = sub.text("wan") == "1"
        amount = sub.amount(wan=wan)
        day = sub.check("date", lambda: in_year(parse_date(sub.text("date"), "日期"), facts))
        payee = sub.words("payee", "收款人", required=True, limit=200)
        economic = sub.check("economic", lambda: _optional(sub.text("economic"), cls.economic_code))
        voucher = sub.words("voucher", "凭证号", required=False, limit=100)
        source = sub.check("source", lambda: _optional(sub.text("source"), cls.funding_source))
        note = sub.words("note", "备注", required=False, limit=500, lines=True)
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
    return show("forms/payment.html", facts, sub, figures=figures, sources=sources)


def _optional(text: str, parse: Callable[[str], str]) -> str | None:
    text = no_controls(text, "") if text else text
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

PLAN = "checkpoints"  # the anchor of refusals about the plan as a whole
PLAN_MODES = (("percent", "累计百分比（%）"), ("yuan", "累计金额（元）"), ("wan", "累计金额（万元）"))
MAX_ROWS = 24


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
                return done(f"已设定资金支出计划：{describe_plan(spec)}", facts)
    rows = min(MAX_ROWS, max(4, _posted_rows(sub.values)) + 2)
    return show("forms/plan.html", facts, sub, rows=rows, modes=PLAN_MODES)


def plan_values(checkpoints: tuple[Checkpoint, ...]) -> dict[str, str]:
    """The current plan as form rows (a plan of amounts is shown in 元)."""
    amounts = any(c.amount is not None for c in checkpoints)
    values = {"mode": "yuan" if amounts else "percent"}
    for i, c in enumerate(checkpoints):
        values[f"cp_date_{i}"] = c.date.isoformat()
        if c.percent is not None:
            values[f"cp_value_{i}"] = f"{c.percent.normalize():f}"
        elif c.amount is not None:
            values[f"cp_value_{i}"] = fmt_yuan(c.amount)
    return values


def _posted_rows(values: dict[str, str]) -> int:
    found = [k.rsplit("_", 1)[1] for k in values if k.startswith(("cp_date_", "cp_value_"))]
    return max((int(i) + 1 for i in found if i.isdigit() and int(i) < MAX_ROWS), default=0)


def plan_spec(sub: Submission, year: int) -> str:
    """The rows as the CLI's ``MM-DD:VALUE`` spec; a row with a date and no value is a
    blank checkpoint, an empty row is skipped. The order and the sums are the domain's
    to judge (``set_plan``)."""
    mode = sub.text("mode")
    if mode not in dict(PLAN_MODES):
        sub.errors.add("mode", "请选择计划形式")
        return ""
    parts = []
    for i in range(_posted_rows(sub.values)):
        date_name, value_name = f"cp_date_{i}", f"cp_value_{i}"
        date_text, value_text = sub.text(date_name).strip(), sub.text(value_name).strip()
        if not date_text and not value_text:
            continue
        sub.errors.labels[date_name] = f"第 {i + 1} 行日期"
        sub.errors.labels[value_name] = f"第 {i + 1} 行数值"
        if not date_text:
            sub.errors.add(date_name, "请填写检查点日期")
            continue
        day = sub.check(date_name, partial(_plan_day, date_text, year))
        value = sub.check(value_name, partial(_plan_value, value_text, mode)) if value_text else ""
        if day is not None and value is not None:
            parts.append(f"{day:%m-%d}:{value}")
    if not parts and not sub.errors:
        sub.errors.add(PLAN, f"请至少填写一个检查点，最后一个为 {year}-12-31")
    return ",".join(parts)


def _plan_day(text: str, year: int) -> dt.date:
    day = parse_date(text, "日期")
    if day.year != year:
        raise InvalidInputError(f"检查点日期必须在 {year} 年内", "日期")
    return day


def _plan_value(text: str, mode: str) -> str:
    raw = typed_number(text, "数值").rstrip("%").replace(",", "")
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise InvalidInputError(f"“{text}”不是有效的数值", "数值") from None
    if not value.is_finite() or value < 0 or "e" in raw.lower():
        raise InvalidInputError(f"“{text}”：请直接写出非负数", "数值")
    if mode == "percent":
        return f"{value.normalize():f}%"
    value = value * WAN if mode == "wan" else value
    if value != value.quantize(FEN):
        raise InvalidInputError(f"“{text}”：金额最多精确到分", "数值")
    return fmt_yuan(value)


def describe_plan(spec: str) -> str:
    """``03-31 25%、06-30 50%``; amounts with separators, blanks as 空."""
    out = []
    for part in spec.split(","):
        day, value = part.split(":", 1)
        if not value:
            out.append(f"{day} 空")
        elif value.endswith("%"):
            out.append(f"{day} {value}")
        else:
            out.append(f"{day} {fmt_yuan_grouped(Decimal(value))} 元")
    return "、".join(out)


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
