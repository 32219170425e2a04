"""The part of the database a file refers to, loaded in a few set-wise queries so the
pure checks in ``validate`` can decide every row without asking again.

Every read goes through ``tracker.queries`` (units, projects, sums, payments,
indicators); this module only shapes the answers into the import's ``DbState``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.importing.cells import indicator_key, name_key
from tracker.importing.records import DbState, ExistingPayment, Parsed, ProjectState
from tracker.queries import commitments, indicators, payments, projects, sums, units
from tracker.queries.sql import chunks

if TYPE_CHECKING:
    from tracker.commands.tracker import BudgetTracker

__all__ = ["chunks", "load_state", "load_vouchers"]


def load_state(app: BudgetTracker, parsed: Parsed) -> DbState:
    """The units, projects (with their daily balances) and indicators the file refers to."""
    db = DbState()
    db.units = {code: u["name"] for code, u in units.units(app.read).items()}
    keys = {(p.year, p.code) for p in parsed.projects}
    keys |= {(i.year, i.code) for i in parsed.indicators}
    keys |= {(p.year, p.code) for p in parsed.payments}
    ids = _load_projects(app, db, sorted(keys))
    _load_balances(app, db, ids, {(p.year, p.code) for p in parsed.payments})
    _load_indicators(app, parsed, db)
    return db


def _load_projects(
    app: BudgetTracker, db: DbState, keys: list[tuple[int, str]]
) -> dict[str, tuple[int, str]]:
    by_year: dict[int, list[str]] = {}
    for y, code in keys:
        by_year.setdefault(y, []).append(code)
    ids: dict[str, tuple[int, str]] = {}
    for y, codes in by_year.items():
        for p in projects.registered(app.read, y, codes):
            key = (p.year, p.code)
            ids[p.id] = key
            db.projects[key] = ProjectState(
                p.year,
                p.code,
                p.unit,
                p.name,
                p.expenditure_type,
                p.functional,
                p.economic,
                p.source,
                p.owner,
                p.plan,
                None,
            )
    return ids


def _load_balances(
    app: BudgetTracker, db: DbState, ids: dict[str, tuple[int, str]], paying: set[tuple[int, str]]
) -> None:
    """Each project's 年初预算, and the daily budget, spending and commitments of those
    paid into (committed money is not free for an import's payments)."""
    for project_id, fen in sums.initial_budgets(app.read, list(ids)).items():
        db.projects[ids[project_id]].initial_fen = fen
    wanted = [i for i in ids if ids[i] in paying]
    for (project_id, day), change in sums.daily(app.read, wanted).items():
        db.projects[ids[project_id]].daily[day] = change
    for (project_id, day), fen in commitments.committed_daily(app.read, wanted).items():
        db.projects[ids[project_id]].committed[day] = fen


def load_vouchers(app: BudgetTracker, parsed: Parsed, db: DbState) -> None:
    """Payments by 凭证号 of the units concerned, when some row's voucher is not one this
    import recorded before (a payment recorded by hand may carry it)."""
    concerned: set[tuple[int, str]] = set()
    for p in parsed.payments:
        if p.voucher and p.request_id not in db.requests:
            state = db.projects.get((p.year, p.code))
            unit = (
                state.unit_code
                if state
                else next(
                    (q.unit_code for q in parsed.projects if (q.year, q.code) == (p.year, p.code)), None
                )
            )
            if unit:
                concerned.add((p.year, unit))
    for y, unit in sorted(concerned):
        for v in payments.with_vouchers(app.read, y, unit):
            db.vouchers.setdefault((y, unit, v.voucher), []).append(
                ExistingPayment(v.code, v.date, v.amount_fen, v.payee)
            )


def _load_indicators(app: BudgetTracker, parsed: Parsed, db: DbState) -> None:
    by_year: dict[int, set[str]] = {}
    for i in parsed.indicators:
        by_year.setdefault(i.year, set()).add(i.code)
    for y, codes in by_year.items():
        for rows in indicators.of_projects(app.read, y, sorted(codes)).values():
            for r in rows:
                key = (y, r["owner_code"], indicator_key(r["level1"], r["level2"], r["name"]))
                db.indicators[key] = (r["target_text"], r["weight"])
                db.indicator_names[(y, r["owner_code"], name_key(r["name"]))] = (key[2], r["id"])
