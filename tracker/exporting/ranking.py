"""The 通报 table (执行进度排名) laid out as a ``Form``: amounts in 万元 with two
decimals, rates in percent, the previous year's same date and 同比 beside each unit,
a 合计 row, and the event chain's head as the last note like every exported table.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tracker.domain.errors import InvalidInputError
from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import to_wan
from tracker.exporting.csv_export import write_csv
from tracker.exporting.forms import Column, Form, Row, stamped
from tracker.exporting.xlsx import write_xlsx
from tracker.queries.figures import Figures
from tracker.queries.known import KnownOn
from tracker.queries.ranking import Ranking, ranking
from tracker.store.chain import read_head
from tracker.store.readstore import ReadStore

CENT = Decimal("0.01")
COLUMNS = (
    ("index", 6),
    ("code", 12),
    ("text", 24),
    ("money", 14),
    ("money", 14),
    ("text", 10),
    ("text", 10),
    ("text", 12),
    ("text", 10),
    ("money", 14),
    ("money", 14),
    ("text", 10),
    ("text", 12),
)
PREVIOUS_NOTE = "注：上年同期为上一年度同一日期（2 月 29 日对应 2 月 28 日）的数据；上年无项目的单位留空。"


def title(year: int, as_of: dt.date) -> str:
    return f"{year}年预算执行进度通报（截至 {as_of.month}月{as_of.day}日）"


def _pct(value: Decimal | None, suffix: str = "%") -> str | None:
    if value is None:
        return None
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}{suffix}"


def _previous(f: Figures | None) -> list[str | Decimal | None]:
    if f is None:
        return [None, None, None]
    return [to_wan(f.budget), to_wan(f.disbursed), _pct(f.execution_rate)]


def ranking_form(k: Ranking) -> Form:
    """The ranking as its 通报 form (no chain head yet: ``build_ranking_form``)."""
    form = Form(
        "ranking",
        title(k.year, k.as_of),
        k.unit_name,
        k.year,
        k.as_of,
        [Column(kind, width) for kind, width in COLUMNS],
        [
            [
                "排名",
                "单位编码",
                "单位名称",
                "本年",
                "",
                "",
                "",
                "",
                "",
                f"上年同期（{k.previous_as_of}）",
                "",
                "",
                "同比（百分点）",
            ],
            [
                "",
                "",
                "",
                "全年预算",
                "执行数",
                "执行率",
                "序时进度",
                "差距（百分点）",
                "状态",
                "全年预算",
                "执行数",
                "执行率",
                "",
            ],
        ],
        [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 0, 8), (0, 9, 0, 11), (0, 12, 1, 12)],
    )
    for r in k.rows:
        form.rows.append(
            Row(
                [
                    str(r.rank),
                    r.code,
                    r.name,
                    *_figure_cells(r.figures, r.status),
                    *_previous(r.previous),
                    _pct(r.change, ""),
                ]
            )
        )
    p = k.previous_total
    change = None if p is None else k.total.execution_rate - p.execution_rate
    form.rows.append(
        Row(
            ["", "合计", "", *_figure_cells(k.total, k.total_status), *_previous(p), _pct(change, "")],
            "total",
        )
    )
    form.notes.append(PREVIOUS_NOTE)
    return form


def _figure_cells(f: Figures, status: str) -> list[str | Decimal | None]:
    return [
        to_wan(f.budget),
        to_wan(f.disbursed),
        _pct(f.execution_rate),
        _pct(f.planned_rate),
        _pct(f.lag_points, ""),
        STATUS_LABELS[status],
    ]


def build_ranking_form(
    read: ReadStore, year: int, as_of: dt.date | None, unit: str | None, known: KnownOn | None = None
) -> Form:
    """The 通报 form of the ranking, stamped with the event chain's head (and, as known
    on a moment, saying so beside 截至 and in the footer)."""
    form = ranking_form(ranking(read, year, as_of, unit, known))
    if known is None:
        return stamped(form, read_head(read).footer())
    form.known = known.caption
    return stamped(form, f"{read_head(read).footer()}；{known.caption}")


def write_ranking(
    read: ReadStore,
    year: int,
    as_of: dt.date | None,
    unit: str | None,
    path: str | Path,
    known: KnownOn | None = None,
) -> Path:
    """Write the 通报 table to ``path`` (.xlsx, or .csv)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInputError(
            f"无法从文件名“{target.name}”判断导出格式：通报表用 .xlsx 或 .csv", "导出格式"
        )
    form = build_ranking_form(read, year, as_of, unit, known)
    return write_xlsx([form], target) if suffix == ".xlsx" else write_csv(form, target)
