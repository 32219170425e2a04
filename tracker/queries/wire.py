"""Figures on the wire (JSON and CSV): amounts as two-decimal strings in 元, rates
rounded half-up. The terminal tables are drawn by ``tracker.cli.status_text``.

Statuses were decided from unrounded values before they get here; a total row's
rates come from summed amounts, so they are budget-weighted.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tracker.domain.lag import RATIO, StatusRule
from tracker.domain.moments import SHANGHAI
from tracker.domain.money import fmt_yuan
from tracker.queries.figures import Figures, ProjectStatus

CENT = Decimal("0.01")


def pct(value: Decimal) -> float:
    """Percent rounded half-up (四舍五入) to two places, as a JSON number."""
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def figures(f: Figures) -> dict[str, Any]:
    return {
        "budget": fmt_yuan(f.budget),
        "disbursed": fmt_yuan(f.disbursed),
        "available": fmt_yuan(f.available),
        "execution_rate": pct(f.execution_rate),
        "planned_rate": pct(f.planned_rate),
        "lag_points": pct(f.lag_points),
        "forecast_rate": pct(f.forecast_rate),
    }


def commitment_figures(f: Figures) -> dict[str, Any]:
    """Open commitments beside the figures, and what is neither paid nor committed."""
    return {"committed": fmt_yuan(f.committed), "uncommitted": fmt_yuan(f.uncommitted)}


def project(p: ProjectStatus) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "unit": p.unit,
        **figures(p.figures),
        **commitment_figures(p.figures),
        "status": p.status,
    }


def known_json(known: Any) -> dict[str, Any]:
    """``known_on`` (Beijing ISO time) and its caption, only when a moment was asked:
    an answer without one stays exactly as before."""
    if known is None:
        return {}
    moment = known.moment.astimezone(SHANGHAI).isoformat(timespec="seconds")
    return {"known_on": moment, "known_on_caption": known.caption}


def status_json(report: dict[str, Any]) -> dict[str, Any]:
    return {
        **known_json(report.get("known_on")),
        "year": report["year"],
        "as_of": report["as_of"].isoformat(),
        "unit": report["unit"],
        "projects": [project(p) for p in report["projects"]],
        "total": {
            **figures(report["total"]),
            **commitment_figures(report["total"]),
            "status": report["total_status"],
        },
        "total_rule": rule(report["total_rule"]["rule"], report["total_rule"]["source"]),
        "plan_warnings": report["plan_warnings"],
    }


def rule(r: StatusRule, source: str) -> dict[str, Any]:
    """The rule that coloured a total, and why that one (a total over several units)."""
    out: dict[str, Any] = {
        "kind": r.kind,
        "yellow": f"{r.yellow.normalize():f}",
        "red": f"{r.red.normalize():f}",
    }
    if r.kind == RATIO:
        out["min_points"] = f"{r.min_points.normalize():f}"
    return {**out, "source": source, "text": r.describe()}


STATUS_COLUMNS = [
    "code",
    "name",
    "unit",
    "budget",
    "disbursed",
    "available",
    "execution_rate",
    "planned_rate",
    "lag_points",
    "status",
    "forecast_rate",
]
# Added to the CSV when any project of it has open commitments (``status_csv``).
COMMITMENT_COLUMNS = ["committed", "uncommitted"]


def status_csv(report: dict[str, Any]) -> str:
    data = status_json(report)
    out = io.StringIO()
    columns = STATUS_COLUMNS
    if any(p.figures.committed for p in report["projects"]):
        columns = STATUS_COLUMNS + COMMITMENT_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in data["projects"]:
        writer.writerow(row)
    writer.writerow({"code": "合计", "name": "", "unit": data["unit"] or "", **data["total"]})
    return out.getvalue()


def rollup_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **known_json(r.get("known_on")),
        "year": r["year"],
        "as_of": r["as_of"].isoformat(),
        "by": r["by"],
        "level": r["level"],
        "unit": r["unit"],
        "rows": [
            {"key": row["key"], "name": row["name"], "projects": row["projects"], **figures(row["figures"])}
            for row in r["rows"]
        ],
        "total": figures(r["total"]),
    }


def rollup_csv(r: dict[str, Any]) -> str:
    data = rollup_json(r)
    out = io.StringIO()
    keys = [f"{d}" for d in data["by"]] + [f"{d}_name" for d in data["by"]]
    cols = [
        *keys,
        "projects",
        "budget",
        "disbursed",
        "available",
        "execution_rate",
        "planned_rate",
        "lag_points",
        "forecast_rate",
    ]
    writer = csv.DictWriter(out, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    for row in data["rows"]:
        flat = {k: v for k, v in row.items() if k not in ("key", "name")}
        for i, d in enumerate(data["by"]):
            flat[d] = row["key"][i]
            flat[f"{d}_name"] = row["name"][i]
        writer.writerow(flat)
    return out.getvalue()


def series_rows(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "date": p["date"].isoformat(),
            "budget": fmt_yuan(p["figures"].budget),
            "disbursed": fmt_yuan(p["figures"].disbursed),
            "execution_rate": pct(p["figures"].execution_rate),
            "planned_rate": pct(p["figures"].planned_rate),
        }
        for p in s["points"]
    ]


def series_csv(s: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["date", "budget", "disbursed", "execution_rate", "planned_rate"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(series_rows(s))
    return out.getvalue()
