"""Celery task outcomes and alerts counted for Prometheus by a real worker (issue 14).

A prefork worker (its tasks run in a child process) writes its counts into the shared
multiprocess directory; the worker's own metrics port adds them up, the way a worker
host without gunicorn is scraped.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from receivers import free_port
from worker_harness import Worker, celery_client, send, shared_redis, tracker_env, wait_until

from tracker.commands.tracker import BudgetTracker
from tracker.store.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


@pytest.fixture
def lagging(sqlite_url: str) -> Iterator[BudgetTracker]:
    app = BudgetTracker(Settings(db_url=sqlite_url, user="测试员"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    app.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    app.appropriate("P1", "100000.00", date="2024-01-02")
    app.pay("P1", "10000.00", date="2024-03-01", payee="甲")
    yield app
    app.close()


def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_a_prefork_worker_counts_its_tasks_and_the_alerts_they_raise(
    lagging: BudgetTracker, sqlite_url: str, tmp_path: Path
) -> None:
    redis_url = shared_redis()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = tracker_env(
        redis_url,
        sqlite_url,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        TRACKER_WORKER_METRICS_PORT=str(port),
    )
    with Worker("m1", env, tmp_path, pool="prefork").start() as worker, celery_client(redis_url) as client:
        task = send(client, "check_lag", "2024-06-30")
        assert worker.result_of("check_lag", task)["raised"] == 3
        key = (
            "tracker_celery_tasks_total",
            frozenset({"task": "workers.tasks.check_lag", "outcome": "succeeded"}.items()),
        )
        found = wait_until(lambda: (s := scrape(port)).get(key) and s, 15, what="the task counted")
    raised = sum(v for (name, _), v in found.items() if name == "tracker_alerts_raised_total")
    assert found[key] == 1
    assert raised == 3
    assert any(name.startswith("tracker_celery_task_seconds") for name, _ in found)
    assert list(metrics_dir.glob("counter_*.db")), "the pool child wrote its counts to the shared directory"


def test_beat_adds_a_frequent_lag_check_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.celery_app import beat_schedule

    monkeypatch.delenv("TRACKER_CHECK_EVERY", raising=False)
    assert "frequent-lag-check" not in beat_schedule()
    monkeypatch.setenv("TRACKER_CHECK_EVERY", "900")
    entry = beat_schedule()["frequent-lag-check"]
    assert entry["task"] == "workers.tasks.check_lag"
    assert entry["schedule"].total_seconds() == 900
    monkeypatch.setenv("TRACKER_CHECK_EVERY", "often")
    with pytest.raises(ValueError, match="TRACKER_CHECK_EVERY"):
        beat_schedule()
