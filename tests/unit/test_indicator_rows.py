"""Rows of the 自评表 say what they are (issue 12, point 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tracker.domain.indicator import parse_target
from tracker.domain.indicator_rows import NOT_DONE, OVERDUE, rounding_note, row_text
from tracker.domain.selfeval import IndicatorResult, evaluate, show_points

D = Decimal
TODAY = dt.date(2025, 3, 1)


def line_of(target: str, completion: str | None = None, done: dt.date | None = None, weight: str = "45"):  # type: ignore[no-untyped-def]
    result = IndicatorResult(
        "x",
        "产出指标",
        "时效指标",
        "指标",
        parse_target(target, 2024),
        D(weight),
        completion=None if completion is None else D(completion),
        achieved_on=done,
    )
    return evaluate(D(1), D(1), D(1), [result]).lines[0]


def test_a_not_applicable_row_says_so_instead_of_pending() -> None:
    said = row_text(line_of("不适用"), None, None, None, TODAY)
    assert (said.actual, said.completion) == ("不适用", "不适用")


def test_a_deadline_missed_with_nothing_done_says_not_done_and_overdue() -> None:
    said = row_text(line_of("2024年6月"), None, None, dt.date(2024, 6, 30), TODAY)
    assert (said.actual, said.completion, said.overdue) == (NOT_DONE, OVERDUE, True)


def test_a_deadline_met_late_shows_the_day_it_was_done_until_judged() -> None:
    late = dt.date(2024, 8, 1)
    said = row_text(line_of("2024年6月", done=late), "已完成", late, dt.date(2024, 6, 30), TODAY)
    assert (said.actual, said.completion) == ("2024-08-01 完成", OVERDUE)
    judged = row_text(line_of("2024年6月", "70", late), "已完成", late, dt.date(2024, 6, 30), TODAY)
    assert (judged.actual, judged.completion, judged.band) == (
        "2024-08-01 完成",
        "70.00",
        "部分达成预期指标并具有一定效果",
    )


def test_a_deadline_not_yet_due_is_simply_pending() -> None:
    said = row_text(line_of("2025年12月"), None, None, dt.date(2025, 12, 31), TODAY)
    assert (said.actual, said.completion) == ("", "待填")


def test_a_qualitative_row_keeps_the_officers_words_and_shows_the_band_apart() -> None:
    said = row_text(line_of("逐步提高", "85"), "逐步推开", dt.date(2024, 12, 31), None, TODAY)
    assert (said.actual, said.completion, said.band) == ("逐步推开", "85.00", "全部或基本达成预期指标")


def test_when_rounded_rows_do_not_add_up_to_the_total_the_difference_is_said() -> None:
    results = [
        IndicatorResult(i, "效益指标", "", i, parse_target("逐步提高", 2024), D(45), completion=D("22.9"))
        for i in ("a", "b")
    ]
    ev = evaluate(D(100), D(100), D(100), results)
    assert [show_points(line.points) for line in ev.lines] == ["10.31", "10.31"]
    assert ev.shown_total == "30.61"
    note = rounding_note(ev)
    assert note is not None
    assert "30.62" in note
    assert "0.01" in note


def test_rows_that_add_up_need_no_note() -> None:
    assert rounding_note(evaluate(D(1), D(1), D(1), [])) is None
