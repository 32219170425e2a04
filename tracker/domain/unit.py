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

    @event("SettingsChanged")
    def change_settings(
        self,
        status_rule: str,
        yellow: Decimal,
        red: Decimal,
        user: str,
        note: str = "",
        request: dict[str, Any] | None = None,
    ) -> None:
        """The unit's lag rule: ``ratio`` (default 80/60) or ``points`` (5/10)."""
        self.status_rule = status_rule
        self.yellow = yellow
        self.red = red

    @event("Renamed")
    def rename(
        self, name: str, user: str, note: str = "", request: dict[str, Any] | None = None
    ) -> None:
        self.name = name
