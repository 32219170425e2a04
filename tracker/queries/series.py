"""Series: cumulative daily figures from 1 January to *d*, for one project or a unit.

The charts' S-curves: each day's budget and disbursed as of that day, with the
planned rate of the day (one project keeps its own rate; a unit's is budget-weighted).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.inputs import parse_year
from tracker.domain.money import from_fen
from tracker.queries import projects, sums
from tracker.queries.dates import default_as_of
from tracker.queries.figures import Figures, project_figures
from tracker.queries.known import KnownOn
from tracker.queries.units import subtree, units
from tracker.store.readstore import ReadStore


def series(
    read: ReadStore,
    year: int,
    code: str | None = None,
    unit: str | None = None,
    as_of: dt.date | None = None,
    known: KnownOn | None = None,
) -> dict[str, Any]:
    """One point a day from 1 January to *d* (31 December at the latest)."""
    year = parse_year(year)
    day = min(as_of or default_as_of(year), dt.date(year, 12, 31))
    if code:
        refs = projects.select(read, year, None, [code], known)
        if not refs:
            raise NotFoundError(f"{year} 年没有编码为 {code} 的项目", "项目编码")
    else:
        if not unit:
            raise InvalidInputError("需要项目编码或单位编码", "编码")
        refs = projects.select(read, year, subtree(unit, units(read)), (), known)
    daily = sums.daily(read, [p.id for p in refs], known)
    points = []
    running = {p.id: [0, 0] for p in refs}
    d = dt.date(year, 1, 1)
    while d <= day:
        total = Figures()
        own = total
        for p in refs:
            delta = daily.get((p.id, d.isoformat()))
            if delta:
                running[p.id][0] += delta[0]
                running[p.id][1] += delta[1]
            own = project_figures(p, from_fen(running[p.id][0]), from_fen(running[p.id][1]), d)
            total.add(own)
        # One project keeps its own planned rate (a % plan needs no budget).
        points.append({"date": d, "figures": own if code else total})
        d += dt.timedelta(days=1)
    return {"year": year, "code": code, "unit": unit, "as_of": day, "points": points, "known_on": known}
