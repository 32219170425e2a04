"""管理 (administrators only): units and their tree, users and roles, delivery channels
with a test send, and each unit's status rule and alert settings.

Every change goes through the service layer's commands, each form carrying its CSRF
token and its own request id (a double submit records once). A refusal comes back on
the form that was sent, beside the field it names, with everything typed (never a
password). Channel secrets are never shown: a listing says only that one is set.

This module holds the blueprint, what every admin form shares and the overview; the
routes of units (``admin_units``), users (``admin_users``) and channels
(``admin_channels``) are in their own modules, imported at the end so that they
register on ``bp``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from tracker.domain.alert import RULE_LABELS
from tracker.domain.errors import TrackerError
from tracker.domain.user import ROLE_LABELS, ROLES, UNIT_ROLES
from tracker.notify.channels.config import FIELDS, KINDS
from tracker.queries import SHANGHAI
from web.auth import ADMIN, roles_required
from web.extensions import tracker
from web.form_errors import FormErrors
from web.views.dashboard import unit_tree

bp = Blueprint("admin", __name__)

PURPOSES = {"alerts": "预警", "managers": "升级给领导", "digest": "定期汇总"}
SECRET_KEYS = ("key", "secret", "password", "token", "access_token")
REFERENCE = ("env:", "file:")  # a reference to a secret, not the secret itself
CHANNEL_LABELS = {
    "key": "机器人 key 或完整 Webhook 地址",
    "token": "机器人 access_token 或完整 Webhook 地址",
    "secret": "加签密钥 / 签名密钥",
    "base_url": "接口地址（可不填）",
    "host": "SMTP 服务器",
    "port": "端口",
    "sender": "发件人地址",
    "recipients": "收件人（多个用逗号分隔）",
    "security": "加密方式（ssl、starttls 或 plain）",
    "username": "用户名",
    "password": "密码",
    "sender_name": "发件人名称",
    "url": "Webhook 地址",
}
FORMS: dict[str, tuple[dict[str, str], dict[str, str], str]] = {  # fields, labels, fallback
    "unit": (
        {"单位编码": "code", "单位名称": "name", "上级单位": "parent"},
        {"code": "单位编码", "name": "单位名称", "parent": "上级单位"},
        "code",
    ),
    "rule": (
        {"预警规则": "rule", "黄色阈值": "yellow", "红色阈值": "red", "最少落后百分点": "min_points"},
        {"rule": "滞后规则", "yellow": "黄色阈值", "red": "红色阈值", "min_points": "最少落后百分点"},
        "rule",
    ),
    "alerts": (
        {"预警规则": "rules", "升级天数": "escalation_days"},
        {"rules": "预警规则", "escalation_days": "升级天数", "managers": "升级对象"},
        "rules",
    ),
    "user": (
        {"用户名": "name", "姓名": "display_name", "角色": "role", "单位": "units", "密码": "password"},
        {"name": "用户名", "display_name": "姓名", "role": "角色", "units": "单位", "password": "初始密码"},
        "name",
    ),
    "grant": ({"角色": "role", "单位": "units"}, {"role": "角色", "units": "单位"}, "role"),
    "account": ({}, {}, "account"),
    "channel": (
        {"单位编码": "unit", "渠道名称": "name", "渠道类型": "kind", "用途": "purpose"},
        {"unit": "单位", "name": "渠道名称", "kind": "渠道类型", "purpose": "用途"},
        "kind",
    ),
}


def form_errors(form: str) -> FormErrors:
    fields, labels, fallback = FORMS[form]
    if form == "channel":
        labels = {**labels, **{f"{k}_{f}": CHANNEL_LABELS[f] for k, fs in FIELDS.items() for f in fs}}
    return FormErrors(fields, labels, fallback)


def run(errors: FormErrors, command: Callable[[str], Any]) -> bool:
    """The command with the form's request id; True when it was recorded (or already was)."""
    if errors:
        return False
    try:
        command(request.form.get("request_id") or str(uuid.uuid4()))
    except TrackerError as e:
        errors.refuse(e)
        return False
    return True


def typed() -> dict[str, Any]:
    """What was typed, to show again (never a password)."""
    values: dict[str, Any] = {k: v.strip() for k, v in request.form.items() if "password" not in k}
    values["units"] = request.form.getlist("units")
    values["rules"] = request.form.getlist("rules")
    return values


def done(message: str, endpoint: str = "admin.index", anchor: str | None = None, **values: Any) -> Any:
    flash(message, "ok")
    return redirect(url_for(endpoint, _anchor=anchor, **values))


def show(template: str, errors: FormErrors | None = None, **context: Any) -> Any:
    """The page; with refusals, 422 and each message beside its field and in the summary."""
    status = 422 if errors else 200
    units = tracker().units()
    return (
        render_template(
            f"admin/{template}.html",
            errors=dict(errors.messages) if errors else {},
            summary=errors.summary() if errors else {},
            unit_options=unit_tree(units, None),
            unit_names={u["code"]: u["name"] for u in units},
            role_labels=ROLE_LABELS,
            role_options=[(r, ROLE_LABELS[r]) for r in ROLES],
            unit_roles=UNIT_ROLES,
            new_request_id=lambda: str(uuid.uuid4()),
            beijing=beijing,
            secret_keys=SECRET_KEYS,
            **context,
        ),
        status,
    )


def beijing(stamp: str) -> str:
    """A recorded moment (ISO, UTC) as Beijing time to the minute."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)[:16]
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------ overview


@bp.route("/admin")
@roles_required(ADMIN)
def index() -> Any:
    t = tracker()
    rules = t.queries.units()
    return show(
        "index",
        units=unit_tree(t.units(), None),
        rules=rules,
        settings={code: t.alert_settings(code) for code in rules},
        accounts=t.accounts(),
        channels=[{**c, "shown": masked(c["config"])} for c in t.channels()],
        kinds=KINDS,
        purposes=PURPOSES,
        rule_labels=RULE_LABELS,
    )


def masked(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A channel's settings as a page may show them: secrets only as 已设置."""
    out = []
    for key, value in config.items():
        if value in (None, "", []):
            continue
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        if key in SECRET_KEYS and not text.startswith(REFERENCE):
            text = "已设置（不显示）"
        elif key in ("url", "base_url"):
            parts = urlsplit(text)
            text = f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…（已隐藏）" if parts.query else "")
        out.append((CHANNEL_LABELS.get(key, key), text))
    return out


# The routes of each part register on ``bp`` when imported (after everything above,
# which they use).
from web.views import admin_channels, admin_units, admin_users  # noqa: E402, F401
