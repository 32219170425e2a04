"""The 通报 ranking on the wire (JSON and CSV): amounts as two-decimal strings in 元,
rates and points rounded half-up to two decimals (``wire.pct``); the previous year's
figures and 同比 are null (blank in CSV) where that year had no projects in the row.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from tracker.domain import lag
from tracker.domain.money import fmt_yuan
from tracker.queries.figures import Figures
from tracker.queries.ranking import Ranking, RankRow
from tracker.queries.wire import pct


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "budget": fmt_yuan(f.budget),
        "disbursed": fmt_yuan(f.disbursed),
        "execution_rate": pct(f.execution_rate),
        "planned_rate": pct(f.planned_rate),
        "lag_points": pct(f.lag_points),
    }


def _previous(f: Figures | None) -> dict[str, Any]:
    if f is None:
        return {"budget": None, "disbursed": None, "execution_rate": None, "planned_rate": None}
    return {k: v for k, v in _figures(f).items() if k != "lag_points"}


def row_json(r: RankRow) -> dict[str, Any]:
    return {
        "rank": r.rank,
        "unit": r.code,
        "name": r.name,
        **_figures(r.figures),
        "status": r.status,
        "status_label": lag.STATUS_LABELS.get(r.status, r.status),
        "previous": {**_previous(r.previous), "status": r.previous_status},
        "change_points": None if r.change is None else pct(r.change),
    }


def ranking_json(k: Ranking) -> dict[str, Any]:
    change = None
    if k.previous_total is not None:
        change = pct(k.total.execution_rate - k.previous_total.execution_rate)
    return {
        "year": k.year,
        "as_of": k.as_of.isoformat(),
        "previous_as_of": k.previous_as_of.isoformat(),
        "unit": k.unit,
        "rows": [row_json(r) for r in k.rows],
        "total": {
            **_figures(k.total),
            "status": k.total_status,
            "previous": _previous(k.previous_total),
            "change_points": change,
        },
    }


CSV_COLUMNS = [
    "rank",
    "unit",
    "name",
    "budget",
    "disbursed",
    "execution_rate",
    "planned_rate",
    "lag_points",
    "status",
    "previous_budget",
    "previous_disbursed",
    "previous_execution_rate",
    "change_points",
]


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    prev = row["previous"]
    flat = {k: v for k, v in row.items() if k in CSV_COLUMNS}
    flat.update(
        previous_budget=prev["budget"],
        previous_disbursed=prev["disbursed"],
        previous_execution_rate=prev["execution_rate"],
    )
    return {k: "" if v is None else v for k, v in flat.items()}


def ranking_csv(k: Ranking) -> str:
    data = ranking_json(k)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in data["rows"]:
        writer.writerow(_flat(row))
    writer.writerow(_flat({**data["total"], "rank": "", "unit": "合计", "name": ""}))
    return out.getvalue()
