"""A unit's alerting in the service layer (a part of BudgetTracker): which rules
run, when an unacknowledged alert escalates and to whom, and the channels alerts
are delivered through.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from tracker.commands.base import CommandBase, Request
from tracker.domain.alert import RULES
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.ids import unit_id
from tracker.domain.inputs import parse_code, parse_text
from tracker.domain.unit import Unit
from tracker.notify.channels import ChannelConfigError
from tracker.notify.channels.secrets import refuse_literals
from tracker.queries import lookups

DEFAULT_ESCALATION_DAYS = 3
CHANNEL_KINDS = ("wecom", "dingtalk", "email", "webhook")
PURPOSES = ("alerts", "managers", "digest")


class AlertSettingsCommands(CommandBase):
    """Switch rules on or off per unit, set escalation, register channels."""

    def change_alert_settings(
        self,
        unit: str,
        *,
        rules_enabled: list[str] | None = None,
        escalation_days: int = DEFAULT_ESCALATION_DAYS,
        managers: str = "",
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Switch rules on or off for a unit, and set escalation after N working days."""
        code = parse_code(unit, "单位编码")
        chosen = list(rules_enabled if rules_enabled is not None else RULES)
        if unknown := [r for r in chosen if r not in RULES]:
            raise InvalidInputError(
                f"未知的预警规则：{'、'.join(unknown)}；可选：{'、'.join(RULES)}", "预警规则"
            )
        if not 1 <= int(escalation_days) <= 60:
            raise InvalidInputError("升级天数应在 1 到 60 个工作日之间", "升级天数")
        uid = self._unit_exists(code)

        def act(u: Unit, request: Request) -> UUID:
            u.change_alert_settings(chosen, int(escalation_days), managers, self._user(user), request=request)
            return uid

        args = {"unit": code, "rules": chosen, "days": int(escalation_days), "managers": managers}
        return self._update("alerts.settings", args, request_id, uid, uid, act)

    def alert_settings(self, unit: str) -> dict[str, Any]:
        found = lookups.alert_settings(self.read, unit)
        if found is None:
            return {"rules": list(RULES), "escalation_days": DEFAULT_ESCALATION_DAYS, "managers": ""}
        return {
            "rules": list(found.rules),
            "escalation_days": found.escalation_days,
            "managers": found.managers,
        }

    def add_channel(
        self,
        unit: str,
        *,
        name: str,
        kind: str,
        config: dict[str, Any],
        purpose: str = "alerts",
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Register a delivery channel for a unit (the doors check the whole configuration
        with ``check_new_config`` before calling this).

        A secret field must be a reference (``env:NAME``, ``file:/path``), refused here
        whatever the door: an event is kept for ever, so a secret must never reach one.
        """
        code = parse_code(unit, "单位编码")
        if kind not in CHANNEL_KINDS:
            raise InvalidInputError(f"未知的渠道类型“{kind}”，可选：{'、'.join(CHANNEL_KINDS)}", "渠道类型")
        try:
            refuse_literals({**config, "kind": kind})
        except ChannelConfigError as e:
            raise InvalidInputError(e.message, e.field) from None
        if purpose not in PURPOSES:
            raise InvalidInputError(f"未知的用途“{purpose}”，可选：{'、'.join(PURPOSES)}", "用途")
        label = parse_text(name, "渠道名称", limit=100)
        uid = self._unit_exists(code)
        cid = uuid.uuid5(uid, f"channel:{request_id}") if request_id else uuid.uuid4()

        def act(u: Unit, request: Request) -> UUID:
            u.add_channel(str(cid), label, kind, dict(config), purpose, self._user(user), request=request)
            return cid

        args = {"unit": code, "name": label, "kind": kind, "config": config, "purpose": purpose}
        return self._update("channels.add", args, request_id, uid, cid, act)

    def channels(self, unit: str | None = None, purpose: str | None = None) -> list[dict[str, Any]]:
        return lookups.channel_rows(self.read, unit, purpose)

    def _unit_exists(self, code: str) -> UUID:
        if not lookups.unit_exists(self.read, code):
            raise NotFoundError(f"单位 {code} 不存在", "单位编码")
        return unit_id(code)
