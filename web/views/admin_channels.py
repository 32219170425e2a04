"""管理 › 渠道: add a delivery channel (its settings checked by building it, secrets
never shown again) and send a test message. Routes of the ``admin`` blueprint
(``web.views.admin``).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user

from tracker.domain.errors import TrackerError
from tracker.notify.channels import ChannelConfigError, build_channel
from tracker.notify.channels.config import FIELDS, KINDS
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
