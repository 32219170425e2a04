"""``prefetched``: the repository's reads answered from a few statements are the very
rows the per-aggregate statements return, and the aggregates loaded are the same."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import NotFoundError
from tracker.domain.project import Project
from tracker.store.prefetch import prefetched

QUERIES: list[dict[str, Any]] = [
    {},
    {"desc": True, "limit": 1},
    {"gt": 1},
    {"gt": 50},
    {"gt": 100},
    {"gt": 100, "lte": 110},
    {"lte": 3},
    {"desc": True, "limit": 3, "lte": 105},
    {"gt": 200},
]


def _projects(tracker: BudgetTracker) -> list[uuid.UUID]:
    """Three projects: with a snapshot and events after it, with a few events, with only
    its creation; and an id with nothing stored."""
    tracker.add_unit("450001", "单位")
    for code in ("BIG", "SMALL", "EMPTY"):
        tracker.add_project(year=2024, unit="450001", code=code, name=code)
    tracker.appropriate("BIG", "100000.00", date="2024-01-02")
    tracker.appropriate("SMALL", "100.00", date="2024-01-02")
    for k in range(105):  # a snapshot at version 100, five events after it
        tracker.pay("BIG", "1.00", date="2024-02-01", payee=f"收款人{k}")
    tracker.pay("SMALL", "1.00", date="2024-02-01", payee="甲")
    return [tracker.find_project(c) for c in ("BIG", "SMALL", "EMPTY")] + [uuid.uuid4()]


def _recorders(tracker: BudgetTracker) -> list[Any]:
    repo = tracker.repository
    return [repo.event_store.recorder, repo.snapshot_store.recorder]


def test_the_same_rows_as_one_aggregate_at_a_time(tracker: BudgetTracker) -> None:
    ids = _projects(tracker)
    assert tracker.repository.snapshot_store.recorder.select_events(ids[0]), "BIG has a snapshot"
    expected = [[r.select_events(i, **q) for q in QUERIES] for r in _recorders(tracker) for i in ids]
    with prefetched(tracker, ids):
        got = [[r.select_events(i, **q) for q in QUERIES] for r in _recorders(tracker) for i in ids]
        served = [r.select_events for r in _recorders(tracker)]
    assert got == expected
    assert all(s.__module__ == "tracker.store.prefetch" for s in served), "answered from the prefetch"
    assert all("select_events" not in vars(r) for r in _recorders(tracker)), "restored on leaving"


def test_the_same_aggregates_loaded(tracker: BudgetTracker) -> None:
    ids = _projects(tracker)[:3]
    plain = []
    for pid in ids:
        tracker.evict(pid)
        plain.append(vars(tracker.load_for_update(pid, Project, NotFoundError("x", "y"))).copy())
        tracker.evict(pid)
    with prefetched(tracker, ids):
        fast = [vars(tracker.load_for_update(pid, Project, NotFoundError("x", "y"))).copy() for pid in ids]
    assert fast == plain


def test_another_thread_reads_the_database(tracker: BudgetTracker) -> None:
    ids = _projects(tracker)
    recorder = tracker.repository.event_store.recorder
    with prefetched(tracker, ids[:2]):
        tracker.pay("SMALL", "1.00", date="2024-02-02", payee="乙")  # stored after the prefetch
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(len(recorder.select_events(ids[1]))))
        thread.start()
        thread.join()
        mine = len(recorder.select_events(ids[1]))
    assert seen == [mine + 1]  # the other thread saw the database, this one the prefetched rows
