"""E-mail and TLS against real local servers: aiosmtpd (plain, STARTTLS, implicit TLS)
and the HTTPS robot receiver, with certificates from a throw-away CA made per session."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from certs import make_certificates, server_context
from receivers import HttpReceiver, SmtpReceiver, free_port

from tracker.notify.channels import DeliveryError, build_channel, render_alert

ALERT = {
    "unit": "450001",
    "unit_name": "保定市满城区医疗保障局本级",
    "project": "P1",
    "project_name": "办公室整修",
    "rule": "points",
    "severity": "yellow",
    "execution_rate": "52.5",
    "planned_rate": "60",
    "lag_points": "7.5",
    "available": "1234567.891",
    "as_of": "2024-06-30",
    "period": "2024年上半年",
    "link": "https://tracker.example/projects/P1",
}
USERS = {"tracker": "授权码-secret"}


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp_starttls(certificates: tuple[Path, Path, Path]) -> Iterator[SmtpReceiver]:
    with SmtpReceiver(starttls=server_context(*certificates[1:]), users=USERS) as receiver:
        yield receiver


def mailbox(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "email",
        "host": "127.0.0.1",
        "port": port,
        "sender": "alerts@czj.example.gov.cn",
        "recipients": ["cw@yb.example.gov.cn", "ld@yb.example.gov.cn"],
        **extra,
    }


def failure(config: dict[str, Any]) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        build_channel(config).send(render_alert(ALERT), idempotency_key="alert-1")
    return caught.value


def test_plain_smtp_delivers_a_utf8_subject_and_body_with_the_figures(smtp: SmtpReceiver) -> None:
    result = build_channel(mailbox(smtp.port)).send(render_alert(ALERT), idempotency_key="alert-1")
    (mail,) = smtp.mails
    assert mail.sender == "alerts@czj.example.gov.cn"
    assert mail.recipients == ["cw@yb.example.gov.cn", "ld@yb.example.gov.cn"]
    parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert parsed["Subject"].startswith("【黄色预警】办公室整修：执行率 52.50%")
    assert parsed["From"].addresses[0].display_name == "预算执行跟踪"
    body = parsed.get_content()
    for line in (
        "执行率：52.50%",
        "序时进度：60.00%",
        "差距：7.50 个百分点",
        "可用余额：1,234,567.89 元",
        "项目详情：https://tracker.example/projects/P1",
    ):
        assert line in body
    assert (result.channel, result.status_code) == ("email", 250)


def test_a_retried_alert_keeps_its_message_id(smtp: SmtpReceiver) -> None:
    channel = build_channel(mailbox(smtp.port))
    for key in ("alert-1", "alert-1", "alert-2"):
        channel.send(render_alert(ALERT), idempotency_key=key)
    ids = [email.message_from_bytes(m.content)["Message-ID"] for m in smtp.mails]
    assert ids[0] == ids[1] != ids[2]


def test_starttls_with_login_and_the_internal_ca_delivers(
    smtp_starttls: SmtpReceiver, certificates: tuple[Path, Path, Path]
) -> None:
    config = mailbox(
        smtp_starttls.port,
        security="starttls",
        username="tracker",
        password=USERS["tracker"],
        ca_file=str(certificates[0]),
    )
    build_channel(config).test()
    (mail,) = smtp_starttls.mails
    assert mail.login == "tracker"
    parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert parsed["Subject"] == "通知渠道测试"


def test_a_wrong_password_is_not_retried(
    smtp_starttls: SmtpReceiver, certificates: tuple[Path, Path, Path]
) -> None:
    error = failure(
        mailbox(
            smtp_starttls.port,
            security="starttls",
            username="tracker",
            password="wrong",
            ca_file=str(certificates[0]),
        )
    )
    assert not error.retryable
    assert "拒绝登录" in error.message
    assert not smtp_starttls.mails


def test_an_unknown_certificate_is_not_retried(smtp_starttls: SmtpReceiver) -> None:
    error = failure(mailbox(smtp_starttls.port, security="starttls"))
    assert not error.retryable
    assert "证书校验失败" in error.message


def test_insecure_skips_verification_for_self_signed_test_servers(smtp_starttls: SmtpReceiver) -> None:
    build_channel(mailbox(smtp_starttls.port, security="starttls", insecure=True)).test()
    assert len(smtp_starttls.mails) == 1


def test_implicit_tls_delivers(certificates: tuple[Path, Path, Path]) -> None:
    with SmtpReceiver(implicit=server_context(*certificates[1:])) as receiver:
        config = mailbox(receiver.port, security="ssl", ca_file=str(certificates[0]))
        build_channel(config).send(render_alert(ALERT), idempotency_key="alert-1")
    assert len(receiver.mails) == 1


def test_an_unreachable_mail_server_is_retryable_with_a_clear_message() -> None:
    port = free_port()
    error = failure(mailbox(port))
    assert error.retryable
    assert error.message == f"无法连接邮件服务器 127.0.0.1:{port}：连接被拒绝（服务器未启动或端口错误）"


def test_robots_over_https_trust_the_configured_ca_only(certificates: tuple[Path, Path, Path]) -> None:
    with HttpReceiver(tls=server_context(*certificates[1:])) as http:
        ok = {"kind": "wecom", "key": "wk-good", "base_url": http.base_url, "ca_file": str(certificates[0])}
        assert build_channel(ok).test().status_code == 200
        with pytest.raises(DeliveryError) as caught:
            build_channel({**ok, "ca_file": None}).test()
    assert not caught.value.retryable
    assert "证书校验失败" in caught.value.message


@pytest.mark.parametrize("where", ["env", "file"])
def test_the_smtp_password_is_read_from_the_reference_when_sending(
    smtp_starttls: SmtpReceiver,
    certificates: tuple[Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    if where == "env":
        monkeypatch.setenv("TEST_SMTP_PASSWORD", USERS["tracker"])
        reference = "env:TEST_SMTP_PASSWORD"
    else:
        secret = tmp_path / "smtp.password"
        secret.write_text(USERS["tracker"] + "\n", encoding="utf-8")
        reference = f"file:{secret}"
    config = mailbox(
        smtp_starttls.port,
        security="starttls",
        username="tracker",
        password=reference,
        ca_file=str(certificates[0]),
    )
    build_channel(config).test()
    (mail,) = smtp_starttls.mails
    assert mail.login == "tracker"
