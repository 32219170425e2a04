"""Numbers and dates for people, as template filters: one format for every page.

Amounts arrive as ``Decimal`` (or the wire's two-decimal strings) and leave with
thousands separators and two decimals, in 元 or in 万元 (the user's choice, kept in
the session); rates as ``12.34%``; lag in 百分点. Never through float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Flask, session

from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import fmt_yuan_grouped, to_wan

CENT = Decimal("0.01")
UNITS = {"yuan": "元", "wan": "万元"}


def as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Any, unit: str | None = None) -> str:
    """``1,234,567.89`` in 元, or ``123.46`` in 万元 (rounded half-up, as the tables)."""
    if value is None or value == "":
        return "—"
    amount = as_decimal(value)
    if (unit or money_unit()) == "wan":
        return f"{to_wan(amount):,.2f}"
    return fmt_yuan_grouped(amount)


def money_unit() -> str:
    chosen = session.get("money_unit", "yuan")
    return chosen if chosen in UNITS else "yuan"


def percent(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{as_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}%"


def points(value: Any) -> str:
    """Lag in 百分点 with its sign: positive means behind the plan."""
    if value is None or value == "":
        return "—"
    number = as_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{number:+,.2f}"


def init_app(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(points, "points")

    app.jinja_env.globals["status_labels"] = STATUS_LABELS  # macros read it without context

    @app.context_processor
    def units() -> dict[str, Any]:
        return {"money_unit": money_unit(), "money_unit_label": UNITS[money_unit()]}
