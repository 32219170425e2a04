"""Channel secrets as references: ``env:NAME`` and ``file:/path`` are checked for their form
when a channel is added and read when it sends; a literal from an older release still works."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tracker.notify.channels import (
    ChannelConfigError,
    SecretUnavailableError,
    build_channel,
    check_config,
    check_new_config,
    masked,
)
from tracker.notify.channels.secrets import (
    check_reference,
    is_reference,
    refuse_literals,
    resolve,
    resolve_config,
)

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()


def refusal(call: Any) -> ChannelConfigError:
    with pytest.raises(ChannelConfigError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("env:WECOM_KEY", True),
        ("file:/run/secrets/k", True),
        (" env:A ", True),
        ("wk-123", False),
        ("", False),
    ],
)
def test_a_reference_starts_with_env_or_file(value: str, expected: bool) -> None:
    assert is_reference(value) is expected
    assert is_reference(None) is False
    assert is_reference(["env:A"]) is False


@pytest.mark.parametrize("value", ["env:WECOM_KEY", "env:_X", "env:A1_B2", "file:/etc/tracker/wecom.key"])
def test_well_formed_references_pass(value: str) -> None:
    assert check_reference(value, "key", "机器人 key") == value


@pytest.mark.parametrize("value", ["env:", "env:wecom_key", "env:1KEY", "env:WECOM-KEY", "env:A B"])
def test_a_bad_variable_name_is_refused_without_echoing_it(value: str) -> None:
    error = refusal(lambda: check_reference(value, "key", "机器人 key"))
    assert error.field == "key"
    assert error.message.startswith("机器人 key（key）：环境变量名不正确")
    if name := value.removeprefix("env:"):
        assert name not in error.message  # it might be the secret, pasted in the wrong place


@pytest.mark.parametrize("value", ["file:", "file:secrets/key", "file:./key", "file:~/key"])
def test_a_relative_file_path_is_refused(value: str) -> None:
    error = refusal(lambda: check_reference(value, "secret", "签名密钥"))
    assert error.field == "secret"
    assert "绝对路径" in error.message


def test_an_environment_reference_reads_the_variable_at_resolve_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_WECOM_KEY", "wk-from-env")
    assert resolve("env:TEST_WECOM_KEY", "key", "机器人 key") == "wk-from-env"
    monkeypatch.setenv("TEST_WECOM_KEY", "wk-rotated")
    assert resolve("env:TEST_WECOM_KEY", "key", "机器人 key") == "wk-rotated"


def test_a_file_reference_reads_the_file_stripped(tmp_path: Path) -> None:
    secret = tmp_path / "dingtalk.secret"
    secret.write_text("  SECgood\n", encoding="utf-8")
    assert resolve(f"file:{secret}", "secret", "加签密钥") == "SECgood"


def test_a_literal_from_an_older_release_is_used_as_it_is() -> None:
    assert resolve("wk-legacy", "key", "机器人 key") == "wk-legacy"
    assert resolve(None, "password", "密码") is None


def test_a_missing_variable_is_named_never_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_MISSING_KEY", raising=False)
    with pytest.raises(SecretUnavailableError) as caught:
        resolve("env:TEST_MISSING_KEY", "key", "机器人 key")
    assert caught.value.message == "机器人 key（key）：环境变量 TEST_MISSING_KEY 未设置"
    assert caught.value.field == "key"
    monkeypatch.setenv("TEST_MISSING_KEY", "")
    with pytest.raises(SecretUnavailableError, match="环境变量 TEST_MISSING_KEY 是空的"):
        resolve("env:TEST_MISSING_KEY", "key", "机器人 key")


def test_a_missing_empty_or_unreadable_file_is_named(tmp_path: Path) -> None:
    gone = tmp_path / "gone.key"
    with pytest.raises(SecretUnavailableError, match=f"密钥文件 {gone} 不存在"):
        resolve(f"file:{gone}", "secret", "签名密钥")
    empty = tmp_path / "empty.key"
    empty.write_text("\n")
    with pytest.raises(SecretUnavailableError, match=f"密钥文件 {empty} 是空的"):
        resolve(f"file:{empty}", "secret", "签名密钥")
    with pytest.raises(SecretUnavailableError, match="是一个目录"):
        resolve(f"file:{tmp_path}", "secret", "签名密钥")
    binary = tmp_path / "binary.key"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SecretUnavailableError, match="不是 UTF-8 文本"):
        resolve(f"file:{binary}", "secret", "签名密钥")


def test_a_secret_that_cannot_be_read_is_a_channel_configuration_error() -> None:
    """Every door that already reports a bad configuration reports this one too."""
    assert issubclass(SecretUnavailableError, ChannelConfigError)


def test_resolve_config_replaces_only_the_secret_fields_of_the_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DT_TOKEN", "dt-good")
    monkeypatch.setenv("TEST_DT_SECRET", "SECgood")
    config = {
        "kind": "dingtalk",
        "token": "env:TEST_DT_TOKEN",
        "secret": "env:TEST_DT_SECRET",
        "base_url": "http://127.0.0.1:9",
    }
    assert resolve_config(config) == {**config, "token": "dt-good", "secret": "SECgood"}
    assert config["token"] == "env:TEST_DT_TOKEN"  # the stored configuration is left alone
    webhook = {"kind": "webhook", "url": "env:NOT_A_SECRET_FIELD", "secret": WEBHOOK_SECRET}
    assert resolve_config(webhook) == webhook


@pytest.mark.parametrize(
    ("config", "field", "label"),
    [
        ({"kind": "wecom", "key": "wk-123"}, "key", "机器人 key"),
        (
            {"kind": "wecom", "key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wk"},
            "key",
            "机器人 key",
        ),
        ({"kind": "dingtalk", "token": "env:DT_TOKEN", "secret": "SECabc"}, "secret", "加签密钥"),
        ({"kind": "dingtalk", "token": "dt-123", "secret": "env:DT_SECRET"}, "token", "机器人 access_token"),
        (
            {"kind": "webhook", "url": "https://oa.example/hook", "secret": WEBHOOK_SECRET},
            "secret",
            "签名密钥",
        ),
        (
            {
                "kind": "email",
                "host": "smtp.example.gov.cn",
                "sender": "a@example.gov.cn",
                "recipients": "b@example.gov.cn",
                "username": "a",
                "password": "hunter2-long",
            },
            "password",
            "密码",
        ),
    ],
)
def test_a_new_channel_with_a_literal_secret_is_refused_naming_the_field(
    config: dict[str, Any], field: str, label: str
) -> None:
    error = refusal(lambda: check_new_config(config))
    assert error.field == field
    assert error.message == f"{label}（{field}）：请填写 env:变量名 或 file:/文件路径，密钥本身不会写入记录"
    assert str(config[field]) not in error.message


def test_a_new_channel_with_references_is_checked_without_reading_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOT_SET_YET", raising=False)
    config = {"kind": "webhook", "url": "https://oa.example/hook", "secret": "env:NOT_SET_YET"}
    assert check_new_config(config)["secret"] == "env:NOT_SET_YET"
    robot = {"kind": "wecom", "key": "file:/run/secrets/wecom.key"}
    assert check_new_config(robot)["base_url"] == "https://qyapi.weixin.qq.com"
    mail = {
        "kind": "email",
        "host": "smtp.example.gov.cn",
        "sender": "a@example.gov.cn",
        "recipients": "b@example.gov.cn",
        "username": "a",
        "password": "env:SMTP_PASSWORD",
    }
    assert check_new_config(mail)["password"] == "env:SMTP_PASSWORD"
    refuse_literals({"kind": "email", "host": "h", "password": ""})  # no password is no secret


def test_other_settings_of_a_new_channel_are_still_checked() -> None:
    error = refusal(
        lambda: check_new_config({"kind": "webhook", "url": "ftp://x", "secret": "env:WH_SECRET"})
    )
    assert error.field == "url"
    error = refusal(lambda: check_new_config({"kind": "dingtalk", "token": "env:DT_TOKEN"}))
    assert (error.field, error.message) == ("secret", "缺少加签密钥 secret（secret）")
    error = refusal(lambda: check_new_config({"kind": "wecom", "key": "env:bad-name"}))
    assert error.field == "key"


def test_a_stored_literal_still_passes_the_check_of_a_stored_configuration() -> None:
    legacy = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": WEBHOOK_SECRET}
    assert check_config(legacy)["secret"] == WEBHOOK_SECRET
    legacy_robot = {"kind": "wecom", "key": "https://qyapi.example.gov.cn/cgi-bin/webhook/send?key=wk-9"}
    assert check_config(legacy_robot)["base_url"] == "https://qyapi.example.gov.cn"


def test_build_channel_reads_the_secrets_each_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "wecom.key"
    key.write_text("https://qyapi.example.gov.cn/cgi-bin/webhook/send?key=wk-pasted\n")
    channel = build_channel({"kind": "wecom", "key": f"file:{key}"})
    assert (channel.key, channel.base_url) == ("wk-pasted", "https://qyapi.example.gov.cn")  # type: ignore[attr-defined]
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", WEBHOOK_SECRET)
    hook = build_channel(
        {"kind": "webhook", "url": "http://127.0.0.1:9/h", "secret": "env:TEST_WEBHOOK_SECRET"}
    )
    assert hook.secret == WEBHOOK_SECRET  # type: ignore[attr-defined]
    monkeypatch.delenv("TEST_WEBHOOK_SECRET")
    with pytest.raises(SecretUnavailableError, match="环境变量 TEST_WEBHOOK_SECRET 未设置"):
        build_channel({"kind": "webhook", "url": "http://127.0.0.1:9/h", "secret": "env:TEST_WEBHOOK_SECRET"})


def test_a_listing_shows_references_as_typed_and_masks_literals() -> None:
    config = {
        "key": "env:WECOM_KEY",
        "secret": "whsec_literal",
        "password": "",
        "token": "file:/run/secrets/dt",
        "url": "https://oa.example/hook?token=very-secret",
        "base_url": "https://qyapi.weixin.qq.com",
        "host": "smtp.example.gov.cn",
    }
    assert masked(config) == {
        "key": "env:WECOM_KEY",
        "secret": "***",
        "password": "",
        "token": "file:/run/secrets/dt",
        "url": "https://oa.example/hook?…（已隐藏）",
        "base_url": "https://qyapi.weixin.qq.com",
        "host": "smtp.example.gov.cn",
    }
