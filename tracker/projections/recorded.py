"""Recording moments for a database written before "as known on" existed.

Such a database has its events (each with the moment it was stored) but no rows in
``rm_recorded`` or ``rm_plan_versions``. On the first open by this version they are
filled from the stored events, once, the way the chain is built on first use
(``tracker.store.chain.seal``): writers are held off (PostgreSQL: the events table is
locked; SQLite: the write lock is taken first), and a second starter finds the rows
there and does nothing. A rebuild fills them too, with everything else.

The units' status rules as known on a moment (``rm_unit_rules``) came a release later:
a database where some unit has no rule row gets them all from the units' events, the
same way (``backfill_unit_rules``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracker.projections.projector import ADD_RECORDED, ADD_UNIT_RULE, statements_for
from tracker.projections.rebuild import _decoder, _kind, _record, grouped
from tracker.store.readstore import ReadStore

PLAN_VERSION = "INSERT INTO rm_plan_versions"


def needs_backfill(c: Any) -> bool:
    """Projects are registered but no recording moment is kept: an old database."""
    c.execute("SELECT 1 AS x FROM rm_recorded LIMIT 1")
    if c.fetchone() is not None:
        return False
    c.execute("SELECT 1 AS x FROM rm_projects LIMIT 1")
    return c.fetchone() is not None


def backfill(read: ReadStore, fallback: Callable[[str, Any], Any], batch: int = 20000) -> int:
    """Fill the recording moments from the stored events if none are kept yet; returns
    the events read (0 on every usual start, which only reads two rows)."""
    with read.datastore.transaction(commit=False) as c:
        if not needs_backfill(c):
            return 0
    seq = "notification_id" if read.is_postgres else "rowid"
    table = read.events_table
    select = read.sql(
        f"SELECT {seq} AS n, originator_id, topic, state FROM {table} WHERE {seq} > ? "
        "AND topic LIKE ? ORDER BY {seq} LIMIT ?".replace("{seq}", seq)
    )
    decode = _decoder(fallback)
    done = 0
    with read.datastore.transaction(commit=True) as c:
        if read.is_postgres:
            c.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        else:
            c.execute("DELETE FROM rm_recorded WHERE 0")  # the write lock, before reading
        if not needs_backfill(c):
            return 0
        last = 0
        while rows := _fetch(c, select, last, batch):
            records = [_record(r, decode) for r in rows]
            wanted = [
                s
                for s in statements_for(records, _kind)
                if s[0] == ADD_RECORDED or s[0].startswith(PLAN_VERSION)
            ]
            for statement, params in grouped(wanted):
                c.executemany(read.sql(statement), params)
            last = int(rows[-1]["n"])
            done += len(rows)
    return done


def _fetch(c: Any, select: str, last: int, batch: int) -> list[Any]:
    c.execute(select, (last, "%:Project.%", batch))
    return list(c.fetchall())


def needs_unit_rules(c: Any) -> bool:
    """Some unit has no status rule with its recording moment (a database written
    before they were kept); one probe of the few units."""
    c.execute(
        "SELECT 1 AS x FROM rm_units u WHERE NOT EXISTS "
        "(SELECT 1 FROM rm_unit_rules r WHERE r.unit_id = u.id) LIMIT 1"
    )
    return c.fetchone() is not None


def backfill_unit_rules(read: ReadStore, fallback: Callable[[str, Any], Any]) -> int:
    """Every unit's status rules from its stored events if some unit has none; returns
    the events read (0 on every usual start)."""
    with read.datastore.transaction(commit=False) as c:
        if not needs_unit_rules(c):
            return 0
    seq = "notification_id" if read.is_postgres else "rowid"
    select = read.sql(
        f"SELECT {seq} AS n, originator_id, topic, state FROM {read.events_table} "
        f"WHERE topic LIKE ? ORDER BY {seq}"
    )
    decode = _decoder(fallback)
    with read.datastore.transaction(commit=True) as c:
        if read.is_postgres:
            c.execute(f"LOCK TABLE {read.events_table} IN EXCLUSIVE MODE")
        else:
            c.execute("DELETE FROM rm_unit_rules WHERE 0")  # the write lock, before reading
        if not needs_unit_rules(c):
            return 0
        c.execute("DELETE FROM rm_unit_rules")  # the units that have some get them again
        c.execute(select, ("%:Unit.%",))
        records = [_record(r, decode) for r in c.fetchall()]
        wanted = [s for s in statements_for(records, _kind) if s[0] == ADD_UNIT_RULE]
        if wanted:
            c.executemany(read.sql(ADD_UNIT_RULE), [params for _, params in wanted])
    return len(records)
