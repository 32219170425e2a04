"""The spending plan form's rows: the current plan shown as rows, the posted rows read
back into the CLI's ``MM-DD:VALUE`` spec (each bad cell refused beside itself), and
the plan described for the banner.

Kept apart from the route (``web.views.forms.plan``) because the rows are the only
part of a form here that is more than one field per value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

from tracker.domain.characters import typed_number
from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_date
from tracker.domain.money import FEN, WAN, fmt_yuan, fmt_yuan_grouped
from tracker.domain.plan import Checkpoint
from web.form_errors import Submission

PLAN = "checkpoints"  # the anchor of refusals about the plan as a whole
PLAN_MODES = (("percent", "累计百分比（%）"), ("yuan", "累计金额（元）"), ("wan", "累计金额（万元）"))
MAX_ROWS = 24


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


def posted_rows(values: dict[str, str]) -> int:
    """How many rows the form sent (up to the last one with a name), so a refused plan
    comes back with every row that was typed."""
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
    for i in range(posted_rows(sub.values)):
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
    """One row's value in the spec's form; a ``万`` after an amount means 万元 whatever
    the mode (seed 003's plans are written in 万元)."""
    raw = typed_number(text, "数值", units="万").rstrip("%").replace(",", "")
    if mode != "percent" and raw.removesuffix("元").endswith("万"):
        raw, mode = raw.removesuffix("元").removesuffix("万").strip(), "wan"
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
