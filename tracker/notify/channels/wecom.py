"""WeCom group robot (企业微信群机器人): a markdown message to one group chat.

The robot is addressed by its ``key`` alone (no signature), so the key is a secret and
is masked in results. ``base_url`` is overridable because government private-cloud
editions of WeCom run on their own hosts with the same path.
"""

from __future__ import annotations

import hashlib
import ssl
import uuid
from urllib.parse import urlencode

from tracker.notify.channels import transport
from tracker.notify.channels.base import DEFAULT_TIMEOUT, DeliveryError, DeliveryResult, mask
from tracker.notify.channels.messages import Message, channel_test_message, truncate_utf8
from tracker.notify.channels.ratelimit import Limiter

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
MAX_MARKDOWN_BYTES = 4096
RATE_LIMITED = 45009
HINTS = {
    93000: "机器人 key 无效或机器人已被移出群聊",
    40058: "请求参数不合法（消息可能为空或过长）",
}


class WeComChannel:
    """Sends ``message.markdown`` as ``{"msgtype": "markdown"}`` to one WeCom robot."""

    kind = "wecom"
    what = "企业微信机器人"

    def __init__(
        self,
        key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        limiter: Limiter | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.key = key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.limiter = limiter
        self.ssl_context = ssl_context

    @property
    def recipient(self) -> str:
        return f"{self.base_url} key={mask(self.key)}"

    def limiter_key(self) -> str:
        """Per robot, hashed: a Redis key must not spell out the robot's secret."""
        digest = hashlib.sha256(f"{self.base_url}|{self.key}".encode()).hexdigest()[:16]
        return f"wecom:{digest}"

    def send(self, message: Message, *, idempotency_key: str) -> DeliveryResult:
        """Post once. WeCom has no de-duplication of its own: the task de-duplicates by key.

        Markdown longer than WeCom's 4096 bytes is cut with a visible marker rather than
        refused (errcode 40058), so an over-long digest still arrives.
        """
        if self.limiter is not None:
            wait = self.limiter.acquire(self.limiter_key())
            if wait > 0:
                raise DeliveryError(
                    f"{self.what}每分钟最多发送 20 条，请 {wait:.1f} 秒后重试", True, retry_after=wait
                )
        url = f"{self.base_url}/cgi-bin/webhook/send?{urlencode({'key': self.key})}"
        content = truncate_utf8(message.markdown, MAX_MARKDOWN_BYTES)
        payload = {"msgtype": "markdown", "markdown": {"content": content}}
        answer = transport.post_json(
            url, payload, what=self.what, timeout=self.timeout, ssl_context=self.ssl_context
        )
        transport.check_errcode(answer, what=self.what, rate_limited=RATE_LIMITED, hints=HINTS)
        return DeliveryResult(self.kind, self.recipient, answer.status, answer.excerpt())

    def test(self) -> DeliveryResult:
        """Send the standard test message (``tracker channels test``); a fresh key each time."""
        return self.send(channel_test_message(), idempotency_key=f"channel-test-{uuid.uuid4().hex}")
