"""管理 › 用户: add an account (every problem of the form listed at once), grant and
withdraw roles, disable and enable an account; an administrator cannot take away their
own administration or lock themselves out. Routes of the ``admin`` blueprint
(``web.views.admin``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, request
from flask_login import current_user

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
from web.auth import ADMIN, roles_required
from web.extensions import tracker
from web.form_errors import FormErrors
from web.views.admin import bp, done, form_errors, run, show, typed


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
