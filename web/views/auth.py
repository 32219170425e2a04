"""Signing in and out, and the user's display preference (元 / 万元)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from web.auth import WebUser
from web.extensions import tracker

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no ``//host`` or ``https://…``): no open redirect."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    name = ""
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        password = request.form.get("password") or ""
        if not name or not password:
            error = "请输入用户名和密码"
        else:
            account = tracker().authenticate(name, password)
            if account is None:
                error = "用户名或密码不正确，或账号已停用"
            else:
                session.clear()
                login_user(WebUser(account))
                return redirect(safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, name=name), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    logout_user()
    session.clear()
    flash("已退出登录")
    return redirect(url_for("auth.login"))


@bp.route("/preferences/money-unit", methods=["POST"])
@login_required
def money_unit() -> Any:
    chosen = request.form.get("unit")
    session["money_unit"] = chosen if chosen in ("yuan", "wan") else "yuan"
    return redirect(safe_next(request.form.get("next")))


def init_limits(app: Any) -> None:
    """Login attempts per address (and per name) are limited: guessing is slow."""
    lim = app.extensions["login_limiter"]
    limit = app.config["LOGIN_RATE_LIMIT"]
    view = app.view_functions["auth.login"]
    app.view_functions["auth.login"] = lim.limit(limit, methods=["POST"])(
        lim.limit(limit, methods=["POST"], key_func=lambda: "name:" + (request.form.get("name") or ""))(view)
    )
