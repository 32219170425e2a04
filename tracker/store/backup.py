"""Portable backup of the event log, and its restore into an empty database.

The format (documented for operators in docs/backup.md) is gzipped JSON Lines, the
same whichever engine wrote it or will read it:

- line 1, the header: ``{"format": "budget-tracker-backup", "version": 1, "engine": ...,
  "created": ..., "events": N, "head": "<chain head>"}``;
- one line per stored event, in notification order: ``{"n": notification id, "id":
  aggregate id, "v": version, "topic": ..., "state": base64 of the state bytes}``;
- the last line: ``{"end": true, "events": N, "head": ...}``.

Only the event log travels: read tables, snapshots and the chain are derived from it
and made again by the restore. The notification ids travel too, because the chain
hashes them: a restored log has the same head as the one backed up.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from tracker.domain.errors import InvalidInputError
from tracker.store import chain

FORMAT = "budget-tracker-backup"
VERSION = 1
FIELD = "备份文件"
Progress = Callable[[int, int], None]
EventRow = tuple[int, Any, int, str, bytes]


def backup(read: Any, path: str | Path, progress: Progress | None = None, batch: int = 5000) -> chain.Head:
    """Write the event log to ``path`` from one read snapshot; returns its head.

    The chain is computed again from the events written; when it differs from the
    stored chain the log is damaged and no backup is left behind (run ``tracker verify``).
    """
    target = Path(path)
    temporary = target.with_name(target.name + ".partial")
    seq = "notification_id" if read.is_postgres else "rowid"
    select = read.sql(
        f"SELECT {seq} AS n, originator_id, originator_version, topic, state FROM {read.events_table} "
        f"WHERE {seq} > ? ORDER BY {seq} LIMIT ?"
    )
    try:
        with (
            read.datastore.transaction(commit=False) as c,
            gzip.open(temporary, "wt", encoding="utf-8") as out,
        ):
            if read.is_postgres:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            stored = chain.head_of(c)
            _line(out, _header(read, stored))
            written = chain.Head(0, chain.GENESIS)
            last = 0
            while rows := [chain.event_row(r) for r in _fetch(c, select, (last, batch))]:
                for row in rows:
                    _line(out, _event_line(row))
                written = chain.Head(*_advance(written, rows))
                last = rows[-1][0]
                if progress:
                    progress(written.count, stored.count)
            _line(out, {"end": True, "events": written.count, "head": written.hash})
        if written != stored:
            raise InvalidInputError(
                f"事件日志与事件链不符（日志 {written.count} 条、链 {stored.count} 条），"
                "未写出备份：请先运行 tracker verify",
                "事件日志",
            )
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return written


def _fetch(c: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
    c.execute(sql, params)
    return list(c.fetchall())


def _advance(head: chain.Head, rows: list[EventRow]) -> tuple[int, str]:
    links = chain.links(head, rows)
    return links[-1].seq, links[-1].chain_hash


def _header(read: Any, head: chain.Head) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "engine": "postgresql" if read.is_postgres else "sqlite",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "events": head.count,
        "head": head.hash,
    }


def _event_line(row: EventRow) -> dict[str, Any]:
    n, originator_id, version, topic, state = row
    return {
        "n": n,
        "id": chain.canonical_id(originator_id),
        "v": version,
        "topic": topic,
        "state": base64.b64encode(state).decode("ascii"),
    }


def _line(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


# ------------------------------------------------------------------ reading


def read_header(path: str | Path) -> dict[str, Any]:
    """The header line, checked for format and version."""
    with _opened(path) as lines:
        for text in lines:
            return _checked_header(text)
    raise InvalidInputError("备份文件为空", FIELD)


def check_file(path: str | Path, progress: Progress | None = None) -> dict[str, Any]:
    """Read the whole file and recompute its chain before anything is written:
    a damaged, truncated or edited file is refused here. Returns the header."""
    header: dict[str, Any] = {}
    head = chain.Head(0, chain.GENESIS)
    for header, rows in _batches(path):
        head = chain.Head(*_advance(head, rows))
        if progress:
            progress(head.count, int(header["events"]))
    if head != chain.Head(int(header["events"]), str(header["head"])):
        raise InvalidInputError(
            f"备份文件的事件（{head.count} 条）与其文件头"
            f"（{header['events']} 条，链头 {header['head']}）不符",
            FIELD,
        )
    return header


def events_of(path: str | Path, batch: int = 5000) -> Iterator[list[EventRow]]:
    """The file's events in batches (after ``check_file`` has accepted it)."""
    for _, rows in _batches(path, batch):
        yield rows


def _batches(path: str | Path, batch: int = 5000) -> Iterator[tuple[dict[str, Any], list[EventRow]]]:
    """(header, events) a batch at a time; refuses anything out of shape or order,
    and a file without its end line (cut short). An empty log gives one empty batch."""
    with _opened(path) as lines:
        header: dict[str, Any] | None = None
        rows: list[EventRow] = []
        last, ended = 0, False
        for number, text in enumerate(lines, start=1):
            if header is None:
                header = _checked_header(text)
                continue
            if ended:
                raise InvalidInputError(f"第 {number} 行：结束行之后还有内容", FIELD)
            record = _json(text, number)
            if record.get("end") is True:
                ended = True
                continue
            row = _event_of(record, number)
            if row[0] <= last:
                raise InvalidInputError(f"第 {number} 行：通知号 {row[0]} 未按升序排列", FIELD)
            last = row[0]
            rows.append(row)
            if len(rows) >= batch:
                yield header, rows
                rows = []
        if header is None:
            raise InvalidInputError("备份文件为空", FIELD)
        if not ended:
            raise InvalidInputError("备份文件不完整（缺少结束行）：可能在复制或写出时被截断", FIELD)
        yield header, rows


class _opened:
    """The file's text lines; gzip and decoding errors become a refusal naming the file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.file: IO[str] | None = None

    def __enter__(self) -> Iterator[str]:
        try:
            self.file = gzip.open(self.path, "rt", encoding="utf-8")
        except OSError as e:
            raise InvalidInputError(f"无法读取备份文件 {self.path}：{os_reason(e)}", FIELD) from None
        return self._lines(self.file)

    def _lines(self, f: IO[str]) -> Iterator[str]:
        try:
            yield from f
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
            raise InvalidInputError(
                f"备份文件 {self.path.name} 已损坏或被截断（{type(e).__name__}）", FIELD
            ) from None

    def __exit__(self, *exc: object) -> None:
        if self.file is not None:
            self.file.close()


def os_reason(e: OSError) -> str:
    """Why a file could not be used, in Chinese for the usual cases."""
    if isinstance(e, FileNotFoundError):
        return "文件或目录不存在"
    if isinstance(e, PermissionError):
        return "没有访问权限"
    if isinstance(e, IsADirectoryError):
        return "这是一个目录"
    return str(e.strerror or e)


def _json(text: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except ValueError:
        raise InvalidInputError(f"第 {number} 行不是有效的 JSON：文件已损坏", FIELD) from None
    if not isinstance(record, dict):
        raise InvalidInputError(f"第 {number} 行不是一条事件记录", FIELD)
    return record


def _checked_header(text: str) -> dict[str, Any]:
    header = _json(text, 1)
    if header.get("format") != FORMAT:
        raise InvalidInputError("不是预算执行跟踪的备份文件（文件头缺少 format）", FIELD)
    if header.get("version") != VERSION:
        raise InvalidInputError(
            f"备份格式版本 {header.get('version')} 不受支持（本程序读取版本 {VERSION}）", FIELD
        )
    if not isinstance(header.get("events"), int) or not isinstance(header.get("head"), str):
        raise InvalidInputError("备份文件头缺少事件数或链头", FIELD)
    return header


def _event_of(record: dict[str, Any], number: int) -> EventRow:
    try:
        n, v, topic = record["n"], record["v"], record["topic"]
        originator_id = UUID(record["id"])
        state = base64.b64decode(record["state"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise InvalidInputError(f"第 {number} 行的事件记录不完整或已损坏", FIELD) from None
    if not (isinstance(n, int) and isinstance(v, int) and isinstance(topic, str)) or n < 1:
        raise InvalidInputError(f"第 {number} 行的事件记录不完整或已损坏", FIELD)
    return n, originator_id, v, topic, state
