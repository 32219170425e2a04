"""Every refusal of the API in one shape: ``{"error": "中文说明", "field": "字段"}``.

Errors carry their HTTP status: 401 no valid token, 403 beyond the caller's role or
units, 404 unknown, 409 a request id reused for another command, 422 a field the
schema or the service layer refuses (an overspend included: the amount is what to
change), 400 a body that is not JSON. The service layer's refusals keep their Chinese
message and field; apiflask's own validation errors are put in the same words.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, HTTPError
from flask import current_app, has_request_context, request
from werkzeug.exceptions import HTTPException

from tracker.domain.errors import DuplicateError, OverspendError, TrackerError
from web.api.schemas import UNKNOWN
from web.errors import MESSAGES

Answer = tuple[dict[str, Any], int, dict[str, str]]
UNAUTHENTICATED = "需要认证：请在请求头 Authorization 中提供有效的 Bearer 令牌"
NOT_JSON = "请求体不是有效的 JSON"
# Field names of the wire (JSON keys, query and header names) and their Chinese names.
LABELS = {
    "project": "项目编码",
    "amount": "金额",
    "date": "日期",
    "payee": "收款人",
    "year": "年度",
    "economic": "经济分类科目",
    "voucher": "凭证号",
    "source": "资金来源",
    "note": "备注",
    "kind": "类型",
    "doc": "文号",
    "reason": "原因",
    "plan": "资金支出计划",
    "value": "实际完成值",
    "completion": "完成程度",
    "comment": "备注",
    "as_of": "截至日期",
    "unit": "单位编码",
    "functional": "功能分类科目",
    "type": "支出类型",
    "by": "汇总维度",
    "level": "科目级次",
    "code": "项目编码",
    "open": "仅未解除",
    "Idempotency-Key": "请求编号",
    "_schema": "请求体",
}


class ApiError(Exception):
    """A refusal decided by the API itself (role, unit, unknown object)."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def answer(status: int, message: str, field: str | None = None, headers: Any = None) -> Answer:
    body: dict[str, Any] = {"error": message}
    if field:
        body["field"] = field
    return body, status, dict(headers or {})


def status_of(e: TrackerError) -> int:
    """The HTTP status of a service-layer refusal.

    An overspend is 422 (the amount is the field to change, not a conflict with another
    request); a reused request id is 409. The rest keep the status their class declares.
    """
    if isinstance(e, OverspendError):
        return 422
    if isinstance(e, DuplicateError):
        return 409
    status = int(getattr(e, "http_status", 422))
    return 422 if status == 400 else status


def first_leaf(messages: Any) -> tuple[list[str], str | None]:
    """The path of keys to the first message of a nested marshmallow error, and the text."""
    if isinstance(messages, str):
        return [], messages
    if isinstance(messages, list):
        for item in messages:
            path, text = first_leaf(item)
            if text is not None:
                return path, text
        return [], None
    if isinstance(messages, dict):
        for key, value in messages.items():
            path, text = first_leaf(value)
            if text is not None:
                return [str(key), *path], text
    return [], None


def route_titles() -> dict[str, str]:
    """The Chinese titles (``title``) of the current route's body, query and header
    fields: a ``name`` is 单位名称 for a unit and 用户名 for an account."""
    view = current_app.view_functions.get(request.endpoint or "") if has_request_context() else None
    spec = getattr(view, "_spec", None) or {}
    schemas = [spec.get("body"), *(schema for schema, _ in spec.get("args") or [])]
    titles: dict[str, str] = {}
    for schema in schemas:
        for name, field in (getattr(schema, "fields", None) or {}).items():
            if title := field.metadata.get("title"):
                titles[field.data_key or name] = title
    return titles


def describe(path: list[str], text: str, noun: str = "字段") -> tuple[str, str]:
    """The Chinese message and field name of one schema error."""
    named = [p for p in path if not p.isdigit()]
    key = named[0] if named else "_schema"
    if text == UNKNOWN:
        return f"不接受{noun}“{named[-1] if named else key}”，请检查拼写", named[-1] if named else key
    label = route_titles().get(key) or LABELS.get(key, key)
    return f"{label}{text}", label


def validation_answer(detail: Any, headers: Any) -> Answer:
    """apiflask's ``{"json": {"amount": ["必须填写"]}}`` as one Chinese sentence per field."""
    problems: list[tuple[str, str]] = []
    locations = detail if isinstance(detail, dict) else {"json": detail}
    for location, messages in locations.items():
        noun = "参数" if location == "query" else "字段"
        if isinstance(messages, dict):
            for key, value in messages.items():
                path, text = first_leaf(value)
                if text is not None:
                    problems.append(describe([str(key), *path], text, noun))
        else:
            path, text = first_leaf(messages)
            if text is not None:
                problems.append(describe(path, text, noun))
    if not problems:
        return answer(422, "请求内容不符合要求", None, headers)
    message = "；".join(m for m, _ in problems)
    return answer(422, message, problems[0][1], headers)


def http_answer(code: int, data: Any = None, headers: Any = None) -> Answer:
    if code == 401:
        return answer(401, UNAUTHENTICATED, None, headers)
    if code == 400 and isinstance(data, dict) and "json" in (data.get("messages") or {}):
        return answer(400, NOT_JSON, "请求体", headers)
    title, text = MESSAGES.get(code, ("请求无法处理", ""))
    return answer(code, f"{title}：{text}" if text else title, None, headers)


def init(bp: APIBlueprint) -> None:
    @bp.errorhandler(TrackerError)
    def tracker_error(e: TrackerError) -> Answer:
        from web.api.access import auth, request_id  # the key as the caller sent it, unprefixed

        message = e.message.replace(request_id(""), "") if auth.current_user else e.message
        return answer(status_of(e), message, e.field)

    @bp.errorhandler(ApiError)
    def api_error(e: ApiError) -> Answer:
        return answer(e.status, e.message, e.field)

    @bp.errorhandler(HTTPError)
    def apiflask_error(e: HTTPError) -> Answer:
        if e.status_code == 422 and e.detail:
            return validation_answer(e.detail, e.headers)
        return http_answer(e.status_code, None, e.headers)

    @bp.errorhandler(HTTPException)
    def werkzeug_error(e: HTTPException) -> Answer:
        headers = {k: v for k, v in e.get_headers() if k.lower() != "content-type"}
        return http_answer(e.code or 500, getattr(e, "data", None), headers)


def auth_error(error: HTTPError) -> Answer:
    """Flask-HTTPAuth's refusals (no token, bad token) in the API's shape."""
    if error.status_code == 401:
        return answer(401, UNAUTHENTICATED, None, {"WWW-Authenticate": 'Bearer realm="api"'})
    return http_answer(error.status_code)
