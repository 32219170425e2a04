"""Transfers and payments racing on one project on PostgreSQL: each writer has its own
``BudgetTracker`` (own connections, own cache), so their saves really clash in the
database; the loser reloads and decides again. The giver is never overspent, the
budget moved is never lost or doubled, and opposite transfers do not deadlock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import OverspendError
from tracker.store.config import Settings

pytestmark = pytest.mark.postgres
DOC = "满财预调【2024】7号"


def _setup(url: str) -> None:
    app = BudgetTracker(Settings(db_url=url, user="管理员"))
    try:
        app.add_unit("450001", "保定市满城区医疗保障局本级")
        for code in ("P1", "P2"):
            app.add_project(year=2024, unit="450001", code=code, name=f"项目{code}")
        app.appropriate("P1", "70000.00", date="2024-01-10", doc="满财【2024】1号")
        app.appropriate("P2", "5000.00", date="2024-01-10", doc="满财【2024】1号")
    finally:
        app.close()


def test_racing_transfers_and_payments_never_overspend_and_never_lose_budget(pg_url: str) -> None:
    _setup(pg_url)
    writers = [BudgetTracker(Settings(db_url=pg_url, user=f"写入者{i}")) for i in range(3)]
    for w in writers:
        w.find_project("P1", 2024)
        w.show("P1")  # every writer starts from a cached copy
        w.show("P2")
    barrier = threading.Barrier(len(writers))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(w: BudgetTracker, i: int) -> None:
        jobs: list[Callable[[int], object]] = [
            lambda n: w.transfer("P1", "P2", "10000.00", date="2024-06-01", doc=DOC, request_id=f"t{i}-{n}"),
            lambda n: w.pay("P1", "10000.00", date="2024-06-02", payee="某公司", request_id=f"p{i}-{n}"),
            lambda n: w.transfer("P2", "P1", "1000.00", date="2024-06-01", doc=DOC, request_id=f"b{i}-{n}"),
        ]
        barrier.wait()
        for n in range(4):
            for j, job in enumerate(jobs):
                try:
                    job(n)
                    outcomes.append(f"ok{j}")
                except OverspendError:
                    outcomes.append(f"refused{j}")
                except BaseException as e:
                    errors.append(e)

    threads = [threading.Thread(target=run, args=(w, i)) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for w in writers:
        w.close()
    assert not errors, errors
    app = BudgetTracker(Settings(db_url=pg_url, user="检查"))
    try:
        p1, p2 = app.show("P1"), app.show("P2")
        out, paid, back = (outcomes.count(f"ok{j}") for j in range(3))
        assert Decimal(p1["budget"]) + Decimal(p2["budget"]) == Decimal("75000.00")
        assert Decimal(p1["budget"]) == Decimal("70000.00") - 10000 * out + 1000 * back
        assert Decimal(p1["disbursed"]) == 10000 * paid
        assert Decimal(p1["disbursed"]) <= Decimal(p1["budget"])
        assert Decimal(p2["disbursed"]) <= Decimal(p2["budget"])
        assert out + paid >= 6  # the money was used, not refused on stale copies
        rows = app.read.all("SELECT SUM(budget_fen) AS b FROM rm_daily")
        assert int(rows[0]["b"]) == 7_500_000
    finally:
        app.close()
