"""The part of the database a file refers to, loaded in a few set-wise queries so the
pure checks in ``validate`` can decide every row without asking again."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from tracker.domain.project import INITIAL
from tracker.importing.cells import indicator_key
from tracker.importing.records import DbState, ExistingPayment, Parsed, ProjectState

if TYPE_CHECKING:
    from tracker.commands.tracker import BudgetTracker

IN_CHUNK = 500  # values per IN (...) list


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(n: int) -> str:
    return ", ".join(["?"] * n)


def load_state(app: BudgetTracker, parsed: Parsed) -> DbState:
    """The units, projects (with their daily balances) and indicators the file refers to."""
    db = DbState()
    db.units = {r["code"]: r["name"] for r in app.read.all("SELECT code, name FROM rm_units")}
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
        for chunk in chunks(codes):
            rows = app.read.all(
                "SELECT id, year, code, unit_code, name, expenditure_type, functional, economic, source, "
                f"owner, plan FROM rm_projects WHERE year = ? AND code IN ({marks(len(chunk))})",
                [y, *chunk],
            )
            for r in rows:
                key = (int(r["year"]), r["code"])
                ids[r["id"]] = key
                db.projects[key] = ProjectState(
                    key[0],
                    r["code"],
                    r["unit_code"],
                    r["name"],
                    r["expenditure_type"],
                    r["functional"],
                    r["economic"],
                    r["source"],
                    r["owner"],
                    r["plan"],
                    None,
                )
    return ids


def _load_balances(
    app: BudgetTracker, db: DbState, ids: dict[str, tuple[int, str]], paying: set[tuple[int, str]]
) -> None:
    """Each project's 年初预算, and the daily budget and spending of those paid into."""
    for chunk in chunks(list(ids)):
        for r in app.read.all(
            "SELECT project_id, SUM(amount_fen) AS fen FROM rm_appropriations WHERE kind = ? "
            f"AND project_id IN ({marks(len(chunk))}) GROUP BY project_id",
            [INITIAL, *chunk],
        ):
            db.projects[ids[r["project_id"]]].initial_fen = int(r["fen"])
        wanted = [i for i in chunk if ids[i] in paying]
        if wanted:
            for r in app.read.all(
                "SELECT project_id, date, budget_fen, spent_fen FROM rm_daily "
                f"WHERE project_id IN ({marks(len(wanted))})",
                wanted,
            ):
                db.projects[ids[r["project_id"]]].daily[r["date"]] = (
                    int(r["budget_fen"]),
                    int(r["spent_fen"]),
                )


def load_vouchers(app: BudgetTracker, parsed: Parsed, db: DbState) -> None:
    """Payments by 凭证号 of the units concerned, when some row's voucher is not one this
    import recorded before (a payment recorded by hand may carry it)."""
    units: set[tuple[int, str]] = set()
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
                units.add((p.year, unit))
    for y, unit in sorted(units):
        for r in app.read.all(
            "SELECT p.voucher, p.date, p.amount_fen, p.payee, r.code FROM rm_payments p "
            "JOIN rm_projects r ON r.id = p.project_id "
            "WHERE r.year = ? AND r.unit_code = ? AND p.voucher <> ''",
            [y, unit],
        ):
            db.vouchers.setdefault((y, unit, r["voucher"]), []).append(
                ExistingPayment(r["code"], r["date"], int(r["amount_fen"]), r["payee"])
            )


def _load_indicators(app: BudgetTracker, parsed: Parsed, db: DbState) -> None:
    by_year: dict[int, set[str]] = {}
    for i in parsed.indicators:
        by_year.setdefault(i.year, set()).add(i.code)
    for y, codes in by_year.items():
        for chunk in chunks(sorted(codes)):
            for r in app.read.all(
                "SELECT owner_code, level1, level2, name, target_text, weight FROM rm_indicators "
                f"WHERE owner_kind = 'project' AND year = ? AND owner_code IN ({marks(len(chunk))})",
                [y, *chunk],
            ):
                key = (y, r["owner_code"], indicator_key(r["level1"], r["level2"], r["name"]))
                db.indicators[key] = (r["target_text"], r["weight"])


def recorded_fingerprints(app: BudgetTracker, ids: Sequence[str]) -> dict[str, str]:
    """The recorded fingerprint of each request id already used."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(ids))
    for chunk in chunks(unique):
        for r in app.read.all(
            f"SELECT request_id, request_hash FROM rm_requests WHERE request_id IN ({marks(len(chunk))})",
            chunk,
        ):
            found[r["request_id"]] = r["request_hash"]
    return found
