"""Delivering alerts through a unit's channels, without Celery.

The Celery task and ``tracker alerts check --deliver`` both call ``deliver_one``; it
is idempotent per (alert, channel): a delivery already recorded is not sent again,
and every attempt, failed or not, is an event in the alert's history.

A channel's secrets are read when it is built for a send (``build_channel``). One
that cannot be read (a variable not set in the worker's environment, a missing
file) fails that delivery for good, recorded with the variable or file it names, so
the other channels still get the alert and an administrator can see what to fix.
"""

from __future__ import annotations

import os
import time
from typing import Any

from tracker.domain.alert import RULE_LABELS
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.notify.channels import (
    ChannelConfigError,
    DeliveryError,
    Limiter,
    RateLimiter,
    SecretUnavailableError,
    build_channel,
    render_alert,
)

_LIMITER = RateLimiter(max_per_minute=20)


def base_url() -> str:
    """Where managers open the project page (the web app)."""
    return os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def alert_payload(app: Any, alert: dict[str, Any]) -> dict[str, Any]:
    """The figures a message shows: 项目, 执行率, 序时进度, 差距, 可用余额, link."""
    figures = alert["figures"]
    unit = app.queries.units().get(alert["unit_code"], {})
    return {
        "id": alert["id"],
        "unit": alert["unit_code"],
        "unit_name": unit.get("name", ""),
        "project": alert["project"],
        "project_name": figures.get("name") or alert["project"],
        "rule": RULE_LABELS.get(alert["rule"], alert["rule"]),
        "severity": alert["severity"],
        "execution_rate": figures.get("execution_rate", "0.00"),
        "planned_rate": figures.get("planned_rate", "0.00"),
        "lag_points": figures.get("lag_points", "0.00"),
        "available": figures.get("available", "0.00"),
        **({"committed": figures["committed"]} if figures.get("committed") else {}),
        "as_of": alert["raised_on"],
        "period": alert["period"],
        "link": f"{base_url()}/projects/{alert['year']}/{alert['project']}",
    }


def pending(app: Any) -> list[tuple[str, str]]:
    """(alert id, channel id) pairs still to deliver: open alerts to their unit's alert
    channels, escalated ones also to its managers' channels."""
    out = []
    for alert in app.alerts(open_only=True):
        purposes = ["alerts"] + (["managers"] if alert["escalated_to"] else [])
        for purpose in purposes:
            for channel in app.channels(alert["unit_code"], purpose):
                if not app.was_delivered(alert["id"], channel["id"]):
                    out.append((alert["id"], channel["id"]))
    return out


def _row(app: Any, channel_id: str) -> dict[str, Any]:
    row = next((c for c in app.channels() if c["id"] == channel_id), None)
    if row is None:
        raise NotFoundError(f"渠道 {channel_id} 不存在", "渠道编号")
    return dict(row)


def _build(row: dict[str, Any], limiter: Limiter | None) -> Any:
    """The channel, its secrets read now; an unreadable secret is a ``DeliveryError``
    (not worth retrying), any other bad setting an ``InvalidInputError``."""
    try:
        return build_channel({"kind": row["kind"], **row["config"]}, limiter=limiter)
    except SecretUnavailableError as e:
        raise DeliveryError(f"密钥无法读取：{e}", False) from None
    except ChannelConfigError as e:
        raise InvalidInputError(f"渠道“{row['name']}”配置有误：{e}", e.field) from None


def deliver_one(
    app: Any,
    alert_id: str,
    channel_id: str,
    attempt: int = 1,
    limiter: Limiter | None = _LIMITER,
    last: bool = False,
) -> str:
    """Send one alert to one channel; ``DeliveryError`` (retryable or not) propagates
    after the attempt is recorded (as ``failed`` when it is the ``last`` try)."""
    if app.was_delivered(alert_id, channel_id):
        return "already"
    row = _row(app, channel_id)
    alert = next(a for a in app.alerts() if a["id"] == alert_id)
    message = render_alert(alert_payload(app, alert))
    try:
        channel = _build(row, limiter)
        result = channel.send(message, idempotency_key=f"{alert_id}:{channel_id}")
    except DeliveryError as e:
        outcome = "retrying" if e.retryable and not last else "failed"
        app.record_delivery(
            alert_id,
            channel=channel_id,
            recipient=row["name"],
            attempt=attempt,
            outcome=outcome,
            detail=str(e),
        )
        raise
    app.record_delivery(
        alert_id,
        channel=channel_id,
        recipient=result.recipient,
        attempt=attempt,
        outcome="delivered",
        detail=result.response_excerpt,
        request_id=f"delivered:{alert_id}:{channel_id}:{attempt}",
    )
    return "delivered"


def deliver_pending(app: Any, tries: int = 3) -> dict[str, int]:
    """In-process delivery for the embedded default (no Redis): a few quick retries."""
    counts = {"delivered": 0, "failed": 0, "already": 0}
    for alert_id, channel_id in pending(app):
        for attempt in range(1, tries + 1):
            try:
                counts[deliver_one(app, alert_id, channel_id, attempt, last=attempt == tries)] += 1
                break
            except DeliveryError as e:
                if not e.retryable or attempt == tries:
                    counts["failed"] += 1
                    break
                time.sleep(min(2**attempt, 10))
    return counts


def test_channel(app: Any, channel_id: str) -> str:
    """Send a test message; a clear error (never a crash) on bad configuration."""
    row = _row(app, channel_id)
    try:
        result = _build(row, None).test()
    except DeliveryError as e:
        raise InvalidInputError(f"渠道“{row['name']}”测试失败：{e}", "渠道") from None
    return f"渠道“{row['name']}”测试成功：{result.recipient}（{result.status_code}）"
