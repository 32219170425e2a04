"""Helpers shared by the benchmark scripts (run on demand, never in the test suite)."""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

UNIT = "U1000"  # the generated unit (bench_big.py, bench_web.py)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tracker-bench-"))


def bench_data_dir() -> Path:
    """Where big generated data is kept between runs (never in the repository)."""
    path = Path(os.environ.get("TRACKER_BENCH_DIR", Path(tempfile.gettempdir()) / "tracker-bench"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def fresh_pg(admin_url: str) -> str:
    """A new empty PostgreSQL database for one measurement; returns its URL."""
    import uuid

    import psycopg

    name = f"tracker_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def generate(
    url: str, projects: int, per_project: int, *, payments_of: Callable[[int], int] | None = None
) -> None:
    """One unit with ``projects`` projects of 2024, each with a budget and ``per_project``
    payments spread over the year (``payments_of(i)`` may give project i another count).

    Events go through the application's own store (one save per project, so inline
    projection included) but skip the per-payment checks, and no snapshots are taken.
    """
    from tracker.commands.tracker import BudgetTracker
    from tracker.domain.project import Project
    from tracker.store.config import Settings

    app = BudgetTracker(Settings(db_url=url, user="bench"))
    app.snapshotting_intervals = {}  # type: ignore[misc]  # generation only
    app.add_unit(UNIT, "基准单位（1000 个项目）")
    rnd = random.Random(1)
    start = time.perf_counter()
    for i in range(projects):
        p = Project(
            year=2024,
            code=f"B{i:04d}",
            name=f"基准项目{i}",
            unit_code=UNIT,
            expenditure_type="项目支出",
            functional="2101502",
            economic="30201",
            source="一般公共预算财政拨款",
            owner="",
            user="bench",
        )
        p.appropriate(uuid.uuid4(), "initial", Decimal("100000000.00"), dt.date(2024, 1, 2), "", "bench")
        count = payments_of(i) if payments_of else per_project
        for k in range(count):
            day = dt.date(2024, 1, 3) + dt.timedelta(days=k * 330 // count)
            amount = Decimal(rnd.randint(100, 9999)) / 100
            p._paid(
                uuid.uuid4(),
                amount,
                day,
                "收款人",
                "30201",
                f"记-{k}",
                "一般公共预算财政拨款",
                "bench",
                "",
                None,
            )
        app.save(p)
        if i % 100 == 99:
            print(f"  generated {i + 1} projects, {time.perf_counter() - start:.0f} s", flush=True)
    app.close()
