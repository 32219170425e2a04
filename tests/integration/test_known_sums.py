"""The sums of ``rm_recorded`` by recording bucket (``projections.known_sums``).

After a random sequence of commands recorded at moments a microsecond, seconds, hours,
days or months apart (a pinned recording clock, as in ``test_known_on_properties.py``),
each of ``rm_known_months``, ``rm_known_days`` and ``rm_known_seconds`` equals a GROUP BY
of ``rm_recorded``, and the figures as known on a moment (``sums.project_sums``) equal
the plain sum of the rows dated in the window and recorded by then, for moments on,
between and inside the buckets of the recording moments. The same after an import (its
merged statements), after a rebuild, and on an old database whose tables are emptied
(filled once on the next open).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from test_import_fast_path import funded, payments_file
from test_known_on_properties import CODES, DAYS, YEAR, Clock, open_store, pinned, run, yuan

from tracker.commands.tracker import BudgetTracker
from tracker.domain.moments import utc_stamp
from tracker.importing import import_file
from tracker.projections.known_sums import GRAINS
from tracker.projections.recorded import backfill_known_sums
from tracker.queries import sums
from tracker.queries.known import KnownOn
from tracker.store.config import Settings

GAPS = (
    dt.timedelta(microseconds=3),
    dt.timedelta(milliseconds=400),
    dt.timedelta(seconds=7),
    dt.timedelta(hours=5),
    dt.timedelta(days=1),
    dt.timedelta(days=40),
)


def grouped(app: BudgetTracker, width: int) -> list[dict[str, Any]]:
    return app.read.all(
        f"SELECT project_id, substr(date, 1, 7) AS month, substr(recorded_at, 1, {width}) AS recorded, "
        "SUM(budget_fen) AS budget_fen, SUM(spent_fen) AS spent_fen FROM rm_recorded "
        f"WHERE date IS NOT NULL GROUP BY project_id, substr(date, 1, 7), substr(recorded_at, 1, {width}) "
        "ORDER BY project_id, month, recorded"
    )


def kept(app: BudgetTracker, table: str) -> list[dict[str, Any]]:
    return app.read.all(
        f"SELECT project_id, month, recorded, budget_fen, spent_fen FROM {table} "
        "ORDER BY project_id, month, recorded"
    )


def assert_tables_are_the_group_by(app: BudgetTracker) -> None:
    for table, width in GRAINS:
        assert [dict(r) for r in kept(app, table)] == [dict(r) for r in grouped(app, width)], table


def plain_sums(
    app: BudgetTracker, day: dt.date, known: KnownOn, units: list[str] | None
) -> dict[str, tuple[int, int]]:
    """The figures as the read summed them before the tables: every row of the window."""
    counted = sums.window(YEAR, day)
    if counted is None:
        return {}
    sql = (
        "SELECT project_id, SUM(budget_fen) AS b, SUM(spent_fen) AS s FROM rm_recorded "
        "WHERE date >= ? AND date <= ? AND recorded_at <= ?"
    )
    params: list[Any] = [counted[0].isoformat(), counted[1].isoformat(), known.stamp]
    if units is not None:
        sql += " AND project_id IN (SELECT id FROM rm_projects WHERE year = ? AND unit_code = ?)"
        params += [YEAR, units[0]]
    rows = app.read.all(sql + " GROUP BY project_id", params)
    return {r["project_id"]: (int(r["b"]), int(r["s"])) for r in rows}


def nonzero(found: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Callers read a missing project as (0, 0)."""
    return {k: v for k, v in found.items() if v != (0, 0)}


def moments(app: BudgetTracker, rnd: random.Random) -> list[KnownOn]:
    """Every recording moment, a microsecond before and after it, the start and end of
    its second, day and month, and some at random."""
    stamps = [r["recorded_at"] for r in app.read.all("SELECT DISTINCT recorded_at FROM rm_recorded")]
    out: set[dt.datetime] = set()
    for stamp in stamps:
        at = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        out |= {at, at - dt.timedelta(microseconds=1), at + dt.timedelta(microseconds=1)}
        out |= {at.replace(microsecond=0), at.replace(microsecond=999999)}
        out |= {at.replace(hour=0, minute=0, second=0, microsecond=0), at.replace(day=1, hour=0, minute=0)}
    picked = rnd.sample(sorted(out), min(len(out), 60))
    return [KnownOn(m) for m in picked]


def assert_known_sums_unchanged(app: BudgetTracker, rnd: random.Random) -> None:
    days = [*rnd.sample(DAYS, 25), dt.date(YEAR, 1, 1), dt.date(YEAR, 2, 29), dt.date(YEAR, 12, 31)]
    for known in moments(app, rnd):
        for day in rnd.sample(days, 6):
            for units in (None, ["450001"]):
                mine = sums.project_sums(app.read, YEAR, day, units, known)
                assert nonzero(mine) == nonzero(plain_sums(app, day, known, units)), (known.stamp, day)
    # Without a moment (the monthly and daily sums, the unit's days read by date): the
    # same as every row recorded, the unit's projects or all.
    everything = KnownOn(dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
    for day in days:
        for units in (None, ["450001"]):
            mine = sums.project_sums(app.read, YEAR, day, units)
            assert nonzero(mine) == nonzero(plain_sums(app, day, everything, units)), day


def random_commands(app: BudgetTracker, clock: Clock, rnd: random.Random, n: int) -> None:
    paid: list[Any] = []
    for k in range(n):
        clock.now += rnd.choice(GAPS)
        what = rnd.random()
        code = rnd.choice(CODES[:2])
        fen = rnd.randint(1, 3_000_00)
        day = rnd.choice(DAYS)
        if k < 2:
            run(app, ("appropriate", k, "initial", 500_000_00, DAYS[k * 10]), f"r{k}")
        elif what < 0.5:
            if (found := run(app, ("pay", CODES.index(code), fen, day), f"r{k}")) is not None:
                paid.append((found, day))
        elif what < 0.65 and paid:
            payment, on = rnd.choice(paid)
            run(
                app,
                ("reverse", payment, rnd.choice([None, 1_00]), min(on + dt.timedelta(3), DAYS[-1])),
                f"r{k}",
            )
        elif what < 0.8:
            run(app, ("appropriate", CODES.index(code), rnd.choice(["add", "reduce"]), fen, day), f"r{k}")
        elif what < 0.9:
            app.transfer("P1", "P2", yuan(fen), date=day, doc="调1号", request_id=f"r{k}")
        elif what < 0.93:
            run(app, ("register",), f"r{k}")


def test_the_sums_by_recording_bucket_are_a_group_by_and_known_on_is_unchanged(db_url: str) -> None:
    rnd = random.Random(15)
    clock = Clock()
    with pinned(clock):
        app = open_store(db_url)
        try:
            random_commands(app, clock, rnd, 90)
            assert_tables_are_the_group_by(app)
            assert_known_sums_unchanged(app, rnd)
            inline = {t: kept(app, t) for t, _ in GRAINS}
            app.rebuild_read_model()
            assert {t: kept(app, t) for t, _ in GRAINS} == inline
        finally:
            app.close()


def test_an_import_keeps_the_sums_by_recording_bucket(db_url: str, tmp_path: Path) -> None:
    app = funded(db_url)
    try:
        import_file(app, payments_file(tmp_path / "pay.csv", 700, seed=11), year=YEAR)
        import_file(app, payments_file(tmp_path / "more.csv", 300, seed=4, books="转"), year=YEAR)
        assert_tables_are_the_group_by(app)
        stamps = [
            r["recorded_at"] for r in app.read.all("SELECT recorded_at FROM rm_recorded ORDER BY recorded_at")
        ]
        middle = stamps[len(stamps) // 2]
        for known in (KnownOn(dt.datetime.fromisoformat(middle.replace("Z", "+00:00"))),):
            assert utc_stamp(known.moment) == middle
            for day in (dt.date(YEAR, 3, 1), dt.date(YEAR, 6, 20), dt.date(YEAR, 12, 31)):
                assert nonzero(sums.project_sums(app.read, YEAR, day, None, known)) == nonzero(
                    plain_sums(app, day, known, None)
                )
    finally:
        app.close()


def test_an_old_database_gets_the_sums_once_on_first_open(db_url: str) -> None:
    rnd = random.Random(7)
    clock = Clock()
    with pinned(clock):
        app = open_store(db_url)
        random_commands(app, clock, rnd, 40)
        inline = {t: kept(app, t) for t, _ in GRAINS}
        with app.read.datastore.transaction(commit=True) as c:
            for table, _ in GRAINS:
                c.execute(f"DROP TABLE {table}")  # as a database written before they existed
        app.close()
    app = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    try:
        assert {t: kept(app, t) for t, _ in GRAINS} == inline
        assert not backfill_known_sums(app.read)  # once: the next start finds them
    finally:
        app.close()
