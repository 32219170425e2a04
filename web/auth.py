"""Who is asking, and what they may see and do.

Roles (``tracker.domain.user``): an **officer** records for the units given to them and
their subtrees; a **manager** reads their units' subtrees, acknowledges alerts and signs
off self-evaluations, and records no payments; an **auditor** reads everything, full
history included, and changes nothing; an **admin** keeps units, users, channels and
settings. Every check is made on the server for every page, form and API call: a
listing shows only what the caller may read, and asking for anything else is 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, g, request
from flask_login import LoginManager, UserMixin, current_user

from web.extensions import tracker

OFFICER, MANAGER, AUDITOR, ADMIN = "officer", "manager", "auditor", "admin"
ROLE_LABELS = {OFFICER: "财务人员", MANAGER: "管理人员", AUDITOR: "审计人员", ADMIN: "系统管理员"}
F = TypeVar("F", bound=Callable[..., Any])


class WebUser(UserMixin):
    """A signed-in account as Flask-Login sees it (the name is the session's id)."""

    def __init__(self, account: Any) -> None:
        self.account = account
        self.name: str = account.name
        self.roles: tuple[str, ...] = tuple(account.roles)
        self.units: tuple[str, ...] = tuple(account.units)

    def get_id(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return "、".join(ROLE_LABELS.get(r, r) for r in self.roles)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


@dataclass(frozen=True)
class Scope:
    """The units a user may read and the ones they may record for."""

    readable: frozenset[str] | None  # None: every unit
    recordable: frozenset[str]
    managed: frozenset[str]

    def can_read(self, unit: str) -> bool:
        return self.readable is None or unit in self.readable

    def can_record(self, unit: str) -> bool:
        return unit in self.recordable

    def can_manage(self, unit: str) -> bool:
        return unit in self.managed

    def filter(self, rows: Iterable[Any], key: str = "unit_code") -> list[Any]:
        """Only the rows of readable units (dicts or objects with ``key``)."""
        return [r for r in rows if self.can_read(r[key] if isinstance(r, dict) else getattr(r, key))]


def subtree(roots: Iterable[str], units: list[dict[str, Any]]) -> frozenset[str]:
    """The given units and every unit below them."""
    children: dict[str | None, list[str]] = {}
    for u in units:
        children.setdefault(u["parent_code"], []).append(u["code"])
    seen: set[str] = set()
    stack = [r for r in roots if any(u["code"] == r for u in units)]
    while stack:
        code = stack.pop()
        if code not in seen:
            seen.add(code)
            stack.extend(children.get(code, []))
    return frozenset(seen)


def scope_of(user: WebUser) -> Scope:
    """Each role counts only for the units it was granted with: an officer of A who
    manages B records in A's subtree and acknowledges in B's, not the other way."""
    units = tracker().units()
    everything = user.has(AUDITOR, ADMIN)
    readable = None if everything else subtree(user.units, units)
    return Scope(
        readable=readable,
        recordable=subtree(user.account.units_for(OFFICER), units),
        managed=subtree(user.account.units_for(MANAGER), units),
    )


def scope() -> Scope:
    """The current user's scope, computed once per request."""
    if "scope" not in g:
        g.scope = scope_of(cast(WebUser, current_user))
    return cast(Scope, g.scope)


def require_read(unit: str) -> None:
    if not scope().can_read(unit):
        abort(403)


def require_record(unit: str) -> None:
    if not scope().can_record(unit):
        abort(403)


def require_manage(unit: str) -> None:
    if not scope().can_manage(unit):
        abort(403)


def roles_required(*roles: str) -> Callable[[F], F]:
    """A view for signed-in users holding one of ``roles`` (403 for the others)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _login_manager().unauthorized()
            if not cast(WebUser, current_user).has(*roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def _login_manager() -> LoginManager:
    from flask import current_app

    return cast(LoginManager, current_app.login_manager)  # type: ignore[attr-defined]


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = "请先登录。"
    manager.session_protection = "strong"
    manager.init_app(app)

    @manager.user_loader
    def load_user(name: str) -> WebUser | None:
        account = tracker().account(name)
        return WebUser(account) if account is not None and not account.disabled else None

    @manager.request_loader
    def load_from_token(_request: Any) -> WebUser | None:
        token = bearer_token()
        if token is None:
            return None
        account = tracker().account_for_token(token)
        return WebUser(account) if account is not None else None

    @manager.unauthorized_handler
    def unauthorized() -> Any:
        if request.path.startswith("/api/"):
            return {"error": "需要登录：请在 Authorization 头中提供 Bearer 令牌"}, 401
        from flask import redirect, url_for

        return redirect(url_for("auth.login", next=request.full_path))
