"""The Idempotency-Key of an import: what the first import under a key answered.

An import is not one command but thousands (every row carries its own request id,
derived from its content, so the same file imported twice records nothing twice).
What the key adds is the API's promise: the same key with the same file answers what
the first request answered, and the same key with another file is refused (409). The
first successful answer is kept in the instance folder (``api-imports``), one small
file per caller and key, named by a hash so no caller's key becomes a path. A
refused import records nothing and keeps nothing: its key may be used again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from flask import current_app

from tracker.domain.errors import DuplicateError


def _place(request_id: str) -> Path:
    folder = Path(current_app.instance_path) / "api-imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder / f"{hashlib.sha256(request_id.encode()).hexdigest()}.json"


def fingerprint(data: bytes, year: int | None) -> str:
    """What makes two imports the same request: the file's bytes and the year given."""
    return hashlib.sha256(f"{year}:".encode() + data).hexdigest()


def recalled(request_id: str, print_: str) -> dict[str, Any] | None:
    """The first answer under this key, or None; another file under it is 409."""
    try:
        kept = json.loads(_place(request_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if kept.get("fingerprint") != print_:
        key = request_id.split(":", 2)[-1]
        raise DuplicateError(f"请求编号 {key} 已用于另一条不同的命令，不能重复使用", "请求编号")
    return dict(kept["answer"])


def remember(request_id: str, print_: str, answer: dict[str, Any]) -> None:
    """Keep the answer (written whole, then renamed, so a reader never sees half)."""
    place = _place(request_id)
    partial = place.with_suffix(".tmp")
    partial.write_text(json.dumps({"fingerprint": print_, "answer": answer}, ensure_ascii=False), "utf-8")
    os.replace(partial, place)
