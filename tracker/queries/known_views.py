"""One project's own ledger as known on a moment (``tracker show`` / ``history``).

``show`` as known on T is the project rebuilt from its events recorded by T (the
stream holds each event's recording time), so its entries and totals are those a
reader saw then. ``history`` lists every event still, marking those recorded after
T (依据时点后登记) rather than hiding them: the reader sees what changed since.
"""

from __future__ import annotations

import json
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


# ------------------------------------------------------------------ indicators, sign-off


def _kind(e: Any) -> str:
    return type(e).__qualname__.rsplit(".", 1)[-1]


def _dec(value: Any) -> str | None:
    return None if value is None else str(value)


def indicator_as_known(
    row: dict[str, Any], events: Sequence[Any], known: KnownOn
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """An indicator's read row and its progress entries as its events recorded by
    ``known`` leave them (None: not yet added then). What an indicator's later events
    change (progress, 分值, 偏差原因) is set back the way the projector sets it; what
    only its ``Added`` event holds (levels, name, target) is the row's own."""
    kept = [e for e in events if recorded_by(e, known)]
    if not kept or _kind(kept[0]) != "Added":
        return None
    out = {
        **row,
        "weight": _dec(kept[0].weight),
        "actual_text": None,
        "actual_value": None,
        "completion": None,
        "progress_date": None,
        "progress_note": None,
        "cause": None,
        "action": None,
    }
    progress: list[dict[str, Any]] = []
    for e in kept[1:]:
        kind = _kind(e)
        if kind == "ProgressRecorded":
            out.update(
                actual_text=e.actual_text,
                actual_value=_dec(e.actual_value),
                completion=_dec(e.completion),
                progress_date=e.date.isoformat(),
                progress_note=e.note,
            )
            progress.append(
                {
                    "date": e.date,
                    "actual_text": e.actual_text,
                    "actual_value": e.actual_value,
                    "completion": e.completion,
                }
            )
        elif kind == "WeightSet":
            out["weight"] = _dec(e.weight)
        elif kind == "DeviationExplained":
            out.update(cause=e.cause, action=e.action)
    return out, progress


def evaluation_as_known(
    row: dict[str, Any] | None, events: Sequence[Any], known: KnownOn
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A self-evaluation's sign-off row and the figures it signed as known on a moment
    (None: not yet signed then), folded as the projector folds ``rm_evaluations``."""
    kept = [e for e in events if recorded_by(e, known)]
    if row is None or not kept:
        return None
    out, scores = dict(row), {}
    for e in kept:
        kind = _kind(e)
        if kind in ("Finalised", "Refinalised"):
            scores = json.loads(json.dumps(e.scores, default=str))  # as ``rm_signatures`` keeps them
            out.update(
                finalised=1,
                total=str(e.total),
                grade=e.grade,
                signed_by=e.signed_by,
                signed_at=e.timestamp.isoformat(),
                execution_cause=scores.get("execution_cause", ""),
                execution_action=scores.get("execution_action", ""),
            )
        elif kind == "Reopened":
            out["finalised"] = 0
    return out, scores
