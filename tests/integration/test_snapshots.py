"""Large projects load from snapshots (every 100 events) and lose nothing by it.

A project with a few hundred entries is written, then loaded by a fresh tracker on the
same database (snapshot + the events after it) and compared field by field with a
replay of every event from the start without snapshots.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import OverspendError
from tracker.domain.ids import entry_id
from tracker.domain.project import Project
from tracker.queries.project_view import project_view
from tracker.store.config import Settings

PAYMENTS = 260
INTERVAL = BudgetTracker.snapshotting_intervals[Project]


def amount(i: int) -> Decimal:
    return Decimal(100 + i) + Decimal(i % 100) / 100  # 100.00 .. 359.59, with 分


def day(i: int) -> dt.date:
    # not in recording order: back-dated entries exercise the by-day balances
    return dt.date(2024, 1, 2) + dt.timedelta(days=(i * 37) % 359)


@pytest.fixture
def big(tracker: BudgetTracker) -> tuple[BudgetTracker, UUID]:
    """Project P1 with 260 payments, some reversals, budget moves and two plan versions."""
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(
        year=2024,
        unit="450001",
        code="P1",
        name="城乡居民医保基金区级配套",
        functional="2101599",
        economic="30299",
        plan="03-31:,06-30:31810000,09-30:53620000,12-31:75441300",
    )
    tracker.appropriate("P1", "100000.00", date="2024-01-02", doc="满财社【2024】1号")
    for i in range(PAYMENTS):
        tracker.pay(
            "P1", amount(i), date=day(i), payee=f"收款人{i % 7}", voucher=f"记-{i:04d}", request_id=f"pay-{i}"
        )
        if i % 50 == 49:  # reverse part of an older payment, dated after it
            tracker.reverse(
                entry_id("payment", f"pay-{i - 40}"), "10.01", date="2024-12-31", reason="部分退回"
            )
        if i == 150:
            tracker.appropriate("P1", "0.5", wan=True, kind="add", date="2024-06-01")
            tracker.appropriate("P1", "1000", kind="reduce", date="2024-06-02")
            tracker.set_plan("P1", "03-31:25%,06-30:50%,10-31:75%,12-31:100%")
    return tracker, tracker.find_project("P1")


def replayed(tracker: BudgetTracker, pid: UUID, version: int | None = None) -> Project:
    """The project rebuilt from every event, ignoring snapshots."""
    project = project_aggregate(None, tracker.events.get(pid, lte=version))
    assert isinstance(project, Project)
    return project


def state(project: Project) -> dict[str, Any]:
    """Everything the aggregate holds (the pending-event buffer is not state)."""
    return {k: v for k, v in vars(project).items() if k != "_pending_events"}


def fresh(db_url: str) -> BudgetTracker:
    return BudgetTracker(Settings(db_url=db_url, user="另一个进程"))


def test_large_project_is_snapshotted_every_interval(big: tuple[BudgetTracker, UUID]) -> None:
    tracker, pid = big
    assert tracker.snapshots is not None
    version = replayed(tracker, pid).version
    assert version >= 250
    snapshots = list(tracker.snapshots.get(pid))
    assert [s.originator_version for s in snapshots] == list(range(INTERVAL, version + 1, INTERVAL))


def test_fresh_tracker_loads_from_the_snapshot_what_a_full_replay_gives(
    big: tuple[BudgetTracker, UUID], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker, pid = big
    full = replayed(tracker, pid)
    other = fresh(db_url)
    try:
        reads: list[dict[str, Any]] = []
        store = other.repository.event_store
        get = store.get

        def spy(*args: Any, **kwargs: Any) -> Any:
            reads.append(kwargs)
            return get(*args, **kwargs)

        monkeypatch.setattr(store, "get", spy)
        loaded = other.repository.get(pid)
        monkeypatch.undo()
        # it started from the latest snapshot, not from version 1
        assert reads
        assert reads[0].get("gt") == full.version // INTERVAL * INTERVAL

        assert isinstance(loaded, Project)
        assert state(loaded) == state(full)
        assert project_view(loaded) == project_view(full)
        assert other.show("P1") == tracker.show("P1") == project_view(full)
    finally:
        other.close()

    assert len(full.payments) == PAYMENTS
    assert full.disbursed == sum(amount(i) for i in range(PAYMENTS)) - Decimal("10.01") * 5
    assert full.budget == Decimal("104000.00")
    assert full.plan is not None
    assert full.plan[2].date == dt.date(2024, 10, 31)


def test_each_snapshot_equals_the_replay_up_to_its_version(
    big: tuple[BudgetTracker, UUID],
) -> None:
    tracker, pid = big
    assert tracker.snapshots is not None
    snapshots = list(tracker.snapshots.get(pid))
    assert snapshots
    for snapshot in snapshots:
        restored = snapshot.mutate(None)
        assert isinstance(restored, Project)
        expected = replayed(tracker, pid, snapshot.originator_version)
        assert restored.version == snapshot.originator_version
        assert state(restored) == state(expected)
        # value types survive the snapshot's JSON round trip
        first = restored.payments[str(entry_id("payment", "pay-0"))]
        assert isinstance(first["date"], dt.date)
        assert isinstance(first["amount"], Decimal)
        assert first["amount"] == Decimal("100.00")
        assert all(isinstance(v, Decimal) for v in restored.spent_by_day.values())


def test_commands_on_a_project_loaded_from_a_snapshot_behave_as_on_a_replay(
    big: tuple[BudgetTracker, UUID], db_url: str
) -> None:
    tracker, pid = big
    other = fresh(db_url)
    try:
        before = other.show("P1")
        available = Decimal(before["available"])
        # an old payment (recorded before the first snapshot) can still be reversed,
        # but not dated before the payment itself
        old = entry_id("payment", "pay-3")
        other.reverse(old, "1.00", date=day(3), reason="退回")
        with pytest.raises(OverspendError):
            other.pay("P1", available + Decimal("1.01"), date="2024-01-03", payee="某公司")
        other.pay("P1", available + Decimal("1.00"), date="2024-12-31", payee="某公司")
        after = other.show("P1")
    finally:
        other.close()
    assert after["available"] == "0.00"
    assert state(replayed(tracker, pid)) == state(other_reload(db_url, pid))
    assert after == project_view(replayed(tracker, pid))


def other_reload(db_url: str, pid: UUID) -> Project:
    third = fresh(db_url)
    try:
        project = third.repository.get(pid)
    finally:
        third.close()
    assert isinstance(project, Project)
    return project
