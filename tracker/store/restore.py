"""Load a portable backup (``tracker.store.backup``) into an empty database.

The file is read and its chain computed twice: once before anything is written (a
damaged, cut or edited file is refused with nothing recorded), then again while the
events go in, in one transaction, with their original notification ids. The chain is
built by the store's own write path (Python on SQLite, the trigger on PostgreSQL) and
must end at the header's head, or the transaction is rolled back. The caller rebuilds
the read tables afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker.domain.errors import InvalidInputError
from tracker.store import chain, chain_pg
from tracker.store.backup import EventRow, Progress, check_file, events_of


def restore(read: Any, path: str | Path, progress: Progress | None = None) -> chain.Head:
    """Check the file, then load its events into the empty store behind ``read``."""
    header = check_file(path)
    expected = chain.Head(int(header["events"]), str(header["head"]))
    with read.datastore.transaction(commit=True) as c:
        if read.is_postgres:
            c.execute("SET LOCAL lock_timeout = '30s'")
            c.execute(f"LOCK TABLE {read.events_table} IN EXCLUSIVE MODE")
            c.execute(chain_pg.MARK)
        _refuse_unless_empty(c, read)
        head = chain.Head(0, chain.GENESIS)
        last = done = 0
        for rows in events_of(path):
            if not rows:
                continue
            if read.is_postgres:
                _insert_pg(c, read.events_table, rows)
            else:
                _insert_sqlite(c, read.events_table, rows)
                head = chain.append_links(c, chain.INSERT_LINK, head, rows)
            last, done = rows[-1][0], done + len(rows)
            if progress:
                progress(done, expected.count)
        if read.is_postgres and last:
            c.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)", (read.events_table, last)
            )
        stored = chain.head_of(c)
        if stored != expected:
            raise InvalidInputError(
                f"恢复后的事件链头 {stored.hash}（{stored.count} 条）与备份文件头不符，已撤销恢复", "备份文件"
            )
    return stored


def _refuse_unless_empty(c: Any, read: Any) -> None:
    for table, what in ((read.events_table, "事件"), (chain.CHAIN_TABLE, "事件链记录")):
        c.execute(f"SELECT COUNT(*) AS n FROM {table}")
        count = int(chain.values(c.fetchone())[0])
        if count:
            raise InvalidInputError(
                f"目标数据库已有 {count} 条{what}：恢复只能写入空数据库（未写入任何内容）", "TRACKER_DB"
            )


def _insert_sqlite(c: Any, table: str, rows: list[EventRow]) -> None:
    c.executemany(
        f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)",
        [(n, originator_id.hex, v, topic, state) for n, originator_id, v, topic, state in rows],
    )


def _insert_pg(c: Any, table: str, rows: list[EventRow]) -> None:
    """One INSERT per batch, so the chain trigger runs once per batch."""
    c.execute(
        f"INSERT INTO {table} (notification_id, originator_id, originator_version, topic, state) "
        "SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::bigint[], %s::text[], %s::bytea[])",
        tuple(list(column) for column in zip(*rows, strict=True)),
    )
