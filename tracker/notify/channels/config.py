"""Checking a unit's channel configuration before it is stored or used.

Every refusal is a ``ChannelConfigError`` in Chinese naming the offending key, so the
web form can mark the field and the CLI can print something an administrator can act
on. Unknown keys are refused too: a misspelt ``secert`` would otherwise be ignored
silently and the robot would fail much later, at the first real alert.

A secret field may hold a reference (``env:NAME``, ``file:/path``, see ``secrets``):
only its form is checked here, since the secret is read at send time; a new channel
must use one (``check_new_config``), a stored one from an older release may not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tracker.notify.channels import dingtalk, mail, webhook, wecom
from tracker.notify.channels.base import ChannelConfigError
from tracker.notify.channels.secrets import check_reference, is_reference, refuse_literals

KINDS = {"wecom": "企业微信机器人", "dingtalk": "钉钉机器人", "email": "电子邮件", "webhook": "Webhook"}
COMMON = {"kind", "timeout", "ca_file", "insecure", "name", "unit", "enabled"}
FIELDS = {
    "wecom": {"key", "base_url"},
    "dingtalk": {"token", "secret", "base_url"},
    "email": {"host", "port", "sender", "recipients", "security", "username", "password", "sender_name"},
    "webhook": {"url", "secret"},
}
ROBOT_PATHS = {"wecom": ("/cgi-bin/webhook/send", "key"), "dingtalk": ("/robot/send", "access_token")}


def _optional(config: Mapping[str, Any], field: str, label: str) -> str | None:
    value = config.get(field)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or any(ch.isspace() for ch in value.strip()):
        raise ChannelConfigError(f"{label}（{field}）必须是不含空白的字符串", field)
    return value.strip()


def _required(config: Mapping[str, Any], field: str, label: str) -> str:
    value = _optional(config, field, label)
    if value is None:
        raise ChannelConfigError(f"缺少{label}（{field}）", field)
    return value


def _secret(config: Mapping[str, Any], field: str, label: str) -> str:
    """A reference (its form checked, kept as it is for send time) or a literal secret."""
    value = config.get(field)
    if is_reference(value):
        return check_reference(value, field, label)
    return _required(config, field, label)


def check_url(value: str, field: str, label: str, *, base: bool = False) -> str:
    """http(s), a host, a valid port; a base URL has no query or fragment to append to."""
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        hint = "应为 http:// 或 https:// 开头的完整地址"
        raise ChannelConfigError(f"{label}（{field}）格式不正确：{value!r}，{hint}", field)
    if base and (parts.query or parts.fragment):
        raise ChannelConfigError(f"{label}（{field}）不应包含 ? 或 # 之后的部分", field)
    return value.rstrip("/") if base else value


def _robot(kind: str, config: Mapping[str, Any], field: str, label: str) -> tuple[str, str | None]:
    """The key/token, accepting the whole webhook address an admin copies from the group
    (also as the value a reference stands for: it is split again at send time)."""
    value = _secret(config, field, label)
    if is_reference(value) or not value.startswith(("http://", "https://")):
        return value, None
    path, param = ROBOT_PATHS[kind]
    parts = urlsplit(check_url(value, field, label))
    found = parse_qs(parts.query).get(param)
    if not parts.path.endswith(path) or not found:
        hint = "请粘贴机器人的完整 Webhook 地址"
        raise ChannelConfigError(f"{label}（{field}）地址中找不到 {param}：{hint}", field)
    return found[0], f"{parts.scheme}://{parts.netloc}{parts.path[: -len(path)]}"


def _common(config: Mapping[str, Any]) -> dict[str, Any]:
    timeout = config.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise ChannelConfigError("超时时间（timeout）必须是 0 到 120 之间的秒数", "timeout")
    ca_file = _optional(config, "ca_file", "CA 证书文件")
    if ca_file and not os.path.isfile(ca_file):
        raise ChannelConfigError(f"CA 证书文件（ca_file）不存在：{ca_file}", "ca_file")
    if not isinstance(config.get("insecure", False), bool):
        raise ChannelConfigError("insecure 必须是 true 或 false（仅供测试）", "insecure")
    return {"timeout": float(timeout), "ca_file": ca_file, "insecure": config.get("insecure", False)}


def _port(config: Mapping[str, Any]) -> int:
    port = config.get("port", 465)
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ChannelConfigError(f"端口（port）必须是 1 到 65535 之间的整数：{port!r}", "port")
    return port


def _address(value: Any, field: str, label: str) -> str:
    address = parseaddr(value)[1] if isinstance(value, str) else ""
    local, _, domain = address.partition("@")
    if not local or "." not in domain or address != value.strip():
        raise ChannelConfigError(f"{label}（{field}）地址格式不正确：{value!r}", field)
    return address


def _email(config: Mapping[str, Any]) -> dict[str, Any]:
    host = _required(config, "host", "SMTP 服务器地址")
    sender = _address(_required(config, "sender", "发件人地址"), "sender", "发件人")
    raw = config.get("recipients")
    items = raw.replace(";", ",").split(",") if isinstance(raw, str) else raw
    if not items or not isinstance(items, list | tuple) or not any(str(i).strip() for i in items):
        raise ChannelConfigError("缺少收件人（recipients）", "recipients")
    recipients = [_address(i, "recipients", "收件人") for i in items if str(i).strip()]
    port = _port(config)
    security = config.get("security") or mail.default_security(port)
    if security not in mail.SECURITIES:
        raise ChannelConfigError("加密方式（security）必须是 ssl、starttls 或 plain", "security")
    username = _optional(config, "username", "用户名")
    password = config.get("password")
    if is_reference(password):
        password = _secret(config, "password", "密码")
    if password and not username:
        raise ChannelConfigError("填写了密码但缺少用户名（username）", "username")
    out = {
        "host": host,
        "port": port,
        "sender": sender,
        "recipients": recipients,
        "security": security,
        "username": username,
        "password": password,
    }
    if config.get("sender_name"):
        out["sender_name"] = str(config["sender_name"])
    return out


def check_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration normalised (defaults filled in, pasted robot URLs split), or an error."""
    if not isinstance(config, Mapping):
        raise ChannelConfigError("渠道配置必须是一个对象（字典）", "kind")
    kind = config.get("kind")
    if kind not in KINDS:
        choices = "、".join(KINDS)
        what = f"未知的渠道类型：{kind!r}" if kind else "缺少渠道类型"
        raise ChannelConfigError(f"{what}（kind），可选：{choices}", "kind")
    for field in config:
        if field not in COMMON | FIELDS[kind]:
            raise ChannelConfigError(f"{KINDS[kind]}没有配置项 {field}", str(field))
    out = {"kind": kind, **_common(config)}
    if kind in ("wecom", "dingtalk"):
        field, label = ("key", "机器人 key") if kind == "wecom" else ("token", "机器人 access_token")
        secret, pasted_base = _robot(kind, config, field, label)
        default = wecom.DEFAULT_BASE_URL if kind == "wecom" else dingtalk.DEFAULT_BASE_URL
        base = config.get("base_url") or pasted_base or default
        out |= {field: secret, "base_url": check_url(str(base), "base_url", "接口地址", base=True)}
        if kind == "dingtalk":
            out["secret"] = _secret(config, "secret", "加签密钥 secret")
    elif kind == "email":
        out |= _email(config)
    else:
        out["url"] = check_url(_required(config, "url", "Webhook 地址"), "url", "Webhook 地址")
        secret = _secret(config, "secret", "签名密钥")
        try:
            if not is_reference(secret):
                webhook.decode_secret(secret)
        except ValueError:
            hint = "应为 whsec_ 加 Base64 编码的至少 24 字节密钥"
            raise ChannelConfigError(f"签名密钥（secret）格式不正确：{hint}", "secret") from None
        out["secret"] = secret
    return out


def check_new_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``check_config`` for a channel about to be added: its secrets must be references
    (``env:NAME`` or ``file:/path``); a literal secret is refused, naming the field."""
    refuse_literals(config)
    return check_config(config)
