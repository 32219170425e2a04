"""Server-side prepared statements for the one-round-trip PostgreSQL write.

A command's events and read-model rows travel as one multi-statement query (simple
protocol), which PostgreSQL would otherwise parse and plan statement by statement on
every command: half the server's time for a payment. Each distinct statement is
therefore ``PREPARE``d once per connection and the query says ``EXECUTE name(...)``.

Prepared statements belong to a session, so which ones a connection holds is kept per
connection object (a new or replaced pooled connection starts empty). psycopg itself
sends ``DEALLOCATE ALL`` after a ROLLBACK or DROP on the session; the recorder then
gets "prepared statement does not exist", calls ``forget`` and sends the query again.
A statement that cannot be prepared (a parameter whose type PostgreSQL cannot infer)
is sent inline, so preparing is only ever an optimisation.
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from psycopg.sql import Literal

_PLACEHOLDER = re.compile(r"%s")


@dataclass
class _Session:
    """What one connection's session holds: prepared names (None: left inline) and the
    composed query of each command shape, split at its placeholders."""

    names: dict[str, str | None] = field(default_factory=dict)
    queries: dict[Hashable, list[str]] = field(default_factory=dict)


class PreparedStatements:
    """Which statements each connection has prepared, and how to call them."""

    def __init__(self) -> None:
        self._sessions: weakref.WeakKeyDictionary[Any, _Session] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _session(self, conn: psycopg.Connection[Any]) -> _Session:
        with self._lock:
            return self._sessions.setdefault(conn, _Session())

    def query(self, conn: psycopg.Connection[Any], key: Hashable, build: Callable[[], str]) -> list[str]:
        """The query for ``key`` on this connection, split at its ``%s`` (see ``inline``).

        A command of a given shape (say, one payment) always sends the same statements,
        so the query is composed and split once per connection, not per command.
        """
        queries = self._session(conn).queries
        pieces = queries.get(key)
        if pieces is None:
            pieces = queries[key] = build().split("%s")
        return pieces

    def call(self, conn: psycopg.Connection[Any], sql: str) -> str:
        """``EXECUTE name(%s, ...)`` for ``sql`` (``%s`` placeholders), or ``sql`` itself."""
        names = self._session(conn).names
        if sql not in names:
            names[sql] = self._prepare(conn, sql)
        name = names[sql]
        if name is None:
            return sql
        count = sql.count("%s")
        return f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"

    def forget(self, conn: psycopg.Connection[Any]) -> None:
        """The session lost its prepared statements (psycopg's DEALLOCATE ALL)."""
        with self._lock:
            self._sessions.pop(conn, None)

    @staticmethod
    def _prepare(conn: psycopg.Connection[Any], sql: str) -> str | None:
        name = "tracker_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:20]
        numbered = iter(range(1, sql.count("%s") + 1))
        body = _PLACEHOLDER.sub(lambda _: f"${next(numbered)}", sql)
        try:
            conn.execute(f"PREPARE {name} AS {body}", prepare=False)
        except psycopg.errors.DuplicatePreparedStatement:
            pass  # prepared by an earlier owner of this session
        except psycopg.Error:
            return None  # e.g. a parameter type that cannot be inferred: stay inline
        return name


def inline(query: str | list[str], params: list[Any]) -> str:
    """``query`` with each ``%s`` replaced by its parameter as an SQL literal (the
    query may come already split at its placeholders).

    psycopg's ClientCursor does the same through its adapters at about five times
    the cost; a command's values are only text, integers, NULL, bytes and UUIDs.
    Text uses the ``E'...'`` form, whose escaping (backslash and quote doubled)
    does not depend on ``standard_conforming_strings``. Anything else goes through
    psycopg's own ``Literal``.
    """
    pieces = query.split("%s") if isinstance(query, str) else query
    if len(pieces) != len(params) + 1:
        raise ValueError(f"{len(pieces) - 1} placeholders for {len(params)} parameters")
    out = [pieces[0]]
    for value, piece in zip(params, pieces[1:], strict=True):
        out.append(literal(value))
        out.append(piece)
    return "".join(out)


def literal(value: Any) -> str:
    """One value as an SQL literal (see ``inline``)."""
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    if kind is int:
        return str(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "true" if value else "false"
    if kind is bytes:
        return "'\\x" + value.hex() + "'::bytea"
    if kind is UUID:
        return f"'{value}'::uuid"
    return Literal(value).as_string()
