"""``utc_stamp``: an event's recording moment as fixed-width UTC text. Its fast
spelling for moments already in UTC (an event's own timestamp) must give exactly
the text of the general one."""

from __future__ import annotations

import datetime as dt
import random

from tracker.domain.moments import utc_stamp

GENERAL = "%Y-%m-%dT%H:%M:%S.%fZ"


def test_a_utc_moment_is_spelled_as_strftime_spells_it_microseconds_always_written() -> None:
    rng = random.Random(5)
    moments = [
        dt.datetime(2024, 7, 5, 9, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC),
    ]
    moments += [
        dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=rng.randrange(10**15))
        for _ in range(200)
    ]
    for m in moments:
        assert utc_stamp(m) == m.strftime(GENERAL)
        assert len(utc_stamp(m)) == len("2024-07-05T09:00:00.000000Z")


def test_other_zones_naive_moments_and_iso_text_are_turned_into_utc() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert utc_stamp(dt.datetime(2024, 7, 5, 17, 0, tzinfo=beijing)) == "2024-07-05T09:00:00.000000Z"
    assert utc_stamp(dt.datetime(2024, 7, 5, 9, 0)) == "2024-07-05T09:00:00.000000Z"
    assert utc_stamp("2024-07-05T17:00:00.5+08:00") == "2024-07-05T09:00:00.500000Z"
