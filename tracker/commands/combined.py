"""Read-model rows in and out of the combined (汇总) self-evaluation form.

The service layer gathers each project's indicator rows with its funding; the pure
``tracker.domain.combine`` combines them; these helpers translate between the two and
give the combined rows the same shape as a project's, so the CLI text, the JSON and
the exported 自评表 render a combined form exactly as they render any other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tracker.domain.combine import Combined, Part


def _dec(text: Any) -> Decimal | None:
    return None if text is None or text == "" else Decimal(str(text))


def _day(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(text)) if text else None


def part_of(row: dict[str, Any], project: str, funding: Decimal) -> Part:
    """A project's indicator row as a part of the combination."""
    achieved = _day(row["progress_date"]) if row["kind"] == "deadline" and row["actual_text"] else None
    return Part(
        id=row["id"],
        project=project,
        funding=funding,
        level1=row["level1"],
        level2=row["level2"],
        name=row["name"],
        kind=row["kind"],
        value=_dec(row["value"]),
        unit=row["unit"],
        target_text=row["target_text"],
        deadline=_day(row["deadline"]),
        weight=_dec(row["weight"]),
        actual_value=_dec(row["actual_value"]),
        actual_text=row["actual_text"] or "",
        completion=_dec(row["completion"]),
        achieved_on=achieved,
    )


def row_of(c: Combined, seq: int, rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A combined row in the shape of an ``rm_indicators`` row (causes joined)."""
    parts = [rows[i] for i in c.parts]
    causes = "；".join(dict.fromkeys(r["cause"] for r in parts if r["cause"]))
    actions = "；".join(dict.fromkeys(r["action"] for r in parts if r["action"]))
    return {
        "id": c.id,
        "seq": seq,
        "level1": c.level1,
        "level2": c.level2,
        "name": c.name,
        "target_text": c.target_text,
        "kind": c.kind,
        "value": None if c.value is None else str(c.value),
        "unit": c.unit,
        "deadline": c.deadline.isoformat() if c.deadline else None,
        "weight": None if c.weight is None else str(c.weight),
        "actual_text": c.actual_text,
        "actual_value": None if c.actual_value is None else str(c.actual_value),
        "completion": None if c.completion is None else str(c.completion),
        "progress_date": c.achieved_on.isoformat() if c.achieved_on else None,
        "cause": causes,
        "action": actions,
        "parts": list(c.parts),
        "projects": list(c.projects),
    }
