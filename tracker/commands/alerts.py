"""Lag alerts in the service layer (a part of BudgetTracker): check, list,
acknowledge, record deliveries. A unit's settings and channels: ``alert_settings``.

A check is idempotent: alert ids are fixed by (project, rule, period, severity), so
creating one that exists clashes in the store and counts as "already open". Workers
and the CLI call these same methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from tracker.commands.alert_settings import AlertSettingsCommands
from tracker.commands.base import Request
from tracker.domain import alert_rules as rules
from tracker.domain.alert import OVERSPEND, Alert, alert_id
from tracker.domain.errors import NotFoundError
from tracker.domain.inputs import parse_text, parse_year
from tracker.queries import ProjectStatus, default_as_of, lookups, today

AlertAct = Callable[[Alert, Request], None]


class AlertCommands(AlertSettingsCommands):
    """Check the rules and keep the alerts' lifecycle (raised, acknowledged,
    escalated, delivered, resolved)."""

    # ---------------------------------------------------------------- check

    def check_alerts(
        self, as_of: dt.date | None = None, *, year: int | None = None, user: str | None = None
    ) -> dict[str, Any]:
        """Run every enabled rule as of a date: raise new alerts, resolve those back on
        plan, escalate the unacknowledged. Safe to run twice or concurrently."""
        day = as_of or today()
        fiscal_year = parse_year(year) if year is not None else day.year
        day = min(day, default_as_of(fiscal_year, day))
        who = self._user(user or "预警检查")
        candidates = self._candidates(fiscal_year, day)
        raised, already = [], 0
        for c in candidates:
            if self._raise(c, day, who):
                raised.append(c)
            else:
                already += 1
        resolved = self._resolve_back_on_plan(fiscal_year, day, who)
        escalated = self._escalate_unacknowledged(day, who)
        return {
            "as_of": day,
            "raised": [
                {
                    "id": str(alert_id(c.project, c.rule, c.period, c.severity)),
                    "unit": c.unit,
                    "project": c.project,
                    "rule": c.rule,
                    "severity": c.severity,
                    "lag_points": c.figures.get("lag_points"),
                    "period": c.period,
                }
                for c in raised
            ],
            "already_open": already,
            "resolved": resolved,
            "escalated": escalated,
        }

    def _candidates(self, year: int, day: dt.date) -> list[rules.Candidate]:
        _, projects = self.queries.statuses(year, day)
        settings = {u: self.alert_settings(u)["rules"] for u in {p.unit for p in projects}}
        daily = self.queries.daily([p.id for p in projects])
        out: list[rules.Candidate] = []
        for p in projects:
            enabled = settings[p.unit]
            if "lag" in enabled:
                out += rules.lag_candidates(p, day)
            if "checkpoint_missed" in enabled:
                out += rules.checkpoint_candidates(p, day, _cumulative(daily, p, year))
            if "forecast_miss" in enabled:
                out += rules.forecast_candidates(p, day)
        indicator_rows = lookups.year_indicator_rows(self.read, year)
        unit_of = {p.code: p.unit for p in projects}
        out += [
            c
            for c in rules.indicator_candidates(indicator_rows, day, unit_of)
            if "indicator_deadline" in self.alert_settings(c.unit)["rules"]
        ]
        return out

    def _raise(self, c: rules.Candidate, day: dt.date, who: str) -> bool:
        alert = Alert(
            project=c.project,
            rule=c.rule,
            period=c.period,
            severity=c.severity,
            unit=c.unit,
            year=c.year,
            figures=c.figures,
            as_of=day,
            user=who,
        )
        try:
            self.save(alert)
        except IntegrityError:
            return False
        self.observers.tell("alert_raised", c.rule, c.severity)
        return True

    def _open_alerts(self) -> list[dict[str, Any]]:
        return lookups.open_alert_rows(self.read)

    def _resolve_back_on_plan(self, year: int, day: dt.date, who: str) -> list[str]:
        _, projects = self.queries.statuses(year, day)
        green = {p.code for p in projects if p.status == "green"}
        figures = {p.code: rules.figures_of(p) for p in projects}
        done = []
        for row in self._open_alerts():
            if (
                row["year"] == year
                and row["project"] in green
                and row["rule"] not in (OVERSPEND, "indicator_deadline")
            ):
                self._act_on_alert(row["id"], lambda a, r: a.resolve(day, figures[a.project], who, r))
                done.append(row["id"])
        return done

    def _escalate_unacknowledged(self, day: dt.date, who: str) -> list[str]:
        done = []
        for row in self._open_alerts():
            if row["acknowledged_by"] or row["escalated_to"]:
                continue
            settings = self.alert_settings(row["unit_code"])
            raised = dt.date.fromisoformat(row["raised_on"])
            if rules.working_days_between(raised, day) >= settings["escalation_days"]:
                to = settings["managers"] or "单位负责人"
                why = f"{settings['escalation_days']} 个工作日内未确认"

                def escalate(a: Alert, r: Request, to: str = to, why: str = why) -> None:
                    a.escalate(to, why, who, r)

                self._act_on_alert(row["id"], escalate)
                done.append(row["id"])
        return done

    def _act_on_alert(
        self,
        aid: str | UUID,
        act: AlertAct,
        request_id: str | None = None,
        what: str = "alert.act",
        args: dict[str, Any] | None = None,
    ) -> UUID:
        key = UUID(str(aid))

        def run(alert: Alert, request: Request) -> UUID:
            act(alert, request)  # the request id travels with the event (idempotency)
            return key

        return self._update(what, {"alert": str(key), **(args or {})}, request_id, key, key, run)

    # ------------------------------------------------------- people and robots

    def alerts(self, *, open_only: bool = False, unit: str | None = None) -> list[dict[str, Any]]:
        return lookups.alert_rows(self.read, open_only=open_only, unit=unit)

    def acknowledge_alert(
        self, aid: str, *, comment: str = "", user: str | None = None, request_id: str | None = None
    ) -> UUID:
        """A manager has seen the alert (确认); stops its escalation."""
        row = self._alert_row(aid)
        who = self._user(user)
        note = parse_text(comment, "备注", required=False, limit=500, lines=True)
        return self._act_on_alert(
            row["id"], lambda a, r: a.acknowledge(who, note, r), request_id, "alert.ack", {"comment": note}
        )

    def record_delivery(
        self,
        aid: str,
        *,
        channel: str,
        recipient: str,
        attempt: int,
        outcome: str,
        detail: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """What a delivery attempt did (the workers call this after each try)."""
        row = self._alert_row(aid)
        who = self._user("投递")
        done = self._act_on_alert(
            row["id"],
            lambda a, r: a.notified(channel, recipient, int(attempt), outcome, detail[:500], who, r),
            request_id,
            "alert.notified",
            {"channel": channel, "attempt": int(attempt), "outcome": outcome},
        )
        self.observers.tell("alert_delivery", channel, outcome)
        return done

    def was_delivered(self, aid: str, channel: str) -> bool:
        return lookups.delivered(self.read, str(aid), channel)

    def record_overspend_attempt(
        self,
        project: str,
        unit: str,
        year: int,
        day: dt.date,
        amount: Decimal,
        available: str,
        who: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        """A refused payment (or, with ``extra`` naming its ``kind``, a refused 预算调剂 or
        commitment): an alert (or one more attempt on today's), never a project event.
        A payment's figures stay as they always were."""
        name = lookups.project_name(self.read, project, year)
        figures = {
            "name": name if name is not None else project,
            "amount": f"{amount}",
            "available": available,
            "date": day.isoformat(),
            **(extra or {}),
        }
        c = rules.Candidate(unit, project, year, OVERSPEND, "red", day.isoformat(), figures)
        if not self._raise(c, today(), who):
            aid = alert_id(project, OVERSPEND, day.isoformat(), "red")
            self._act_on_alert(aid, lambda a, r: a.record_attempt(figures, who, r))

    def _alert_row(self, aid: str | UUID) -> dict[str, Any]:
        try:
            key = UUID(str(aid).strip())
        except ValueError:
            raise NotFoundError(f"预警编号 {aid} 格式无效", "预警编号") from None
        row = lookups.alert_row(self.read, key)
        if row is None:
            raise NotFoundError(f"预警 {aid} 不存在", "预警编号")
        return dict(row)


def _cumulative(
    daily: dict[tuple[str, str], tuple[int, int]], p: ProjectStatus, year: int
) -> dict[str, tuple[Decimal, Decimal]]:
    """Budget and spending on each checkpoint date of one project, in 元."""
    from tracker.domain import lag
    from tracker.domain.money import from_fen

    rows = sorted((d, v) for (pid, d), v in daily.items() if pid == p.id)
    out = {}
    for cp in lag.checkpoints_for(p.plan, year):
        iso = cp.date.isoformat()
        b = sum(v[0] for d, v in rows if d <= iso)
        s = sum(v[1] for d, v in rows if d <= iso)
        out[iso] = (from_fen(b), from_fen(s))
    return out
