"""Helpers shared by the benchmark scripts (run on demand, never in the test suite)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


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
