"""年度总体目标 (预期目标 / 实际完成情况) on the 自评表, as seed 001 prints it.

``selfeval CODE --goal TEXT --outcome TEXT`` records an event (who and when); a later
change is another event; the same request id again records nothing; an empty text is
refused naming the field; the form and its export show both texts; a rebuild keeps them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError
from tracker.exporting.selfeval_form import selfeval_form, with_names, write_selfeval_xlsx

GOAL = "1.对工程款进行结算"
OUTCOME = "已结算三期工程款，尾款待审计后支付"


def events(app: BudgetTracker) -> int:
    return app.recorder.max_notification_id() or 0


def test_the_goal_and_outcome_are_recorded_and_changed_as_events(funded: BudgetTracker) -> None:
    funded.set_evaluation_goal("P1", 2024, goal=GOAL, request_id="g1")
    assert funded.self_evaluation("P1", 2024)["goal"] == {"goal": GOAL, "outcome": ""}
    before = events(funded)
    funded.set_evaluation_goal("P1", 2024, goal=GOAL, request_id="g1")  # replayed
    assert events(funded) == before
    funded.set_evaluation_goal("P1", 2024, outcome=OUTCOME, request_id="g2")
    assert funded.self_evaluation("P1", 2024)["goal"] == {"goal": GOAL, "outcome": OUTCOME}
    assert events(funded) == before + 1
    funded.rebuild_read_model()
    assert funded.self_evaluation("P1", 2024)["goal"] == {"goal": GOAL, "outcome": OUTCOME}


def test_an_empty_text_or_nothing_at_all_is_refused_naming_the_field(funded: BudgetTracker) -> None:
    before = events(funded)
    with pytest.raises(InvalidInputError) as e:
        funded.set_evaluation_goal("P1", 2024, goal="  ")
    assert e.value.field == "预期目标"
    with pytest.raises(InvalidInputError) as e:
        funded.set_evaluation_goal("P1", 2024)
    assert "至少填写一项" in e.value.message
    assert events(funded) == before


def test_the_form_and_its_csv_print_the_goal_rows(funded: BudgetTracker, tmp_path: Path) -> None:
    funded.set_evaluation_goal("P1", 2024, goal=GOAL, outcome=OUTCOME)
    form = with_names(funded, funded.self_evaluation("P1", 2024))
    rows = [r.cells for r in selfeval_form(form).rows]
    head = next(i for i, r in enumerate(rows) if r[0] == "年度总体目标")
    assert (rows[head][2], rows[head][6]) == ("预期目标", "实际完成情况")
    assert (rows[head + 1][2], rows[head + 1][6]) == (GOAL, OUTCOME)
    path = write_selfeval_xlsx(form, tmp_path / "form.csv")
    with path.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert any(GOAL in line and OUTCOME in line for line in lines)
