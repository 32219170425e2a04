"""Budget unit (预算单位): code, name, parent. Units form a tree (部门 → 单位)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from tracker.domain.ids import unit_id


class Unit(Aggregate):
    """A budget unit. Its id comes from its code, so a code can be registered once."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return unit_id(code)

    @event("Registered")
    def __init__(
        self,
        code: str,
        name: str,
        parent_code: str | None,
        user: str,
        note: str = "",
        request: dict[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.parent_code = parent_code
        self.status_rule = "ratio"
        self.yellow = Decimal(80)
        self.red = Decimal(60)
        self.min_points: Decimal | None = None

    @event("SettingsChanged")
    def change_settings(
        self,
        status_rule: str,
        yellow: Decimal,
        red: Decimal,
        user: str,
        note: str = "",
        request: dict[str, Any] | None = None,
        min_points: Decimal | None = None,
    ) -> None:
        """The unit's lag rule: ``ratio`` (default 80/60, and at least ``min_points``
        behind, default 3) or ``points`` (5/10). Events recorded before ``min_points``
        existed carry none: the default applies."""
        self.status_rule = status_rule
        self.yellow = yellow
        self.red = red
        self.min_points = min_points

    @event("AlertSettingsChanged")
    def change_alert_settings(
        self,
        rules: list[str],
        escalation_days: int,
        managers: str,
        user: str,
        note: str = "",
        request: dict[str, Any] | None = None,
    ) -> None:
        """Which alert rules run for this unit, when an unacknowledged alert escalates
        (working days) and to whom (the managers' channel names or addresses)."""
        self.alert_rules = rules
        self.escalation_days = escalation_days
        self.managers = managers

    @event("ChannelAdded")
    def add_channel(
        self,
        channel_id: str,
        name: str,
        kind: str,
        config: dict[str, Any],
        purpose: str,
        user: str,
        note: str = "",
        request: dict[str, Any] | None = None,
    ) -> None:
        """A delivery channel (WeCom, DingTalk, e-mail, webhook) for alerts or managers."""
        self.channels = {**getattr(self, "channels", {}), channel_id: name}

    @event("ChannelRemoved")
    def remove_channel(
        self, channel_id: str, user: str, note: str = "", request: dict[str, Any] | None = None
    ) -> None:
        self.channels = {k: v for k, v in getattr(self, "channels", {}).items() if k != channel_id}

    @event("Renamed")
    def rename(self, name: str, user: str, note: str = "", request: dict[str, Any] | None = None) -> None:
        self.name = name
