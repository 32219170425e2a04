"""The three table layouts, their header spellings, and telling a sheet's kind.

The layouts mirror the official tables:

- **projects** (项目表): 项目编码, 项目名称, 预算单位, 支出类型, 功能分类科目, 经济分类科目,
  资金来源, 预算数(万元), then checkpoint columns (3月底, 6月底, 10月底, 12月底 ...)
  holding cumulative percentages or cumulative 万元 amounts;
- **indicators** (绩效指标表): 项目编码, 一级指标, 二级指标, 三级指标, 指标值, 分值;
- **payments** (支付明细): 日期, 项目编码, 金额(元), 收款人, 经济分类, 凭证号.

Headers are compared after folding full-width forms (``（元）`` = ``(元)``), dropping
spaces and a leading ``*``. A sheet's header row is the first row (of the first 30)
that spells enough of one layout's columns; title rows above it ("项目支出绩效目标表",
"单位：万元") are skipped. A two-row header (资金支出计划 over 3月底 | 6月底 ...) is
read as one. Everything here is pure.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from tracker.importing.readers import Row, Sheet, Value

PROJECTS, INDICATORS, PAYMENTS = "projects", "indicators", "payments"
KIND_LABELS = {PROJECTS: "项目表", INDICATORS: "绩效指标表", PAYMENTS: "支付明细表"}
HEADER_SCAN_ROWS = 30


@dataclass(frozen=True)
class Column:
    """A field of a layout: its canonical label and the spellings accepted for it."""

    key: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False


def _col(key: str, label: str, *synonyms: str, required: bool = False) -> Column:
    return Column(key, label, (label, *synonyms), required)


YEAR = _col("year", "预算年度", "年度", "预算年份", "年份", "财政年度")
CODE = _col("code", "项目编码", "项目代码", "项目编号", "预算项目编码", "项目编码(代码)", required=True)

LAYOUTS: dict[str, tuple[Column, ...]] = {
    PROJECTS: (
        YEAR,
        CODE,
        _col("name", "项目名称", "预算项目名称", required=True),
        _col(
            "unit",
            "预算单位",
            "单位",
            "单位名称",
            "预算单位名称",
            "单位编码及名称",
            "预算单位(编码+名称)",
            "单位编码名称",
            required=True,
        ),
        _col("type", "支出类型", "支出类别", "支出性质"),
        _col(
            "functional",
            "功能分类科目",
            "支出功能分类科目",
            "功能分类",
            "功能科目",
            "功能分类编码",
            "功能科目编码",
            "支出功能分类",
        ),
        _col(
            "economic",
            "经济分类科目",
            "部门经济分类科目",
            "经济分类",
            "经济科目",
            "经济分类编码",
            "部门经济分类",
            "政府经济分类科目",
        ),
        _col("source", "资金来源", "资金性质"),
        _col(
            "budget_wan",
            "预算数(万元)",
            "预算金额(万元)",
            "年初预算(万元)",
            "年初预算数(万元)",
            "预算数合计(万元)",
            "金额(万元)",
        ),
        _col("budget_bare", "预算数", "预算金额", "年初预算", "年初预算数", "预算数合计"),
        _col("budget_yuan", "预算数(元)", "预算金额(元)", "年初预算(元)", "年初预算数(元)"),
        _col("owner", "负责人", "项目负责人"),
        _col("approved", "批复日期", "下达日期", "指标下达日期", "批复时间"),
        _col("doc", "批复文号", "文号", "指标文号", "下达文号"),
    ),
    INDICATORS: (
        YEAR,
        CODE,
        _col("level1", "一级指标", required=True),
        _col("level2", "二级指标", required=True),
        _col("name", "三级指标", "指标名称", "三级指标名称", required=True),
        _col("target", "指标值", "目标值", "年度指标值", "绩效指标值", "指标目标值", required=True),
        _col("weight", "分值", "权重", "指标分值", "权重(分值)", "分值(权重)"),
        _col("description", "指标描述", "绩效指标描述", "指标说明", "指标解释"),
    ),
    PAYMENTS: (
        YEAR,
        _col(
            "date",
            "日期",
            "支付日期",
            "付款日期",
            "记账日期",
            "业务日期",
            "凭证日期",
            "支出日期",
            required=True,
        ),
        CODE,
        _col(
            "amount_yuan",
            "金额(元)",
            "金额",
            "支付金额",
            "支付金额(元)",
            "付款金额",
            "付款金额(元)",
            "发生额",
            "发生额(元)",
            "支出金额",
            "支出金额(元)",
        ),
        _col("amount_wan", "金额(万元)", "支付金额(万元)", "支出金额(万元)"),
        _col(
            "payee", "收款人", "收款单位", "收款人名称", "收款方", "收款人全称", "收款单位名称", required=True
        ),
        _col(
            "economic",
            "经济分类",
            "经济分类科目",
            "经济科目",
            "部门经济分类",
            "经济分类编码",
            "部门经济分类科目",
        ),
        _col("voucher", "凭证号", "凭证编号", "凭证字号", "记账凭证号", "凭证号码"),
        _col("source", "资金来源", "资金性质"),
    ),
}
# Columns that tell one layout from another (项目编码 and 预算年度 are in all three).
SIGNATURES = {
    PROJECTS: frozenset({"name", "unit", "budget_wan", "budget_bare", "budget_yuan", "type", "functional"}),
    INDICATORS: frozenset({"level1", "level2", "target", "weight"}),
    PAYMENTS: frozenset({"date", "amount_yuan", "amount_wan", "payee", "voucher"}),
}
# One of these must be present (alternatives of the same fact).
ONE_OF = {
    PROJECTS: (("budget_wan", "budget_bare", "budget_yuan"), "预算数(万元)"),
    PAYMENTS: (("amount_yuan", "amount_wan"), "金额(元)"),
}
# Text in a column of the sheet's "other" tables that is read but not imported.
IGNORED = frozenset(
    {
        "序号",
        "其中:财政资金",
        "其他资金",
        "资金用途",
        "预算规模及资金用途",
        "绩效目标",
        "指标值确定依据",
        "项目名称",
        "单位名称",
    }
)
_TITLE_UNIT = re.compile(r"^[0-9]{3,}[^0-9A-Za-z:]{2,}$")
GROUP_LABELS = ("资金支出计划", "支出计划", "用款计划", "执行计划")
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "本页合计", "累计"})


def norm_header(text: Value) -> str:
    """Fold full-width forms, drop spaces, a leading ``*`` and a trailing colon."""
    if text is None or isinstance(text, bool):
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"\s+", "", s).lstrip("*").rstrip(":")
    return s.replace("【", "[").replace("】", "]")


def _index() -> dict[str, dict[str, Column]]:
    return {kind: {norm_header(s): c for c in cols for s in c.synonyms} for kind, cols in LAYOUTS.items()}


SPELLINGS = _index()


# -------------------------------------------------------------- checkpoints

_CN_NUMBERS = {
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
_MONTH_NAME = r"(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_CHECKPOINT_PATTERNS = (
    # 3月底, 3月末, 3月, 三月底, 6月30日, 截至6月底, 3月底累计
    re.compile(
        r"^(?:截至|截止|至)?" + _MONTH_NAME + r"月(?:(底|末|份?末|份)|([0-9]{1,2})[日号])?(?:前|止)?$"
    ),
    # 03-31, 3/31, 3.31
    re.compile(r"^(1[0-2]|0?[1-9])[-/.](0?[1-9]|[12][0-9]|3[01])$"),
)
_QUARTER = re.compile(r"^(?:第)?([1-4一二三四])季度(?:末|底)?(?:前)?$")
_SUFFIX = re.compile(r"(?:\((?:%|万元|元)\)|累计|进度|计划)+$")


@dataclass(frozen=True)
class CheckpointColumn:
    """A plan column: (month, day); day 0 means the month's last day."""

    index: int
    label: str
    month: int
    day: int

    def date(self, year: int) -> dt.date:
        last = calendar.monthrange(year, self.month)[1]
        return dt.date(year, self.month, last if self.day == 0 else self.day)


def checkpoint_of(header: Value) -> tuple[int, int] | None:
    """``3月底`` → (3, 0); ``6月30日`` → (6, 30); ``03-31`` → (3, 31); ``二季度末`` → (6, 0).

    Only text is a header: a number or a date cell never is."""
    if not isinstance(header, str):
        return None
    s = norm_header(header)
    s = _SUFFIX.sub("", s)
    if not s:
        return None
    m = _CHECKPOINT_PATTERNS[0].match(s)
    if m:
        month = _month(m.group(1))
        day = int(m.group(3)) if m.group(3) else 0
        return _valid(month, day)
    m = _CHECKPOINT_PATTERNS[1].match(s)
    if m:
        return _valid(int(m.group(1)), int(m.group(2)))
    m = _QUARTER.match(s)
    if m:
        q = _month(m.group(1))
        return (q * 3, 0)
    return None


def _month(text: str) -> int:
    return int(text) if text.isdigit() else _CN_NUMBERS[text]


def _valid(month: int, day: int) -> tuple[int, int] | None:
    if not 1 <= month <= 12:
        return None
    if day > calendar.monthrange(2024, month)[1]:  # 2024 is a leap year: 02-29 may exist
        return None
    return (month, day)


# -------------------------------------------------------------- detection


@dataclass
class Table:
    """A sheet recognised as one layout: where its header is and what each column holds."""

    sheet: str
    kind: str
    header_row: int
    columns: dict[str, tuple[int, str]]  # key -> (index, header as written)
    checkpoints: list[CheckpointColumn]
    rows: list[Row]  # the data rows below the header
    ignored: list[str] = field(default_factory=list)
    problems: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    budget_in_yuan: bool = False  # a bare 预算数 under a title saying 单位：元
    default_unit: Value = None  # the unit printed above a table that has no 预算单位 column

    def label(self, key: str) -> str:
        found = self.columns.get(key)
        if found:
            return found[1]
        for c in LAYOUTS[self.kind]:
            if c.key == key:
                return c.label
        return key


@dataclass(frozen=True)
class Unrecognised:
    """A sheet that is not one of the layouts, and why."""

    sheet: str
    row: int | None
    reason: str


def _match(cells: tuple[Value, ...], kind: str) -> tuple[dict[str, list[int]], list[CheckpointColumn]]:
    spellings = SPELLINGS[kind]
    found: dict[str, list[int]] = {}
    checkpoints: list[CheckpointColumn] = []
    for i, cell in enumerate(cells):
        h = norm_header(cell)
        if not h:
            continue
        column = spellings.get(h)
        if column is not None:
            found.setdefault(column.key, []).append(i)
        elif kind == PROJECTS and (md := checkpoint_of(h)) is not None:
            checkpoints.append(CheckpointColumn(i, str(cell).strip(), md[0], md[1]))
    return found, checkpoints


def _score(kind: str, found: dict[str, list[int]], checkpoints: list[CheckpointColumn]) -> tuple[int, int]:
    signature = len(SIGNATURES[kind] & found.keys()) + (1 if checkpoints else 0)
    return signature, len(found) + len(checkpoints)


def detect(sheet: Sheet) -> Table | Unrecognised | None:
    """The sheet's layout and header, or why it is none; ``None`` for an empty sheet."""
    if not sheet.rows:
        return None
    best: tuple[tuple[int, int], int, str] | None = None
    for position, (_number, cells) in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        for kind in LAYOUTS:
            found, checkpoints = _match(cells, kind)
            score = _score(kind, found, checkpoints)
            if score[0] >= 1 and score[1] >= 2 and (best is None or score > best[0]):
                best = (score, position, kind)
    if best is None:
        return Unrecognised(
            sheet.name, sheet.rows[0][0], "未找到可识别的表头（项目表、绩效指标表或支付明细表）"
        )
    _, position, kind = best
    return _table(sheet, kind, position)


def _table(sheet: Sheet, kind: str, position: int) -> Table:
    header_number = sheet.rows[position][0]
    cells, data_start = _header_cells(sheet, kind, position)
    found, checkpoints = _match(tuple(cells), kind)
    table = Table(
        sheet.name,
        kind,
        header_number,
        {},
        sorted(checkpoints, key=lambda c: (c.month, c.day or 99)),
        sheet.rows[data_start:],
    )
    for key, indexes in found.items():
        first = indexes[0]
        table.columns[key] = (first, str(cells[first]).strip())
        for extra in indexes[1:]:
            table.problems.append(
                (header_number, str(cells[extra]).strip(), f"列“{cells[extra]}”与第 {_letter(first)} 列重复")
            )
    known = {i for idx in found.values() for i in idx} | {c.index for c in checkpoints}
    for i, cell in enumerate(cells):
        h = norm_header(cell)
        if h and i not in known and h not in SPELLINGS[kind] and h not in IGNORED and not _is_group(cell):
            table.ignored.append(str(cell).strip())
    _missing_columns(table)
    _title_facts(table, [v for _, r in sheet.rows[:position] for v in r if v is not None])
    return table


def _header_cells(sheet: Sheet, kind: str, position: int) -> tuple[list[Value], int]:
    """The header's cells and where data starts. A two-row header (资金支出计划 above
    3月底 | 6月底 | ...) is read as one row."""
    header_number, header = sheet.rows[position]
    cells = list(header)
    data_start = position + 1
    if kind != PROJECTS or data_start >= len(sheet.rows):
        return cells, data_start
    below_number, below = sheet.rows[data_start]
    sub = [checkpoint_of(c) for c in below]
    code_at = next((i for i, c in enumerate(cells) if SPELLINGS[kind].get(norm_header(c)) is CODE), None)
    code_blank = code_at is None or code_at >= len(below) or below[code_at] is None
    if not (any(sub) and below_number == header_number + 1 and code_blank):
        return cells, data_start
    cells += [None] * (max(len(cells), len(below)) - len(cells))
    for i, md in enumerate(sub):
        if md is not None and (cells[i] is None or _is_group(cells[i])):
            cells[i] = below[i]
    return cells, data_start + 1


def _missing_columns(table: Table) -> None:
    header_number = table.header_row
    for column in LAYOUTS[table.kind]:
        if column.required and column.key not in table.columns:
            table.problems.append((header_number, column.label, f"缺少必需的列“{column.label}”"))
    if table.kind in ONE_OF:
        keys, label = ONE_OF[table.kind]
        present = [k for k in keys if k in table.columns]
        if not present:
            table.problems.append((header_number, label, f"缺少必需的列“{label}”"))
        elif len(present) > 1:
            names = "、".join(table.columns[k][1] for k in present)
            table.problems.append((header_number, names, f"“{label}”只能有一列，发现：{names}"))
    seen: dict[dt.date, CheckpointColumn] = {}
    for c in table.checkpoints:
        day = c.date(2024)  # a leap year: every written day exists
        if day in seen:
            table.problems.append(
                (header_number, c.label, f"检查点列“{c.label}”与“{seen[day].label}”是同一天")
            )
        seen[day] = c


def _title_facts(table: Table, titles: list[Value]) -> None:
    """What the title rows above a projects table say: its unit, the unit of money."""
    if table.kind != PROJECTS:
        return
    if "unit" not in table.columns:
        # 乐亭's tables print the unit above the table: "460001乐亭县医疗保障局本级 | 单位：万元".
        units = [v for v in titles if _TITLE_UNIT.match(norm_header(v))]
        if len(units) == 1:
            table.default_unit = units[0]
            table.problems = [p for p in table.problems if p[1] != "预算单位"]
    if "budget_bare" in table.columns:
        text = " ".join(norm_header(v) for v in titles)
        table.budget_in_yuan = bool(re.search(r"单位:元(?!\w)", text))


def _is_group(cell: Value) -> bool:
    h = norm_header(cell)
    return any(h.startswith(g) for g in GROUP_LABELS)


def _letter(index: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return get_column_letter(index + 1)


_TOTAL_START = re.compile("[" + "".join(sorted({w[0] for w in TOTAL_WORDS})) + "]")


def is_total_row(cells: tuple[Value, ...]) -> bool:
    """A 合计/总计 line at the bottom of an exported table (its first filled cell says so)."""
    for first in cells:
        if first is not None:
            return (
                isinstance(first, str)
                and len(first) < 20
                and _TOTAL_START.search(first) is not None
                and norm_header(first) in TOTAL_WORDS
            )
    return False


# -------------------------------------------------------------- cell meanings

_UNIT_CELL = re.compile(
    r"^\s*([0-9A-Za-z][0-9A-Za-z._-]*)(?:\s+|[-—－_:：|]\s*|(?=[^0-9A-Za-z._-]))(.*)$", re.S
)
_UNIT_CODE_ONLY = re.compile(r"^\s*([0-9A-Za-z][0-9A-Za-z._-]*)\s*$")
_UNIT_BRACKETED = re.compile(r"^\s*[\[【(（]\s*([0-9A-Za-z][0-9A-Za-z._-]*)\s*[\]】)）]\s*(.*)$", re.S)


def split_unit(cell: Value) -> tuple[str | None, str | None]:
    """``450001保定市满城区医疗保障局本级`` → (``450001``, ``保定市满城区医疗保障局本级``).

    Also ``450001 保定市…``, ``450001-保定市…``, ``[450001]保定市…`` and a bare code
    (name ``None``); a name alone gives code ``None``.
    """
    if cell is None:
        return None, None
    if isinstance(cell, Decimal):
        return str(cell), None
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    for pattern in (_UNIT_BRACKETED, _UNIT_CELL):
        m = pattern.match(text)
        if m:
            name = m.group(2).strip() or None
            return m.group(1).rstrip("._-"), name
    m = _UNIT_CODE_ONLY.match(text)
    if m:
        return m.group(1), None
    return None, text or None


_CLASS_CODE = re.compile(r"^[\[【(（]?\s*([0-9]+)\s*[\]】)）]?\s*(?:[-—－_:：.、\s]\s*)?(\D.*)?$", re.S)
_CLASS_CODE_AFTER = re.compile(r"[\[【(（]\s*([0-9]+)\s*[\]】)）]\s*$")


def class_code(cell: Value) -> str | None:
    """``2101502``, ``2101502 一般行政管理事务``, ``[30201]办公费``, ``办公费(30201)`` → the digits."""
    if cell is None:
        return None
    if isinstance(cell, Decimal):
        return str(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    m = _CLASS_CODE.match(text)
    if m:
        return m.group(1)
    m = _CLASS_CODE_AFTER.search(text)
    if m:
        return m.group(1)
    return text


BLANK_MARKS = frozenset({"-", "–", "—", "－", "/", "／", "--", "——", "无", "空"})


def is_blank_mark(value: Value) -> bool:
    """An empty cell, or a dash the published tables print for "no figure"."""
    if value is None:
        return True
    return isinstance(value, str) and unicodedata.normalize("NFKC", value).strip() in BLANK_MARKS


def is_percent(value: Value) -> bool:
    """``25%``/``25％`` as text, or a percent-formatted Excel cell (read as ``"25%"``)."""
    return isinstance(value, str) and unicodedata.normalize("NFKC", value).strip().endswith("%")


def plan_kind(values: list[Value]) -> str | None:
    """``percent`` if any filled checkpoint is a percentage, ``amount`` if any is filled
    without one, ``None`` when every checkpoint is blank; a mix is ``mixed``."""
    filled = [v for v in values if not is_blank_mark(v)]
    if not filled:
        return None
    kinds = {"percent" if is_percent(v) else "amount" for v in filled}
    return kinds.pop() if len(kinds) == 1 else "mixed"


_SOURCE_ALIASES = {
    "一般公共预算拨款": "一般公共预算财政拨款",
    "一般公共预算资金": "一般公共预算财政拨款",
    "一般公共预算": "一般公共预算财政拨款",
    "政府性基金预算拨款": "政府性基金预算财政拨款",
    "政府性基金预算资金": "政府性基金预算财政拨款",
    "政府性基金": "政府性基金预算财政拨款",
    "国有资本经营预算拨款": "国有资本经营预算财政拨款",
    "国有资本经营预算资金": "国有资本经营预算财政拨款",
    "财政专户管理资金收入": "财政专户管理资金",
    "上年结转资金": "上年结转",
}


def source_name(cell: Value) -> str | None:
    """资金来源 as the tracker lists it (``一般公共预算拨款`` → ``一般公共预算财政拨款``)."""
    if cell is None:
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(cell)))
    return _SOURCE_ALIASES.get(text, text) or None
