"""Performance indicators (``rm_indicators``) of projects, with their latest progress.

The monitoring form lists them under each project; the import checks a file's
indicators against them. Rows come back as plain dicts of the table's columns
(numbers as exact decimal text).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from tracker.queries.sql import chunks, marks
from tracker.store.readstore import ReadStore


def of_projects(read: ReadStore, year: int, codes: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each project's indicators by project code, in the order they were set."""
    out: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunks(codes):
        for r in read.all(
            "SELECT * FROM rm_indicators WHERE owner_kind = 'project' AND year = ? AND owner_code "
            f"IN ({marks(len(chunk))}) ORDER BY owner_code, seq",
            [year, *chunk],
        ):
            out.setdefault(r["owner_code"], []).append(r)
    return out


def signature_scores(read: ReadStore, evaluation_id: UUID) -> dict[str, Any] | None:
    """The figures the latest sign-off of a self-evaluation signed, if kept."""
    row = read.one("SELECT scores FROM rm_signatures WHERE id = ?", (str(evaluation_id),))
    return None if row is None else dict(json.loads(row["scores"]))


def weight_shares(read: ReadStore, unit_code: str) -> dict[str, Decimal] | None:
    """The 一级 shares a unit uses for indicators without 分值: its own, else its
    nearest parent's; None means the national template."""
    return weight_shares_of(read, [unit_code])[unit_code]


def weight_shares_of(read: ReadStore, unit_codes: Sequence[str]) -> dict[str, dict[str, Decimal] | None]:
    """``weight_shares`` for many units with two reads (the self-evaluation list)."""
    parents = {r["code"]: r["parent_code"] for r in read.all("SELECT code, parent_code FROM rm_units")}
    own = {r["unit_code"]: r["shares"] for r in read.all("SELECT unit_code, shares FROM rm_weight_shares")}
    return {code: _nearest(code, parents, own) for code in unit_codes}


def _nearest(unit_code: str, parents: dict[str, Any], own: dict[str, str]) -> dict[str, Decimal] | None:
    code: str | None = unit_code
    seen: set[str] = set()
    while code and code not in seen:
        if code in own:
            return {name: Decimal(value) for name, value in json.loads(own[code]).items()}
        seen.add(code)
        code = parents.get(code)
    return None


def project_unit(read: ReadStore, code: str, year: int) -> str:
    """The unit a project of that year belongs to ("" when there is no such project)."""
    row = read.one("SELECT unit_code FROM rm_projects WHERE code = ? AND year = ?", (code, year))
    return str(row["unit_code"]) if row else ""


def unit_shares(read: ReadStore, unit: str) -> dict[str, Any]:
    """The 一级 shares a unit has set (empty when it uses the national template)."""
    row = read.one("SELECT shares FROM rm_weight_shares WHERE unit_code = ?", (unit,))
    return {} if row is None else dict(json.loads(row["shares"]))
