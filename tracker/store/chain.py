"""The event chain: every stored event linked by SHA-256 to the one before it.

Each event gets one row in ``event_chain``, written in the events' own transaction:

- ``event_hash`` = SHA-256 of ``"{notification id}\\n{aggregate id}\\n{version}\\n{topic}\\n"``
  (UTF-8, the aggregate id as a dashed lower-case UUID) followed by the state bytes;
- ``chain_hash`` = SHA-256 of the previous row's ``chain_hash`` (64 zeros before the
  first) and this ``event_hash``, both as lower-case hex text;
- ``seq`` = how many events the chain holds up to this one, so the head row alone
  gives the count printed beside the head hash.

The definition uses only text and bytes, so both engines compute the same hashes and a
log moved from SQLite to PostgreSQL keeps its head. Where the hashes are computed
(Python on SQLite, a row trigger on PostgreSQL) is explained in docs/design.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

CHAIN_TABLE = "event_chain"
GENESIS = "0" * 64

CREATE_CHAIN_TABLE = f"""CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (
    notification_id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    originator_id TEXT NOT NULL,
    originator_version BIGINT NOT NULL,
    event_hash TEXT NOT NULL,
    chain_hash TEXT NOT NULL
)"""
INSERT_LINK = f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?, ?, ?, ?, ?)"
SELECT_HEAD = f"SELECT seq, chain_hash FROM {CHAIN_TABLE} ORDER BY notification_id DESC LIMIT 1"


@dataclass(frozen=True)
class Head:
    """The chain's last link: how many events it holds and its hash."""

    count: int
    hash: str

    def footer(self) -> str:
        """The line printed on exported tables and in the digest."""
        return f"事件链头：{self.hash}（共 {self.count} 条事件）"


@dataclass(frozen=True)
class Link:
    """One event's row in the chain table."""

    notification_id: int
    seq: int
    originator_id: str
    originator_version: int
    event_hash: str
    chain_hash: str

    def row(self) -> tuple[int, int, str, int, str, str]:
        return (
            self.notification_id,
            self.seq,
            self.originator_id,
            self.originator_version,
            self.event_hash,
            self.chain_hash,
        )


def canonical_id(originator_id: Any) -> str:
    """The aggregate id as the chain spells it: SQLite stores 32 hex digits, PostgreSQL
    a uuid; both become the dashed lower-case form."""
    if isinstance(originator_id, UUID):
        return str(originator_id)
    return str(UUID(str(originator_id)))


def event_hash(notification_id: int, originator_id: str, version: int, topic: str, state: bytes) -> str:
    """The hash of one stored event's content (see the module docstring)."""
    head = f"{notification_id}\n{originator_id}\n{version}\n{topic}\n".encode()
    return hashlib.sha256(head + bytes(state)).hexdigest()


def chain_hash(previous: str, this_event: str) -> str:
    """The link: the previous chain hash and this event's hash, hashed together."""
    return hashlib.sha256((previous + this_event).encode()).hexdigest()


def links(head: Head, events: Iterable[tuple[int, Any, int, str, bytes]]) -> list[Link]:
    """The chain rows for ``events`` (notification id, aggregate id, version, topic,
    state; in notification order), continuing from ``head``."""
    out: list[Link] = []
    seq, previous = head.count, head.hash
    for n, originator_id, version, topic, state in events:
        oid = canonical_id(originator_id)
        eh = event_hash(n, oid, version, topic, state)
        previous = chain_hash(previous, eh)
        seq += 1
        out.append(Link(n, seq, oid, version, eh, previous))
    return out


def head_of(c: Any) -> Head:
    """The chain head as seen by cursor ``c`` (SQLite placeholders; no parameters)."""
    c.execute(SELECT_HEAD)
    row = c.fetchone()
    if row is None:
        return Head(0, GENESIS)
    count, hash_ = values(row)
    return Head(int(count), str(hash_))


def read_head(read: Any) -> Head:
    """The chain head of the store behind ``read`` (a ``ReadStore``): the line each
    export and digest prints, so a later truncation can be found against it."""
    with read.datastore.transaction(commit=False) as c:
        return head_of(c)


def append_links(
    c: Any, placeholder_sql: str, head: Head, events: Sequence[tuple[int, Any, int, str, bytes]]
) -> Head:
    """Write the chain rows of ``events`` after ``head``; returns the new head.

    ``placeholder_sql`` is ``INSERT_LINK`` in the engine's placeholder style.
    """
    new = links(head, events)
    if not new:
        return head
    c.executemany(placeholder_sql, [link.row() for link in new])
    return Head(new[-1].seq, new[-1].chain_hash)


def seal(c: Any, events_table: str, is_postgres: bool, batch: int = 20000) -> int:
    """Chain every event of a database written before the chain existed (its chain
    table empty); returns how many were chained.

    The caller holds the write lock (SQLite: the transaction's; PostgreSQL: the events
    table in EXCLUSIVE mode), so concurrent starters do this one after another and the
    second finds the chain there. Once a chain exists nothing is added here: an event
    without a chain row was written around the application, and ``tracker verify``
    reports it as inserted.
    """
    seq, mark = ("notification_id", "%s") if is_postgres else ("rowid", "?")
    head = head_of(c)
    if head.count:
        return 0
    last = 0
    insert = INSERT_LINK.replace("?", mark)
    select = (
        f"SELECT {seq} AS n, originator_id, originator_version, topic, state FROM {events_table} "
        f"WHERE {seq} > {mark} ORDER BY {seq} LIMIT {mark}"
    )
    done = 0
    while True:
        c.execute(select, (last, batch))
        rows = [event_row(r) for r in c.fetchall()]
        if not rows:
            return done
        head = append_links(c, insert, head, rows)
        last = rows[-1][0]
        done += len(rows)


def values(row: Any) -> tuple[Any, ...]:
    """A row's columns in order, from either engine (sqlite3.Row, psycopg's dict rows)."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def event_row(row: Any) -> tuple[int, Any, int, str, bytes]:
    """(notification id, aggregate id, version, topic, state) of a selected event row."""
    n, originator_id, version, topic, state = values(row)
    return int(n), originator_id, int(version), str(topic), bytes(state)
