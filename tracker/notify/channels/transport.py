"""One HTTP POST with a timeout, and the sorting of its failures into retry or give up.

Standard library only (``urllib.request``), so proxies from ``HTTPS_PROXY``/``NO_PROXY``
work as in any other tool on a government intranet. Redirects are not followed: a signed
POST that turns into a GET elsewhere would lose its body, so a 3xx is reported instead.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tracker.notify.channels.base import DeliveryError

MAX_READ = 64 * 1024
EXCERPT = 300
USER_AGENT = "budget-tracker-notifier/1"


@dataclass(frozen=True)
class HttpAnswer:
    """A 2xx answer, read up to ``MAX_READ`` bytes (robots answer in a few dozen)."""

    status: int
    body: bytes

    def excerpt(self) -> str:
        return self.body[:EXCERPT].decode("utf-8", errors="replace")


def make_ssl_context(ca_file: str | None = None, insecure: bool = False) -> ssl.SSLContext:
    """Verified TLS by default; ``ca_file`` for a private cloud's own CA.

    ``insecure`` turns verification off and exists for tests against self-signed
    receivers only; never set it for a real robot or mail server.
    """
    context = ssl.create_default_context(cafile=ca_file)
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def safe_url(url: str) -> str:
    """The URL without its query string, which carries robot keys and tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _retry_after(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None  # an HTTP date: let the task's own back-off decide


def _reason(error: BaseException | str) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(error, socket.gaierror):
        return "无法解析主机名"
    return str(error) or type(error).__name__


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    what: str,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
) -> HttpAnswer:
    """POST once; return a 2xx answer or raise ``DeliveryError`` classified for retry.

    Retryable: timeouts, connection failures, 408, 429 and 5xx. Not retryable: other
    4xx and 3xx (wrong key, URL or signature: retrying cannot fix them) and TLS
    certificate failures (a configuration problem).
    """
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("User-Agent", USER_AGENT)
    for name, value in headers.items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl_context), _NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return HttpAnswer(response.status, response.read(MAX_READ))
    except urllib.error.HTTPError as error:
        with error:
            text = error.read(MAX_READ)[:EXCERPT].decode("utf-8", errors="replace")
        retryable = error.code in (408, 429) or error.code >= 500
        raise DeliveryError(
            f"{what}返回 HTTP {error.code}：{text or error.reason}",
            retryable,
            retry_after=_retry_after(error.headers.get("Retry-After")),
            status_code=error.code,
        ) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise DeliveryError(f"{what}的 TLS 证书校验失败：{reason.verify_message}", False) from None
        if isinstance(reason, TimeoutError):
            raise DeliveryError(f"{what}请求超时（{timeout:g} 秒）", True) from None
        raise DeliveryError(f"无法连接{what}（{safe_url(url)}）：{_reason(reason)}", True) from None
    except TimeoutError:
        raise DeliveryError(f"{what}应答超时（{timeout:g} 秒）", True) from None
    except (OSError, http.client.HTTPException) as error:  # reset mid-answer, bad status line
        raise DeliveryError(f"与{what}的连接中断：{_reason(error)}", True) from None


def post_json(
    url: str, payload: dict[str, Any], *, what: str, timeout: float, ssl_context: ssl.SSLContext | None = None
) -> HttpAnswer:
    """The robots' shape: UTF-8 JSON with Chinese left as is (smaller than \\u escapes)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    return post(url, body, headers, what=what, timeout=timeout, ssl_context=ssl_context)


def check_errcode(
    answer: HttpAnswer, *, what: str, rate_limited: int, hints: dict[int, str]
) -> dict[str, Any]:
    """The robots answer HTTP 200 even for a bad key or signature: the verdict is ``errcode``.

    0 is success; the robot's rate-limit code and -1 (system busy) are worth retrying
    (after a minute for the rate limit); every other code means the message was refused.
    """
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = None
    if not isinstance(data, dict) or "errcode" not in data:
        raise DeliveryError(
            f"{what}的应答无法识别（不是机器人接口？）：{answer.excerpt()}", False, status_code=answer.status
        )
    code, errmsg = data["errcode"], data.get("errmsg", "")
    if code == 0:
        return data
    if code in (rate_limited, -1):
        wait = 60.0 if code == rate_limited else None
        raise DeliveryError(
            f"{what}限流或繁忙（errcode {code}：{errmsg}），稍后重试",
            True,
            retry_after=wait,
            status_code=answer.status,
        )
    hint = hints.get(code, "请检查机器人配置")
    raise DeliveryError(
        f"{what}拒绝了消息（errcode {code}：{errmsg}）：{hint}", False, status_code=answer.status
    )
