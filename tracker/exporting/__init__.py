"""Export the public tables: ``.xlsx`` like the official forms, ``.csv``, or a Fiscal Data Package.

``export(read, kind, year, unit, path, fmt=None, as_of=None)`` is the one entry:

======================  ==========================================  ===================
kind                    table                                       formats
======================  ==========================================  ===================
``summary``             收支预算总表 (收支总表)                      .xlsx / .csv
``function``            支出总表 (功能分类 × 基本/项目支出)            .xlsx / .csv
``basic``               基本支出表 (经济分类 × 人员/公用经费)          .xlsx / .csv
``project-economic``    项目支出表 (经济分类)                        .xlsx / .csv
``three-public``        “三公”经费支出表                             .xlsx / .csv
``fdp``                 Fiscal Data Package                         directory / .zip
======================  ==========================================  ===================

The format comes from ``fmt`` (``xlsx``, ``csv``, ``fdp``) or else from the file suffix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from tracker.domain.errors import InvalidInputError
from tracker.exporting.csv_export import write_csv
from tracker.exporting.datapackage import write_package
from tracker.exporting.forms import Form, class_form, stamped, summary_form
from tracker.exporting.three_public_form import three_public_form
from tracker.exporting.xlsx import write_xlsx
from tracker.queries.known import KnownOn
from tracker.queries.reports import tables
from tracker.store.chain import read_head
from tracker.store.readstore import ReadStore

TABLE_KINDS = ("summary", "function", "basic", "project-economic", "three-public")
KINDS = (*TABLE_KINDS, "fdp")
FORMATS = ("xlsx", "csv", "fdp")
AsOf = dt.date | str | None


def build_form(
    read: ReadStore,
    kind: str,
    year: int,
    unit: str | None = None,
    as_of: AsOf = None,
    known: KnownOn | None = None,
) -> Form:
    """The table of this kind laid out as its form (amounts in 万元), stamped with the
    event chain's head."""
    builders: dict[str, Callable[[], Form]] = {
        "summary": lambda: summary_form(tables.income_expenditure_summary(read, year, unit, as_of, known)),
        "function": lambda: class_form(tables.expenditure_by_function(read, year, unit, as_of, known)),
        "basic": lambda: class_form(tables.basic_expenditure_by_economic(read, year, unit, as_of, known)),
        "project-economic": lambda: class_form(
            tables.project_expenditure_by_economic(read, year, unit, as_of, known)
        ),
        "three-public": lambda: three_public_form(tables.three_public(read, year, unit, as_of, known)),
    }
    if kind not in builders:
        raise InvalidInputError(_unknown_kind(kind), "报表类型")
    footer = read_head(read).footer()
    form = builders[kind]()
    form.known = known.caption if known else ""
    return stamped(form, f"{footer}；{known.caption}" if known else footer)


def export(
    read: ReadStore,
    kind: str,
    year: int,
    unit: str | None,
    path: str | Path,
    fmt: str | None = None,
    as_of: AsOf = None,
    known: KnownOn | None = None,
) -> Path:
    """Write one table (or the data package) to ``path``; returns the path written."""
    if kind not in KINDS:
        raise InvalidInputError(_unknown_kind(kind), "报表类型")
    target = Path(path)
    fmt = (fmt or _format_of(kind, target)).lower()
    if fmt not in FORMATS:
        raise InvalidInputError(f"“{fmt}”不是有效的导出格式，可选：{'、'.join(FORMATS)}", "导出格式")
    if (kind == "fdp") != (fmt == "fdp"):
        raise InvalidInputError(
            "财政数据包（fdp）导出到目录或 .zip 文件；各公开表导出为 .xlsx 或 .csv", "导出格式"
        )
    if fmt == "fdp":
        return write_package(read, year, unit, target, as_of, known)
    form = build_form(read, kind, year, unit, as_of, known)
    if fmt == "xlsx":
        return write_xlsx([form], target)
    return write_csv(form, target)


def _format_of(kind: str, path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return suffix[1:]
    if kind == "fdp" and (suffix in {".zip", ""} or path.is_dir()):
        return "fdp"
    raise InvalidInputError(
        f"无法从文件名“{path.name}”判断导出格式：公开表用 .xlsx 或 .csv，财政数据包用目录或 .zip", "导出格式"
    )


def _unknown_kind(kind: str) -> str:
    return f"“{kind}”不是有效的报表类型，可选：{'、'.join(KINDS)}"


__all__ = ["FORMATS", "KINDS", "TABLE_KINDS", "build_form", "export"]
