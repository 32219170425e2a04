"""Property: a read as known on T equals the read of a store that only ever got what was
recorded by T.

A random sequence of commands (appropriations of every kind, payments on random dates
and so back-dated ones, reversals, plan changes, transfers, a project registered late)
is recorded at increasing moments of a pinned recording clock (as in
``test_known_on.py``). For a moment T, ``status``, ``show``, ``rollup``, the heat map
and the project page's lists of the full store with ``known_on=T`` must give exactly
what a fresh store answers into which only the commands recorded by T were replayed,
in the same order with the same request ids.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import TrackerError
from tracker.queries.heatmap import unit_months
from tracker.queries.known import known_on
from tracker.queries.project_page import ProjectPageQueries
from tracker.store.config import Settings

YEAR = 2024
BEIJING = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2024, 7, 1, 9, 0, tzinfo=BEIJING)
CODES = ("P1", "P2", "P3")  # P3 is registered by a command of the sequence, if at all
KINDS = ("initial", "add", "carryover", "reduce", "recall")
PLANS = ("03-31:25%,06-30:50%,09-30:75%,12-31:100%", "06-30:80%,12-31:100%", "03-31:,06-30:30000,12-31:90000")
DAYS = [dt.date(YEAR, 1, 1) + dt.timedelta(days=n) for n in range(366)]


class Clock:
    """The recording time of the library's events: set per command, one microsecond
    later at each read so the events of one command keep their order."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(microseconds=1)
        return self.now.astimezone(dt.UTC)


@contextmanager
def pinned(clock: Clock) -> Iterator[None]:
    import eventsourcing.domain

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", clock)
        yield


# ------------------------------------------------------------------ strategies

fens = st.one_of(st.sampled_from([1_000_00, 5_000_00, 20_000_00]), st.integers(1, 30_000_00))
days = st.sampled_from(DAYS)
sides = st.integers(0, len(CODES) - 1)
commands = st.one_of(
    st.tuples(st.just("appropriate"), sides, st.sampled_from(KINDS), fens, days),
    st.tuples(st.just("pay"), sides, fens, days),
    st.tuples(st.just("pay"), sides, fens, days),
    st.tuples(
        st.just("reverse"), st.integers(0, 30), st.one_of(st.none(), st.integers(1, 100)), st.integers(0, 60)
    ),
    st.tuples(st.just("plan"), sides, st.sampled_from(PLANS)),
    st.tuples(st.just("transfer"), sides, sides, fens, days),
    st.tuples(
        st.just("register"),
    ),
)
openings = st.just(
    [("appropriate", 0, "initial", 50_000_00, DAYS[9]), ("appropriate", 1, "initial", 30_000_00, DAYS[20])]
)
sequences = st.builds(lambda a, b: [*a, *b], openings, st.lists(commands, min_size=2, max_size=12))
gaps = st.lists(st.integers(1, 600), min_size=14, max_size=14)  # minutes between commands


# ------------------------------------------------------------------ running


def yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


def open_store(url: str) -> BudgetTracker:
    app = BudgetTracker(Settings(db_url=url, user="性质测试"))
    app.add_unit("450001", "本级", request_id="unit")
    for code in CODES[:2]:
        app.add_project(year=YEAR, unit="450001", code=code, name=f"项目{code}", request_id=f"add-{code}")
    return app


def run(app: BudgetTracker, command: tuple[Any, ...], rid: str) -> UUID | None:
    """Run one concrete command; None when the tracker refuses it."""
    kind = command[0]
    try:
        if kind == "appropriate":
            _, p, how, fen, day = command
            return app.appropriate(CODES[p], yuan(fen), kind=how, date=day, doc="文1号", request_id=rid)
        if kind == "pay":
            _, p, fen, day = command
            return app.pay(CODES[p], yuan(fen), date=day, payee="收款人", request_id=rid)
        if kind == "reverse":
            _, payment, fen, day = command
            amount = None if fen is None else yuan(fen)
            return app.reverse(payment, amount, date=day, reason="冲销", request_id=rid)
        if kind == "plan":
            _, p, spec = command
            return app.set_plan(CODES[p], spec, request_id=rid)
        if kind == "transfer":
            _, a, b, fen, day = command
            return app.transfer(CODES[a], CODES[b], yuan(fen), date=day, doc="调1号", request_id=rid)
        return app.add_project(year=YEAR, unit="450001", code="P3", name="项目P3", request_id=rid)
    except TrackerError:
        return None


def concrete(command: tuple[Any, ...], paid: list[tuple[UUID, int, dt.date]]) -> tuple[Any, ...]:
    """A generated reversal made concrete: one of the payments accepted so far, a share
    of it (None: all that is left), some days after it (past 31 December: refused)."""
    if command[0] != "reverse":
        return command
    _, pick, share, offset = command
    if not paid:
        return ("reverse", UUID(int=pick + 1), None, DAYS[-1])
    payment, fen, day = paid[pick % len(paid)]
    return (
        "reverse",
        payment,
        None if share is None else max(1, fen * share // 100),
        day + dt.timedelta(offset),
    )


Recorded = list[tuple[dt.datetime, tuple[Any, ...], str]]


def record_all(
    app: BudgetTracker, clock: Clock, sequence: list[tuple[Any, ...]], gaps: list[int]
) -> Recorded:
    """Every command at its own recording moment (the gaps in minutes); the concrete
    commands with their moments and request ids, for the replay."""
    done: Recorded = []
    paid: list[tuple[UUID, int, dt.date]] = []
    for n, (generated, gap) in enumerate(zip(sequence, gaps, strict=False)):
        clock.now += dt.timedelta(minutes=gap)
        moment, command, rid = clock.now, concrete(generated, paid), f"r{n}"
        result = run(app, command, rid)
        if command[0] == "pay" and result is not None:
            paid.append((result, command[2], command[3]))
        done.append((moment, command, rid))
    return done


def view(app: BudgetTracker, as_of: dt.date, known: str | None) -> dict[str, Any]:
    """status, show and rollup: what a reader sees, as plain comparable data."""
    moment = known_on(known)
    report = app.queries.status_report(YEAR, as_of, known=moment)
    report.pop("known_on")
    shown: dict[str, Any] = {}
    ledgers: dict[str, Any] = {}  # the project page's lists, of the projects registered by then
    pages = ProjectPageQueries(app.read)
    for code in CODES:
        try:
            shown[code] = app.show(code, known_on=moment)
        except TrackerError as e:
            shown[code] = type(e).__name__
        else:
            shown[code].pop("known_on", None)
            facts = pages.facts(YEAR, code)
            assert facts is not None
            ledgers[code] = pages.ledger(facts.id, as_of, known=moment)
    rollup = app.queries.rollup(YEAR, ["unit"], as_of=as_of, known=moment)
    rollup.pop("known_on", None)
    heat = unit_months(app.read, YEAR, as_of, known=moment)
    return {"status": report, "show": shown, "rollup": rollup, "heat": heat, "ledgers": ledgers}


def check(
    sequence: list[tuple[Any, ...]],
    gaps: list[int],
    cut: int,
    as_of: dt.date,
    stores: tuple[str, Callable[[], str]] | None = None,
) -> bool:
    """Compare the two stores (two SQLite files, or ``stores``: the full store's URL and
    a function giving the fresh one's once the full one is closed); True when T left
    something out (the full store's figures without a moment differ)."""
    with tempfile.TemporaryDirectory() as folder:
        full_url, fresh_url = stores or (
            f"sqlite:///{Path(folder) / 'full.db'}",
            lambda: f"sqlite:///{Path(folder) / 'fresh.db'}",
        )
        clock = Clock()
        with pinned(clock):
            full = open_store(full_url)
            try:
                done = record_all(full, clock, sequence, gaps)
                cut = cut % (len(done) + 1)  # the first ``cut`` commands were recorded by T
                moment = done[cut - 1][0] if cut else START
                t = (moment + dt.timedelta(seconds=30)).isoformat()
                seen = view(full, as_of, t)
                left_out = seen != view(full, as_of, None)
            finally:
                full.close()
            fresh = open_store(fresh_url())
            try:
                for _, command, rid in done[:cut]:
                    run(fresh, command, rid)
                assert seen == view(fresh, as_of, None)
            finally:
                fresh.close()
    return left_out


@given(sequences, gaps, st.integers(0, 20), days)
def test_known_on_t_equals_a_store_that_only_got_what_was_recorded_by_t(
    sequence: list[tuple[Any, ...]], gaps: list[int], cut: int, as_of: dt.date
) -> None:
    event("T left something out" if check(sequence, gaps, cut, as_of) else "T left nothing out")


# A back-dated payment, a reversal, a transfer, a plan and a late project after T (the
# fourth command).
KNOWN = [
    ("appropriate", 0, "initial", 50_000_00, dt.date(2024, 1, 10)),
    ("appropriate", 1, "initial", 30_000_00, dt.date(2024, 1, 21)),
    ("pay", 0, 10_000_00, dt.date(2024, 6, 10)),
    ("plan", 0, PLANS[0]),
    ("pay", 0, 5_000_00, dt.date(2024, 5, 1)),  # back-dated, recorded after T
    ("reverse", 0, 50, 3),
    ("transfer", 1, 0, 7_000_00, dt.date(2024, 4, 1)),
    ("register",),
    ("appropriate", 2, "initial", 1_000_00, dt.date(2024, 2, 1)),
    ("plan", 0, PLANS[1]),
]


def test_a_known_sequence_around_the_moment() -> None:
    """Fixed and always run: a back-dated payment, a reversal, a transfer, a plan and
    a late project after T; T falls after the fourth command."""
    assert check(KNOWN, [5] * len(KNOWN), 4, dt.date(2024, 6, 30))


def _reset(url: str) -> str:
    """A fresh schema in the same database (the test's one database, used twice)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


@pytest.mark.postgres
def test_the_known_sequence_on_postgres(pg_url: str) -> None:
    """The same on PostgreSQL: the full store first, then a fresh schema of the same
    database for the replay."""
    assert check(KNOWN, [5] * len(KNOWN), 4, dt.date(2024, 6, 30), (pg_url, lambda: _reset(pg_url)))


@pytest.mark.postgres
@settings(
    max_examples=min(8, settings.default.max_examples),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.builds(lambda a, b: [*a, *b], openings, st.lists(commands, min_size=2, max_size=8)),
    gaps,
    st.integers(0, 20),
    days,
)
def test_known_on_t_equals_a_replayed_store_on_postgres(
    pg_url: str, sequence: list[tuple[Any, ...]], gaps: list[int], cut: int, as_of: dt.date
) -> None:
    check(sequence, gaps, cut, as_of, (_reset(pg_url), lambda: _reset(pg_url)))
