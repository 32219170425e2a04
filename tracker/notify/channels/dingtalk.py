"""DingTalk custom robot (钉钉自定义机器人) with the "加签" (signing) security setting.

Every request carries ``timestamp`` (ms) and ``sign``; DingTalk refuses a signature
more than an hour old, so it is computed per send, never cached. ``base_url`` is
overridable for the government edition (专有钉钉/浙政钉-style private deployments).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ssl
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from tracker.notify.channels import transport
from tracker.notify.channels.base import DEFAULT_TIMEOUT, DeliveryError, DeliveryResult, mask
from tracker.notify.channels.messages import Message, channel_test_message, truncate_utf8
from tracker.notify.channels.ratelimit import Limiter

DEFAULT_BASE_URL = "https://oapi.dingtalk.com"
MAX_TEXT_BYTES = 20000
RATE_LIMITED = 130101
HINTS = {
    310000: "签名不匹配、关键词不符或 IP 不在白名单（检查 secret 与机器人安全设置）",
    300001: "access_token 无效或机器人已被删除",
    300005: "access_token 无效或机器人已被删除",
}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")).

    Returned un-escaped; ``urlencode`` applies the URL encoding DingTalk expects.
    """
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkChannel:
    """Sends ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` to one robot."""

    kind = "dingtalk"
    what = "钉钉机器人"

    def __init__(
        self,
        token: str,
        secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        limiter: Limiter | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.limiter = limiter
        self.ssl_context = ssl_context
        self.clock = clock

    @property
    def recipient(self) -> str:
        return f"{self.base_url} access_token={mask(self.token)}"

    def limiter_key(self) -> str:
        """Per robot, hashed: a Redis key must not spell out the robot's token."""
        digest = hashlib.sha256(f"{self.base_url}|{self.token}".encode()).hexdigest()[:16]
        return f"dingtalk:{digest}"

    def signed_url(self) -> str:
        """The send URL with a fresh timestamp and signature."""
        timestamp = round(self.clock() * 1000)
        query = urlencode(
            {
                "access_token": self.token,
                "timestamp": timestamp,
                "sign": dingtalk_sign(self.secret, timestamp),
            }
        )
        return f"{self.base_url}/robot/send?{query}"

    def send(self, message: Message, *, idempotency_key: str) -> DeliveryResult:
        """Post once; DingTalk has no de-duplication of its own, the task de-duplicates.

        Going over 20 a minute blocks the robot for ten minutes, hence the limiter check
        before the request rather than reacting to errcode 130101 afterwards.
        """
        if self.limiter is not None:
            wait = self.limiter.acquire(self.limiter_key())
            if wait > 0:
                raise DeliveryError(
                    f"{self.what}每分钟最多发送 20 条，请 {wait:.1f} 秒后重试", True, retry_after=wait
                )
        text = truncate_utf8(message.markdown, MAX_TEXT_BYTES)
        payload = {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
        answer = transport.post_json(
            self.signed_url(), payload, what=self.what, timeout=self.timeout, ssl_context=self.ssl_context
        )
        transport.check_errcode(answer, what=self.what, rate_limited=RATE_LIMITED, hints=HINTS)
        return DeliveryResult(self.kind, self.recipient, answer.status, answer.excerpt())

    def test(self) -> DeliveryResult:
        """Send the standard test message (``tracker channels test``); a fresh key each time."""
        return self.send(channel_test_message(), idempotency_key=f"channel-test-{uuid.uuid4().hex}")
