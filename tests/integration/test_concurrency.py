"""Several writers on ONE project at the same time.

The multi-process tests start one Python process per writer, each with its own
``BudgetTracker`` (its own connections), and release them together from a barrier so
their commands really overlap. Optimistic-concurrency conflicts must be retried:
nothing lost, nothing counted twice, the budget never overspent.

Writers report any database error (the CLI's "数据库错误", exit 1) instead of dying, and
retry it with a fresh tracker under the same request id, so a report can say exactly
what went wrong; the tests then require that no such error happened at all.

The in-process tests below them replay single interleavings deterministically; each
pins a bug found by the multi-process tests (since fixed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import OverspendError
from tracker.domain.ids import entry_id
from tracker.store.config import Settings

WORKERS = 4

# One writer: open the tracker, say "ready", wait for "go", then run its payments.
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from eventsourcing.persistence import PersistenceError
    from tracker.commands.tracker import BudgetTracker
    from tracker.store.config import Settings
    from tracker.domain.errors import TrackerError

    job = json.loads(sys.argv[1])

    def open_tracker():
        return BudgetTracker(Settings(db_url=job["db"], user=job["user"]))

    app = open_tracker()
    app.find_project("P1")  # connected before the start line
    Path(job["ready"]).touch()
    deadline = time.monotonic() + 60
    while not Path(job["go"]).exists():
        if time.monotonic() > deadline:
            sys.exit("never released")
        time.sleep(0.002)
    results, db_errors = [], []
    for pay in job["payments"]:
        for _attempt in range(20):
            try:
                pid = app.pay("P1", pay["amount"], date=pay["date"],
                              payee=pay.get("payee", job["user"]), request_id=pay["id"])
                results.append({"ok": str(pid), "id": pay["id"]})
            except TrackerError as e:
                results.append({"error": type(e).__name__, "message": str(e), "id": pay["id"]})
            except PersistenceError as e:
                db_errors.append(f"{type(e).__name__}: {e}")
                app.close()
                app = open_tracker()
                continue
            break
        else:
            sys.exit(f"request {pay['id']} kept failing: {db_errors[-3:]}")
    app.close()
    print(json.dumps({"results": results, "db_errors": db_errors}))
    """
)


def setup_project(db_url: str, budget: str) -> BudgetTracker:
    app = BudgetTracker(Settings(db_url=db_url, user="管理员"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    app.add_project(year=2024, unit="450001", code="P1", name="城乡居民医保基金区级配套")
    app.appropriate("P1", budget, date="2024-01-02")
    return app


def _wait_for(flag: Path, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 60
    while not flag.exists():
        dead = [p for p in procs if p.poll() is not None]
        assert not dead, f"a writer died before the start: {dead[0].communicate()[1]}"
        assert time.monotonic() < deadline, "writer never got ready"
        time.sleep(0.01)


def run_writers(
    db_url: str, tmp_path: Path, jobs: list[list[dict[str, str]]], user: str | None = None
) -> list[Any]:
    """Start one process per job, release them together, return each one's results.

    Processes are started one after another (each connected before the next starts),
    so that all are writing when released; opening trackers at the same moment is
    ``test_trackers_opened_at_the_same_moment_on_postgresql_all_start``.
    """
    go = tmp_path / "go"
    procs: list[subprocess.Popen[str]] = []
    try:
        for n, payments in enumerate(jobs):
            flag = tmp_path / f"ready-{n}"
            job = {
                "db": db_url,
                "user": user or f"writer{n}",
                "payments": payments,
                "ready": str(flag),
                "go": str(go),
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, json.dumps(job)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            _wait_for(flag, procs)
        go.touch()
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate()
    reports = []
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        reports.append(json.loads(out))
    db_errors = [e for r in reports for e in r["db_errors"]]
    assert db_errors == []
    return [r["results"] for r in reports]


def payment_events(app: BudgetTracker) -> list[Any]:
    pid = app.find_project("P1")
    return [e for e in app.events.get(pid) if type(e).__name__ == "PaymentRecorded"]


def read_model(app: BudgetTracker) -> tuple[int, int, int, int]:
    """(budget_fen, disbursed_fen, payment rows, sum of payment rows) from the read tables."""
    project = next(p for p in app.projects() if p["code"] == "P1")
    rows = app.read.one("SELECT COUNT(*) AS n, COALESCE(SUM(amount_fen), 0) AS s FROM rm_payments")
    assert rows is not None
    return (int(project["budget_fen"]), int(project["disbursed_fen"]), int(rows["n"]), int(rows["s"]))


# ----------------------------------------------------------------- many processes


@pytest.mark.slow
def test_concurrent_writers_to_one_project_lose_nothing_and_count_nothing_twice(
    db_url: str, tmp_path: Path
) -> None:
    per_writer = 25
    app = setup_project(db_url, "10000000.00")
    try:
        # amounts distinct per writer and payment, so any loss or duplicate shows in the sum
        jobs = [
            [
                {
                    "id": f"w{w}-{i}",
                    "amount": f"{(w + 1) * 1000 + i}.{w + 1:02d}",
                    "date": f"2024-{w + 2:02d}-{i + 1:02d}",
                }
                for i in range(per_writer)
            ]
            for w in range(WORKERS)
        ]
        expected = sum(Decimal(p["amount"]) for job in jobs for p in job)
        results = run_writers(db_url, tmp_path, jobs)

        errors = [r for rs in results for r in rs if "ok" not in r]
        assert errors == []
        ids = [r["ok"] for rs in results for r in rs]
        assert len(ids) == len(set(ids)) == WORKERS * per_writer

        events = payment_events(app)
        assert len(events) == WORKERS * per_writer
        assert {str(e.payment_id) for e in events} == set(ids)
        assert sum(e.amount for e in events) == expected
        assert Counter(e.user for e in events) == {f"writer{w}": per_writer for w in range(WORKERS)}

        budget_fen, disbursed_fen, rows, rows_fen = read_model(app)
        assert budget_fen == 1_000_000_000
        assert disbursed_fen == rows_fen == int(expected * 100)
        assert rows == WORKERS * per_writer
        assert {r["id"] for r in app.read.all("SELECT id FROM rm_payments")} == set(ids)

        fresh = BudgetTracker(Settings(db_url=db_url, user="x"))
        try:
            shown = fresh.show("P1")
        finally:
            fresh.close()
        assert Decimal(shown["disbursed"]) == expected
        assert len(shown["payments"]) == WORKERS * per_writer
    finally:
        app.close()


@pytest.mark.slow
def test_concurrent_writers_never_spend_beyond_the_budget(db_url: str, tmp_path: Path) -> None:
    allowed, per_writer = 30, 15  # 60 attempts of 100.00 against a budget of 3,000.00
    app = setup_project(db_url, f"{allowed * 100}.00")
    try:
        jobs = [
            [{"id": f"w{w}-{i}", "amount": "100.00", "date": "2024-03-01"} for i in range(per_writer)]
            for w in range(WORKERS)
        ]
        results = run_writers(db_url, tmp_path, jobs)

        outcomes = Counter("ok" if "ok" in r else r["error"] for rs in results for r in rs)
        assert outcomes == {"ok": allowed, "OverspendError": WORKERS * per_writer - allowed}
        assert all("可用余额" in r["message"] for rs in results for r in rs if "error" in r)

        events = payment_events(app)
        assert len(events) == allowed
        assert sum(e.amount for e in events) == Decimal(allowed * 100)
        assert {str(e.payment_id) for e in events} == {r["ok"] for rs in results for r in rs if "ok" in r}
        budget_fen, disbursed_fen, rows, rows_fen = read_model(app)
        assert disbursed_fen == budget_fen == rows_fen == allowed * 100 * 100
        assert rows == allowed
    finally:
        app.close()


@pytest.mark.slow
def test_concurrent_retries_of_the_same_requests_record_each_once(db_url: str, tmp_path: Path) -> None:
    requests = 10
    app = setup_project(db_url, "1000000.00")
    try:
        # every writer sends r0..r9 with the same arguments, as the same user: one
        # client's retries arriving through several processes at once
        job = [
            {"id": f"r{i}", "amount": f"{i + 1}00.00", "date": "2024-04-01", "payee": "同一收款人"}
            for i in range(requests)
        ]
        results = run_writers(db_url, tmp_path, [job] * WORKERS, user="同一操作人")

        expected_ids = {f"r{i}": str(entry_id("payment", f"r{i}")) for i in range(requests)}
        for rs in results:
            # every copy is answered with the first result, none refused
            assert [(r["id"], r.get("ok"), r.get("error")) for r in rs] == [
                (rid, pid, None) for rid, pid in expected_ids.items()
            ]

        events = payment_events(app)
        assert len(events) == requests
        assert {str(e.payment_id) for e in events} == set(expected_ids.values())
        expected_fen = sum((i + 1) * 100 * 100 for i in range(requests))
        _, disbursed_fen, rows, rows_fen = read_model(app)
        assert disbursed_fen == rows_fen == expected_fen
        assert rows == requests
        stored = app.read.one("SELECT COUNT(*) AS n FROM rm_requests")
        assert stored is not None
        assert stored["n"] == requests
    finally:
        app.close()


OPEN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tracker.commands.tracker import BudgetTracker
    from tracker.store.config import Settings
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.001)
    app = BudgetTracker(Settings(db_url=sys.argv[1], user="u"))
    app.close()
    """
)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("schema", ["existing", "fresh"])
def test_trackers_opened_at_the_same_moment_on_postgresql_all_start(
    pg_url: str, tmp_path: Path, schema: str
) -> None:
    """Regression: the library creates its function, type and tables on every start;
    processes starting together failed with InternalError "tuple concurrently updated"
    (or, on a fresh database, IntegrityError on pg_type_typname_nsp_index)."""
    if schema == "existing":
        setup_project(pg_url, "1000.00").close()
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, pg_url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    time.sleep(1.5)  # let every interpreter import and reach the start line
    go.touch()
    outputs = [p.communicate(timeout=60) for p in procs]
    failures = [
        err.strip().splitlines()[-1] for p, (_, err) in zip(procs, outputs, strict=True) if p.returncode != 0
    ]
    assert failures == []


# ------------------------------------------------ interleavings, made deterministic


def _alternate(db_url: str, rounds: int) -> tuple[Counter[str], BudgetTracker]:
    """Two trackers (two web workers, say) take turns paying into one project."""
    first = setup_project(db_url, "1000000.00")
    second = BudgetTracker(Settings(db_url=db_url, user="第二个进程"))
    outcomes: Counter[str] = Counter()
    try:
        for _ in range(rounds):
            for app in (first, second):
                try:
                    app.pay("P1", "1.00", date="2024-02-01", payee="某公司")
                    outcomes["ok"] += 1
                except Exception as e:  # the outcome is what is tested
                    outcomes[f"{type(e).__name__}: {e}"] += 1
    finally:
        second.close()
    return outcomes, first


def test_alternating_writers_on_sqlite_never_fail(sqlite_url: str) -> None:
    outcomes, app = _alternate(sqlite_url, 40)
    try:
        assert outcomes == {"ok": 80}
        assert app.show("P1")["disbursed"] == "80.00"
        assert read_model(app)[1:3] == (8000, 80)
    finally:
        app.close()


@pytest.mark.postgres
def test_alternating_writers_on_postgresql_never_fail(pg_url: str) -> None:
    """Regression: the read-model statements ran in the library's pipeline with psycopg's
    automatic preparation; a version clash aborted the pipeline, the pending PREPARE was
    lost while psycopg believed it done, and later saves on that connection failed with
    ProgrammingError 'prepared statement "_pg3_N" does not exist' (about 1 in 5)."""
    outcomes, app = _alternate(pg_url, 40)
    try:
        assert outcomes == {"ok": 80}
        assert app.show("P1")["disbursed"] == "80.00"
    finally:
        app.close()


def _retry_after_first_commit(
    db_url: str, monkeypatch: pytest.MonkeyPatch, command: Callable[[BudgetTracker], UUID]
) -> tuple[UUID, UUID, BudgetTracker]:
    """The second copy of a request checks its request id, then the first copy commits,
    then the second loads the project and decides: the window two retrying clients hit."""
    first = setup_project(db_url, "100000.00")
    first.pay("P1", "1000.00", date="2024-03-01", payee="某公司", request_id="base")
    second = BudgetTracker(Settings(db_url=db_url, user="管理员"))
    committed: list[UUID] = []
    load = second.repository.get

    def get(aggregate_id: UUID, **kwargs: Any) -> Any:
        if not committed:
            committed.append(command(first))
        return load(aggregate_id, **kwargs)

    monkeypatch.setattr(second.repository, "get", get)
    try:
        again = command(second)
    finally:
        monkeypatch.undo()
        second.close()
    assert committed, "the interleaving did not happen"
    return committed[0], again, first


def _pay(app: BudgetTracker) -> UUID:
    return app.pay("P1", "250.00", date="2024-03-05", payee="某公司", request_id="dup")


def _budget(app: BudgetTracker) -> UUID:
    return app.appropriate("P1", "5000", kind="add", date="2024-03-05", request_id="dup")


def _reverse(app: BudgetTracker) -> UUID:
    paid = entry_id("payment", "base")
    return app.reverse(paid, "100.00", date="2024-03-06", reason="退回", request_id="dup")


@pytest.mark.parametrize("command", [_budget, _reverse], ids=["budget", "reverse"])
def test_retry_loading_after_the_first_commit_records_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch, command: Callable[[BudgetTracker], UUID]
) -> None:
    first_id, again, app = _retry_after_first_commit(db_url, monkeypatch, command)
    try:
        assert again == first_id
        view = app.show("P1")
        assert view["budget"] == ("105000.00" if command is _budget else "100000.00")
        assert view["disbursed"] == ("1000.00" if command is _budget else "900.00")
        # Registered, the budget, the base payment and ONE more event
        assert len(list(app.events.get(app.find_project("P1")))) == 4
    finally:
        app.close()


def test_retry_loading_after_the_first_commit_gets_the_first_id(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the retry was refused by Project.pay with InvalidInputError
    "支付编号：支付…已存在" instead of answering with the first payment id."""
    first_id, again, app = _retry_after_first_commit(db_url, monkeypatch, _pay)
    try:
        assert again == first_id
        assert app.show("P1")["disbursed"] == "1250.00"
    finally:
        app.close()


# ------------------------------------------- long-lived processes with cached projects


@pytest.fixture
def two_processes(db_url: str) -> Iterator[tuple[BudgetTracker, BudgetTracker]]:
    """Two trackers on one database (two web workers); the first has P1 in its cache."""
    first = setup_project(db_url, "100000.00")
    first.pay("P1", "10000.00", date="2024-02-01", payee="某公司", request_id="warm")
    second = BudgetTracker(Settings(db_url=db_url, user="第二个进程"))
    try:
        yield first, second
    finally:
        second.close()
        first.close()


def test_payment_fitting_a_budget_added_elsewhere_is_accepted(
    two_processes: tuple[BudgetTracker, BudgetTracker],
) -> None:
    first, second = two_processes
    second.appropriate("P1", "50000", kind="add", date="2024-01-15")
    first.pay("P1", "130000.00", date="2024-03-01", payee="某公司")
    assert first.show("P1")["available"] == "10000.00"


def test_payment_recorded_elsewhere_can_be_reversed_at_once(
    two_processes: tuple[BudgetTracker, BudgetTracker],
) -> None:
    first, second = two_processes
    paid = second.pay("P1", "300.00", date="2024-03-01", payee="某公司")
    first.reverse(paid, "100.00", date="2024-03-02", reason="退回")
    assert second.show("P1")["disbursed"] == "10200.00"


def test_reduction_fitting_after_a_reversal_elsewhere_is_accepted(
    two_processes: tuple[BudgetTracker, BudgetTracker],
) -> None:
    first, second = two_processes
    second.reverse(entry_id("payment", "warm"), date="2024-02-02", reason="全额退回")
    first.appropriate("P1", "100000", kind="recall", date="2024-06-01")
    assert second.show("P1")["budget"] == "0.00"


def test_a_stale_copy_never_lets_spending_exceed_the_budget(
    two_processes: tuple[BudgetTracker, BudgetTracker],
) -> None:
    first, second = two_processes
    second.pay("P1", "80000.00", date="2024-03-01", payee="另一家")
    with pytest.raises(OverspendError):
        first.pay("P1", "10000.01", date="2024-03-02", payee="某公司")  # fits the stale copy
    first.pay("P1", "10000.00", date="2024-03-02", payee="某公司")
    assert second.show("P1")["available"] == "0.00"
    assert read_model(second)[:2] == (10_000_000, 10_000_000)
