"""Performance indicators and year-end self-evaluations as event-sourced aggregates.

An indicator belongs to a project (项目绩效) or to a unit (部门整体绩效) of one year.
Its target text is kept as written beside what it was understood to mean; progress,
deviation explanations and the manager's sign-off are new events, never edits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from tracker.domain.errors import DuplicateError, InvalidInputError
from tracker.domain.ids import NAMESPACE
from tracker.domain.signature import same_figures

Request = dict[str, Any] | None
HUNDRED = Decimal(100)


class Indicator(Aggregate):
    """One 三级 indicator with its target, weight (分值) and recorded progress."""

    @staticmethod
    def create_id(indicator_id: UUID) -> UUID:
        """Fixed by the request id when given, so a retried add creates nothing new."""
        return indicator_id

    @event("Added")
    def __init__(
        self,
        indicator_id: UUID,
        year: int,
        owner_kind: str,
        owner_code: str,
        level1: str,
        level2: str,
        name: str,
        target_text: str,
        kind: str,
        value: Decimal | None,
        unit: str | None,
        deadline: dt.date | None,
        weight: Decimal | None,
        description: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        self.year = year
        self.owner_kind = owner_kind
        self.owner_code = owner_code
        self.name = name
        self.kind = kind
        self.weight = weight
        self.progress: list[dict[str, Any]] = []

    def record(
        self,
        date: dt.date,
        actual_text: str,
        actual_value: Decimal | None,
        completion: Decimal | None,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        """Record 实际完成值 (or, for a qualitative target, the completion chosen)."""
        if date.year not in (self.year, self.year + 1):
            raise InvalidInputError(f"日期 {date} 不在 {self.year} 年度（或次年自评期）内", "日期")
        if completion is not None and not (0 <= completion <= HUNDRED):
            raise InvalidInputError("完成程度必须在 0%–100% 之间", "完成程度")
        if actual_value is None and completion is None and not actual_text:
            raise InvalidInputError("需要实际完成值或完成程度", "实际完成值")
        self._recorded(date, actual_text, actual_value, completion, user, note, request)

    @event("ProgressRecorded")
    def _recorded(
        self,
        date: dt.date,
        actual_text: str,
        actual_value: Decimal | None,
        completion: Decimal | None,
        user: str,
        note: str,
        request: Request,
    ) -> None:
        self.progress.append(
            {"date": date, "actual_text": actual_text, "actual_value": actual_value, "completion": completion}
        )

    def set_weight(self, weight: Decimal | None, user: str, note: str = "", request: Request = None) -> None:
        """分值 set or changed after the indicator was added (None: the template again)."""
        if weight is not None and not (0 <= weight <= HUNDRED):
            raise InvalidInputError("分值必须在 0 到 100 之间", "分值")
        self._weight_set(weight, user, note, request)

    @event("WeightSet")
    def _weight_set(self, weight: Decimal | None, user: str, note: str, request: Request) -> None:
        self.weight = weight

    @event("DeviationExplained")
    def explain(self, cause: str, action: str, user: str, note: str = "", request: Request = None) -> None:
        """偏差原因分析及改进措施: required for every shortfall before sign-off."""
        self.cause = cause
        self.action = action


def evaluation_id(owner_kind: str, owner_code: str, year: int) -> UUID:
    return uuid5(NAMESPACE, f"evaluation:{owner_kind}:{owner_code}:{year}")


class Evaluation(Aggregate):
    """The signed self-evaluation (绩效自评) of a project or unit for one year."""

    @staticmethod
    def create_id(owner_kind: str, owner_code: str, year: int) -> UUID:
        return evaluation_id(owner_kind, owner_code, year)

    @event("Finalised")
    def __init__(
        self,
        owner_kind: str,
        owner_code: str,
        year: int,
        total: Decimal,
        grade: str,
        scores: dict[str, Any],
        signed_by: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        self.finalised = True
        self.total = total
        self.grade = grade
        self.scores = scores

    def reopen(self, reason: str, user: str, request: Request = None) -> None:
        """A correction after sign-off is a new event with its reason, never an edit."""
        if not self.finalised:
            raise DuplicateError("自评已处于未定稿状态", "自评")
        self._reopened(reason, user, request)

    @event("Reopened")
    def _reopened(self, reason: str, user: str, request: Request) -> None:
        self.finalised = False

    def refinalise(
        self,
        total: Decimal,
        grade: str,
        scores: dict[str, Any],
        signed_by: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        """Sign again after a reopening, or when the figures moved since the last
        signature (a new sign-off of new figures); the same figures cannot be signed twice."""
        if self.finalised and same_figures(self.scores, scores):
            raise DuplicateError("自评已定稿", "自评")
        self._refinalised(total, grade, scores, signed_by, user, note, request)

    @event("Refinalised")
    def _refinalised(
        self,
        total: Decimal,
        grade: str,
        scores: dict[str, Any],
        signed_by: str,
        user: str,
        note: str,
        request: Request,
    ) -> None:
        self.finalised = True
        self.total = total
        self.grade = grade
        self.scores = scores


def shares_id(unit_code: str) -> UUID:
    return uuid5(NAMESPACE, f"weight-shares:{unit_code}")


class WeightShares(Aggregate):
    """A unit's own 一级 shares of the 90 indicator points, for indicators without 分值
    (instead of the national template's 产出 50 / 效益 30 / 满意度 10); its subtree uses them."""

    @staticmethod
    def create_id(unit_code: str) -> UUID:
        return shares_id(unit_code)

    @event("Set")
    def __init__(
        self, unit_code: str, shares: dict[str, str], user: str, note: str = "", request: Request = None
    ) -> None:
        self.unit_code = unit_code
        self.shares = shares

    @event("Changed")
    def change(self, shares: dict[str, str], user: str, note: str = "", request: Request = None) -> None:
        """New shares replace the old ones from now on (the old stay in the history)."""
        self.shares = shares
