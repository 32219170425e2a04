"""One project's progress: its checkpoints (met or missed), forecast and daily need.

What ``tracker progress`` and the project page show beside the status: how each
checkpoint reached so far went, and how much a day it takes to meet the next one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from tracker.domain import lag
from tracker.domain.errors import NotFoundError
from tracker.domain.money import ZERO, from_fen
from tracker.domain.plan_warnings import plan_warnings
from tracker.queries import projects, sums
from tracker.queries.known import KnownOn
from tracker.queries.status import statuses
from tracker.store.readstore import ReadStore


def progress(
    read: ReadStore, project_id: UUID, as_of: dt.date | None = None, known: KnownOn | None = None
) -> dict[str, Any]:
    """The project's status with its checkpoints up to *d* and what the next one needs."""
    key = projects.key_of(read, str(project_id))
    if key is None:
        raise NotFoundError(f"项目 {project_id} 不存在", "项目")
    code, year = key
    day, found = statuses(read, year, as_of, codes=[code], known=known)
    if not found:
        raise NotFoundError(f"项目 {code} 在依据时点（{known.label if known else ''}）尚未登记", "依据时点")
    p = found[0]
    daily = sorted(sums.daily(read, [p.id], known).items())
    checkpoints = lag.checkpoints_for(p.plan, p.year)
    reached = []
    for cp in checkpoints:
        if cp.is_blank or cp.date > day:
            continue
        b = from_fen(sum(v[0] for (_, d), v in daily if d <= cp.date.isoformat()))
        s = from_fen(sum(v[1] for (_, d), v in daily if d <= cp.date.isoformat()))
        target = lag.checkpoint_rate(cp, b)
        actual = lag.rate(s, b)
        reached.append(
            {
                "date": cp.date,
                "target_rate": target,
                "actual_rate": actual,
                "met": actual >= target,
                "shortfall_points": max(target - actual, ZERO),
            }
        )
    nxt, per_day = lag.daily_needed(checkpoints, day, p.figures.budget, p.figures.disbursed)
    return {
        "project": p,
        "as_of": day,
        "known_on": known,
        "checkpoints": reached,
        "next_checkpoint": None if nxt is None else nxt.date,
        "next_target_rate": None if nxt is None else lag.checkpoint_rate(nxt, p.figures.budget),
        "daily_needed": per_day,
        "plan_warnings": plan_warnings(checkpoints, from_fen(sum(v[0] for v in dict(daily).values())))
        if p.plan
        else [],
    }
