"""A generic webhook signed the Standard Webhooks way, for integrations (OA, 大屏, SIEM).

Standard Webhooks (standardwebhooks.com) rather than a home-made scheme, because
receivers can verify with an off-the-shelf library in any language. The idempotency
key becomes ``webhook-id``: it stays the same across retries, which is exactly what the
standard asks, so a receiver can drop duplicates.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import ssl
import time
import uuid
from collections.abc import Callable

from tracker.notify.channels import transport
from tracker.notify.channels.base import DEFAULT_TIMEOUT, DeliveryResult
from tracker.notify.channels.messages import Message, channel_test_message

SECRET_PREFIX = "whsec_"


def decode_secret(secret: str) -> bytes:
    """The key bytes behind ``whsec_<base64>``; raises ``ValueError`` if it is not that shape."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("secret must start with whsec_")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("secret is not valid base64 after whsec_") from None
    if len(key) < 24:  # the standard asks for 24 to 64 bytes
        raise ValueError("secret key must be at least 24 bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")) over the exact bytes sent."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(decode_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


class WebhookChannel:
    """POSTs ``{"type", "timestamp", "data"}`` JSON with webhook-id/-timestamp/-signature."""

    kind = "webhook"
    what = "Webhook 接收方"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        decode_secret(secret)  # fail at construction, not at the first alert
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.clock = clock

    def payload(self, message: Message, now: float) -> bytes:
        """The body: the standard's envelope, our three renderings plus the raw figures."""
        data = {
            "title": message.title,
            "markdown": message.markdown,
            "text": message.text,
            "details": message.data,
        }
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).isoformat().replace("+00:00", "Z")
        envelope = {"type": message.event, "timestamp": stamp, "data": data}
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=str).encode()

    def send(self, message: Message, *, idempotency_key: str) -> DeliveryResult:
        """Post once; any 2xx is success. 408/429/5xx and network failures are retryable."""
        now = self.clock()
        timestamp = int(now)
        body = self.payload(message, now)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "webhook-id": idempotency_key,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self.secret, idempotency_key, timestamp, body),
        }
        answer = transport.post(
            self.url, body, headers, what=self.what, timeout=self.timeout, ssl_context=self.ssl_context
        )
        return DeliveryResult(self.kind, transport.safe_url(self.url), answer.status, answer.excerpt())

    def test(self) -> DeliveryResult:
        """Send the standard test message (``tracker channels test``); a fresh id each time."""
        return self.send(channel_test_message(), idempotency_key=f"channel-test-{uuid.uuid4().hex}")
