"""Parsing of user input shared by every door (CLI, web, import, API).

Every text passes ``refuse_controls`` here (``tracker.domain.characters``), so a
control character is refused by name whichever door it came through.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from tracker.domain.characters import refuse_controls, typed_number, visible
from tracker.domain.dates import date_problem
from tracker.domain.errors import InvalidInputError
from tracker.domain.lag import DEFAULT_POINTS_RULE, DEFAULT_RULE, POINTS, RATIO, StatusRule

_CODE = re.compile(r"^[0-9A-Za-z._-]+$")


_ISO_PARTS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(value: dt.date | str, field: str = "日期") -> dt.date:
    """A business date, ISO ``YYYY-MM-DD``; a date that cannot exist is refused saying
    what is wrong with it (the month, or how many days that month has), since a bare
    "应写成 2024-03-01" reads like a correction of the figures typed."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    m = _ISO_PARTS.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise InvalidInputError(f"“{text}”：{date_problem(year, month, day)}", field) from None
    raise InvalidInputError(f"“{value}”不是有效日期，格式应为 YYYY-MM-DD（年-月-日）", field)


def parse_code(value: str, field: str) -> str:
    """Unit and project codes: letters, digits, dot, dash, underscore; no spaces.

    A code with spaces or a line break around it is refused, not trimmed: codes are
    keys, and a pasted ``P001\n`` is a sign the value came from somewhere unexpected.
    """
    code = refuse_controls(str(value), field)
    if not code.strip():
        raise InvalidInputError("不能为空", field)
    if code != code.strip():
        raise InvalidInputError(f"“{code}”前后有空格，请删除空格后重新输入", field)
    if not _CODE.fullmatch(code) or len(code) > 64:
        raise InvalidInputError(f"“{visible(code)}”不是有效编码（仅限字母、数字、.-_，最长 64 位）", field)
    return code


def parse_text(
    value: str | None, field: str, *, required: bool = True, limit: int = 500, lines: bool = False
) -> str:
    """Free text, trimmed; refused when required and empty, absurdly long, or holding a
    control character (line breaks and tabs only where the box has several ``lines``)."""
    text = refuse_controls(value or "", field, lines=lines).strip()
    if required and not text:
        raise InvalidInputError("不能为空", field)
    if len(text) > limit:
        raise InvalidInputError(f"长度不能超过 {limit} 个字符", field)
    return text


def parse_note(value: str | None, field: str = "备注", *, limit: int = 2000) -> str:
    """A note as typed (several lines allowed), refused if it holds a control character.

    Notes are kept exactly as given (not trimmed): they are part of a command's request
    fingerprint, so a retried command must see the same text.
    """
    text = value or ""
    refuse_controls(text, field, lines=True)
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


def parse_status_rule(
    rule: str,
    yellow: Decimal | str | None = None,
    red: Decimal | str | None = None,
    min_points: Decimal | str | None = None,
) -> StatusRule:
    """A unit's lag rule with thresholds; defaults 80/60 (ratio) or 5/10 (points), and
    for the ratio rule the minimum lag in points below which a project stays green
    (default 3: quiet starts of the year)."""
    kind = str(rule).strip().lower()
    defaults = {RATIO: DEFAULT_RULE, POINTS: DEFAULT_POINTS_RULE}
    if kind not in defaults:
        raise InvalidInputError(
            f"“{rule}”不是有效的预警规则，可选：ratio（比例）、points（百分点）", "预警规则"
        )
    base = defaults[kind]
    y = _threshold(yellow, "黄色阈值") if yellow is not None else base.yellow
    r = _threshold(red, "红色阈值") if red is not None else base.red
    if kind == RATIO and not (0 < r < y <= 100):
        raise InvalidInputError("比例规则要求 0 < 红色阈值 < 黄色阈值 ≤ 100", "黄色阈值")
    if kind == POINTS and not (0 <= y < r <= 100):
        raise InvalidInputError("百分点规则要求 0 ≤ 黄色阈值 < 红色阈值 ≤ 100", "红色阈值")
    m = _threshold(min_points, "最少落后百分点") if min_points is not None else base.min_points
    if not 0 <= m <= 100:
        raise InvalidInputError("最少落后百分点应在 0 到 100 之间", "最少落后百分点")
    return StatusRule(kind, y, r, m)


def _threshold(value: Decimal | str, field: str) -> Decimal:
    try:
        number = Decimal(typed_number(str(value), field).rstrip("%").strip())
    except InvalidOperation:
        raise InvalidInputError(f"“{value}”不是有效数值", field) from None
    if not number.is_finite():
        raise InvalidInputError(f"“{value}”不是有效数值", field)
    return number
