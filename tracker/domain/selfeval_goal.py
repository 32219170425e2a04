"""年度总体目标 of a self-evaluation: the 预期目标 and the 实际完成情况 (seed 001's form).

An aggregate of its own, one per project (or unit) and year, apart from the sign-off
(``Evaluation``), because the officer writes the goal long before anyone signs: each
change is an event (who, when), the old wording stays in the history.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from tracker.domain.errors import DuplicateError
from tracker.domain.ids import NAMESPACE

Request = dict[str, Any] | None


def goal_id(owner_kind: str, owner_code: str, year: int) -> UUID:
    return uuid5(NAMESPACE, f"selfeval-goal:{owner_kind}:{owner_code}:{year}")


class EvaluationGoal(Aggregate):
    """预期目标 / 实际完成情况 as last written."""

    @staticmethod
    def create_id(owner_kind: str, owner_code: str, year: int) -> UUID:
        return goal_id(owner_kind, owner_code, year)

    @event("Set")
    def __init__(
        self,
        owner_kind: str,
        owner_code: str,
        year: int,
        goal: str,
        outcome: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        self.goal = goal
        self.outcome = outcome

    def restate(self, goal: str | None, outcome: str | None, user: str, request: Request = None) -> None:
        """Change what is given (None keeps the old text); the same words again are refused."""
        new_goal = self.goal if goal is None else goal
        new_outcome = self.outcome if outcome is None else outcome
        if (new_goal, new_outcome) == (self.goal, self.outcome):
            raise DuplicateError("年度总体目标未变化", "年度总体目标")
        self._changed(new_goal, new_outcome, user, request)

    @event("Changed")
    def _changed(self, goal: str, outcome: str, user: str, request: Request) -> None:
        self.goal = goal
        self.outcome = outcome
