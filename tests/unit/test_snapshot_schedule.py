"""Snapshot points: every interval at first, then thinning out as a project grows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracker.commands.base import snapshot_due


def points(upto: int, interval: int = 100) -> list[int]:
    return [v for v in range(1, upto + 1) if snapshot_due(interval, v - 1, v)]


def test_every_interval_up_to_ten_intervals_then_every_power_of_ten() -> None:
    assert points(1000) == list(range(100, 1001, 100))
    assert points(10_000) == [*range(100, 1001, 100), *range(2000, 10_001, 1000)]
    assert points(100_000)[-3:] == [80_000, 90_000, 100_000]


def test_a_save_of_many_events_that_passes_a_point_takes_one() -> None:
    assert snapshot_due(100, 95, 130)
    assert not snapshot_due(100, 101, 199)
    assert snapshot_due(100, 1999, 2000)
    assert not snapshot_due(100, 2001, 2999)


@given(st.integers(100, 10**6))
def test_a_load_replays_fewer_events_than_the_versions_power_of_ten(version: int) -> None:
    step = max(100, 10 ** (len(str(version)) - 1))
    last = next(p for p in range(version, 0, -1) if snapshot_due(100, p - 1, p))
    assert version - last < step
