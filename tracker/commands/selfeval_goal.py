"""年度总体目标 of a self-evaluation in the service layer: ``selfeval --goal/--outcome``.

The first writing creates the ``EvaluationGoal`` (its id is fixed by owner and year);
a later one is a ``Changed`` event. Both are idempotent on the request id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tracker.commands.base import CommandBase, Request
from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_text
from tracker.domain.selfeval_goal import EvaluationGoal, goal_id
from tracker.queries.selfeval_goals import goal_of

GOAL_FIELD, OUTCOME_FIELD = "预期目标", "实际完成情况"


class SelfEvaluationGoalCommands(CommandBase):
    """Write and read the 预期目标 / 实际完成情况 of a project's (or unit's) form."""

    def set_evaluation_goal(
        self,
        code: str,
        year: int | str | None = None,
        *,
        goal: str | None = None,
        outcome: str | None = None,
        unit_level: bool = False,
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Record the 预期目标 and/or the 实际完成情况 (what is not given stays as it was)."""
        if goal is None and outcome is None:
            raise InvalidInputError("预期目标与实际完成情况至少填写一项", GOAL_FIELD)
        owner_kind, owner_code, fiscal_year = self._owner(code, year, unit_level)
        new_goal = None if goal is None else parse_text(goal, GOAL_FIELD, limit=2000, lines=True)
        new_outcome = None if outcome is None else parse_text(outcome, OUTCOME_FIELD, limit=2000, lines=True)
        gid = goal_id(owner_kind, owner_code, fiscal_year)
        args = {"goal_of": str(gid), "goal": new_goal, "outcome": new_outcome}
        if not self.aggregate_exists(gid):

            def create(request: Request) -> tuple[EvaluationGoal, UUID]:
                aggregate = EvaluationGoal(
                    owner_kind=owner_kind,
                    owner_code=owner_code,
                    year=fiscal_year,
                    goal=new_goal or "",
                    outcome=new_outcome or "",
                    user=self._user(user),
                    request=request,
                )
                return aggregate, gid

            return self._create(
                "selfeval.goal", args, request_id, gid, create, "年度总体目标已存在", GOAL_FIELD
            )

        def act(aggregate: EvaluationGoal, request: Request) -> UUID:
            aggregate.restate(new_goal, new_outcome, self._user(user), request)
            return gid

        return self._update("selfeval.goal", args, request_id, gid, gid, act)

    def evaluation_goal(self, owner_kind: str, owner_code: str, year: int) -> dict[str, Any]:
        """The 预期目标 / 实际完成情况 as last written ("" when never written)."""
        return goal_of(self.read, str(goal_id(owner_kind, owner_code, year)))
