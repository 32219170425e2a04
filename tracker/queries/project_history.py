"""The project page's event history: the project's own stored events (the latest ones
only, when a limit is asked) and its indicators' events, as rows of who, when, what
and note, hiding what is dated after the page's as-of day.

These read stored events, never an aggregate's replay: reading the newest events
first with a limit decodes only those, whatever the length of the project's ledger.
The rows have the shape of ``project_view.history_rows`` (what ``tracker history``
prints).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from tracker.domain.money import fmt_yuan
from tracker.queries.project_view import SHANGHAI, history_rows

INDICATOR_EVENT_LABELS = {
    "Added": "添加绩效指标",
    "ProgressRecorded": "记录指标进展",
    "DeviationExplained": "说明偏差原因",
}


def indicator_history(events: Iterable[Any], name: str) -> list[dict[str, Any]]:
    """An indicator's stored events as rows shaped like ``project_view.history_rows``.

    The project's own stream does not hold its indicators' events; the page merges
    these in so its history shows everything recorded for the project.
    """
    rows = []
    for e in events:
        kind = type(e).__name__
        if kind == "Added":
            details = f"指标“{name}”，指标值 {e.target_text}"
        elif kind == "ProgressRecorded":
            done = f"，完成程度 {fmt_yuan(e.completion)}%" if e.completion is not None else ""
            details = f"指标“{name}”实际完成值 {e.actual_text or '—'}{done}"
        elif kind == "DeviationExplained":
            details = f"指标“{name}”偏差原因：{e.cause}；改进措施：{e.action}"
        else:
            details = f"指标“{name}”"
        rows.append(
            {
                "version": e.originator_version,
                "event": kind,
                "label": INDICATOR_EVENT_LABELS.get(kind, kind),
                "recorded_at": e.timestamp.astimezone(SHANGHAI).isoformat(timespec="seconds"),
                "user": getattr(e, "user", ""),
                "date": e.date.isoformat() if hasattr(e, "date") else None,
                "amount": None,
                "details": details,
                "note": getattr(e, "note", "") or "",
                "request_id": (getattr(e, "request", None) or {}).get("id"),
            }
        )
    return rows


def project_history(
    events: Any, project_id: str, limit: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The project's stored events as history rows (oldest first), only the latest
    ``limit`` of them when asked, and how many the project has in all.

    ``events`` is the application's event store; reading the newest events first with
    a limit decodes only those, whatever the length of the project's ledger.
    """
    stored = list(events.get(UUID(project_id), desc=True, limit=limit))
    total = stored[0].originator_version if stored else 0
    return history_rows(stored[::-1]), total


def split_history(rows: Iterable[dict[str, Any]], as_of: dt.date) -> tuple[list[dict[str, Any]], int]:
    """History rows newest first, without entries whose business date is after ``as_of``
    (and how many were left out): the page shows the world as it stood that day."""
    day = as_of.isoformat()
    shown, later = [], 0
    for row in rows:
        if row.get("date") and row["date"] > day:
            later += 1
        else:
            shown.append(row)
    shown.sort(key=lambda r: (r["recorded_at"], r["version"]), reverse=True)
    return shown, later
