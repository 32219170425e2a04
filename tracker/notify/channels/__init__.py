"""Notification channels for lag alerts: WeCom, DingTalk, e-mail and a signed webhook.

``build_channel(config)`` is the one door: a unit's stored configuration (a dict with
``kind``) goes in, a ``Channel`` with ``send(message, *, idempotency_key)`` and
``test()`` comes out. Standard library only, no Celery and no tracker imports, so the
delivery task, the CLI (``tracker channels test``) and the API all build channels the
same way and the channels can be tested against local receivers.

Secrets (robot keys, signing secrets, SMTP passwords) are stored as references
(``env:NAME``, ``file:/path``) and read by ``build_channel`` at send time (``secrets``);
``check_new_config`` is what a door calls before adding a channel.

TLS options shared by all kinds: ``ca_file`` (a private cloud's own CA, legitimate in
production) and ``insecure`` (verification off: for self-signed test receivers only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.notify.channels.base import (
    DEFAULT_TIMEOUT,
    Channel,
    ChannelConfigError,
    DeliveryError,
    DeliveryResult,
)
from tracker.notify.channels.config import KINDS, check_config, check_new_config
from tracker.notify.channels.dingtalk import DingTalkChannel
from tracker.notify.channels.mail import EmailChannel
from tracker.notify.channels.messages import Message, MessageError, render_alert, render_digest
from tracker.notify.channels.ratelimit import Limiter, RateLimiter
from tracker.notify.channels.secrets import SecretUnavailableError, masked, resolve_config
from tracker.notify.channels.transport import make_ssl_context
from tracker.notify.channels.webhook import WebhookChannel
from tracker.notify.channels.wecom import WeComChannel

__all__ = [
    "DEFAULT_TIMEOUT",
    "KINDS",
    "Channel",
    "ChannelConfigError",
    "DeliveryError",
    "DeliveryResult",
    "DingTalkChannel",
    "EmailChannel",
    "Limiter",
    "Message",
    "MessageError",
    "RateLimiter",
    "SecretUnavailableError",
    "WeComChannel",
    "WebhookChannel",
    "build_channel",
    "check_config",
    "check_new_config",
    "masked",
    "render_alert",
    "render_digest",
]


def build_channel(config: Mapping[str, Any], *, limiter: Limiter | None = None) -> Channel:
    """A ready channel from a unit's configuration; ``ChannelConfigError`` names a bad field.

    ``limiter`` is shared by the caller across sends (in-process ``RateLimiter`` now, a
    Redis one later) and used by the robots only: a fresh limiter per build would forget
    every earlier send and protect nothing, so none is made here.

    Secret references are read here, each time: ``SecretUnavailableError`` (a
    ``ChannelConfigError``) names the variable or file that cannot be read. The
    resolved values live only in the channel object, never in anything stored.
    """
    c = check_config(resolve_config(config))
    context = make_ssl_context(c["ca_file"], c["insecure"])
    timeout = c["timeout"]
    if c["kind"] == "wecom":
        return WeComChannel(
            c["key"], base_url=c["base_url"], timeout=timeout, limiter=limiter, ssl_context=context
        )
    if c["kind"] == "dingtalk":
        return DingTalkChannel(
            c["token"],
            c["secret"],
            base_url=c["base_url"],
            timeout=timeout,
            limiter=limiter,
            ssl_context=context,
        )
    if c["kind"] == "webhook":
        return WebhookChannel(c["url"], c["secret"], timeout=timeout, ssl_context=context)
    extra = {"sender_name": c["sender_name"]} if "sender_name" in c else {}
    return EmailChannel(
        c["host"],
        c["sender"],
        c["recipients"],
        port=c["port"],
        security=c["security"],
        username=c["username"],
        password=c["password"],
        timeout=timeout,
        ssl_context=context,
        **extra,
    )
