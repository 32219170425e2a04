"""Performance indicators (``rm_indicators``) of projects, with their latest progress.

The monitoring form lists them under each project; the import checks a file's
indicators against them. Rows come back as plain dicts of the table's columns
(numbers as exact decimal text).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
