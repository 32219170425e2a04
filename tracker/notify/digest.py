"""The weekly digest per unit: counts by status, the ten projects furthest behind,
alerts still open — sent to the unit's managers' (or digest) channels.

Each digest ends with the event chain's head (``事件链头：…（共 N 条事件）``): kept in
the recipients' chat history, an earlier head shows a later truncation of the log
(``tracker verify --head``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from tracker.notify.channels import (
    DeliveryError,
    Message,
    SecretUnavailableError,
    build_channel,
    render_digest,
)
from tracker.notify.delivery import base_url
from tracker.store.chain import read_head


def digest_of(app: Any, unit: str, day: dt.date) -> dict[str, Any]:
    """Plain data for ``render_digest``."""
    _, projects = app.queries.statuses(day.year, day, unit)
    counts = {"green": 0, "yellow": 0, "red": 0}
    for p in projects:
        counts[p.status] += 1
    behind = sorted(projects, key=lambda p: p.figures.lag_points, reverse=True)[:10]
    name = app.queries.units().get(unit, {}).get("name", unit)
    return {
        "unit": unit,
        "unit_name": name,
        "as_of": day.isoformat(),
        "counts": counts,
        "period": f"{day - dt.timedelta(days=6)}~{day}",
        "behind": [
            {
                "project": p.code,
                "project_name": p.name,
                "status": p.status,
                "execution_rate": f"{p.figures.execution_rate:.2f}",
                "planned_rate": f"{p.figures.planned_rate:.2f}",
                "lag_points": f"{p.figures.lag_points:.2f}",
                "available": f"{p.figures.available:.2f}",
                "link": f"{base_url()}/projects/{p.year}/{p.code}",
            }
            for p in behind
        ],
        "open_alerts": [
            {
                "project": a["project"],
                "project_name": a["figures"].get("name") or a["project"],
                "severity": a["severity"],
                "since": a["raised_on"],
            }
            for a in app.alerts(open_only=True, unit=unit)
        ],
        "link": f"{base_url()}/units/{unit}",
        "chain_head": read_head(app.read).footer(),
    }


def digest_message(app: Any, unit: str, day: dt.date) -> Message:
    """The digest as sent: ``render_digest``'s message with the chain head at its end."""
    digest = digest_of(app, unit, day)
    message = render_digest(digest)
    footer = digest["chain_head"]
    return dataclasses.replace(
        message, markdown=f"{message.markdown}\n\n{footer}", text=f"{message.text}\n{footer}", data=digest
    )


def send_digests(app: Any, day: dt.date) -> int:
    """Send each unit's digest to its managers' and digest channels; returns sends.

    A channel that fails, or whose secret cannot be read now, is skipped: the other
    units' digests still go out."""
    sent = 0
    for unit in app.queries.units():
        targets = app.channels(unit, "digest") + app.channels(unit, "managers")
        if not targets:
            continue
        message = digest_message(app, unit, day)
        for row in targets:
            try:
                build_channel({"kind": row["kind"], **row["config"]}).send(
                    message, idempotency_key=f"digest:{unit}:{day}:{row['id']}"
                )
                sent += 1
            except (DeliveryError, SecretUnavailableError):
                continue
    return sent
