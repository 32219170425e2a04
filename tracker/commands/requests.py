"""Client request ids: what makes a retried or double-clicked command record nothing.

Every command may carry a request id chosen by its caller. The first execution
records the id with a fingerprint of the command and its result (in the event,
projected to ``rm_requests``); a repeat with the same fingerprint returns that
result without recording anything, and the same id with another fingerprint is
refused. The import computes the same fingerprints for its rows, so an imported
payment and ``tracker pay --id`` with the same id are one request.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from tracker.domain.characters import refuse_controls
from tracker.domain.errors import DuplicateError
from tracker.domain.inputs import parse_note, parse_text
from tracker.queries.lookups import RecordedRequest

Request = dict[str, Any] | None

# Chinese names of command arguments, for a refusal of a text no parser has named.
FIELD_NAMES = {
    "note": "备注",
    "comment": "备注",
    "reason": "原因",
    "description": "指标描述",
    "cause": "偏差原因",
    "action": "改进措施",
    "payee": "收款人",
    "voucher": "凭证号",
    "doc": "文号",
    "name": "名称",
    "label": "标签",
    "display_name": "姓名",
    "managers": "负责人",
    "signed_by": "签字人",
    "value": "实际完成值",
    "owner": "负责人",
}
_SEVERAL_LINES = frozenset({"note", "comment", "reason", "description", "cause", "action"})


def checked_args(args: dict[str, Any]) -> dict[str, Any]:
    """``args`` unchanged, or refused if one of its texts holds a control character.

    Every command's arguments pass here (they are its request fingerprint), so a text
    that reached the service layer without its own parser (a note, say) is still
    refused by name before anything is recorded.
    """
    for key, value in args.items():
        if key == "note" and isinstance(value, str):
            parse_note(value)
        elif isinstance(value, str):
            refuse_controls(value, FIELD_NAMES.get(key, key), lines=key in _SEVERAL_LINES)
    return args


def request_of(command: str, args: dict[str, Any], request_id: str | None, result_id: UUID) -> Request:
    """The request's id and a fingerprint of what it asks (the note included).

    The acting user is left out on purpose: the same file re-imported by a
    colleague, or a request retried by another worker, is the same request.
    """
    if request_id is None:
        return None
    rid = parse_text(request_id, "请求编号", limit=200)
    blob = json.dumps([command, args], sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()
    return {"id": rid, "hash": digest, "result": str(result_id)}


def replayed(request: dict[str, Any], recorded: RecordedRequest | None) -> UUID | None:
    """The first result of an already-executed request, or None if it is new; a
    request id used before for a different command is refused."""
    if recorded is None:
        return None
    if recorded.request_hash != request["hash"]:
        raise DuplicateError(f"请求编号 {request['id']} 已用于另一条不同的命令，不能重复使用", "请求编号")
    return recorded.result_id
