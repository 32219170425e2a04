"""API tokens: an administrator lists and issues a user's tokens; an administrator,
or the token's owner, revokes one (``tracker token create`` / ``tracker token revoke``).

A token's text is answered once, by the request that created it, and only its hash is
kept. A retried request (same key, same body) therefore records nothing and is
refused with 409 saying so: the secret cannot be shown again (revoke the token and
create another).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tracker.domain.errors import NotFoundError
from tracker.queries import users as q
from tracker.queries.users import TokenInfo
from web.api.access import ADMIN, caller, roles
from web.api.accounts import ERRORS, TEXTS, account_of, key
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.inputs import typed_with
from web.api.responses_admin import TokenCreated, TokenResponse, TokensResponse
from web.api.schemas import IdempotencyHeader
from web.api.schemas_admin import TokenIn
from web.extensions import tracker


def token_item(t: TokenInfo, user: str) -> dict[str, Any]:
    return {
        "id": str(t.id),
        "user": user,
        "label": t.label,
        "created_at": str(t.created_at),
        "revoked": t.revoked,
    }


@bp.get("/users/<name>/tokens")
@roles(ADMIN)
@bp.output(TokensResponse)
@bp.doc(
    summary="用户的令牌",
    description="账号的 API 令牌（编号、标签、创建时间、是否已撤销），不含令牌本身。",
    responses=ERRORS,
)
def list_tokens(name: str) -> Any:
    account = account_of(name)
    return {"data": [token_item(t, account.name) for t in tracker().tokens(account.name)]}


@bp.post("/users/<name>/tokens")
@roles(ADMIN)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(TokenIn, location="json", arg_name="body", example={"label": "财务系统对接"})
@bp.output(TokenCreated, status_code=201, description="已创建：令牌只在这次响应中出现")
@bp.doc(
    summary="创建 API 令牌",
    description="与 `tracker token create` 相同：令牌只显示这一次，服务器只保存其散列。"
    "同一请求编号再次提交不会再创建令牌，返回 409（令牌不能再次显示；如已遗失，请撤销后重新创建）。",
    responses=ERRORS,
)
def create_token(name: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, texts=TEXTS, notes={"note": "备注"})
    account = account_of(name)
    tid, token = tracker().create_token(
        account.name, label=body["label"], user=caller().name, note=body["note"], request_id=key(headers)
    )
    data = {"id": str(tid), "user": account.name, "label": body["label"].strip(), "token": token}
    return {"data": data}, 201


@bp.delete("/tokens/<token_id>")
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.output(TokenResponse)
@bp.doc(
    summary="撤销 API 令牌",
    description="令牌立即失效，且不能恢复（需要时重新创建）。系统管理员可撤销任何令牌；其他用户只能撤销自己的令牌。",
    responses={**ERRORS, 403: "不是系统管理员，且令牌不属于调用者"},
)
def revoke_token(token_id: str, headers: dict[str, Any]) -> Any:
    try:
        tid = UUID(token_id.strip())
    except ValueError:
        raise NotFoundError(f"令牌编号 {token_id} 格式无效", "令牌编号") from None
    owner = q.token_owner(tracker().read, tid)
    if owner is None:
        raise NotFoundError(f"令牌 {tid} 不存在", "令牌编号")
    if not caller().has(ADMIN) and owner["name"] != caller().name:
        raise ApiError(403, "只有系统管理员可以撤销他人的令牌", "令牌编号")
    tracker().revoke_token(tid, user=caller().name, request_id=key(headers))
    found = next(t for t in tracker().tokens(owner["name"]) if t.id == tid)
    return {"data": token_item(found, owner["name"])}
