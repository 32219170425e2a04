"""Reading written targets (指标值): comparisons, numbers with units, dates.

Officers type targets into Word and Excel tables, so the same meaning arrives in many
spellings (``≥90%``, ``≧90％``, ``不低于90%``, ``90%以上``). Everything is first
normalised (NFKC folds full-width digits and signs), then read by small, separate
rules. Each rule answers "not mine" with ``None`` instead of raising, so an odd text
simply ends up qualitative and keeps its wording.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from decimal import Decimal

AT_LEAST, AT_MOST, EQUAL = "at_least", "at_most", "equal"

_SIGNS = {"≧": "≥", "⩾": "≥", ">=": "≥", "≦": "≤", "⩽": "≤", "<=": "≤", "==": "="}

# Longest first, so ``不低于`` is never read as ``低于``.
_OPERATORS = sorted(
    [
        (op, AT_LEAST)
        for op in (
            "≥",
            ">",
            "大于或等于",
            "大于等于",
            "不低于",
            "不少于",
            "不小于",
            "至少",
            "大于",
            "高于",
            "超过",
            "多于",
        )
    ]
    + [
        (op, AT_MOST)
        for op in (
            "≤",
            "<",
            "小于或等于",
            "小于等于",
            "不高于",
            "不超过",
            "不多于",
            "不大于",
            "至多",
            "最多",
            "小于",
            "低于",
            "少于",
        )
    ]
    + [(op, EQUAL) for op in ("=", "等于", "达到")],
    key=lambda pair: -len(pair[0]),
)
_NEUTRAL_PREFIXES = ("控制在", "保持在", "约")
_SUFFIXES = sorted(
    [
        ("及以上", AT_LEAST),
        ("以上", AT_LEAST),
        ("及以下", AT_MOST),
        ("以下", AT_MOST),
        ("以内", AT_MOST),
        ("之内", AT_MOST),
        ("左右", EQUAL),
    ],
    key=lambda pair: -len(pair[0]),
)
_MULTIPLIERS = {
    "亿": Decimal(100_000_000),
    "千万": Decimal(10_000_000),
    "百万": Decimal(1_000_000),
    "万": Decimal(10_000),
}
KNOWN_UNITS = frozenset(
    {
        "%",
        "‰",
        "个百分点",
        "人次",
        "人",
        "户",
        "家",
        "个",
        "次",
        "天",
        "日",
        "小时",
        "分钟",
        "秒",
        "元",
        "件",
        "项",
        "所",
        "年",
        "个月",
        "月",
        "周",
        "平方米",
        "公里",
        "千米",
        "米",
        "吨",
        "台",
        "套",
        "辆",
        "份",
        "场",
        "期",
        "批",
        "篇",
        "张",
        "册",
        "名",
        "位",
        "座",
        "处",
        "条",
        "间",
        "床",
        "元/人",
        "元/人/年",
        "元/人·年",
        "工作日",
        "个工作日",
    }
)
_NUMBER = re.compile(r"([-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)(亿|千万|百万|万)?(.*)")
_SHORT_UNIT = re.compile(r"[\u4e00-\u9fffA-Za-z%‰℃/·]{1,3}")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")

_NOT_APPLICABLE = re.compile(
    r"[-—–/\\…·.。_]*|不适用.*|不涉及.*|n/?a|无|无(?:此项|该项|此类|相关.*|.{0,6}?(?:成本|效益)(?:指标)?|.*指标)",
    re.IGNORECASE,
)

_CN_MONTHS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_DATE_PREFIX = r"(?:不晚于|不迟于|截至|截止到|截止|于|在|到)?"
_DATE_SUFFIX = (
    r"(?:底|末|前|之前|以前|内|止|完成|拨付|发放|支付|到位|结束|办结|实施|全部|"
    r"执行|完毕|验收|结算|启动|上线|兑现)*"
)
_MONTH = r"([0-9]{1,2}|十[一二]?|[一二三四五六七八九])月"
_YEAR_MONTH = re.compile(
    _DATE_PREFIX + r"((?:19|20)[0-9]{2})年度?(?:" + _MONTH + r"(?:([0-9]{1,2})[日号])?)?" + _DATE_SUFFIX
)
_MONTH_ONLY = re.compile(_DATE_PREFIX + _MONTH + r"(?:([0-9]{1,2})[日号])?" + _DATE_SUFFIX)
_ISO_DATE = re.compile(_DATE_PREFIX + r"((?:19|20)[0-9]{2})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})" + _DATE_SUFFIX)
_YEAR_END = re.compile(_DATE_PREFIX + r"(?:本|当|今)?年(?:度)?(?:底|末|内)" + _DATE_SUFFIX)
_QUARTER = re.compile(_DATE_PREFIX + r"第?([1-4一二三四])季度(?:底|末)?" + _DATE_SUFFIX)


def normalise(text: str) -> str:
    """Fold full-width forms and spelling variants of the signs; drop all spaces."""
    folded = unicodedata.normalize("NFKC", text)
    for variant, sign in _SIGNS.items():
        folded = folded.replace(variant, sign)
    return re.sub(r"\s+", "", folded)


def is_not_applicable(s: str) -> bool:
    """``/``, ``不适用``, ``无``, ``无生态成本``…: the row exists but measures nothing.

    ``无`` followed by an outcome (``无重大安全事故``) is a real zero-incident target,
    so only ``无`` + "cost/benefit/indicator" wording counts as not applicable."""
    return _NOT_APPLICABLE.fullmatch(s) is not None


# ------------------------------------------------------------------ deadlines


def month_end(year: int, month: int) -> dt.date | None:
    """Last day of the month, or None when the year is unknown or out of range."""
    if not 1 <= month <= 12 or not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_number(token: str) -> int:
    return int(token) if token.isdigit() else _CN_MONTHS.get(token, 0)


def _day_or_end(year: int | None, month: int, day: str | None) -> dt.date | None:
    """A given day (``12月31日``) or the month's end; refuses an impossible date."""
    if year is None:
        if not 1 <= month <= 12:
            raise ValueError("month")
        return None
    if day is None:
        end = month_end(year, month)
        if end is None and 1 <= month <= 12:
            return None  # plausible month, unusable year: deadline without a date
        if end is None:
            raise ValueError("month")
        return end
    return dt.date(year, month, int(day))


def read_deadline(s: str, year: int | None) -> tuple[bool, dt.date | None]:
    """(is a deadline, its date). Dates without a year take ``year``; when that is
    None too, the text is still a deadline but its date stays unknown."""
    try:
        return _read_deadline(s, year)
    except (ValueError, OverflowError):
        return False, None


def _read_deadline(s: str, year: int | None) -> tuple[bool, dt.date | None]:
    if m := _ISO_DATE.fullmatch(s):
        return True, dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _YEAR_MONTH.fullmatch(s):
        if m[2] is None:
            return True, month_end(int(m[1]), 12)
        return True, _day_or_end(int(m[1]), _month_number(m[2]), m[3])
    if m := _MONTH_ONLY.fullmatch(s):
        return True, _day_or_end(year, _month_number(m[1]), m[2])
    if _YEAR_END.fullmatch(s):
        return True, None if year is None else month_end(year, 12)
    if m := _QUARTER.fullmatch(s):
        quarter = int(m[1]) if m[1].isdigit() else _CN_MONTHS[m[1]]
        return True, None if year is None else month_end(year, quarter * 3)
    return False, None


# ------------------------------------------------------------------ quantities


def _strip_operator(s: str) -> tuple[str | None, str]:
    for prefix in _NEUTRAL_PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :]
    for op, kind in _OPERATORS:
        if s.startswith(op):
            return kind, s[len(op) :]
    return None, s


def _strip_suffix(rest: str) -> tuple[str | None, str]:
    rest = _TRAILING_NOTE.sub("", rest)
    for word, kind in _SUFFIXES:
        if rest.endswith(word):
            return kind, rest[: -len(word)]
    return None, rest


def read_quantity(s: str) -> tuple[str, Decimal, str | None] | None:
    """(kind, value in base units, unit) for ``≥31万人``, ``62万元``, ``100%``,
    ``234644``; None when the text is not one number with one unit."""
    kind, rest = _strip_operator(s)
    m = _NUMBER.fullmatch(rest)
    if m is None:
        return None
    value = Decimal(m[1].replace(",", ""))
    if m[2]:
        value *= _MULTIPLIERS[m[2]]
        if value == value.to_integral_value():
            value = value.to_integral_value()  # 2.5万 is 25000, not 25000.0
    suffix_kind, unit = _strip_suffix(m[3])
    if unit and unit not in KNOWN_UNITS and not _SHORT_UNIT.fullmatch(unit):
        return None
    if unit == "%" and m[2]:
        return None  # "3万%" is no quantity anyone meant
    return kind or suffix_kind or EQUAL, value, unit or None
