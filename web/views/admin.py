"""管理 (administrators only): units and their tree, users and roles, delivery channels
with a test send, and each unit's status rule and alert settings.

Every change goes through the service layer's commands, each form carrying its CSRF
token and its own request id (a double submit records once). A refusal comes back on
the form that was sent, beside the field it names, with everything typed (never a
password). Channel secrets are never shown: a listing says only that one is set.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.domain.alert import RULE_LABELS, RULES
from tracker.domain.errors import TrackerError
from tracker.domain.user import (
    ROLE_LABELS,
    ROLES,
    UNIT_ROLES,
    check_password,
    check_scope,
    parse_display_name,
    parse_roles,
    parse_units,
    parse_user_name,
)
from tracker.notify.channels import ChannelConfigError, build_channel
from tracker.notify.channels.config import FIELDS, KINDS
from tracker.notify.delivery import test_channel
from tracker.queries import SHANGHAI
from web.auth import ADMIN, roles_required
from web.extensions import tracker
from web.form_errors import FormErrors
from web.views.dashboard import unit_tree

bp = Blueprint("admin", __name__)

PURPOSES = {"alerts": "预警", "managers": "升级给领导", "digest": "定期汇总"}
RULE_KINDS = {"ratio": "比例规则（执行率 ÷ 序时进度）", "points": "百分点规则（落后的百分点）"}
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
        {"预警规则": "rule", "黄色阈值": "yellow", "红色阈值": "red"},
        {"rule": "滞后规则", "yellow": "黄色阈值", "red": "红色阈值"},
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


# ---------------------------------------------------------------------- units


@bp.route("/admin/units/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit_new() -> Any:
    errors = form_errors("unit")
    if request.method == "POST":
        f = typed()
        if run(
            errors,
            lambda rid: tracker().add_unit(
                f.get("code", ""),
                f.get("name", ""),
                f.get("parent") or None,
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已添加单位 {f['code']} {f['name']}", anchor="units")
        return show("unit_new", errors, values=f)
    return show("unit_new", values={"parent": request.args.get("parent", "")})


@bp.route("/admin/units/<code>", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit(code: str) -> Any:
    t = tracker()
    row = t.queries.units().get(code)
    if row is None:
        abort(404)
    errors = {"rule": form_errors("rule"), "alerts": form_errors("alerts")}
    values: dict[str, Any] = {
        "rule": {"rule": row["status_rule"], "yellow": row["yellow"], "red": row["red"]},
        "alerts": {**t.alert_settings(code)},
    }
    sent = request.form.get("form") if request.method == "POST" else None
    if sent == "rule":
        f = values["rule"] = typed()
        if run(
            errors["rule"],
            lambda rid: t.change_unit_settings(
                code,
                rule=f.get("rule", ""),
                yellow=f.get("yellow") or None,
                red=f.get("red") or None,
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已保存单位 {code} 的滞后规则", "admin.unit", code=code)
    elif sent == "alerts":
        f = values["alerts"] = typed()
        days = _days(f.get("escalation_days", ""), errors["alerts"])
        if run(
            errors["alerts"],
            lambda rid: t.change_alert_settings(
                code,
                rules_enabled=f["rules"],
                escalation_days=days,
                managers=f.get("managers", ""),
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已保存单位 {code} 的预警设置", "admin.unit", code=code)
    elif sent is not None:
        abort(400)
    failed = errors.get(sent or "")
    return show(
        "unit",
        failed,
        unit=row,
        forms={k: (dict(e.messages) if k == sent else {}) for k, e in errors.items()},
        summaries={k: (e.summary() if k == sent else {}) for k, e in errors.items()},
        values=values,
        rule_kinds=RULE_KINDS,
        rule_labels=RULE_LABELS,
        all_rules=RULES,
    )


def _days(text: str, errors: FormErrors) -> int:
    if text.isdigit():
        return int(text)
    errors.add("escalation_days", "升级天数：请填写 1 到 60 之间的整数（工作日）")
    return 0


# ---------------------------------------------------------------------- users


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def user_new() -> Any:
    errors = form_errors("user")
    if request.method == "POST":
        f = typed()
        units = f["units"] if f.get("role") in UNIT_ROLES else []
        check_user_form(f, units, request.form.get("password", ""), errors)
        if run(
            errors,
            lambda rid: tracker().add_user(
                f.get("name", ""),
                roles=[f.get("role", "")],
                units=units,
                password=request.form.get("password", ""),
                display_name=f.get("display_name", ""),
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已添加用户 {f['name']}", "admin.user", name=f["name"])
        return show("user_new", errors, values=f, roles=ROLES)
    return show("user_new", values={}, roles=ROLES)


def check_user_form(f: Mapping[str, Any], units: list[str], password: str, errors: FormErrors) -> None:
    """Every field of a new account at once (GOV.UK: all the errors, not the first);
    the command checks them again, with the database."""
    checks: list[Callable[[], Any]] = [
        lambda: parse_user_name(f.get("name", "")),
        lambda: parse_display_name(f.get("display_name", "")),
        lambda: check_scope(parse_roles([f.get("role", "")]), parse_units(units)),
        lambda: check_password(password),
    ]
    for check in checks:
        try:
            check()
        except TrackerError as e:
            errors.refuse(e)


def beijing(stamp: str) -> str:
    """A recorded moment (ISO, UTC) as Beijing time to the minute."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)[:16]
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M")


@bp.route("/admin/users/<name>", methods=["GET", "POST"])
@roles_required(ADMIN)
def user(name: str) -> Any:
    t = tracker()
    account = t.account(name)
    if account is None:
        abort(404)
    action = request.form.get("action") if request.method == "POST" else None
    errors = form_errors("grant" if action == "grant" else "account")
    f = typed() if action else {}
    me = name == current_user.name
    if action == "grant":
        units = f["units"] if f.get("role") in UNIT_ROLES else []
        ok = run(
            errors,
            lambda rid: t.grant_role(name, f.get("role", ""), units, user=current_user.name, request_id=rid),
        )
        message = f"已授予 {name} {ROLE_LABELS.get(f.get('role', ''), '')}角色"
    elif action == "withdraw":
        if me and f.get("role") == ADMIN:
            errors.add("account", "不能撤销自己的系统管理员角色：请由另一位管理员操作")
        ok = run(
            errors,
            lambda rid: t.withdraw_role(name, f.get("role", ""), user=current_user.name, request_id=rid),
        )
        message = f"已撤销 {name} 的{ROLE_LABELS.get(f.get('role', ''), '')}角色"
    elif action in ("disable", "enable"):
        if me:
            errors.add("account", "不能停用或启用自己的账号：请由另一位管理员操作")
        command = t.disable_user if action == "disable" else t.enable_user
        ok = run(errors, lambda rid: command(name, user=current_user.name, request_id=rid))
        message = f"已{'停用' if action == 'disable' else '启用'}用户 {name}"
    elif action is not None:
        abort(400)
    if action and ok:
        return done(message, "admin.user", name=name)
    return show(
        "user",
        errors if action else None,
        account=t.account(name),
        values=f if action == "grant" else {},
        roles=ROLES,
        me=me,
        action=action,
    )


# ------------------------------------------------------------------- channels


@bp.route("/admin/channels/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def channel_new() -> Any:
    errors = form_errors("channel")
    if request.method == "POST":
        f = typed()
        kind = f.get("kind", "")
        typed_in = {key: request.form.get(f"{kind}_{key}", "").strip() for key in FIELDS.get(kind, ())}
        config = {key: value for key, value in typed_in.items() if value}
        f = {k: v for k, v in f.items() if k.rpartition("_")[2] not in SECRET_KEYS}  # never shown again
        if kind not in KINDS:
            errors.add("kind", "渠道类型：请选择企业微信、钉钉、电子邮件或 Webhook")
        else:
            try:
                build_channel({"kind": kind, **config})  # refuses a bad setting, naming it
            except ChannelConfigError as e:
                errors.add(f"{kind}_{e.field}" if e.field in FIELDS[kind] else "kind", str(e))
        if run(
            errors,
            lambda rid: tracker().add_channel(
                f.get("unit", ""),
                name=f.get("name", ""),
                kind=kind,
                config=config,
                purpose=f.get("purpose", ""),
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已添加渠道“{f['name']}”，可在列表中发送测试消息", anchor="channels")
        return show(
            "channel_new",
            errors,
            values=f,
            kinds=KINDS,
            purposes=PURPOSES,
            fields=FIELDS,
            labels=CHANNEL_LABELS,
        )
    return show(
        "channel_new",
        values={"purpose": "alerts"},
        kinds=KINDS,
        purposes=PURPOSES,
        fields=FIELDS,
        labels=CHANNEL_LABELS,
    )


@bp.route("/admin/channels/<channel_id>/test", methods=["POST"])
@roles_required(ADMIN)
def channel_test(channel_id: str) -> Any:
    """Send a test message now and say what happened (nothing is recorded)."""
    try:
        flash(test_channel(tracker(), channel_id), "ok")
    except (TrackerError, ChannelConfigError) as e:
        flash(e.message, "error")
    return redirect(url_for("admin.index", _anchor="channels"))
