"""What each row of the 自评表 says, in words, so every rendering says the same.

A bare 待填 on a not-applicable row, on a deadline already missed or beside an
officer's own words misleads the reader; these rules name what a row is. The CLI, the
page and the exported form all take their cells from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tracker.domain.indicator import DEADLINE, NOT_APPLICABLE, QUALITATIVE
from tracker.domain.selfeval import Evaluation, IndicatorLine, show_points

PENDING, NOT_APPLICABLE_TEXT = "待填", "不适用"
OVERDUE, NOT_DONE = "逾期，待评定", "未完成"


@dataclass(frozen=True)
class RowText:
    """A row's 实际完成值 and 完成率 cells as shown, and its band (档次) apart."""

    actual: str
    completion: str
    band: str
    overdue: bool = False


def row_text(
    line: IndicatorLine,
    actual_text: str | None,
    progress_date: dt.date | None,
    deadline: dt.date | None,
    today: dt.date,
) -> RowText:
    """Not applicable says 不适用; a deadline missed says when it was done (or 未完成)
    and 逾期，待评定 until the officer chooses a completion; words stay words, with the
    percentage and the band in their own cells."""
    words = (actual_text or "").strip()
    if line.kind == NOT_APPLICABLE:
        return RowText(words or NOT_APPLICABLE_TEXT, NOT_APPLICABLE_TEXT, "")
    done = progress_date if words else None
    if line.kind == DEADLINE:
        shown = f"{done.isoformat()} 完成" if done else words
        late = deadline is not None and (done > deadline if done else deadline < today)
        if line.completion is None:
            if late:
                return RowText(shown or NOT_DONE, OVERDUE, "", overdue=True)
            return RowText(shown, PENDING, "")
        band = _band(line) if late else ""  # on time is simply 100%, not a judgement
        return RowText(shown or (NOT_DONE if late else ""), show_points(line.completion), band)
    if line.completion is None:
        return RowText(words, PENDING, "")
    band = _band(line) if line.kind == QUALITATIVE or not words else ""
    return RowText(words, show_points(line.completion), band)


def _band(line: IndicatorLine) -> str:
    """Judged rows (qualitative, deadlines missed) show the band they were put in."""
    return line.band or ""


def rounding_note(ev: Evaluation) -> str | None:
    """The printed row scores, rounded, may not add up to the printed total (which comes
    from unrounded points): say so and show the difference instead of hiding it."""
    rows = [ev.execution_points, *(line.points for line in ev.lines if line.points is not None)]
    printed = sum((Decimal(show_points(p)) for p in rows), Decimal(0))
    total = Decimal(ev.shown_total)
    if printed == total:
        return None
    return (
        f"各行得分四舍五入后合计 {printed:f}，总分 {total:f} 按未舍入得分计算"
        f"（相差 {show_points(total - printed)}）"
    )
