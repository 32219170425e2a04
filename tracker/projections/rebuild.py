"""Rebuild every read table from the event log.

One transaction: writers wait (PostgreSQL: the events table is locked; SQLite: the
write lock is held), and a crash or ``kill -9`` rolls everything back, leaving the old
tables intact, so running the command again is always safe and never counts twice.

A log with a gap (an aggregate missing one of its events) is refused before anything
is emptied: ``LogGapError`` names the first gap and the old tables stay as they were.

Speed matters (a million events in well under a minute), so events are not turned
into full domain objects: the JSON is decoded with a lean hook into a record holding
the fields the projector reads, and each batch's statements run as one
``executemany`` per distinct statement.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from tracker.projections import known_sums
from tracker.projections.gaps import LogGapError, first_gap
from tracker.projections.projector import Statement, statements_for
from tracker.store.readstore import ReadStore
from tracker.store.schema import READ_TABLES
from tracker.store.upcasting import upcast_state

Progress = Callable[[int, int], None]


def rebuild(
    read: ReadStore, fallback: Callable[[str, Any], Any], progress: Progress | None = None, batch: int = 20000
) -> int:
    """Empty the read tables and replay the whole log; returns the events replayed.

    Raises ``LogGapError`` (nothing changed) when an aggregate's events have a gap.
    """
    seq = "notification_id" if read.is_postgres else "rowid"
    table = read.events_table
    select = read.sql(
        f"SELECT {seq} AS n, originator_id, topic, state FROM {table} WHERE {seq} > ? ORDER BY {seq} LIMIT ?"
    )
    decoder = _decoder(fallback)
    done = 0
    with read.datastore.transaction(commit=True) as c:
        if read.is_postgres:
            c.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        gap = first_gap(read, c)
        if gap is not None:
            raise LogGapError(gap)
        c.execute(f"SELECT COALESCE(MAX({seq}), 0) AS m FROM {table}")
        total = int(c.fetchone()["m"])
        for name in READ_TABLES:
            c.execute(f"DELETE FROM {name}")
        last = 0
        while True:
            c.execute(select, (last, batch))
            rows = c.fetchall()
            if not rows:
                break
            records = [_record(r, decoder) for r in rows]
            wanted = [s for s in statements_for(records, _kind) if s[0] not in known_sums.ADD_KNOWN_SET]
            for statement, params in grouped(wanted):
                c.executemany(read.sql(statement), params)
            last = int(rows[-1]["n"])
            done += len(rows)
            if progress:
                progress(last, total)
        known_sums.fill(c)  # one GROUP BY of rm_recorded each, not three upserts a row
    return done


def _dashed(hex32: str) -> str:
    """str(UUID(hex)) without building the UUID."""
    h = hex32.replace("-", "")
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _decoder(fallback: Callable[[str, Any], Any]) -> Callable[[bytes], dict[str, Any]]:
    """json.loads with a hook for the transcodings our events use."""
    fast: dict[str, Callable[[Any], Any]] = {
        "decimal_str": Decimal,
        "date_iso": dt.date.fromisoformat,
        "uuid_hex": _dashed,
        "datetime_iso": str,  # recording times are not projected
    }

    def hook(d: dict[str, Any]) -> Any:
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            convert = fast.get(d["_type_"])
            return convert(d["_data_"]) if convert else fallback(d["_type_"], d["_data_"])
        return d

    decoder = json.JSONDecoder(object_hook=hook)

    def decode(state: bytes) -> dict[str, Any]:
        return dict(decoder.decode(bytes(state).decode("utf8")))

    return decode


def _record(row: Any, decode: Callable[[bytes], dict[str, Any]]) -> SimpleNamespace:
    record = SimpleNamespace(**upcast_state(row["topic"], decode(row["state"])))
    record.originator_id = _dashed(str(row["originator_id"]))
    record.event_kind_ = row["topic"].rsplit(":", 1)[-1]
    return record


def _kind(record: Any) -> str:
    return str(record.event_kind_)


def grouped(statements: list[Statement]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """One ``executemany`` per distinct statement, for a batch of events.

    Safe to reorder because of the projector's shape: plain INSERTs create rows and
    come first; every other statement either adds to counters (commutative) or sets a
    column, and those keep their relative order within their own statement's run.
    """
    inserts: dict[str, list[tuple[Any, ...]]] = {}
    updates: dict[str, list[tuple[Any, ...]]] = {}
    for sql, params in statements:
        plain_insert = sql.startswith("INSERT") and "ON CONFLICT" not in sql
        (inserts if plain_insert else updates).setdefault(sql, []).append(params)
    return [*inserts.items(), *updates.items()]
