"""管理 › 渠道: add a delivery channel and send a test message. Routes of the ``admin``
blueprint (``web.views.admin``).

A channel's secrets are typed as references (``env:变量名``, ``file:/文件路径``) and
checked with ``check_new_config`` before the command: a literal secret is refused
beside its box and never shown again; a reference is shown again like any setting.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user

from tracker.domain.errors import TrackerError
from tracker.notify.channels import ChannelConfigError, check_new_config
from tracker.notify.channels.config import FIELDS, KINDS
from tracker.notify.channels.secrets import SECRET_FIELDS, is_reference
from tracker.notify.delivery import test_channel
from web.auth import ADMIN, roles_required
from web.extensions import tracker
from web.views.admin import CHANNEL_LABELS, PURPOSES, SECRET_KEYS, bp, done, form_errors, run, show, typed


@bp.route("/admin/channels/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def channel_new() -> Any:
    errors = form_errors("channel")
    if request.method == "POST":
        f = typed()
        kind = f.get("kind", "")
        typed_in = {key: request.form.get(f"{kind}_{key}", "").strip() for key in FIELDS.get(kind, ())}
        config = {key: value for key, value in typed_in.items() if value}
        f = {k: v for k, v in f.items() if not _a_secret(k, v)}  # a secret is never shown again
        for key in SECRET_FIELDS.get(kind, {}):  # a reference is (``typed`` drops any password box)
            if is_reference(typed_in.get(key)):
                f[f"{kind}_{key}"] = typed_in[key]
        if kind not in KINDS:
            errors.add("kind", "渠道类型：请选择企业微信、钉钉、电子邮件或 Webhook")
        else:
            try:
                check_new_config({"kind": kind, **config})  # a bad setting or a literal secret, by name
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
            secret_fields=SECRET_FIELDS,
        )
    return show(
        "channel_new",
        values={"purpose": "alerts"},
        kinds=KINDS,
        purposes=PURPOSES,
        fields=FIELDS,
        labels=CHANNEL_LABELS,
        secret_fields=SECRET_FIELDS,
    )


def _a_secret(name: str, value: str) -> bool:
    """Whether a typed box holds a secret itself (``webhook_secret=whsec_…``), which must
    not be sent back to the browser; a reference (``env:…``) is not one."""
    return name.rpartition("_")[2] in SECRET_KEYS and bool(value) and not is_reference(value)


@bp.route("/admin/channels/<channel_id>/test", methods=["POST"])
@roles_required(ADMIN)
def channel_test(channel_id: str) -> Any:
    """Send a test message now and say what happened (nothing is recorded)."""
    try:
        flash(test_channel(tracker(), channel_id), "ok")
    except (TrackerError, ChannelConfigError) as e:
        flash(e.message, "error")
    return redirect(url_for("admin.index", _anchor="channels"))
