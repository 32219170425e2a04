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
