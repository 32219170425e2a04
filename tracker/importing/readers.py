"""Read spreadsheet files into plain rows of cell values, each with its row number.

Two formats: ``.xlsx`` (every worksheet, each detected separately later) and ``.csv``
(UTF-8 with or without BOM, UTF-16 with BOM, or GBK/GB18030 as Excel saves it on a
Chinese Windows). What comes out is deliberately plain, so the rest of the import
never sees a file format:

- ``str`` for text (trimmed; an empty cell is ``None``),
- ``Decimal`` for numbers, written out without exponent, from Excel's own digits
  (15 significant digits at most, as Excel keeps them, so a formula's binary noise
  such as ``0.30000000000000004`` reads as ``0.3``),
- ``datetime.datetime`` for cells Excel formats as dates,
- a percent-formatted number becomes the text ``"25%"`` (0.25 formatted ``0%``), so a
  percentage looks the same whether typed as text or formatted by Excel,
- ``bool`` for TRUE/FALSE; error cells (``#VALUE!``) stay text.

Blank rows are left out; row numbers are the ones Excel shows (or the CSV line).

Speed: openpyxl's read-only parser needs about 10 s for 100,000 six-column rows
(it builds an object per inline string and per cell). The workbook itself (sheet
list, shared strings, number formats, date styles, epoch) is opened with openpyxl in
read-only mode; the cells of each sheet are then scanned straight from its XML with
one regular expression, which is several times faster. Anything the scanner does not
recognise (namespace prefixes, cells without a reference) makes it hand the sheet
back to openpyxl's own ``iter_rows``, so the fast path can be wrong only by being
slow.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from tracker.domain.errors import InvalidInputError

Value = str | Decimal | dt.date | bool | None
Row = tuple[int, tuple[Value, ...]]

FIELD = "文件"
EXCEL_DIGITS = Context(prec=15)  # Excel keeps 15 significant digits
# Only what the README promises: another name (a .txt, a .tsv, none) is refused rather
# than guessed at, so a file saved in the wrong format is named, not misread.
XLSX_SUFFIXES = (".xlsx",)
CSV_SUFFIXES = (".csv",)


@dataclass
class Sheet:
    """One table of a file: a worksheet of a workbook, or the whole CSV file."""

    name: str
    rows: list[Row] = field(default_factory=list)
    hidden: bool = False


def read_table_file(path: str | Path) -> list[Sheet]:
    """Every sheet of an ``.xlsx`` file, or the one table of a ``.csv`` file."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"找不到文件 {p}", FIELD)
    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise InvalidInputError("不支持旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 或 .csv", FIELD)
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(p)
    if suffix in CSV_SUFFIXES:
        return read_csv(p)
    kind = f"“{p.suffix}”" if p.suffix else "（无扩展名）"
    raise InvalidInputError(f"不支持的文件类型{kind}：只能导入 .xlsx 或 .csv 文件（{p.name}）", FIELD)


# ---------------------------------------------------------------- values


def clean_text(text: str) -> str | None:
    """Trim (full-width spaces too: ``str.strip`` knows them); an empty cell is ``None``."""
    return text.strip() or None


def plain_decimal(value: Decimal) -> Decimal:
    """A finite number as Excel holds it (15 significant digits), without exponent."""
    if len(value.as_tuple().digits) > 15:
        value = EXCEL_DIGITS.plus(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return Decimal(text)


def number_value(number: int | float | Decimal | str) -> Decimal:
    """An Excel number (int, float, or the digits of the XML) as an exact Decimal."""
    if isinstance(number, str):
        if len(number) <= 15 and "E" not in number and "e" not in number:
            return Decimal(number)  # the common case: Excel's own short digits
        return plain_decimal(Decimal(number))
    if isinstance(number, float):
        return plain_decimal(Decimal(format(number, ".15g")))
    return plain_decimal(Decimal(number))


def percent_text(number: Decimal) -> str:
    """0.25 in a percent-formatted cell is what Excel shows: ``25%``."""
    return f"{plain_decimal(number * 100)}%"


def cell_value(value: Any, *, percent: bool = False) -> Value:
    """Normalise one cell value that openpyxl returned."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        number = number_value(value)
        return percent_text(number) if percent else number
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return clean_text(str(value))


# ------------------------------------------------------------------- CSV


def decode_csv(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (BOM or not), UTF-16 with BOM, else GBK/GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # a superset of GBK and GB2312
    except UnicodeDecodeError:
        raise InvalidInputError("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV", FIELD) from None


def sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever splits the first lines into most columns."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_count = ",", 0
    for candidate in (",", "\t", ";"):
        count = max((line.count(candidate) for line in lines), default=0)
        if count > best_count:
            best, best_count = candidate, count
    return best


def read_csv(path: str | Path) -> list[Sheet]:
    p = Path(path)
    text = decode_csv(p.read_bytes())
    return [Sheet(p.stem, list(csv_rows(text)))]


def csv_rows(text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    number = 0
    for record in reader:
        number += 1
        # A quoted field may span lines: keep the number of the line the record starts on.
        start = number
        number = max(number, reader.line_num)
        cells = tuple([c.strip() or None for c in record])
        if any(cells):
            yield start, _trim(cells)


def _trim(cells: tuple[Value, ...]) -> tuple[Value, ...]:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return cells[:end]


# ------------------------------------------------------------------ XLSX


def read_xlsx(path: str | Path) -> list[Sheet]:
    """Every worksheet, values only (cached results of formulas)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
            raise InvalidInputError(f"无法读取 Excel 文件：{e}", FIELD) from None
        try:
            sheets = []
            for ws in wb.worksheets:
                rows = _fast_rows(wb, ws)
                if rows is None:
                    rows = list(_openpyxl_rows(wb, ws))
                sheets.append(Sheet(ws.title, rows, hidden=getattr(ws, "sheet_state", "") != "visible"))
            return sheets
        finally:
            wb.close()


def _style_sets(wb: Any) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """Style ids formatted as dates, durations and percentages."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    percent = set()
    for index, style in enumerate(wb._cell_styles):
        fmt_id = style.numFmtId
        if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
            code = BUILTIN_FORMATS.get(fmt_id, "General")
        else:
            code = wb._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
        if "%" in _unquoted(code):
            percent.add(index)
    return frozenset(wb._date_formats), frozenset(wb._timedelta_formats), frozenset(percent)


def _unquoted(code: str) -> str:
    """A number format without its quoted literals (``0"%"`` is not a percent format)."""
    return re.sub(r'"[^"]*"|\\.', "", code)


def _openpyxl_rows(wb: Any, ws: Any) -> Iterator[Row]:
    """The slow, general path: openpyxl's own read-only cells."""
    try:
        percent = _style_sets(wb)[2]
    except (AttributeError, IndexError, TypeError):
        percent = frozenset()
    ws.reset_dimensions()  # some writers store a wrong <dimension>: read every row there is
    for number, cells in enumerate(ws.iter_rows(min_row=1), start=1):
        row_number = next((c.row for c in cells if getattr(c, "row", None)), number)
        values = tuple(
            cell_value(
                c.value,
                percent=getattr(c, "_style_id", 0) in percent
                and isinstance(c.value, int | float)
                and not isinstance(c.value, bool),
            )
            for c in cells
        )
        if any(v is not None for v in values):
            yield row_number, _trim(values)


# <c r="B7" s="3" t="s"><v>12</v></c>, <c r="C7"/>, <c r="D7" t="inlineStr"><is><t>x</t></is></c>
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*?)(?:/>|>(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>|(.*?))</c>)',
    re.S,
)
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_V = re.compile(r"<v>([^<]*)</v>")
_T = re.compile(r"<t(?:\s[^>]*)?>([^<]*)</t>")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)
_CELL_TAG = re.compile(r"<c[\s>/]")


def _fast_rows(wb: Any, ws: Any) -> list[Row] | None:
    """Scan the sheet XML directly; ``None`` hands the sheet to openpyxl instead."""
    try:
        xml = wb._archive.read(ws._worksheet_path).decode("utf-8")
        shared: list[Any] = ws._shared_strings
        dates, durations, percent = _style_sets(wb)
        epoch = wb.epoch
    except (AttributeError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        return None
    start = xml.find("<sheetData")
    if start < 0:
        return None if re.search(r"<\w+:sheetData\b", xml) else []
    end = xml.find("</sheetData>", start)
    if end < 0:
        return []  # <sheetData/>: an empty sheet
    data = xml[start:end]
    found = _CELL.findall(data)
    # Every match starts a "<c" tag, so when the file holds no more "<c" than matches
    # (the usual case, one quick count) every cell tag was understood.
    if len(found) != data.count("<c") and len(found) != len(_CELL_TAG.findall(data)):
        return None  # cells this scanner does not understand: let openpyxl read them
    try:
        return _assemble(found, shared, dates, durations, percent, epoch)
    except (ValueError, IndexError, InvalidOperation, OverflowError):
        return None


@dataclass
class _Styles:
    """What a cell's style id says about its number, and the workbook's date epoch."""

    dates: frozenset[int]
    durations: frozenset[int]
    percent: frozenset[int]
    epoch: Any
    serials: dict[str, Value] = field(default_factory=dict)  # a year has a few hundred dates


# How a cell of given attributes is read: the three kinds a big sheet is made of take a
# short way in ``_assemble``; anything else (and any odd content) goes through ``_cell``.
_GENERAL, _INLINE_TEXT, _SHARED_TEXT, _NUMBER, _DATE = range(5)


def _assemble(
    found: Iterable[tuple[str, ...]],
    shared: list[Any],
    dates: frozenset[int],
    durations: frozenset[int],
    percent: frozenset[int],
    epoch: Any,
) -> list[Row]:
    from openpyxl.utils.cell import column_index_from_string

    styles = _Styles(dates, durations, percent, epoch)
    serials = styles.serials
    columns: dict[str, int] = {}
    kinds: dict[str, tuple[str, int, int]] = {}
    rows: list[Row] = []
    current = ""
    cells: list[Value] = []
    for letters, row, attrs, v, t, inner in found:
        if row != current:
            if cells:
                rows.append((int(current), _trim(tuple(cells))))
            current, cells = row, []
        kind = kinds.get(attrs) or kinds.setdefault(attrs, _kind(attrs, styles))
        way = kind[2]
        value: Value
        if way == _INLINE_TEXT and t:
            value = _unescape(t).strip() or None
        elif way == _NUMBER and v:
            value = number_value(v)
        elif way == _DATE and v:
            value = serials[v] if v in serials else _serial_date(v, kind[1], styles)
        elif way == _SHARED_TEXT and v:
            value = cell_value(shared[int(v)])
        else:
            value = _cell(kind[:2], v, t, inner, shared, styles)
        if value is None:
            continue
        index = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
        if index - 1 == len(cells):
            cells.append(value)
        else:
            _place(cells, index, value)
    if cells:
        rows.append((int(current), _trim(tuple(cells))))
    return rows


def _place(cells: list[Value], index: int, value: Value) -> None:
    """Put a value in column ``index`` (1-based) past a gap, or out of order."""
    gap = index - 1 - len(cells)
    if gap >= 0:
        cells.extend([None] * gap)
        cells.append(value)
    else:  # out of order (Excel never writes so): place it anyway
        cells[index - 1] = value


def _kind(attrs: str, styles: _Styles) -> tuple[str, int, int]:
    """A cell's type, style, and which way ``_assemble`` reads it (the same value as
    ``_cell`` gives)."""
    a = dict(_ATTR.findall(attrs))
    typ, style = a.get("t", "n"), int(a.get("s", "0") or 0)
    way = _GENERAL
    if typ == "inlineStr":
        way = _INLINE_TEXT
    elif typ == "s":
        way = _SHARED_TEXT
    elif typ == "n" and style in styles.dates:
        way = _DATE
    elif typ == "n" and style not in styles.percent:
        way = _NUMBER
    return typ, style, way


def _cell(kind: tuple[str, int], v: str, t: str, inner: str, shared: list[Any], styles: _Styles) -> Value:
    """One cell's value from its type, style and XML content."""
    typ, style = kind
    if typ == "inlineStr":
        text = t if t or not inner else "".join(_T.findall(_PHONETIC.sub("", inner)))
        return (_unescape(text).strip() or None) if text else None
    if not v and inner:
        m = _V.search(inner)  # a formula's cached result follows its <f>
        v = m.group(1) if m else ""
    if not v:
        return None
    if typ == "s":
        return cell_value(shared[int(v)])
    if typ in ("str", "e"):
        return _unescape(v).strip() or None
    if typ == "b":
        return v.strip() in ("1", "true")
    if typ == "d":
        from openpyxl.utils.datetime import from_ISO8601

        return cast(Value, from_ISO8601(v))
    if style in styles.dates:
        return _serial_date(v, style, styles)
    number = number_value(v)
    return percent_text(number) if style in styles.percent else number


def _serial_date(v: str, style: int, styles: _Styles) -> Value:
    from openpyxl.utils.datetime import from_excel

    value = styles.serials.get(v)
    if value is None:
        if style in styles.durations:
            value = str(from_excel(float(v), styles.epoch, timedelta=True))
        else:
            value = from_excel(float(v) if "." in v or "E" in v.upper() else int(v), styles.epoch)
        styles.serials[v] = value
    return value


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text
