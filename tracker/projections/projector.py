"""Turn domain events into read-model row changes.

One function, used both inline (in the transaction that stores the events, so the
read model can never disagree with the log) and when rebuilding from zero. It
dispatches on the event's class name ("Project.PaymentRecorded") and reads only
attributes, so a rebuild can feed it lightly decoded records instead of full domain
event objects (several times faster on a million events). Statements use ``?``
placeholders; the PostgreSQL recorder converts them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from tracker.domain.moments import utc_stamp
from tracker.domain.money import to_fen
from tracker.domain.plan import plan_spec
from tracker.domain.project import KIND_SIGN
from tracker.domain.reallocation import TRANSFER_IN, TRANSFER_OUT, TRANSFER_SIGN, side_id
from tracker.domain.user import ROLES, UNIT_ROLES
from tracker.projections.commitments import COMMITMENT_HANDLERS

Statement = tuple[str, tuple[Any, ...]]

ADD_DAILY = (
    "INSERT INTO rm_daily (project_id, date, budget_fen, spent_fen) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (project_id, date) DO UPDATE SET "
    "budget_fen = rm_daily.budget_fen + excluded.budget_fen, "
    "spent_fen = rm_daily.spent_fen + excluded.spent_fen"
)
ADD_MONTHLY = (
    "INSERT INTO rm_monthly (project_id, month, budget_fen, spent_fen) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (project_id, month) DO UPDATE SET "
    "budget_fen = rm_monthly.budget_fen + excluded.budget_fen, "
    "spent_fen = rm_monthly.spent_fen + excluded.spent_fen"
)
ADD_REQUEST = "INSERT INTO rm_requests (request_id, request_hash, result_id) VALUES (?, ?, ?)"


def event_kind(e: Any) -> str:
    """``Project.PaymentRecorded`` for a domain event object."""
    return type(e).__qualname__


def statements_for(events: Iterable[Any], kind: Callable[[Any], str] = event_kind) -> list[Statement]:
    """Every row change that the given events imply, in order."""
    out: list[Statement] = []
    for e in events:
        handler = HANDLERS.get(kind(e))
        if handler is not None:
            out.extend(handler(e, str(e.originator_id)))
        request = getattr(e, "request", None)
        if request:
            out.append((ADD_REQUEST, (request["id"], request["hash"], request["result"])))
    return out


def _ledger(pid: str, day: dt.date, budget_fen: int, spent_fen: int) -> list[Statement]:
    """The same change in the daily and the monthly sums."""
    iso = day.isoformat()
    return [
        (ADD_DAILY, (pid, iso, budget_fen, spent_fen)),
        (ADD_MONTHLY, (pid, iso[:7], budget_fen, spent_fen)),
    ]


ADD_RECORDED = (
    "INSERT INTO rm_recorded (id, project_id, date, budget_fen, spent_fen, recorded_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def recorded(
    e: Any, row_id: str, pid: str, day: dt.date | None, budget_fen: int, spent_fen: int
) -> Statement:
    """The ledger row ``row_id`` with the moment its event was recorded, for "as known
    on" (``queries.known``). Every event handler that writes a ledger row (or a
    project) adds this one statement."""
    iso = day.isoformat() if day is not None else None
    return (ADD_RECORDED, (row_id, pid, iso, budget_fen, spent_fen, utc_stamp(e.timestamp)))


ADD_UNIT_RULE = (
    "INSERT INTO rm_unit_rules (unit_id, recorded_at, status_rule, yellow, red, min_points) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def unit_rule(e: Any, pid: str, rule: str, yellow: Any, red: Any, min_points: Any) -> Statement:
    """The unit's status rule with the moment it was recorded, for "as known on"."""
    least = None if min_points is None else str(min_points)
    return (ADD_UNIT_RULE, (pid, utc_stamp(e.timestamp), rule, str(yellow), str(red), least))


def _unit_registered(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_units (code, id, name, parent_code) VALUES (?, ?, ?, ?)",
            (e.code, pid, e.name, e.parent_code),
        ),
        unit_rule(e, pid, "ratio", 80, 60, None),
    ]


def _unit_settings(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "UPDATE rm_units SET status_rule = ?, yellow = ?, red = ? WHERE id = ?",
            (e.status_rule, str(e.yellow), str(e.red), pid),
        ),
        *_min_points(e, pid),
        unit_rule(e, pid, e.status_rule, e.yellow, e.red, getattr(e, "min_points", None)),
    ]


def _min_points(e: Any, pid: str) -> list[Statement]:
    """The ratio rule's minimum lag, in its own table so databases written before it
    existed gain it by ``CREATE TABLE IF NOT EXISTS``; no row means the default (events
    recorded before the setting existed carry none; every later one does).

    An upsert, not DELETE + INSERT: a rebuild runs plain INSERTs of a batch first."""
    value = getattr(e, "min_points", None)
    if value is None:
        return []
    return [
        (
            "INSERT INTO rm_unit_min_points (id, min_points) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET min_points = excluded.min_points",
            (pid, str(value)),
        )
    ]


def _unit_renamed(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_units SET name = ? WHERE id = ?", (e.name, pid))]


def _project_registered(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_projects (id, year, code, name, unit_code, expenditure_type, "
            "functional, economic, source, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pid,
                e.year,
                e.code,
                e.name,
                e.unit_code,
                e.expenditure_type,
                e.functional,
                e.economic,
                e.source,
                e.owner,
            ),
        ),
        recorded(e, pid, pid, None, 0, 0),
    ]


def _appropriated(e: Any, pid: str) -> list[Statement]:
    fen = to_fen(e.amount) * KIND_SIGN[e.kind]
    return [
        *_ledger(pid, e.date, fen, 0),
        (
            "INSERT INTO rm_appropriations (id, project_id, date, kind, amount_fen, doc) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (str(e.appropriation_id), pid, e.date.isoformat(), e.kind, fen, e.doc),
        ),
        recorded(e, str(e.appropriation_id), pid, e.date, fen, 0),
    ]


def _transferred(kind: str) -> Callable[[Any, str], list[Statement]]:
    """One side of a 预算调剂: a signed entry in the budget's rows, like an appropriation
    (so status, roll-ups and the public tables count it), its id fixed by the transfer's."""

    def handler(e: Any, pid: str) -> list[Statement]:
        fen = to_fen(e.amount) * TRANSFER_SIGN[kind]
        return [
            *_ledger(pid, e.date, fen, 0),
            (
                "INSERT INTO rm_appropriations (id, project_id, date, kind, amount_fen, doc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (str(side_id(e.transfer_id, kind)), pid, e.date.isoformat(), kind, fen, e.doc),
            ),
            recorded(e, str(side_id(e.transfer_id, kind)), pid, e.date, fen, 0),
        ]

    return handler


def _paid(e: Any, pid: str) -> list[Statement]:
    fen = to_fen(e.amount)
    return [
        *_ledger(pid, e.date, 0, fen),
        (
            "INSERT INTO rm_payments (id, project_id, date, amount_fen, payee, economic, "
            "voucher, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (str(e.payment_id), pid, e.date.isoformat(), fen, e.payee, e.economic, e.voucher, e.source),
        ),
        recorded(e, str(e.payment_id), pid, e.date, 0, fen),
    ]


def _reversed(e: Any, pid: str) -> list[Statement]:
    fen = to_fen(e.amount)
    return [
        *_ledger(pid, e.date, 0, -fen),
        ("UPDATE rm_payments SET reversed_fen = reversed_fen + ? WHERE id = ?", (fen, str(e.payment_id))),
        (
            "INSERT INTO rm_reversals (id, payment_id, project_id, date, amount_fen, reason) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (str(e.reversal_id), str(e.payment_id), pid, e.date.isoformat(), fen, e.reason),
        ),
        recorded(e, str(e.reversal_id), pid, e.date, 0, -fen),
    ]


def _plan_set(e: Any, pid: str) -> list[Statement]:
    spec = plan_spec(e.checkpoints)
    return [
        ("UPDATE rm_projects SET plan = ? WHERE id = ?", (spec, pid)),
        (
            "INSERT INTO rm_plan_versions (project_id, recorded_at, plan) VALUES (?, ?, ?)",
            (pid, utc_stamp(e.timestamp), spec),
        ),
    ]


def _dec(value: Any) -> str | None:
    return None if value is None else str(value)


def _iso(stamp: Any) -> str:
    """A recording time as ISO text (a datetime inline, already text in a rebuild)."""
    return stamp if isinstance(stamp, str) else stamp.isoformat()


def _indicator_added(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_indicators (id, year, owner_kind, owner_code, seq, level1, level2, name, "
            "target_text, kind, value, unit, deadline, weight, description) VALUES (?, ?, ?, ?, "
            "(SELECT COUNT(*) + 1 FROM rm_indicators WHERE owner_kind = ? AND owner_code = ? "
            "AND year = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pid,
                e.year,
                e.owner_kind,
                e.owner_code,
                e.owner_kind,
                e.owner_code,
                e.year,
                e.level1,
                e.level2,
                e.name,
                e.target_text,
                e.kind,
                _dec(e.value),
                e.unit,
                e.deadline.isoformat() if e.deadline else None,
                _dec(e.weight),
                e.description,
            ),
        )
    ]


def _indicator_progress(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "UPDATE rm_indicators SET actual_text = ?, actual_value = ?, completion = ?, "
            "progress_date = ?, progress_note = ? WHERE id = ?",
            (e.actual_text, _dec(e.actual_value), _dec(e.completion), e.date.isoformat(), e.note, pid),
        )
    ]


def _weight_set(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_indicators SET weight = ? WHERE id = ?", (_dec(e.weight), pid))]


def _weight_shares(e: Any, pid: str) -> list[Statement]:
    unit = getattr(e, "unit_code", None)
    return [
        (
            "INSERT INTO rm_weight_shares (id, unit_code, shares) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET shares = excluded.shares",
            (pid, unit or "", _json(e.shares)),
        )
    ]


def _goal_set(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_selfeval_goals (id, owner_kind, owner_code, year, goal, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (pid, e.owner_kind, e.owner_code, e.year, e.goal, e.outcome),
        )
    ]


def _goal_changed(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_selfeval_goals SET goal = ?, outcome = ? WHERE id = ?", (e.goal, e.outcome, pid))]


def _deviation_explained(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_indicators SET cause = ?, action = ? WHERE id = ?", (e.cause, e.action, pid))]


def _evaluation_finalised(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_evaluations (id, owner_kind, owner_code, year, finalised, total, grade, "
            "signed_by, signed_at, execution_cause, execution_action) "
            "VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
            (
                pid,
                e.owner_kind,
                e.owner_code,
                e.year,
                str(e.total),
                e.grade,
                e.signed_by,
                _iso(e.timestamp),
                e.scores.get("execution_cause", ""),
                e.scores.get("execution_action", ""),
            ),
        ),
        _signature(e, pid),
    ]


def _signature(e: Any, pid: str) -> Statement:
    """Keep the figures this sign-off signed, replacing an earlier signature's."""
    return (
        "INSERT INTO rm_signatures (id, scores) VALUES (?, ?) "
        "ON CONFLICT (id) DO UPDATE SET scores = excluded.scores",
        (pid, _json(e.scores)),
    )


def _evaluation_reopened(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_evaluations SET finalised = 0 WHERE id = ?", (pid,))]


def _evaluation_refinalised(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "UPDATE rm_evaluations SET finalised = 1, total = ?, grade = ?, signed_by = ?, "
            "signed_at = ?, execution_cause = ?, execution_action = ? WHERE id = ?",
            (
                str(e.total),
                e.grade,
                e.signed_by,
                _iso(e.timestamp),
                e.scores.get("execution_cause", ""),
                e.scores.get("execution_action", ""),
                pid,
            ),
        ),
        _signature(e, pid),
    ]


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def _alert_settings(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_alert_settings (unit_code, rules, escalation_days, managers) "
            "SELECT code, ?, ?, ? FROM rm_units WHERE id = ? ON CONFLICT (unit_code) DO UPDATE SET "
            "rules = excluded.rules, escalation_days = excluded.escalation_days, "
            "managers = excluded.managers",
            (",".join(e.rules), e.escalation_days, e.managers, pid),
        )
    ]


def _channel_added(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_channels (id, unit_code, name, kind, config, purpose) "
            "SELECT ?, code, ?, ?, ?, ? FROM rm_units WHERE id = ?",
            (e.channel_id, e.name, e.kind, _json(e.config), e.purpose, pid),
        )
    ]


def _channel_removed(e: Any, pid: str) -> list[Statement]:
    return [("DELETE FROM rm_channels WHERE id = ?", (e.channel_id,))]


def _alert_raised(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_alerts (id, unit_code, project, year, rule, severity, period, raised_on, "
            "figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pid,
                e.unit,
                e.project,
                e.year,
                e.rule,
                e.severity,
                e.period,
                e.as_of.isoformat(),
                _json(e.figures),
            ),
        )
    ]


def _alert_attempt(e: Any, pid: str) -> list[Statement]:
    return [
        ("UPDATE rm_alerts SET attempts = attempts + 1, figures = ? WHERE id = ?", (_json(e.figures), pid))
    ]


def _alert_notified(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_deliveries (alert_id, channel, recipient, attempt, outcome, detail, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pid, e.channel, e.recipient, e.attempt, e.outcome, e.detail, _iso(e.timestamp)),
        ),
        (
            "UPDATE rm_alerts SET notified = notified + ? WHERE id = ?",
            (1 if e.outcome == "delivered" else 0, pid),
        ),
    ]


def _alert_acknowledged(e: Any, pid: str) -> list[Statement]:
    return [
        ("UPDATE rm_alerts SET acknowledged_by = ?, ack_comment = ? WHERE id = ?", (e.user, e.comment, pid))
    ]


def _alert_escalated(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_alerts SET escalated_to = ? WHERE id = ?", (e.to, pid))]


def _alert_resolved(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_alerts SET resolved_on = ? WHERE id = ?", (e.as_of.isoformat(), pid))]


# ------------------------------------------------------------------- users
# Each role event sets one role's column with one statement per role (never a
# read-modify-write), so a rebuild may run them batched per statement: the events of
# one role keep their order, and different roles touch different columns.
ROLE_COLUMNS = {role: f"role_{role}" for role in ROLES}
SET_ROLE = {role: f"UPDATE rm_users SET {column} = ? WHERE id = ?" for role, column in ROLE_COLUMNS.items()}


def _user_created(e: Any, pid: str) -> list[Statement]:
    held = {role: ",".join(e.units) if role in UNIT_ROLES else "" for role in e.roles}
    return [
        (
            "INSERT INTO rm_users (id, name, display_name, password_hash, disabled, created_at, "
            "role_officer, role_manager, role_auditor, role_admin) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
            (pid, e.name, e.display_name, e.password_hash, _iso(e.timestamp), *map(held.get, ROLE_COLUMNS)),
        )
    ]


def _role_granted(e: Any, pid: str) -> list[Statement]:
    return [(SET_ROLE[e.role], (",".join(e.units), pid))]


def _role_withdrawn(e: Any, pid: str) -> list[Statement]:
    return [(SET_ROLE[e.role], (None, pid))]


def _password_changed(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_users SET password_hash = ? WHERE id = ?", (e.password_hash, pid))]


def _user_disabled(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_users SET disabled = ? WHERE id = ?", (1, pid))]


def _user_enabled(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_users SET disabled = ? WHERE id = ?", (0, pid))]


def _token_created(e: Any, pid: str) -> list[Statement]:
    return [
        (
            "INSERT INTO rm_user_tokens (id, user_id, label, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (str(e.token_id), pid, e.label, e.token_hash, _iso(e.timestamp)),
        )
    ]


def _token_revoked(e: Any, pid: str) -> list[Statement]:
    return [("UPDATE rm_user_tokens SET revoked = 1 WHERE id = ?", (str(e.token_id),))]


HANDLERS: dict[str, Callable[[Any, str], list[Statement]]] = {
    "User.Created": _user_created,
    "User.RoleGranted": _role_granted,
    "User.RoleWithdrawn": _role_withdrawn,
    "User.PasswordChanged": _password_changed,
    "User.Disabled": _user_disabled,
    "User.Enabled": _user_enabled,
    "User.TokenCreated": _token_created,
    "User.TokenRevoked": _token_revoked,
    "Unit.AlertSettingsChanged": _alert_settings,
    "Unit.ChannelAdded": _channel_added,
    "Unit.ChannelRemoved": _channel_removed,
    "Alert.Raised": _alert_raised,
    "Alert.AttemptRecorded": _alert_attempt,
    "Alert.Notified": _alert_notified,
    "Alert.Acknowledged": _alert_acknowledged,
    "Alert.Escalated": _alert_escalated,
    "Alert.Resolved": _alert_resolved,
    "Indicator.Added": _indicator_added,
    "Indicator.ProgressRecorded": _indicator_progress,
    "Indicator.DeviationExplained": _deviation_explained,
    "Indicator.WeightSet": _weight_set,
    "EvaluationGoal.Set": _goal_set,
    "EvaluationGoal.Changed": _goal_changed,
    "WeightShares.Set": _weight_shares,
    "WeightShares.Changed": _weight_shares,
    "Evaluation.Finalised": _evaluation_finalised,
    "Evaluation.Reopened": _evaluation_reopened,
    "Evaluation.Refinalised": _evaluation_refinalised,
    "Unit.Registered": _unit_registered,
    "Unit.SettingsChanged": _unit_settings,
    "Unit.Renamed": _unit_renamed,
    "Project.Registered": _project_registered,
    "Project.BudgetAppropriated": _appropriated,
    "Project.BudgetTransferredOut": _transferred(TRANSFER_OUT),
    "Project.BudgetTransferredIn": _transferred(TRANSFER_IN),
    "Project.PaymentRecorded": _paid,
    "Project.PaymentReversed": _reversed,
    "Project.PlanSet": _plan_set,
    **COMMITMENT_HANDLERS,
}
