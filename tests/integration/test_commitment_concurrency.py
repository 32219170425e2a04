"""Commitments and payments racing on one project on PostgreSQL: each writer has its
own ``BudgetTracker`` (own connections, own cache), so their saves really clash in the
database; the loser reloads and decides again. Paid plus committed never exceeds the
budget, payments against a commitment never draw more than it holds, and the read
tables agree with the aggregate."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError, OverspendError
from tracker.store.config import Settings

pytestmark = pytest.mark.postgres


def _setup(url: str) -> str:
    app = BudgetTracker(Settings(db_url=url, user="管理员"))
    try:
        app.add_unit("450001", "保定市满城区医疗保障局本级")
        app.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
        app.appropriate("P1", "70000.00", date="2024-01-10", doc="满财【2024】1号")
        return str(app.commit("P1", "20000.00", date="2024-02-01", contract="共用合同"))
    finally:
        app.close()


def test_racing_commitments_and_payments_never_exceed_the_budget(pg_url: str) -> None:
    shared = _setup(pg_url)
    writers = [BudgetTracker(Settings(db_url=pg_url, user=f"写入者{i}")) for i in range(3)]
    for w in writers:
        w.show("P1")  # every writer starts from a cached copy
    barrier = threading.Barrier(len(writers))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(w: BudgetTracker, i: int) -> None:
        jobs: list[Callable[[int], object]] = [
            lambda n: w.commit(
                "P1", "6000.00", date="2024-05-01", contract=f"合同{i}-{n}", request_id=f"c{i}-{n}"
            ),
            lambda n: w.pay("P1", "5000.00", date="2024-05-02", payee="某公司", request_id=f"p{i}-{n}"),
            lambda n: w.pay(
                "P1", "3000.00", date="2024-05-03", payee="某公司", commitment=shared, request_id=f"d{i}-{n}"
            ),
        ]
        barrier.wait()
        for n in range(4):
            for j, job in enumerate(jobs):
                try:
                    job(n)
                    outcomes.append(f"ok{j}")
                except (OverspendError, InvalidInputError):
                    outcomes.append(f"refused{j}")
                except BaseException as e:
                    errors.append(e)

    threads = [threading.Thread(target=run, args=(w, i)) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    for w in writers:
        w.close()
    assert not errors, errors
    app = BudgetTracker(Settings(db_url=pg_url, user="检查"))
    try:
        view = app.show("P1")
        budget, paid, committed = (Decimal(view[k]) for k in ("budget", "disbursed", "committed"))
        assert budget == Decimal("70000.00")
        assert paid + committed <= budget
        assert Decimal(view["uncommitted"]) >= 0
        commits, plain, drawn = (outcomes.count(f"ok{j}") for j in range(3))
        assert paid == 5000 * plain + 3000 * drawn
        used = next(c for c in view["commitments"] if c["id"] == shared)
        assert Decimal(used["drawn"]) <= Decimal("20000.00")
        assert commits + plain + drawn >= 8  # the money was used, not refused on stale copies
        f = app.queries.statuses(2024, dt.date(2024, 12, 31), codes=["P1"])[1][0].figures
        assert (f.disbursed, f.committed) == (paid, committed)
    finally:
        app.close()
