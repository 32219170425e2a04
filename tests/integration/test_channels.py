"""The channels against real local receivers that check what WeCom, DingTalk and a
Standard Webhooks consumer check; e-mail tests are in test_channel_mail.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from receivers import Answer, HttpReceiver, free_port

from tracker.notify.channels import DeliveryError, RateLimiter, build_channel, render_alert

WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ALERT = {
    "unit": "450001",
    "unit_name": "保定市满城区医疗保障局本级",
    "project": "P1",
    "project_name": "办公室整修",
    "rule": "ratio",
    "severity": "red",
    "execution_rate": "35",
    "planned_rate": "75.005",
    "lag_points": "40.005",
    "available": "65000.5",
    "as_of": "2024-09-30",
    "period": "2024年第三季度",
    "link": "https://tracker.example/projects/P1",
}
FIGURES = (
    "执行率：**35.00%**",
    "序时进度：**75.01%**",
    "差距：**40.01 个百分点**",
    "可用余额：**65,000.50 元**",
)


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    with HttpReceiver(webhook_secret=WEBHOOK_SECRET) as receiver:
        yield receiver


def robot(kind: str, base_url: str, **extra: Any) -> dict[str, Any]:
    if kind == "wecom":
        return {"kind": "wecom", "key": "wk-good", "base_url": base_url, **extra}
    return {"kind": "dingtalk", "token": "dt-good", "secret": "SECgood", "base_url": base_url, **extra}


def failure(config: dict[str, Any], **kwargs: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        build_channel(config, **kwargs).send(render_alert(ALERT), idempotency_key="alert-1")
    return caught.value


def test_wecom_robot_receives_the_alert_as_markdown_with_the_figures(http: HttpReceiver) -> None:
    result = build_channel(robot("wecom", http.base_url)).send(render_alert(ALERT), idempotency_key="a1")
    (request,) = http.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": "wk-good"}
    assert request.json["msgtype"] == "markdown"
    content = request.json["markdown"]["content"]
    assert all(figure in content for figure in FIGURES)
    assert "办公室整修（P1）" in content
    assert "[查看项目详情](https://tracker.example/projects/P1)" in content
    assert (result.channel, result.status_code) == ("wecom", 200)
    assert "wk-good" not in result.recipient


def test_dingtalk_robot_accepts_the_signature_and_shows_title_and_text(http: HttpReceiver) -> None:
    build_channel(robot("dingtalk", http.base_url)).send(render_alert(ALERT), idempotency_key="a1")
    (request,) = http.requests
    assert request.verified, request.reason
    assert abs(int(request.query["timestamp"]) - time.time() * 1000) < 60_000
    markdown = request.json["markdown"]
    assert request.json["msgtype"] == "markdown"
    assert markdown["title"].startswith("【红色预警】办公室整修")
    assert all(figure in markdown["text"] for figure in FIGURES)


def test_dingtalk_with_a_wrong_secret_is_refused_as_sign_not_match_and_not_retried(
    http: HttpReceiver,
) -> None:
    error = failure(robot("dingtalk", http.base_url, secret="SECwrong"))
    assert not http.requests[0].verified
    assert not error.retryable
    assert "310000" in error.message
    assert "签名" in error.message


def test_wecom_with_a_wrong_key_is_refused_and_not_retried(http: HttpReceiver) -> None:
    error = failure(robot("wecom", http.base_url, key="wk-removed"))
    assert not error.retryable
    assert "93000" in error.message


@pytest.mark.parametrize(
    ("kind", "answer", "retryable"),
    [
        ("wecom", Answer(500, {"error": "internal"}), True),
        ("dingtalk", Answer(502, b"<html>bad gateway</html>"), True),
        ("wecom", Answer(429, {"error": "slow down"}), True),
        ("wecom", Answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"}), True),
        ("dingtalk", Answer(200, {"errcode": 130101, "errmsg": "send too fast"}), True),
        ("wecom", Answer(200, {"errcode": -1, "errmsg": "system busy"}), True),
        ("dingtalk", Answer(200, {"errcode": 310000, "errmsg": "sign not match"}), False),
        ("wecom", Answer(404, {"error": "not found"}), False),
        ("wecom", Answer(302, b"", {"Location": "https://elsewhere.example/"}), False),
        ("dingtalk", Answer(200, b"<html>login page</html>"), False),
    ],
)
def test_robot_failures_are_classified_for_the_retrying_task(
    http: HttpReceiver, kind: str, answer: Answer, retryable: bool
) -> None:
    http.answer_next(answer)
    error = failure(robot(kind, http.base_url))
    assert error.retryable is retryable, error.message
    assert http.requests[0].verified  # the request itself was right; the answer was not


def test_a_429_passes_retry_after_on_to_the_task(http: HttpReceiver) -> None:
    http.answer_next(Answer(429, {"error": "slow down"}, {"Retry-After": "7"}))
    error = failure(robot("wecom", http.base_url))
    assert (error.retryable, error.retry_after, error.status_code) == (True, 7.0, 429)


def test_a_slow_robot_times_out_as_retryable(http: HttpReceiver) -> None:
    http.answer_next(Answer(200, {"errcode": 0}, delay=1.0))
    error = failure(robot("dingtalk", http.base_url, timeout=0.2))
    assert error.retryable
    assert "超时" in error.message


def test_an_unreachable_robot_host_is_retryable() -> None:
    error = failure(robot("wecom", f"http://127.0.0.1:{free_port()}"))
    assert error.retryable
    assert "连接被拒绝" in error.message


def test_a_pasted_robot_address_reaches_the_same_robot(http: HttpReceiver) -> None:
    config = {"kind": "wecom", "key": f"{http.base_url}/cgi-bin/webhook/send?key=wk-good"}
    build_channel(config).send(render_alert(ALERT), idempotency_key="a1")
    assert http.requests[0].verified


def test_the_rate_limiter_stops_the_third_message_before_it_reaches_the_robot(http: HttpReceiver) -> None:
    now = [1000.0]
    limiter = RateLimiter(max_per_minute=2, clock=lambda: now[0])
    channel = build_channel(robot("dingtalk", http.base_url), limiter=limiter)
    for key in ("a1", "a2"):
        channel.send(render_alert(ALERT), idempotency_key=key)
    now[0] += 15
    with pytest.raises(DeliveryError) as caught:
        channel.send(render_alert(ALERT), idempotency_key="a3")
    assert (caught.value.retryable, caught.value.retry_after) == (True, 45.0)
    assert len(http.requests) == 2


def test_webhook_is_signed_the_standard_webhooks_way(http: HttpReceiver) -> None:
    config = {"kind": "webhook", "url": f"{http.base_url}/hooks/budget", "secret": WEBHOOK_SECRET}
    result = build_channel(config).send(render_alert(ALERT), idempotency_key="alert-450001-P1-red")
    (request,) = http.requests
    assert request.verified, request.reason
    assert request.headers["webhook-id"] == "alert-450001-P1-red"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    body = request.json
    assert body["type"] == "tracker.alert"
    assert body["data"]["details"]["available"] == "65000.5"
    assert all(figure in body["data"]["markdown"] for figure in FIGURES)
    assert (result.channel, result.status_code, result.recipient) == ("webhook", 200, config["url"])


def test_a_webhook_receiver_refusing_the_signature_is_not_retried(http: HttpReceiver) -> None:
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    error = failure({"kind": "webhook", "url": f"{http.base_url}/hooks/x", "secret": other})
    assert not http.requests[0].verified
    assert (error.retryable, error.status_code) == (False, 401)


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (408, True), (410, False), (400, False)])
def test_webhook_status_codes_decide_retry(http: HttpReceiver, status: int, retryable: bool) -> None:
    http.answer_next(Answer(status, {"error": "x"}))
    error = failure({"kind": "webhook", "url": f"{http.base_url}/hooks/x", "secret": WEBHOOK_SECRET})
    assert error.retryable is retryable


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "webhook"])
def test_the_channel_test_sends_a_short_test_message(http: HttpReceiver, kind: str) -> None:
    config = (
        robot(kind, http.base_url)
        if kind != "webhook"
        else {"kind": "webhook", "url": f"{http.base_url}/hooks/x", "secret": WEBHOOK_SECRET}
    )
    assert build_channel(config).test().status_code == 200
    assert http.requests[0].verified
    assert "通知渠道测试" in http.requests[0].body.decode()
