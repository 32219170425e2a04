"""Accounts (administrators): list and add users, grant and withdraw roles, change a
password, disable and enable an account; the tokens are in ``web.api.tokens``.

The commands of ``tracker user …``. Nothing secret is ever answered: a password goes
in and only its hash is kept. A password is kept
out of a request's fingerprint too (a hash of it in an event would be a secret kept for
ever): the same key with another password replays the first request and records
nothing, so a new password needs a new key. An administrator
cannot disable, enable or withdraw the administration of their own account (as on
the pages), so nobody locks the last door from inside.
"""

from __future__ import annotations

from typing import Any

from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.user import ADMIN as ADMIN_ROLE
from tracker.queries.users import Account
from web.api.access import ADMIN, caller, request_id, roles
from web.api.blueprint import bp
from web.api.inputs import typed_with
from web.api.responses_admin import UserResponse, UsersResponse
from web.api.schemas import IdempotencyHeader
from web.api.schemas_admin import NoteIn, PasswordIn, RoleIn, UserIn
from web.extensions import tracker

ERRORS = {
    400: "请求体不是有效的 JSON",
    403: "不是系统管理员",
    404: "用户或令牌不存在",
    409: "用户名已存在，或请求编号已用于另一条不同的命令（创建令牌：令牌只显示一次，不能重放）",
    422: "字段校验不通过（`field` 指出字段）",
}
TEXTS = {"name": "用户名", "display_name": "姓名", "role": "角色", "label": "标签"}


def user_item(a: Account) -> dict[str, Any]:
    return {
        "name": a.name,
        "display_name": a.display_name,
        "roles": list(a.roles),
        "units": list(a.units),
        "grants": {role: list(units) for role, units in a.role_units},
        "disabled": bool(a.disabled),
        "created_at": str(a.created_at),
    }


def account_of(name: str) -> Account:
    found = tracker().account((name or "").strip())
    if found is None:
        raise NotFoundError(f"用户 {name} 不存在", "用户名")
    return found


def not_myself(name: str, what: str) -> None:
    if account_of(name).name == caller().name:
        raise InvalidInputError(f"不能{what}自己的账号：请由另一位管理员操作", "用户名")


def key(headers: dict[str, Any]) -> str:
    return request_id(headers["idempotency_key"])


@bp.get("/users")
@roles(ADMIN)
@bp.output(UsersResponse)
@bp.doc(
    summary="用户列表",
    description="全部账号（含已停用的），按用户名排序；不含任何密码信息。",
    responses=ERRORS,
)
def list_users() -> Any:
    return {"data": [user_item(a) for a in tracker().accounts()]}


@bp.post("/users")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    UserIn,
    location="json",
    arg_name="body",
    example={"name": "officer2", "roles": ["officer"], "units": ["450002"], "password": "至少十个字符的密码"},
)
@bp.output(UserResponse, status_code=201, description="已添加（同一请求编号重复提交时返回第一次的结果）")
@bp.doc(
    summary="添加用户",
    description="与 `tracker user add` 相同：财务人员、管理人员须指定单位（含下级单位）；"
    "密码至少 10 个字符，只保存其散列。",
    responses=ERRORS,
)
def create_user(headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, texts=TEXTS, notes={"note": "备注"})
    tracker().add_user(
        body["name"],
        roles=body["roles"],
        units=body["units"],
        password=body["password"],
        display_name=body["display_name"],
        user=caller().name,
        note=body["note"],
        request_id=key(headers),
    )
    return {"data": user_item(account_of(body["name"]))}, 201


@bp.post("/users/<name>/roles")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(RoleIn, location="json", arg_name="body", example={"role": "manager", "units": ["450001"]})
@bp.output(UserResponse)
@bp.doc(summary="授予角色", description="授予角色；已有该角色时，其单位改为所给的单位。", responses=ERRORS)
def grant_role(name: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, texts=TEXTS, notes={"note": "备注"})
    account = account_of(name)
    tracker().grant_role(
        account.name,
        body["role"],
        body["units"],
        user=caller().name,
        note=body["note"],
        request_id=key(headers),
    )
    return {"data": user_item(account_of(account.name))}


@bp.delete("/users/<name>/roles/<role>")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.output(UserResponse)
@bp.doc(
    summary="撤销角色",
    description="撤销一个角色（不能撤销账号的最后一个角色：请停用账号；不能撤销自己的系统管理员角色）。",
    responses=ERRORS,
)
def withdraw_role(name: str, role: str, headers: dict[str, Any]) -> Any:
    account = account_of(name)
    if role.strip() == ADMIN_ROLE and account.name == caller().name:
        raise InvalidInputError("不能撤销自己的系统管理员角色：请由另一位管理员操作", "角色")
    tracker().withdraw_role(account.name, role, user=caller().name, request_id=key(headers))
    return {"data": user_item(account_of(account.name))}


@bp.post("/users/<name>/password")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(PasswordIn, location="json", arg_name="body", example={"password": "新的足够长的密码"})
@bp.output(UserResponse)
@bp.doc(
    summary="修改密码", description="与 `tracker user passwd` 相同：只保存新密码的散列。", responses=ERRORS
)
def change_password(name: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, notes={"note": "备注"})
    account = account_of(name)
    tracker().change_password(
        account.name, body["password"], user=caller().name, note=body["note"], request_id=key(headers)
    )
    return {"data": user_item(account_of(account.name))}


@bp.post("/users/<name>/disable")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(NoteIn, location="json", arg_name="body", example={"note": "调离"})
@bp.output(UserResponse)
@bp.doc(
    summary="停用用户",
    description="账号不能再登录，其令牌立即失效；历史保留。不能停用自己的账号。",
    responses=ERRORS,
)
def disable_user(name: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, notes={"note": "备注"})
    not_myself(name, "停用")
    account = account_of(name)
    tracker().disable_user(account.name, user=caller().name, note=body["note"], request_id=key(headers))
    return {"data": user_item(account_of(account.name))}


@bp.post("/users/<name>/enable")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(NoteIn, location="json", arg_name="body", example={"note": "返岗"})
@bp.output(UserResponse)
@bp.doc(
    summary="启用用户", description="停用的账号重新可以登录（未撤销的令牌也恢复有效）。", responses=ERRORS
)
def enable_user(name: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, notes={"note": "备注"})
    not_myself(name, "启用")
    account = account_of(name)
    tracker().enable_user(account.name, user=caller().name, note=body["note"], request_id=key(headers))
    return {"data": user_item(account_of(account.name))}
