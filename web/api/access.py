"""Who is calling the API and what they may reach.

Only a bearer token opens the API (``Authorization: Bearer trk_…``): a session cookie
is never read here, so a page's login cannot be borrowed by a script running in the
browser, and the API needs no CSRF token. The token's account is checked on every
request (a revoked token or a disabled account is refused at once). The roles and
units are those of the pages (``web.auth``): the same scope, the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from apiflask import HTTPTokenAuth
from flask import g

from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_date, parse_year
from tracker.queries import default_as_of
from web.api.errors import ApiError, auth_error
from web.auth import ADMIN, AUDITOR, MANAGER, OFFICER, ROLE_LABELS, Scope, WebUser, scope_of
from web.extensions import tracker
from web.timectl import the_day

F = TypeVar("F", bound=Callable[..., Any])

auth = HTTPTokenAuth(
    scheme="Bearer",
    description="API 令牌：`tracker token create 用户名` 生成，放在 `Authorization: Bearer 令牌` 请求头中",
)
auth.error_processor(auth_error)


@auth.verify_token
def verify_token(token: str) -> WebUser | None:
    if not token:
        return None
    account = tracker().account_for_token(token)
    if account is None or getattr(account, "disabled", False):
        return None
    return WebUser(account)


def caller() -> WebUser:
    """The account whose token opened this request."""
    return cast(WebUser, auth.current_user)


def api_scope() -> Scope:
    if "api_scope" not in g:
        g.api_scope = scope_of(caller())
    return cast(Scope, g.api_scope)


def roles(*allowed: str) -> Callable[[F], F]:
    """Refuse (403) callers holding none of ``allowed``, before the body is even read.

    Put it under the route decorator and above ``@bp.input``, so a role that may not
    write learns that first, not which of its fields were wrong.
    """
    names = "或".join(ROLE_LABELS[r] for r in allowed)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not caller().has(*allowed):
                raise ApiError(403, f"只有{names}可以进行这项操作")
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def require_read(unit: str) -> None:
    if not api_scope().can_read(unit):
        raise ApiError(403, f"无权查看单位 {unit} 的数据", "单位编码")


def require_record(unit: str) -> None:
    if not api_scope().can_record(unit):
        raise ApiError(403, f"无权为单位 {unit} 登记：只能为本单位及下级单位登记", "项目编码")


def require_manage(unit: str) -> None:
    if not api_scope().can_manage(unit):
        raise ApiError(403, f"无权确认单位 {unit} 的预警：只能确认本单位及下级单位的预警", "预警编号")


def request_id(key: str) -> str:
    """The service layer's request id for a caller's Idempotency-Key.

    Prefixed with the caller's name, so two callers choosing the same key never
    collide (nor can one learn of the other's request through a 409).
    """
    return f"api:{caller().name}:{key}"


def time_args(year: int | None, as_of: str | None) -> tuple[int, dt.date]:
    """The fiscal year and as-of day a read asks for, as the pages and the CLI default them:
    the year of the as-of day (or of today), and today or 31 December once it is over."""
    now = the_day()
    day = parse_date(as_of, "截至日期") if as_of else None
    fiscal = parse_year(year if year is not None else (day.year if day else now.year))
    return fiscal, day or default_as_of(fiscal, now)


def check_year(year: int) -> None:
    """A year in a path: beyond 2000–2100 nothing can exist (and no database sees it)."""
    if not 2000 <= year <= 2100:
        raise ApiError(404, f"{year} 年不在 2000–2100 之间，没有这样的项目", "年度")


def parse_optional_date(text: str | None, field: str) -> dt.date | None:
    if text is None:
        return None
    if not text.strip():
        raise InvalidInputError(f"{field}不能为空", field)
    return parse_date(text, field)


__all__ = [
    "ADMIN",
    "AUDITOR",
    "MANAGER",
    "OFFICER",
    "api_scope",
    "auth",
    "caller",
    "check_year",
    "request_id",
    "require_manage",
    "require_read",
    "require_record",
    "roles",
    "time_args",
]
