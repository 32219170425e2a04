"""Exact money: Decimal in 元 to the 分, never float.

Amounts enter as text (CLI, forms, spreadsheets, API) and are parsed once, here. A third
decimal place is refused rather than rounded: silently changing a figure a finance
officer typed is worse than asking again.

What is read: ASCII or full-width digits (``１００``), thousands separators in groups of
three (``1,000``, ``１，０００``), a point (``.`` or ``．``), surrounding spaces, and the
plain forms ``+5`` (5.00), ``.5`` (0.50) and ``100.`` (100.00), as a calculator or Excel
reads them. Refused: ``1_000``, digits of other scripts (``٣``), control characters,
exponents (``1e3``), signs other than one leading ``+``, and anything else.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tracker.domain.characters import typed_number, visible
from tracker.domain.errors import InvalidInputError

FEN = Decimal("0.01")
WAN = Decimal(10000)
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("1000000000000.00")  # one trillion 元: a typo guard, not a policy
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ASCII_PLAIN = re.compile(r" *([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)) *")  # the common case


def parse_amount(text: str | Decimal | int, *, field: str = "金额", wan: bool = False) -> Decimal:
    """Parse a positive amount in 元 (or 万元 when ``wan``), exact to the 分."""
    if isinstance(text, float):
        raise InvalidInputError("金额不能用浮点数传入，请使用字符串或 Decimal", field)
    value = Decimal(text) if isinstance(text, Decimal | int) else _read(text, field)
    if not value.is_finite():
        raise InvalidInputError(f"“{text}”不是有效的金额", field)
    if value.adjusted() > MAX_AMOUNT.adjusted() + 1:  # before any arithmetic can overflow
        raise InvalidInputError(f"“{text}”超出允许的最大金额", field)
    if wan:
        value = value * WAN
    if value <= 0:
        raise InvalidInputError("金额必须大于零", field)
    if value != value.quantize(FEN):
        unit = "万元金额最多六位小数" if wan else "金额最多两位小数（精确到分）"
        raise InvalidInputError(f"“{text}”：{unit}", field)
    if value > MAX_AMOUNT:
        raise InvalidInputError(f"“{text}”超出允许的最大金额", field)
    return value.quantize(FEN)


def _read(text: str, field: str) -> Decimal:
    """The Decimal a person meant by ``text``, read by the rules above."""
    plain = _ASCII_PLAIN.fullmatch(text)
    if plain:  # ASCII digits and spaces only: nothing to fold or refuse (the import's case)
        return Decimal(plain.group(1))
    raw = ungrouped(typed_number(str(text), field), field)
    shown = visible(str(text))
    if "e" in raw.lower():
        raise InvalidInputError(f"“{shown}”：请直接写出金额，不要用科学计数法", field)
    if not _PLAIN.fullmatch(raw):
        raise InvalidInputError(f"“{shown}”不是有效的金额", field)
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise InvalidInputError(f"“{shown}”不是有效的金额", field) from None


def ungrouped(text: str, field: str = "金额") -> str:
    """``1,234,567.89`` without its thousands separators (half- or full-width).

    A comma anywhere else is refused, not dropped: ``1,2`` may be a decimal comma
    (1.2 元) and must not become 12 元.
    """
    raw = text.strip().replace("，", ",")
    if "," not in raw:
        return raw
    if not _GROUPED.fullmatch(raw):
        raise InvalidInputError(
            f"“{text}”中的逗号不是千位分隔符：请写成 1,234,567.89 的形式（小数点用“.”）", field
        )
    return raw.replace(",", "")


def to_fen(amount: Decimal) -> int:
    """Integer 分 for storage in read tables: exact, portable, fast to sum."""
    return int(amount.quantize(FEN) * 100)


def from_fen(fen: int) -> Decimal:
    """Back from integer 分 to Decimal 元 with two places."""
    # Shifting the exponent gives the same two-place Decimal as dividing by 100 and
    # quantizing, in half the time (three a project in every status read).
    return Decimal(fen).scaleb(-2)


def fmt_yuan(amount: Decimal) -> str:
    """Two decimals, no separators: the wire format (``"1000.00"``)."""
    return f"{amount.quantize(FEN):f}"


def fmt_yuan_grouped(amount: Decimal) -> str:
    """Thousands separators for people: ``1,234,567.89``."""
    return f"{amount.quantize(FEN):,.2f}"


def to_wan(amount: Decimal) -> Decimal:
    """万元 with two decimals, rounded half-up (四舍五入) as the published tables do."""
    return (amount / WAN).quantize(FEN, rounding=ROUND_HALF_UP)


def check_exact_positive(amount: Decimal, field: str = "金额") -> None:
    """The aggregate's own guard: positive, finite, exact to the 分."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise InvalidInputError("金额必须是大于零的 Decimal", field)
    if amount != amount.quantize(FEN) or amount > MAX_AMOUNT:
        raise InvalidInputError("金额必须精确到分且不超过上限", field)
