"""Property: whatever commands arrive, in whatever order, public money is never overspent.

Random sequences of appropriations (every kind), payments on random dates, partial and
full reversals, plan changes and retried requests go through BudgetTracker. An
independent model predicts which must be accepted; after each sequence the stored
events are folded independently and compared with the aggregate, the read tables and a
rebuilt read model.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from conftest import ledger_event_count
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError, NotFoundError, OverspendError, TrackerError
from tracker.domain.ids import project_id
from tracker.domain.plan import parse_plan, plan_spec
from tracker.store.config import Settings

YEAR = 2024
FIRST = dt.date(YEAR, 1, 1)
DAYS = [FIRST + dt.timedelta(days=n) for n in range(366)]
OUTSIDE = [dt.date(2023, 12, 31), dt.date(2025, 1, 1)]
CODES = ("P1", "P2")
SIGN = {"initial": 1, "add": 1, "carryover": 1, "reduce": -1, "recall": -1}  # our own table
PLANS = {  # spec -> valid?
    "03-31:25%,06-30:50%,09-30:75%,12-31:100%": True,
    "03-31:25%,06-30:50%,10-31:75%,12-31:100%": True,
    "03-31:,06-30:70000,10-31:100000,12-31:500000": True,
    "02-29:5%,12-31:100%": True,
    "12-31:100%": True,
    "03-31:50%,06-30:40%,12-31:100%": False,
    "03-31:25%,11-30:100%": False,
    "03-31:25%,12-31:": False,
    "03-31:25%,12-31:100": False,
    "02-30:10%,12-31:100%": False,
}
TABLES = {
    "rm_units": "code",
    "rm_projects": "id",
    "rm_payments": "id",
    "rm_daily": "project_id, date",
    "rm_requests": "request_id",
}

# ------------------------------------------------------------------ strategies

dates = st.integers(-2, 365).map(lambda n: OUTSIDE[n % 2] if n < 0 else DAYS[n])
# Round amounts, a few times smaller than the budgets, fill a budget in a few steps, so
# exact fits and back-dated overspends are common; odd amounts check the 分.
fens = st.one_of(st.sampled_from([1, 1_000_00, 2_500_00, 5_000_00, 10_000_00]), st.integers(1, 10_000_00))
projects = st.integers(0, len(CODES) - 1)
# Each project starts with a 年初预算 (possibly outside the year, so refused) early in the
# year, so that most payments have something to spend and the boundaries get exercised.
budgets = st.one_of(st.sampled_from([10_000_00, 20_000_00, 30_000_00]), st.integers(1, 30_000_00))
early = st.integers(-2, 120).map(lambda n: OUTSIDE[n % 2] if n < 0 else DAYS[n])
openings = st.tuples(
    *(
        st.tuples(st.just("appropriate"), st.just(p), st.just("initial"), budgets, early)
        for p in range(len(CODES))
    )
).map(list)

# A reversal picks one of the payments recorded so far (or an unknown id when there is
# none) and is dated some days after it (or before it, or past the year end: refused).
# Its amount is all that is left (None), a share of the payment, or one 分 too much.
reversal_amounts = st.one_of(st.none(), st.integers(1, 100), st.just("over"))
commands = st.one_of(
    st.tuples(st.just("appropriate"), projects, st.sampled_from(list(SIGN)), fens, dates),
    st.tuples(st.just("pay"), projects, fens, dates),
    st.tuples(st.just("pay"), projects, fens, dates),
    st.tuples(st.just("reverse"), st.integers(0, 50), reversal_amounts, st.integers(-3, 200)),
    st.tuples(st.just("plan"), projects, st.sampled_from(list(PLANS))),
    st.tuples(st.just("retry"), st.integers(0, 50)),
)
sequences = st.builds(lambda a, b: [*a, *b], openings, st.lists(commands, min_size=3, max_size=14))


# ------------------------------------------------------------------ the model


@dataclass
class Model:
    """What the ledger must contain: only the accepted commands, exactly as asked."""

    budget: dict[str, dict[dt.date, int]] = field(
        default_factory=lambda: {c: defaultdict(int) for c in CODES}
    )
    spent: dict[str, dict[dt.date, int]] = field(default_factory=lambda: {c: defaultdict(int) for c in CODES})
    payments: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    plan: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(CODES))
    events: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CODES, 1))

    def headroom_from(self, code: str, day: dt.date) -> int:
        """The least budget left on any date from ``day`` to 31 December."""
        level, lowest = 0, None
        for d in DAYS:
            level += self.budget[code].get(d, 0) - self.spent[code].get(d, 0)
            if d >= day:
                lowest = level if lowest is None else min(lowest, level)
        assert lowest is not None
        return lowest


def yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


Done = list[tuple[tuple[Any, ...], str, UUID]]


def attempt(app: BudgetTracker, model: Model, command: tuple[Any, ...], rid: str, done: Done) -> str:
    """Run one command; check it was accepted exactly when the model says it must be.

    Returns the outcome: ``"ok"``, ``"replayed"`` or the refusal's class name.
    """
    if command[0] == "retry":
        if not done:
            return "skipped"
        original, original_rid, result = done[command[1] % len(done)]
        before = ledger_event_count(app)
        assert _run(app, original, original_rid) == result
        assert ledger_event_count(app) == before
        return "replayed"
    command = _resolve(model, command)
    expected = _expect(model, command)
    if expected is None:
        result = _run(app, command, rid)
        _apply(model, command, result)
        done.append((command, rid, result))
        return "ok"
    before = ledger_event_count(app)
    with pytest.raises(TrackerError) as caught:
        _run(app, command, rid)
    assert type(caught.value) is expected, (command, caught.value)
    assert ledger_event_count(app) == before
    return expected.__name__


def _resolve(model: Model, command: tuple[Any, ...]) -> tuple[Any, ...]:
    """Turn a generated reversal into concrete arguments: payment id and date."""
    if command[0] != "reverse":
        return command
    _, pick, share, offset = command
    if not model.payments:
        return ("reverse", UUID(int=pick + 1), None, DAYS[-1])
    payment_id = list(model.payments)[pick % len(model.payments)]
    payment = model.payments[payment_id]
    if share == "over":
        fen = payment["amount"] - payment["reversed"] + 1
    else:
        fen = None if share is None else max(1, payment["amount"] * share // 100)
    return ("reverse", payment_id, fen, payment["date"] + dt.timedelta(days=offset))


def _run(app: BudgetTracker, command: tuple[Any, ...], rid: str) -> UUID:
    kind = command[0]
    if kind == "appropriate":
        _, p, how, fen, day = command
        return app.appropriate(CODES[p], yuan(fen), kind=how, date=day, request_id=rid)
    if kind == "pay":
        _, p, fen, day = command
        return app.pay(CODES[p], yuan(fen), date=day, payee="收款人", request_id=rid)
    if kind == "reverse":
        _, payment_id, fen, day = command
        return app.reverse(
            payment_id, None if fen is None else yuan(fen), date=day, reason="冲销", request_id=rid
        )
    _, p, spec = command
    return app.set_plan(CODES[p], spec, request_id=rid)


def _expect(model: Model, command: tuple[Any, ...]) -> type[TrackerError] | None:
    """None if the command must be accepted, else the error class it must raise."""
    kind = command[0]
    if kind == "plan":
        return None if PLANS[command[2]] else InvalidInputError
    if kind == "reverse":
        _, payment_id, fen, day = command
        payment = model.payments.get(payment_id)
        if payment is None:
            return NotFoundError
        left = payment["amount"] - payment["reversed"]
        if day.year != YEAR or day < payment["date"] or left == 0:
            return InvalidInputError
        return InvalidInputError if fen is not None and fen > left else None
    if kind == "appropriate":
        _, p, how, fen, day = command
        if day.year != YEAR:
            return InvalidInputError
        if SIGN[how] > 0:
            return None
    else:
        _, p, fen, day = command
        if day.year != YEAR:
            return InvalidInputError
    return OverspendError if fen > model.headroom_from(CODES[p], day) else None


def _apply(model: Model, command: tuple[Any, ...], result: UUID) -> None:
    kind = command[0]
    if kind == "appropriate":
        _, p, how, fen, day = command
        model.budget[CODES[p]][day] += SIGN[how] * fen
    elif kind == "pay":
        _, p, fen, day = command
        model.spent[CODES[p]][day] += fen
        model.payments[result] = {"code": CODES[p], "amount": fen, "reversed": 0, "date": day}
    elif kind == "reverse":
        _, payment_id, fen, day = command
        payment = model.payments[payment_id]
        amount = payment["amount"] - payment["reversed"] if fen is None else fen
        payment["reversed"] += amount
        model.spent[payment["code"]][day] -= amount
        p = CODES.index(payment["code"])
    else:
        _, p, spec = command
        model.plan[CODES[p]] = spec
    model.events[CODES[p]] += 1


# ------------------------------------------------------------------ the checks


def read_tables(app: BudgetTracker) -> dict[str, list[dict[str, Any]]]:
    return {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in TABLES.items()}


def fen_of(amount: Decimal) -> int:
    assert isinstance(amount, Decimal)
    assert amount == amount.quantize(Decimal("0.01"))
    return int(amount * 100)


def fold(app: BudgetTracker) -> dict[str, Any]:
    """An independent fold of the stored events, in 分."""
    budget: dict[str, dict[str, int]] = {c: defaultdict(int) for c in CODES}
    spent: dict[str, dict[str, int]] = {c: defaultdict(int) for c in CODES}
    payments: dict[str, dict[str, Any]] = {}
    plans: dict[str, str | None] = dict.fromkeys(CODES)
    counts: dict[str, int] = {}
    for code in CODES:
        events = list(app.events.get(project_id(YEAR, code)))
        counts[code] = len(events)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
        for e in events:
            name = type(e).__name__
            if name == "BudgetAppropriated":
                budget[code][e.date.isoformat()] += SIGN[e.kind] * fen_of(e.amount)
            elif name == "PaymentRecorded":
                spent[code][e.date.isoformat()] += fen_of(e.amount)
                payments[str(e.payment_id)] = {
                    "project_id": str(project_id(YEAR, code)),
                    "date": e.date.isoformat(),
                    "amount_fen": fen_of(e.amount),
                    "reversed_fen": 0,
                }
            elif name == "PaymentReversed":
                spent[code][e.date.isoformat()] -= fen_of(e.amount)
                payments[str(e.payment_id)]["reversed_fen"] += fen_of(e.amount)
            elif name == "PlanSet":
                plans[code] = ",".join(c.spec() for c in e.checkpoints)
    return {"budget": budget, "spent": spent, "payments": payments, "plans": plans, "counts": counts}


def check_ledger(app: BudgetTracker, model: Model) -> None:
    facts = fold(app)
    assert facts["counts"] == model.events
    for code in CODES:
        budget, spent = facts["budget"][code], facts["spent"][code]
        # Never overspent, on any date of the year, by business date.
        level = 0
        for d in DAYS:
            level += budget.get(d.isoformat(), 0) - spent.get(d.isoformat(), 0)
            assert level >= 0, (code, d)
        # The events hold exactly what the accepted commands asked for.
        assert dict(budget) == {d.isoformat(): v for d, v in model.budget[code].items()}
        assert dict(spent) == {d.isoformat(): v for d, v in model.spent[code].items()}
        # The aggregate agrees with the events.
        project = app.get_project(code)
        assert fen_of(project.budget) == sum(budget.values())
        assert fen_of(project.disbursed) == sum(spent.values())
        # So do the read tables.
        pid = str(project_id(YEAR, code))
        row = next(p for p in app.projects(YEAR) if p["code"] == code)
        assert (row["budget_fen"], row["disbursed_fen"], row["plan"]) == (
            sum(budget.values()),
            sum(spent.values()),
            facts["plans"][code],
        )
        assert facts["plans"][code] == (None if model.plan[code] is None else _canonical(model.plan[code]))
        daily = app.read.all(
            "SELECT date, budget_fen, spent_fen FROM rm_daily WHERE project_id = ? ORDER BY date", (pid,)
        )
        expected = {d: (budget.get(d, 0), spent.get(d, 0)) for d in set(budget) | set(spent)}
        assert {
            r["date"]: (r["budget_fen"], r["spent_fen"])
            for r in daily
            if (r["budget_fen"], r["spent_fen"]) != (0, 0)
        } == {d: v for d, v in expected.items() if v != (0, 0)}  # a day that nets to 0 may go
    rows = app.read.all("SELECT id, project_id, date, amount_fen, reversed_fen FROM rm_payments")
    assert {r.pop("id"): r for r in rows} == facts["payments"]
    assert {UUID(k): (v["amount_fen"], v["reversed_fen"]) for k, v in facts["payments"].items()} == {
        k: (v["amount"], v["reversed"]) for k, v in model.payments.items()
    }
    # A rebuild from the log gives the very same rows.
    incremental = read_tables(app)
    app.rebuild_read_model()
    assert read_tables(app) == incremental


def _canonical(spec: str) -> str:
    return plan_spec(parse_plan(spec, YEAR))


def run_sequence(db_url: str, sequence: list[tuple[Any, ...]]) -> list[str]:
    """Attempt every command, check the whole ledger, return each command's outcome."""
    app = BudgetTracker(Settings(db_url=db_url, user="性质测试"))
    try:
        app.add_unit("450001", "本级")
        for code in CODES:
            app.add_project(year=YEAR, unit="450001", code=code, name=f"项目{code}")
        model = Model()
        done: Done = []
        outcomes = [
            attempt(app, model, command, f"r{n}-{uuid4().hex[:6]}", done)
            for n, command in enumerate(sequence)
        ]
        check_ledger(app, model)
    finally:
        app.close()
    if currently_in_test_context():  # statistics for --hypothesis-show-statistics
        for command, outcome in zip(sequence, outcomes, strict=True):
            event(f"{command[0]}: {outcome}")
    return outcomes


# ------------------------------------------------------------------ the properties


@given(sequences)
def test_random_commands_never_overspend_and_every_view_agrees_on_sqlite(
    sequence: list[tuple[Any, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        run_sequence(f"sqlite:///{Path(folder) / 'tracker.db'}", sequence)


def test_a_known_tricky_sequence_on_sqlite() -> None:
    """Back-dated payment and cut around a reversal, with retries (fixed, always run)."""
    d = dt.date
    sequence = [
        ("appropriate", 0, "initial", 100_000_00, d(2024, 1, 10)),
        ("appropriate", 0, "reduce", 40_000_00, d(2024, 9, 1)),
        ("pay", 0, 50_000_00, d(2024, 10, 1)),
        ("pay", 0, 20_000_00, d(2024, 3, 1)),  # refused: overspends from 1 September
        ("reverse", 0, 10, 1),  # 5,000.00 on 2 October
        ("pay", 0, 15_000_00, d(2024, 3, 1)),  # refused: the reversal came later
        ("pay", 0, 10_000_00, d(2024, 3, 1)),
        ("appropriate", 0, "recall", 5_000_00, d(2024, 11, 1)),
        ("reverse", 0, None, -1),  # refused: before its payment
        ("reverse", 0, "over", 0),  # refused: one 分 more than is left
        ("reverse", 0, None, 91),  # the rest, on 31 December
        ("reverse", 0, None, 92),  # refused: 2025, and nothing is left anyway
        ("retry", 2),
        ("plan", 1, "03-31:,06-30:70000,10-31:100000,12-31:500000"),
        ("plan", 1, "03-31:25%,12-31:"),
        ("pay", 1, 1, d(2024, 6, 1)),  # refused: P2 has no budget
    ]
    with tempfile.TemporaryDirectory() as folder:
        outcomes = run_sequence(f"sqlite:///{Path(folder) / 'tracker.db'}", sequence)
    assert outcomes == [
        "ok",
        "ok",
        "ok",
        "OverspendError",
        "ok",
        "OverspendError",
        "ok",
        "ok",
        "InvalidInputError",
        "InvalidInputError",
        "ok",
        "InvalidInputError",
        "replayed",
        "ok",
        "InvalidInputError",
        "OverspendError",
    ]


def _reset(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.mark.postgres
@settings(
    max_examples=min(10, settings.default.max_examples),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.builds(lambda a, b: [*a, *b], openings, st.lists(commands, min_size=3, max_size=8)))
def test_random_commands_never_overspend_and_every_view_agrees_on_postgres(
    pg_url: str,
    sequence: list[tuple[Any, ...]],
) -> None:
    _reset(pg_url)  # one database for the test, a fresh schema for each example
    run_sequence(pg_url, sequence)
