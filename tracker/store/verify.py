"""Check the event log against its chain (``tracker verify``).

The events and the chain rows are read in notification order inside one read
transaction (a snapshot on both engines, so writers may go on meanwhile), merged by
notification id, and every hash is computed again. The first row that does not agree
is reported:

- an event whose content no longer gives its ``event_hash``: **altered**;
- an event without a chain row: **inserted** (written around the application);
- a chain row without its event: **removed**;
- a chain row whose ``chain_hash`` or ``seq`` does not follow from the row before it:
  events were removed together with their chain rows (``seq`` says how many), or the
  chain itself was rewritten.

Removing the *last* events together with their chain rows leaves a shorter chain that
is consistent in itself; only an earlier head (printed on every export and in the
weekly digest) shows it: ``expected_head`` must still be one of the chain's hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tracker.store.chain import (
    CHAIN_TABLE,
    GENESIS,
    Head,
    Link,
    canonical_id,
    chain_hash,
    event_hash,
    event_row,
    values,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """The first disagreement between the events and their chain."""

    kind: str  # altered / inserted / removed / broken
    notification_id: int
    originator_id: str
    version: int
    message: str


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: the head of the verified chain, the first problem (if
    any), and where an expected earlier head was found (its event count), if it was."""

    head: Head
    problem: Problem | None
    expected_found_at: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify(
    read: Any, expected_head: str | None = None, progress: Progress | None = None, batch: int = 20000
) -> Verification:
    """Walk the whole log and its chain; see the module docstring for what is found."""
    walk = _Walk(expected_head.lower() if expected_head else None)
    with read.datastore.transaction(commit=False) as c:
        if read.is_postgres:
            c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        total = _max_id(c, read)
        for event, link in _merged(c, read, batch):
            walk.step(event, link)
            if walk.problem is not None:
                break
            if progress and walk.count % 1000 == 0:
                progress(_n(event, link), total)
    if progress:
        progress(total, total)
    return Verification(Head(walk.seq, walk.previous), walk.problem, walk.found_at)


EventRow = tuple[int, Any, int, str, bytes]


class _Walk:
    """The state of the walk: the last good link and the first problem."""

    def __init__(self, expected: str | None) -> None:
        self.seq, self.previous = 0, GENESIS
        self.count = 0
        self.problem: Problem | None = None
        self.expected = expected
        self.found_at: int | None = 0 if expected == GENESIS else None

    def step(self, event: EventRow | None, link: Link | None) -> None:
        self.count += 1
        if link is None:
            assert event is not None
            n, oid, v = event[0], canonical_id(event[1]), event[2]
            self._fail(
                "inserted", n, oid, v, f"通知号 {n} 的事件（聚合 {oid}，版本 {v}）不在事件链中：它是被插入的"
            )
            return
        n, oid, v = link.notification_id, link.originator_id, link.originator_version
        if event is None:
            self._fail("removed", n, oid, v, f"通知号 {n} 的事件（聚合 {oid}，版本 {v}）已被删除")
            return
        if event_hash(n, canonical_id(event[1]), event[2], event[3], event[4]) != link.event_hash:
            self._fail("altered", n, oid, v, f"通知号 {n} 的事件（聚合 {oid}，版本 {v}）内容被改动")
            return
        if link.seq != self.seq + 1 or chain_hash(self.previous, link.event_hash) != link.chain_hash:
            missing = link.seq - self.seq - 1
            why = f"之前有 {missing} 条事件连同其链记录被删除" if missing > 0 else "处的事件链记录被改写"
            self._fail("broken", n, oid, v, f"通知号 {n} 的事件（聚合 {oid}，版本 {v}）{why}")
            return
        self.seq, self.previous = link.seq, link.chain_hash
        if self.expected is not None and link.chain_hash == self.expected:
            self.found_at = link.seq

    def _fail(self, kind: str, n: int, oid: str, v: int, message: str) -> None:
        self.problem = Problem(kind, n, oid, v, message)


def _n(event: EventRow | None, link: Link | None) -> int:
    return event[0] if event is not None else link.notification_id if link is not None else 0


def _seq_column(read: Any) -> str:
    return "notification_id" if read.is_postgres else "rowid"


def _max_id(c: Any, read: Any) -> int:
    c.execute(f"SELECT COALESCE(MAX({_seq_column(read)}), 0) AS m FROM {read.events_table}")
    events_max = int(values(c.fetchone())[0])
    c.execute(f"SELECT COALESCE(MAX(notification_id), 0) AS m FROM {CHAIN_TABLE}")
    return max(events_max, int(values(c.fetchone())[0]))


def _merged(c: Any, read: Any, batch: int) -> Iterator[tuple[EventRow | None, Link | None]]:
    """Events and chain rows side by side by notification id, a batch at a time."""
    seq = _seq_column(read)
    events_sql = read.sql(
        f"SELECT {seq} AS n, originator_id, originator_version, topic, state FROM {read.events_table} "
        f"WHERE {seq} > ? ORDER BY {seq} LIMIT ?"
    )
    links_sql = read.sql(
        f"SELECT * FROM {CHAIN_TABLE} WHERE notification_id > ? AND notification_id <= ? "
        "ORDER BY notification_id"
    )
    last = 0
    while True:
        c.execute(events_sql, (last, batch))
        events = [event_row(r) for r in c.fetchall()]
        upper = events[-1][0] if len(events) == batch else 2**62
        c.execute(links_sql, (last, upper))
        links = [Link(*_link(r)) for r in c.fetchall()]
        if not events and not links:
            return
        yield from _pairs(events, links)
        last = upper


def _pairs(events: list[EventRow], links: list[Link]) -> Iterator[tuple[EventRow | None, Link | None]]:
    i = j = 0
    while i < len(events) or j < len(links):
        e = events[i] if i < len(events) else None
        k = links[j] if j < len(links) else None
        if e is not None and (k is None or e[0] < k.notification_id):
            yield e, None
            i += 1
        elif k is not None and (e is None or k.notification_id < e[0]):
            yield None, k
            j += 1
        else:
            yield e, k
            i += 1
            j += 1


def _link(row: Any) -> tuple[int, int, str, int, str, str]:
    n, seq, originator_id, version, eh, ch = values(row)
    return int(n), int(seq), str(originator_id), int(version), str(eh), str(ch)
