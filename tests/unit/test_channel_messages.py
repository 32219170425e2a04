"""Messages, signatures, rate-limit arithmetic and configuration checks: no network."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from tracker.notify.channels import (
    ChannelConfigError,
    DeliveryError,
    DingTalkChannel,
    EmailChannel,
    MessageError,
    RateLimiter,
    WebhookChannel,
    WeComChannel,
    build_channel,
    check_config,
    render_alert,
    render_digest,
)
from tracker.notify.channels.dingtalk import dingtalk_sign
from tracker.notify.channels.messages import truncate_utf8
from tracker.notify.channels.webhook import sign

ALERT = {
    "unit": "450001",
    "unit_name": "保定市满城区医疗保障局本级",
    "project": "P1",
    "project_name": "办公室整修",
    "rule": "ratio",
    "severity": "yellow",
    "execution_rate": "40",
    "planned_rate": "50.125",
    "lag_points": "10.125",
    "available": "1234567.885",
    "as_of": "2024-05-31",
    "period": "2024年5月",
    "link": "https://tracker.example/projects/P1",
}


def project(n: int, lag: str) -> dict[str, Any]:
    return {
        "project": f"P{n}",
        "project_name": f"项目{n}",
        "execution_rate": "10",
        "planned_rate": "50",
        "lag_points": lag,
        "available": "1000",
        "link": f"https://t.example/p/{n}",
    }


def test_an_alert_shows_the_figures_rounded_half_up_and_the_link() -> None:
    message = render_alert(ALERT)
    assert message.title == "【黄色预警】办公室整修：执行率 40.00%，落后序时进度 10.13 个百分点"
    for line in (
        "**单位**：保定市满城区医疗保障局本级（450001）",
        "- 序时进度：**50.13%**",
        "- 可用余额：**1,234,567.89 元**",
        "[查看项目详情](https://tracker.example/projects/P1)",
    ):
        assert line in message.markdown
    assert "**" not in message.text
    assert "项目详情：https://tracker.example/projects/P1" in message.text
    assert message.event == "tracker.alert"


def test_a_red_alert_says_so() -> None:
    assert render_alert({**ALERT, "severity": "red"}).title.startswith("【红色预警】")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"available": None}, "available"),
        ({"execution_rate": 40.0}, "execution_rate"),
        ({"lag_points": "十"}, "lag_points"),
        ({"severity": "green"}, "severity"),
        ({"link": ""}, "link"),
    ],
)
def test_a_malformed_alert_names_the_bad_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(MessageError) as caught:
        render_alert({**ALERT, **change})
    assert caught.value.field == field


def test_a_digest_lists_the_ten_furthest_behind_and_the_open_alerts() -> None:
    behind = [project(n, str(n)) for n in range(1, 14)] + [project(99, "-3")]
    opened = [
        {"project": f"P{n}", "project_name": f"项目{n}", "severity": "red", "since": "2024-05-01"}
        for n in range(12)
    ]
    message = render_digest(
        {
            "unit": "450001",
            "unit_name": "医保局",
            "period": "2024年第22周",
            "as_of": "2024-05-31",
            "link": "https://t.example/units/450001",
            "counts": {"green": 12, "yellow": 3, "red": 2},
            "behind": behind,
            "open_alerts": opened,
        }
    )
    md = message.markdown
    assert "**项目状态**：正常 12 个，预警 3 个，严重滞后 2 个（共 17 个）" in md
    first = "1. [项目13（P13）](https://t.example/p/13)：执行率 10.00%，序时进度 50.00%，差距 13.00 个百分点"
    assert first in md
    assert "10. [项目4（P4）]" in md
    assert "[项目3（P3）]" not in md
    assert "项目99" not in md
    assert "**未关闭的提醒**：12 条" in md
    assert "……另有 2 条" in md
    assert "](" not in message.text
    assert "**" not in message.text
    assert len(md.encode()) < 4096


def test_an_empty_digest_still_reads_well() -> None:
    message = render_digest(
        {
            "unit": "1",
            "unit_name": "甲单位",
            "period": "第1周",
            "as_of": "2024-01-07",
            "link": "https://t.example/u/1",
        }
    )
    assert "暂无项目" in message.markdown
    assert "暂无落后于序时进度的项目" in message.markdown


def test_truncation_never_splits_a_chinese_character() -> None:
    cut = truncate_utf8("预算执行" * 2000, 4096)
    assert len(cut.encode()) <= 4096
    assert cut.endswith("（内容过长，已截断）")


def test_a_window_admits_twenty_then_says_how_long_to_wait() -> None:
    now = [0.0]
    limiter = RateLimiter(max_per_minute=20, clock=lambda: now[0])
    for _ in range(20):
        assert limiter.acquire("robot") == 0
        now[0] += 1
    assert limiter.acquire("robot") == 40.0  # the first went at t=0, free again at t=60
    assert limiter.acquire("other") == 0
    now[0] = 59.5
    assert limiter.acquire("robot") == 0.5  # refusals take no slot
    now[0] = 60.0
    assert limiter.acquire("robot") == 0
    assert limiter.acquire("robot") == 1.0


def test_a_limiter_needs_at_least_one_message() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(max_per_minute=0)


def test_the_standard_webhooks_example_signature_is_reproduced() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_dingtalk_signs_the_timestamp_and_url_encodes_the_signature() -> None:
    channel = DingTalkChannel("tok", "SEC123", base_url="https://oapi.example", clock=lambda: 1700000000.009)
    expected = "MJzs+L4rALFWqPwJxp48aDgtGMa0zCpO+OVFRz/+WM8="  # computed independently
    assert dingtalk_sign("SEC123", 1700000000009) == expected
    assert channel.signed_url() == (
        "https://oapi.example/robot/send?access_token=tok&timestamp=1700000000009"
        "&sign=MJzs%2BL4rALFWqPwJxp48aDgtGMa0zCpO%2BOVFRz%2F%2BWM8%3D"
    )


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({}, "kind"),
        ({"kind": "sms"}, "kind"),
        ({"kind": "wecom"}, "key"),
        ({"kind": "wecom", "key": "k", "secert": "x"}, "secert"),
        ({"kind": "wecom", "key": "k", "base_url": "ftp://qyapi"}, "base_url"),
        ({"kind": "wecom", "key": "k", "base_url": "https://host:99999"}, "base_url"),
        ({"kind": "wecom", "key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}, "key"),
        ({"kind": "dingtalk", "secret": "SEC1"}, "token"),
        ({"kind": "dingtalk", "token": "t"}, "secret"),
        ({"kind": "webhook", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "url"),
        ({"kind": "webhook", "url": "hooks.example/x", "secret": "whsec_x"}, "url"),
        ({"kind": "webhook", "url": "https://hooks.example/x", "secret": "plain"}, "secret"),
        ({"kind": "email", "sender": "a@b.cn", "recipients": ["c@d.cn"]}, "host"),
        ({"kind": "email", "host": "smtp.b.cn", "recipients": ["c@d.cn"]}, "sender"),
        (
            {"kind": "email", "host": "smtp.b.cn", "sender": "not-an-address", "recipients": ["c@d.cn"]},
            "sender",
        ),
        ({"kind": "email", "host": "smtp.b.cn", "sender": "a@b.cn", "recipients": []}, "recipients"),
        ({"kind": "email", "host": "smtp.b.cn", "sender": "a@b.cn", "recipients": "c@d.cn, x"}, "recipients"),
        ({"kind": "email", "host": "h", "sender": "a@b.cn", "recipients": "c@d.cn", "port": 0}, "port"),
        ({"kind": "email", "host": "h", "sender": "a@b.cn", "recipients": "c@d.cn", "port": "smtp"}, "port"),
        ({"kind": "email", "host": "h", "sender": "a@b.cn", "recipients": "c@d.cn", "port": True}, "port"),
        (
            {"kind": "email", "host": "h", "sender": "a@b.cn", "recipients": "c@d.cn", "security": "tls"},
            "security",
        ),
        (
            {"kind": "email", "host": "h", "sender": "a@b.cn", "recipients": "c@d.cn", "password": "p"},
            "username",
        ),
        ({"kind": "wecom", "key": "k", "timeout": 0}, "timeout"),
        ({"kind": "wecom", "key": "k", "ca_file": "/nonexistent/ca.pem"}, "ca_file"),
    ],
)
def test_a_bad_configuration_names_the_field_in_chinese(config: dict[str, Any], field: str) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        build_channel(config)
    assert caught.value.field == field
    assert field in caught.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


@pytest.mark.parametrize(("port", "security"), [(465, "ssl"), (587, "starttls"), (2525, "plain")])
def test_email_security_follows_the_port_unless_given(port: int, security: str) -> None:
    channel = build_channel(
        {
            "kind": "email",
            "host": "smtp.example.gov.cn",
            "port": port,
            "sender": "a@example.gov.cn",
            "recipients": "b@example.gov.cn; c@example.gov.cn",
        }
    )
    assert isinstance(channel, EmailChannel)
    assert (channel.security, channel.recipients) == (security, ["b@example.gov.cn", "c@example.gov.cn"])


def test_robots_default_to_the_public_hosts_and_accept_a_pasted_address() -> None:
    wecom = build_channel({"kind": "wecom", "key": "abc"})
    assert isinstance(wecom, WeComChannel)
    assert wecom.base_url == "https://qyapi.weixin.qq.com"
    pasted = check_config(
        {
            "kind": "dingtalk",
            "secret": "SEC1",
            "token": "https://zwding.example.gov.cn/gw/robot/send?access_token=T0K",
        }
    )
    assert (pasted["token"], pasted["base_url"]) == ("T0K", "https://zwding.example.gov.cn/gw")
    hook = build_channel(
        {
            "kind": "webhook",
            "url": "https://hooks.example/x",
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }
    )
    assert isinstance(hook, WebhookChannel)


def test_errors_survive_pickling_for_the_task_queue() -> None:
    error = pickle.loads(pickle.dumps(DeliveryError("限流", True, retry_after=60.0, status_code=200)))
    assert (error.message, error.retryable, error.retry_after, error.status_code) == ("限流", True, 60.0, 200)
    config_error = pickle.loads(pickle.dumps(ChannelConfigError("缺少 key", "key")))
    assert (str(config_error), config_error.field) == ("缺少 key", "key")
    message_error = pickle.loads(pickle.dumps(MessageError("缺少字段：link", "link")))
    assert message_error.field == "link"
