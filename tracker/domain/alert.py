"""Lag alerts as an event-sourced aggregate: raised, notified, acknowledged,
escalated, resolved.

The id is fixed by (project, rule, period, severity), so repeated or concurrent checks
never raise the same alert twice, and a rise from yellow to red is a new alert. A
refused overspend attempt is recorded here, in the alert's own history, never on the
project, whose ledger a refused command leaves untouched.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from tracker.domain.errors import DuplicateError
from tracker.domain.ids import NAMESPACE

LAG, CHECKPOINT, FORECAST, OVERSPEND, INDICATOR = (
    "lag",
    "checkpoint_missed",
    "forecast_miss",
    "overspend_refused",
    "indicator_deadline",
)
RULES = (LAG, CHECKPOINT, FORECAST, OVERSPEND, INDICATOR)
RULE_LABELS = {
    LAG: "执行进度滞后",
    CHECKPOINT: "未达检查点目标",
    FORECAST: "预计无法达到下一检查点",
    OVERSPEND: "超预算支付被拒绝",
    INDICATOR: "绩效指标逾期未完成",
}
Request = dict[str, Any] | None


def alert_id(project: str, rule: str, period: str, severity: str) -> UUID:
    return uuid5(NAMESPACE, f"alert:{project}:{rule}:{period}:{severity}")


class Alert(Aggregate):
    """One alert about one project (or indicator) for one period and severity."""

    @staticmethod
    def create_id(project: str, rule: str, period: str, severity: str) -> UUID:
        return alert_id(project, rule, period, severity)

    @event("Raised")
    def __init__(
        self,
        unit: str,
        project: str,
        year: int,
        rule: str,
        period: str,
        severity: str,
        figures: dict[str, Any],
        as_of: dt.date,
        user: str,
        request: Request = None,
    ) -> None:
        self.unit = unit
        self.project = project
        self.rule = rule
        self.severity = severity
        self.raised_on = as_of
        self.acknowledged = False
        self.escalated = False
        self.resolved = False
        self.deliveries: dict[str, str] = {}

    @event("AttemptRecorded")
    def record_attempt(self, figures: dict[str, Any], user: str, request: Request = None) -> None:
        """Another refused attempt in the same period: history, not a new alert."""

    @event("Notified")
    def notified(
        self,
        channel: str,
        recipient: str,
        attempt: int,
        outcome: str,
        detail: str,
        user: str,
        request: Request = None,
    ) -> None:
        self.deliveries[channel] = outcome

    def acknowledge(self, user: str, comment: str, request: Request = None) -> None:
        if self.acknowledged:
            raise DuplicateError("该预警已确认", "预警")
        self._acknowledged(user, comment, request)

    @event("Acknowledged")
    def _acknowledged(self, user: str, comment: str, request: Request) -> None:
        self.acknowledged = True

    def escalate(self, to: str, why: str, user: str, request: Request = None) -> None:
        if self.escalated or self.acknowledged or self.resolved:
            raise DuplicateError("该预警无需升级", "预警")
        self._escalated(to, why, user, request)

    @event("Escalated")
    def _escalated(self, to: str, why: str, user: str, request: Request) -> None:
        self.escalated = True

    def resolve(self, as_of: dt.date, figures: dict[str, Any], user: str, request: Request = None) -> None:
        if self.resolved:
            raise DuplicateError("该预警已解除", "预警")
        self._resolved(as_of, figures, user, request)

    @event("Resolved")
    def _resolved(self, as_of: dt.date, figures: dict[str, Any], user: str, request: Request) -> None:
        self.resolved = True
