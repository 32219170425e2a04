"""Projects as registered (``rm_projects``): by year, unit subtree, code or id.

Every read of a project's classes, owner and plan goes through here and comes back
as a ``ProjectRef``, whoever asks (status, public tables, the import, the forms).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from tracker.queries import sums_known
from tracker.queries.figures import PROJECT_COLUMNS, ProjectRef
from tracker.queries.known import KnownOn
from tracker.queries.sql import chunks, marks
from tracker.store.readstore import ReadStore


def select(
    read: ReadStore,
    year: int,
    unit_codes: Sequence[str] | None = None,
    codes: Sequence[str] = (),
    known: KnownOn | None = None,
) -> list[ProjectRef]:
    """The year's projects (of the given units, with the given codes), by unit and code;
    as known on a moment, only those registered by then, each with its plan then."""
    sql = f"SELECT {PROJECT_COLUMNS} FROM rm_projects WHERE year = ?"
    params: list[Any] = [year]
    if unit_codes is not None:
        sql += f" AND unit_code IN ({marks(len(unit_codes))})"
        params += list(unit_codes)
    if codes:
        sql += f" AND code IN ({marks(len(codes))})"
        params += list(codes)
    found = [ProjectRef.from_row(r) for r in read.all(sql + " ORDER BY unit_code, code", params)]
    return found if known is None else as_known(read, found, known)


def as_known(read: ReadStore, found: Sequence[ProjectRef], known: KnownOn) -> list[ProjectRef]:
    """The projects registered by ``known``, with the plan in force then (none yet: no
    plan, the default straight line)."""
    ids = [p.id for p in found]
    registered = sums_known.registered_by(read, ids, known)
    plans = sums_known.plans_at(read, ids, known)
    return [dataclasses.replace(p, plan=plans.get(p.id)) for p in found if p.id in registered]


def find(read: ReadStore, year: int, code: str) -> ProjectRef | None:
    """The project with this code in this year, if registered."""
    found = select(read, year, codes=[code])
    return found[0] if found else None


def key_of(read: ReadStore, project_id: str) -> tuple[str, int] | None:
    """(code, year) of a project id, if registered."""
    row = read.one("SELECT code, year FROM rm_projects WHERE id = ?", (project_id,))
    return None if row is None else (row["code"], int(row["year"]))


def registered(read: ReadStore, year: int, codes: Sequence[str]) -> list[ProjectRef]:
    """The projects of ``year`` among ``codes`` (any number of them), in no set order."""
    out: list[ProjectRef] = []
    for chunk in chunks(codes):
        out += [
            ProjectRef.from_row(r)
            for r in read.all(
                f"SELECT {PROJECT_COLUMNS} FROM rm_projects WHERE year = ? AND code IN ({marks(len(chunk))})",
                [year, *chunk],
            )
        ]
    return out
