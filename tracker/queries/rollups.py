"""Roll-ups: the projects' figures grouped by one or two dimensions (a pivot).

By unit a project counts for its unit and every unit above it up to the one asked
for; by class the code is cut to the level asked (类 3, 款 5, 项 7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tracker.domain.catalogue import ECONOMIC_CLASSES, FUNCTIONAL_CLASSES
from tracker.domain.errors import InvalidInputError
from tracker.queries.figures import Figures, ProjectStatus
from tracker.queries.known import KnownOn
from tracker.queries.status import statuses
from tracker.queries.units import Units, ancestors, units
from tracker.store.readstore import ReadStore

DIMENSIONS = ("unit", "functional", "economic", "source", "type")


def rollup(
    read: ReadStore,
    year: int,
    by: Sequence[str],
    level: int | None = None,
    as_of: dt.date | None = None,
    unit: str | None = None,
    known: KnownOn | None = None,
) -> dict[str, Any]:
    """Group the projects' figures by one or two dimensions, with the selection's total."""
    return rollups(read, year, [by], level, as_of, unit, known)[0]


def rollups(
    read: ReadStore,
    year: int,
    groupings: Sequence[Sequence[str]],
    level: int | None = None,
    as_of: dt.date | None = None,
    unit: str | None = None,
    known: KnownOn | None = None,
) -> list[dict[str, Any]]:
    """Several roll-ups of the same projects from one status read (a page with three
    charts reads the statuses of a thousand projects once, not three times)."""
    for by in groupings:
        _check(by)
    all_units = units(read, known)
    day, found = statuses(read, year, as_of, unit, all_units=all_units, known=known)
    return [{**_group(found, by, level, all_units, unit, year, day), "known_on": known} for by in groupings]


def _check(by: Sequence[str]) -> None:
    for dim in by:
        if dim not in DIMENSIONS:
            raise InvalidInputError(f"“{dim}”不是有效的汇总维度，可选：{'、'.join(DIMENSIONS)}", "--by")
    if not 1 <= len(by) <= 2 or len(set(by)) != len(by):
        raise InvalidInputError("汇总维度为一个或两个不同的维度，如 functional,type", "--by")


def _group(
    found: Sequence[ProjectStatus],
    by: Sequence[str],
    level: int | None,
    all_units: Units,
    unit: str | None,
    year: int,
    day: dt.date,
) -> dict[str, Any]:
    groups: dict[tuple[str, ...], Figures] = {}
    counts: dict[tuple[str, ...], int] = {}
    for p in found:
        for key in _keys(p, by, level, all_units, unit):
            groups.setdefault(key, Figures()).add(p.figures)
            counts[key] = counts.get(key, 0) + 1
    rows = [
        {
            "key": list(key),
            "name": [_name(d, k, all_units) for d, k in zip(by, key, strict=True)],
            "projects": counts[key],
            "figures": fig,
        }
        for key, fig in sorted(groups.items())
    ]
    return {
        "year": year,
        "as_of": day,
        "by": list(by),
        "level": level,
        "unit": unit,
        "rows": rows,
        "total": Figures.total(p.figures for p in found),
    }


def _keys(
    p: ProjectStatus, by: Sequence[str], level: int | None, all_units: Units, root: str | None
) -> list[tuple[str, ...]]:
    """The group keys a project falls in; by unit a project counts for every ancestor."""
    per_dim: list[list[str]] = []
    for dim in by:
        if dim == "unit":
            per_dim.append(ancestors(p.unit, all_units, root))
        elif dim == "functional":
            code = p.functional or ""
            per_dim.append([code[: level or 3] if code else "未分类"])
        elif dim == "economic":
            code = p.economic or ""
            per_dim.append([code[: min(level or 3, 5)] if code else "未分类"])
        elif dim == "source":
            per_dim.append([p.source])
        else:
            per_dim.append([p.expenditure_type])
    if len(per_dim) == 1:
        return [(k,) for k in per_dim[0]]
    return [(a, b) for a in per_dim[0] for b in per_dim[1]]


def _name(dim: str, key: str, all_units: Units) -> str:
    if dim == "unit":
        return str(all_units.get(key, {}).get("name", key))
    if dim == "functional":
        return FUNCTIONAL_CLASSES.get(key, "")
    if dim == "economic":
        return ECONOMIC_CLASSES.get(key, "")
    return key
