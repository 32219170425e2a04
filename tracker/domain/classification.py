"""Classification codes and controlled vocabularies of a budget project.

支出功能分类科目 is hierarchical 类/款/项 = 3/5/7 digits, 部门经济分类科目 is 类/款 =
3/5 digits; a child code starts with its parent's code, so the parent of any code is
its prefix. Expenditure types and funding sources are closed lists, because the public
tables roll up by them and a typo would create a phantom row.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.domain.errors import InvalidInputError

FUNCTIONAL_LEVELS = {3: "类", 5: "款", 7: "项"}
ECONOMIC_LEVELS = {3: "类", 5: "款"}

PROJECT_SPENDING = "项目支出"
PERSONNEL = "基本支出-人员经费"
OPERATING = "基本支出-公用经费"
EXPENDITURE_TYPES = (PROJECT_SPENDING, PERSONNEL, OPERATING)
_TYPE_ALIASES = {
    "项目支出": PROJECT_SPENDING,
    "基本支出-人员经费": PERSONNEL,
    "基本支出·人员经费": PERSONNEL,
    "基本支出—人员经费": PERSONNEL,
    "人员经费": PERSONNEL,
    "基本支出-公用经费": OPERATING,
    "基本支出·公用经费": OPERATING,
    "基本支出—公用经费": OPERATING,
    "公用经费": OPERATING,
    "日常公用经费": OPERATING,
}

DEFAULT_SOURCE = "一般公共预算财政拨款"
FUNDING_SOURCES = (
    "一般公共预算财政拨款",
    "政府性基金预算财政拨款",
    "国有资本经营预算财政拨款",
    "财政专户管理资金",
    "单位资金",
    "上级补助",
    "上年结转",
    "事业收入",
    "经营收入",
    "其他收入",
)
SOURCE_LEVELS = ("中央", "省级", "市级", "县级")

_DIGITS = re.compile(r"^[0-9]+$")


def _class_code(code: str, levels: dict[int, str], field: str, what: str) -> str:
    code = unicodedata.normalize("NFKC", code).strip()  # full-width ２１０ → 210
    if not _DIGITS.match(code) or len(code) not in levels:
        sizes = "、".join(str(n) for n in levels)
        raise InvalidInputError(f"“{code}”不是有效的{what}编码（应为 {sizes} 位数字）", field)
    return code


def functional_code(code: str, field: str = "功能分类科目") -> str:
    """Validate a 支出功能分类 code: 3, 5 or 7 digits."""
    return _class_code(code, FUNCTIONAL_LEVELS, field, "支出功能分类")


def economic_code(code: str, field: str = "经济分类科目") -> str:
    """Validate a 部门经济分类 code: 3 or 5 digits."""
    return _class_code(code, ECONOMIC_LEVELS, field, "部门经济分类")


def parent_code(code: str) -> str | None:
    """The 类 of a 款, the 款 of a 项: children start with their parent's code."""
    return code[: len(code) - 2] if len(code) > 3 else None


def is_child_of(child: str, parent: str) -> bool:
    """True when ``child`` lies under ``parent`` in the class tree (or is it)."""
    return child.startswith(parent)


def expenditure_type(text: str, field: str = "支出类型") -> str:
    """Normalise the accepted spellings of 支出类型 to one of three values."""
    key = text.strip().replace(" ", "")
    try:
        return _TYPE_ALIASES[key]
    except KeyError:
        choices = "、".join(EXPENDITURE_TYPES)
        raise InvalidInputError(f"“{text}”不是有效的支出类型，可选：{choices}", field) from None


def funding_source(text: str, field: str = "资金来源") -> str:
    """Accept only the listed 资金来源 so roll-ups have no phantom rows."""
    value = text.strip()
    if value not in FUNDING_SOURCES:
        choices = "、".join(FUNDING_SOURCES)
        raise InvalidInputError(f"“{text}”不是有效的资金来源，可选：{choices}", field)
    return value


def is_personnel_economic(code: str) -> bool:
    """301 and 303 are 人员经费; everything else is 公用经费 (基本支出表 split)."""
    return code[:3] in ("301", "303")
