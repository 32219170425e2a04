"""Turn domain events into read-model row changes.

One pure function, used both inline (in the transaction that stores the events, so
the read model can never disagree with the log) and when rebuilding from zero.
Statements use ``?`` placeholders; the PostgreSQL recorder converts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tracker.domain.money import to_fen
from tracker.domain.plan import plan_spec
from tracker.domain.project import KIND_SIGN, Project
from tracker.domain.unit import Unit

Statement = tuple[str, tuple[Any, ...]]

_ADD_DAILY = (
    "INSERT INTO rm_daily (project_id, date, budget_fen, spent_fen) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (project_id, date) DO UPDATE SET "
    "budget_fen = rm_daily.budget_fen + excluded.budget_fen, "
    "spent_fen = rm_daily.spent_fen + excluded.spent_fen"
)

_ADD_MONTHLY = (
    "INSERT INTO rm_monthly (project_id, month, budget_fen, spent_fen) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (project_id, month) DO UPDATE SET "
    "budget_fen = rm_monthly.budget_fen + excluded.budget_fen, "
    "spent_fen = rm_monthly.spent_fen + excluded.spent_fen"
)


def _ledger(pid: str, day: dt.date, budget_fen: int, spent_fen: int) -> list[Statement]:
    """The same change in the daily and the monthly sums."""
    return [
        (_ADD_DAILY, (pid, day.isoformat(), budget_fen, spent_fen)),
        (_ADD_MONTHLY, (pid, day.isoformat()[:7], budget_fen, spent_fen)),
    ]


def statements_for(events: Iterable[Any]) -> list[Statement]:
    """Every row change that the given events imply, in order."""
    out: list[Statement] = []
    for e in events:
        out.extend(_for_event(e))
        request = getattr(e, "request", None)
        if request:
            out.append(
                (
                    "INSERT INTO rm_requests (request_id, request_hash, result_id) "
                    "VALUES (?, ?, ?)",
                    (request["id"], request["hash"], request["result"]),
                )
            )
    return out


def _for_event(e: Any) -> list[Statement]:  # noqa: PLR0911 - one branch per event type
    pid = str(e.originator_id)
    if isinstance(e, Unit.Registered):
        return [
            (
                "INSERT INTO rm_units (code, id, name, parent_code) VALUES (?, ?, ?, ?)",
                (e.code, pid, e.name, e.parent_code),
            )
        ]
    if isinstance(e, Unit.SettingsChanged):
        return [(
            "UPDATE rm_units SET status_rule = ?, yellow = ?, red = ? WHERE id = ?",
            (e.status_rule, str(e.yellow), str(e.red), pid),
        )]
    if isinstance(e, Unit.Renamed):
        return [("UPDATE rm_units SET name = ? WHERE id = ?", (e.name, pid))]
    if isinstance(e, Project.Registered):
        return [
            (
                "INSERT INTO rm_projects (id, year, code, name, unit_code, expenditure_type, "
                "functional, economic, source, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (pid, e.year, e.code, e.name, e.unit_code, e.expenditure_type,
                 e.functional, e.economic, e.source, e.owner),
            )
        ]
    if isinstance(e, Project.BudgetAppropriated):
        fen = to_fen(e.amount) * KIND_SIGN[e.kind]
        return [
            ("UPDATE rm_projects SET budget_fen = budget_fen + ? WHERE id = ?", (fen, pid)),
            *_ledger(pid, e.date, fen, 0),
        ]
    if isinstance(e, Project.PaymentRecorded):
        fen = to_fen(e.amount)
        return [
            ("UPDATE rm_projects SET disbursed_fen = disbursed_fen + ? WHERE id = ?", (fen, pid)),
            *_ledger(pid, e.date, 0, fen),
            (
                "INSERT INTO rm_payments (id, project_id, date, amount_fen, payee, economic, "
                "voucher, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (str(e.payment_id), pid, e.date.isoformat(), fen, e.payee, e.economic,
                 e.voucher, e.source),
            ),
        ]
    if isinstance(e, Project.PaymentReversed):
        fen = to_fen(e.amount)
        return [
            ("UPDATE rm_projects SET disbursed_fen = disbursed_fen - ? WHERE id = ?", (fen, pid)),
            *_ledger(pid, e.date, 0, -fen),
            (
                "UPDATE rm_payments SET reversed_fen = reversed_fen + ? WHERE id = ?",
                (fen, str(e.payment_id)),
            ),
        ]
    if isinstance(e, Project.PlanSet):
        return [("UPDATE rm_projects SET plan = ? WHERE id = ?", (plan_spec(e.checkpoints), pid))]
    return []
