"""Parsing of user input shared by every door (CLI, web, import, API)."""

from __future__ import annotations

import datetime as dt
import re

from tracker.domain.errors import InvalidInputError

_CODE = re.compile(r"^[0-9A-Za-z._-]+$")


def parse_date(value: dt.date | str, field: str = "日期") -> dt.date:
    """A business date, ISO ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInputError(f"“{value}”不是有效日期，格式应为 YYYY-MM-DD", field) from None


def parse_code(value: str, field: str) -> str:
    """Unit and project codes: letters, digits, dot, dash, underscore; no spaces."""
    code = str(value).strip()
    if not code:
        raise InvalidInputError("不能为空", field)
    if not _CODE.match(code) or len(code) > 64:
        raise InvalidInputError(f"“{value}”不是有效编码（仅限字母、数字、.-_，最长 64 位）", field)
    return code


def parse_text(value: str | None, field: str, *, required: bool = True, limit: int = 500) -> str:
    """Free text, trimmed; refused when required and empty, or absurdly long."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInputError("不能为空", field)
    if len(text) > limit:
        raise InvalidInputError(f"长度不能超过 {limit} 个字符", field)
    return text


def parse_year(value: int | str, field: str = "年度") -> int:
    """A fiscal year (预算年度) is a calendar year."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"“{value}”不是有效年度", field) from None
    if not 2000 <= year <= 2100:
        raise InvalidInputError(f"年度 {year} 超出范围（2000–2100）", field)
    return year
