"""Large writes on PostgreSQL by COPY, inside the caller's transaction: the rows the
recorder would insert, the same values in the same columns, sent as one stream.

Why: the library inserts a batch of events as one array of a composite type, and
psycopg spends about a tenth of a millisecond per event building that array on the
client (quoting each event's bytes as text); the read-model rows of a batch go as
thousands of small multi-row statements (psycopg re-parses a statement with more than
50 parameters on every execution). For the spreadsheet import's 100,000 payments
those two were most of its PostgreSQL time. ``COPY ... FROM STDIN`` takes the same
rows with none of that. Only used inside ``OneTransaction`` (the import), which holds
the events table's EXCLUSIVE lock, so the notification ids a COPY draws from the
sequence are consecutive, as the library's own insert draws them.

The read-model statements are the projector's shapes: ``INSERT INTO t (cols) VALUES
(?, ...), ...`` goes to ``COPY t (cols)``; the same with ``ON CONFLICT (keys) DO
UPDATE ...`` goes through a temporary table and one ``INSERT ... SELECT`` with the
statement's own ``ON CONFLICT`` clause. Any other statement runs as it is, in its
place: rows gathered before it are written first, so the order of effects is kept.

This path does not go through ``TrackerPostgresRecorder.insert_events`` or its
``_insert_stored_events``: anything added to what the recorder writes for each event
(a hash chain, say) must be added to ``OneTransaction._copied`` too, or the import's
large batches on PostgreSQL will not have it (``test_import_fast_path`` compares the
stored events and read tables with the library's way and a rebuild).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from psycopg.sql import SQL, Identifier

EVENT_TYPES = ["uuid", "int8", "text", "bytea"]
_VALUES = r"\(\?(?:, \?)*\)"
_TEMPORARY = itertools.count(1)  # temporary tables live until the commit: names never reused
_SHAPE = re.compile(
    rf"^INSERT INTO (\w+) \(([\w, ]+)\) VALUES ({_VALUES}(?:, {_VALUES})*)"
    r"(?: (ON CONFLICT \(([\w, ]+)\) DO UPDATE SET .*))?$",
    re.S,
)


def copy_events(conn: Any, schema: str, table: str, stored_events: Sequence[Any]) -> None:
    """The events' four columns, binary (their bytes as they are, unquoted)."""
    statement = SQL(
        "COPY {0}.{1} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
    )
    with conn.cursor() as cur, cur.copy(statement.format(Identifier(schema), Identifier(table))) as copy:
        copy.set_types(EVENT_TYPES)
        for s in stored_events:
            copy.write_row((s.originator_id, s.originator_version, s.topic, s.state))


def last_ids(conn: Any, schema: str, table: str, count: int) -> list[int]:
    """The notification ids of the last ``count`` rows (consecutive under the lock)."""
    statement = SQL("SELECT MAX(notification_id) AS top FROM {0}.{1}").format(
        Identifier(schema), Identifier(table)
    )
    top = int(conn.execute(statement).fetchone()["top"])  # the library's connections return dict rows
    return list(range(top - count + 1, top + 1))


class RowWriter:
    """Gathers the rows of the projector's inserts and upserts, writes them by COPY."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.groups: dict[tuple[str, str, str | None], list[tuple[Any, ...]]] = {}
        self.keys: dict[tuple[str, str, str | None], tuple[list[int], set[tuple[Any, ...]]]] = {}

    def write(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Every statement's effect, in order (see the module's docstring)."""
        for sql, params in statements:
            found = _SHAPE.match(sql)
            if found is None:
                self.flush()
                self.conn.execute(sql.replace("?", "%s"), tuple(params))
                continue
            table, columns, _, conflict, keys = found.groups()
            self._add((table, columns, conflict), columns.split(", "), keys, params)
        self.flush()

    def _add(
        self, group: tuple[str, str, str | None], names: list[str], keys: str | None, params: Sequence[Any]
    ) -> None:
        width = len(names)
        rows = [tuple(params[i : i + width]) for i in range(0, len(params), width)]
        if keys is not None:
            positions, seen = self.keys.setdefault(group, ([names.index(k) for k in keys.split(", ")], set()))
            for row in rows:
                key = tuple(row[i] for i in positions)
                if key in seen:  # an upsert may not touch a row twice: write what came before
                    self.flush()
                    positions, seen = self.keys.setdefault(group, (positions, set()))
                seen.add(key)
                self.groups.setdefault(group, []).append(row)
            return
        self.groups.setdefault(group, []).extend(rows)

    def flush(self) -> None:
        groups, self.groups, self.keys = self.groups, {}, {}
        for (table, columns, conflict), rows in groups.items():
            if conflict is None:
                self._copy(table, columns, rows)
            else:
                self._upsert(table, columns, conflict, rows)

    def _copy(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _upsert(self, table: str, columns: str, conflict: str, rows: list[tuple[Any, ...]]) -> None:
        temp = f"tracker_copy_{table}_{next(_TEMPORARY)}"
        self.conn.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        self._copy(temp, columns, rows)
        self.conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} {conflict}")
        # Not dropped here: psycopg answers a DROP with DEALLOCATE ALL, which would take
        # the recorder's prepared statements; the commit drops it.
