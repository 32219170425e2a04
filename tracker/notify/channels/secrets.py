"""Channel secrets kept out of the event store: a configuration names where the secret
is, and the value is read only when a message is sent.

Events are kept for ever and copied into every backup and replica, so a robot key
written into one can never be taken back. A new channel therefore stores, for each
secret field, a reference: ``env:NAME`` (the environment variable NAME of the process
that sends) or ``file:/absolute/path`` (the file's content, stripped: a Docker or
systemd credential). The form of a reference is checked when the channel is added;
whether the variable or file exists is checked when sending and by ``tracker channels
test``, with a Chinese message naming the variable or file (never the secret).

Channels written by older releases hold their secrets as literal values; those are used
as they are, and listings mask them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from tracker.notify.channels.base import ChannelConfigError

SECRET_FIELDS: dict[str, dict[str, str]] = {
    "wecom": {"key": "机器人 key"},
    "dingtalk": {"token": "机器人 access_token", "secret": "加签密钥"},
    "email": {"password": "密码"},
    "webhook": {"secret": "签名密钥"},
}
# Masked in listings whatever the kind (``access_token`` was never a field, but a
# listing masked it in earlier releases, and still does).
MASKED_KEYS = ("key", "secret", "password", "token", "access_token")
ENV, FILE = "env:", "file:"
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
HOW = "请填写 env:变量名 或 file:/文件路径，密钥本身不会写入记录"
MASK = "***"


class SecretUnavailableError(ChannelConfigError):
    """A reference whose variable or file cannot be read now (at send or test time)."""


def is_reference(value: Any) -> TypeGuard[str]:
    """Whether a stored value names a secret (``env:``/``file:``) rather than being one."""
    return isinstance(value, str) and value.strip().startswith((ENV, FILE))


def check_reference(value: str, field: str, label: str) -> str:
    """The reference, stripped, if its form is right; ``ChannelConfigError`` naming the field if not.

    The name after ``env:`` is not echoed back: whatever was typed there might be the
    secret itself, pasted in the wrong place.
    """
    reference = value.strip()
    if reference.startswith(ENV):
        if not ENV_NAME.fullmatch(reference[len(ENV) :]):
            hint = "变量名只能由大写字母、数字和下划线组成，且不以数字开头，如 env:WECOM_KEY"
            raise ChannelConfigError(f"{label}（{field}）：环境变量名不正确，{hint}", field)
        return reference
    path = reference[len(FILE) :]
    if not path or not os.path.isabs(path):
        hint = "必须是绝对路径，如 file:/etc/tracker/wecom.key"
        raise ChannelConfigError(f"{label}（{field}）：密钥文件路径{hint}", field)
    return reference


def refuse_literals(config: Mapping[str, Any]) -> None:
    """A new channel's secret fields must be references: a literal is refused by name,
    before anything is recorded."""
    for field, label in SECRET_FIELDS.get(str(config.get("kind")), {}).items():
        value = config.get(field)
        if value in (None, ""):
            continue
        if not is_reference(value):
            raise ChannelConfigError(f"{label}（{field}）：{HOW}", field)
        check_reference(value, field, label)


def resolve(value: Any, field: str, label: str) -> Any:
    """The secret a stored value stands for: read from the environment or the file now,
    or the value itself when it is a literal from an older release."""
    if not is_reference(value):
        return value
    reference = check_reference(value, field, label)
    where = f"{label}（{field}）："
    if reference.startswith(ENV):
        name = reference[len(ENV) :]
        found = os.environ.get(name)
        if found is None:
            raise SecretUnavailableError(f"{where}环境变量 {name} 未设置", field)
        if not found:
            raise SecretUnavailableError(f"{where}环境变量 {name} 是空的", field)
        return found
    path = reference[len(FILE) :]
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SecretUnavailableError(f"{where}密钥文件 {path} 不存在", field) from None
    except IsADirectoryError:
        raise SecretUnavailableError(f"{where}密钥文件 {path} 是一个目录", field) from None
    except PermissionError:
        raise SecretUnavailableError(f"{where}无法读取密钥文件 {path}：权限不足", field) from None
    except UnicodeDecodeError:
        raise SecretUnavailableError(f"{where}密钥文件 {path} 不是 UTF-8 文本", field) from None
    except OSError as error:
        raise SecretUnavailableError(f"{where}无法读取密钥文件 {path}：{error.strerror}", field) from None
    if not text:
        raise SecretUnavailableError(f"{where}密钥文件 {path} 是空的", field)
    return text


def resolve_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration with every secret reference replaced by the secret (send time only:
    the result must never be stored or shown)."""
    fields = SECRET_FIELDS.get(str(config.get("kind")), {})
    return {
        key: resolve(value, key, fields[key]) if key in fields and value not in (None, "") else value
        for key, value in config.items()
    }


def masked(config: Mapping[str, Any]) -> dict[str, Any]:
    """A stored configuration as a listing may show it: references as typed, literal
    secrets as ``***``, and a URL without its query (a token often hides there)."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key in MASKED_KEYS and value and not is_reference(value):
            out[key] = MASK
        elif key in ("url", "base_url") and isinstance(value, str) and urlsplit(value).query:
            out[key] = value.split("?", 1)[0] + "?…（已隐藏）"
        else:
            out[key] = value
    return out
