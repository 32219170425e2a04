"""Cell readers: one spreadsheet cell to a typed value, or a ``CellError`` with the
reason shown to the user. Full-width forms and stray spaces are read as a clerk means them."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from tracker.domain import classification as cls
from tracker.domain.dates import date_problem
from tracker.domain.errors import TrackerError
from tracker.domain.inputs import parse_code, parse_text
from tracker.domain.money import parse_amount, ungrouped
from tracker.importing.layouts import class_code, source_name
from tracker.importing.readers import Value


class CellError(Exception):
    """A cell that cannot be read; carries the reason shown to the user."""


def text_of(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


_DATE_FORMS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def read_date(value: Value) -> dt.date:
    """A date cell: an Excel date, ``2024-03-01``, ``2024/3/1``, ``2024年3月1日``, ``20240301``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)  # the common case, fast
        except ValueError:
            pass
    text = nfkc(text_of(value) or "")
    for pattern in _DATE_FORMS:
        m = pattern.match(text)
        if m:
            year, month, day = (int(g) for g in m.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(f"“{text}”：{date_problem(year, month, day)}") from None
    if isinstance(value, Decimal):
        raise CellError(f"“{text}”不是日期：请把单元格设为日期格式，或写成 2024-03-01")
    raise CellError(f"“{text}”不是有效日期，格式为 年-月-日（如 2024-03-01）")


def read_amount(value: Value, *, wan: bool = False) -> Decimal:
    """A positive amount (元, or 万元 when ``wan``) exact to the 分."""
    if isinstance(value, bool | dt.date):
        raise CellError(f"“{text_of(value)}”不是有效的金额")
    raw: str | Decimal
    if isinstance(value, Decimal) or (isinstance(value, str) and value.isascii()):
        raw = value
    else:
        raw = nfkc(text_of(value) or "")
    try:
        return parse_amount(raw, wan=wan)
    except TrackerError as e:
        raise CellError(e.message) from None


def is_zero(value: Value) -> bool:
    try:
        return Decimal(ungrouped(nfkc(text_of(value) or "x"))) == 0
    except (InvalidOperation, TrackerError):
        return False  # not a zero: the amount reader says what is wrong with it


def read_number(value: Value, what: str) -> Decimal:
    try:
        text = ungrouped(nfkc(text_of(value) or ""), what)
    except TrackerError as e:
        raise CellError(e.message) from None
    if text.endswith("%"):
        text = text[:-1].strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{text_of(value)}”不是有效的{what}") from None
    if not number.is_finite() or "e" in text.lower():
        raise CellError(f"“{text_of(value)}”不是有效的{what}")
    if number < 0:
        raise CellError(f"{what}不能为负数")
    return number


def name_key(name: str) -> str:
    """A 三级 name compared as ``indicator add`` compares it: one name once per project,
    whatever its 一级/二级 (spaces and width differences do not count)."""
    return re.sub(r"\s+", "", nfkc(name))


def indicator_key(level1: str, level2: str, name: str) -> str:
    """Levels and name compared without spaces and width differences."""
    return "|".join(re.sub(r"\s+", "", nfkc(s)) for s in (level1, level2, name))


def read_code(value: Value) -> str:
    return parse_code(nfkc(text_of(value) or ""), "项目编码")


def required_text(limit: int, field_name: str) -> Callable[[Value], str]:
    return lambda v: parse_text(text_of(v), field_name, limit=limit)


def optional_text(limit: int, field_name: str) -> Callable[[Value], str]:
    return lambda v: parse_text(text_of(v), field_name, required=False, limit=limit)


def read_economic(value: Value) -> str | None:
    # Keyed by the cell's type and text too: Decimal("30201") == Decimal("30201.0"), and
    # a plain cache would let whichever came first decide for both.
    return _economic_of(type(value).__name__, str(value), value)


@functools.lru_cache(maxsize=1024)
def _economic_of(_kind: str, _text: str, value: Value) -> str | None:
    code = class_code(value)
    return cls.economic_code(code) if code else None


def read_source(value: Value) -> str | None:
    return _source_of(type(value).__name__, str(value), value)


@functools.lru_cache(maxsize=256)
def _source_of(_kind: str, _text: str, value: Value) -> str | None:
    name = source_name(value)
    return cls.funding_source(name) if name else None


def read_voucher(value: Value) -> str:
    text = text_of(value) or ""
    return parse_text(text if text.isascii() else nfkc(text), "凭证号", required=False, limit=100)
