"""One project's own ledger as known on a moment (``tracker show`` / ``history``).

``show`` as known on T is the project rebuilt from its events recorded by T (the
stream holds each event's recording time), so its entries and totals are those a
reader saw then. ``history`` lists every event still, marking those recorded after
T (依据时点后登记) rather than hiding them: the reader sees what changed since.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracker.domain.errors import NotFoundError
from tracker.domain.moments import FIELD, SHANGHAI, utc_stamp
from tracker.domain.project import Project
from tracker.queries.known import KnownOn

LATER = "依据时点后登记"


def recorded_by(e: Any, known: KnownOn) -> bool:
    """The event was stored by the moment (compared as fixed-width UTC text)."""
    return utc_stamp(e.timestamp) <= known.stamp


def known_state(events: Sequence[Any], known: KnownOn, code: str) -> Project:
    """The project as its events recorded by ``known`` leave it."""
    state: Any = None
    for e in events:
        if recorded_by(e, known):
            state = e.mutate(state)
    if not isinstance(state, Project):
        raise NotFoundError(f"项目 {code} 在依据时点 {known.label} 尚未登记", FIELD)
    return state


def mark_recorded_after(rows: list[dict[str, Any]], known: KnownOn) -> list[dict[str, Any]]:
    """History rows (``recorded_at`` Beijing ISO to the second) with ``recorded_after``
    for the project page, which holds rows rather than events."""
    cut = known.moment.astimezone(SHANGHAI).isoformat(timespec="seconds")
    return [{**row, "recorded_after": row["recorded_at"] > cut} for row in rows]


def mark_later(
    events: Sequence[Any], rows: list[dict[str, Any]], known: KnownOn | None
) -> list[dict[str, Any]]:
    """Each history row with ``recorded_after`` (True for events stored after the
    moment) when a moment is given; the rows as they are otherwise."""
    if known is None:
        return rows
    return [{**row, "recorded_after": not recorded_by(e, known)} for e, row in zip(events, rows, strict=True)]
