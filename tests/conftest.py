"""Shared fixtures: a tracker on a fresh SQLite file or a fresh PostgreSQL database.

PostgreSQL tests use the server at TRACKER_TEST_POSTGRES (default
postgresql://postgres@127.0.0.1:5432/postgres, used only to create and drop one
throw-away database per test). Outside CI they skip when the server is unreachable;
under CI=true they fail instead, because CI must exercise both databases.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tracker.commands.tracker import BudgetTracker
from tracker.store.config import Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("TRACKER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


def service_unavailable(what: str, why: str) -> None:
    """Skip outside CI, fail under CI: CI must run every tier."""
    message = f"{what} unreachable ({why})"
    if IN_CI:
        pytest.fail(message + " — required under CI=true")
    pytest.skip(message)


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        service_unavailable("PostgreSQL", str(e).strip().splitlines()[0])
        raise


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    admin = _pg_admin()
    name = f"tracker_t_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def tracker(db_url: str) -> Iterator[BudgetTracker]:
    app = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    yield app
    app.close()


@pytest.fixture
def funded(tracker: BudgetTracker) -> BudgetTracker:
    """Unit 450001 with project P1 (2024) holding a 100,000.00 元 initial budget."""
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(
        year=2024, unit="450001", code="P1", name="办公室整修", functional="2101502", economic="30213"
    )
    tracker.appropriate("P1", "100000.00", date="2024-01-10", doc="满财【2024】1号")
    return tracker


# Every read table with a column order that makes its rows comparable.
READ_TABLE_ORDER = {
    "rm_units": "code",
    "rm_unit_min_points": "id",
    "rm_projects": "id",
    "rm_payments": "id",
    "rm_reversals": "id",
    "rm_appropriations": "id",
    "rm_recorded": "id",
    "rm_commitments": "id",
    "rm_commitment_moves": "id",
    "rm_plan_versions": "project_id, recorded_at",
    "rm_unit_rules": "unit_id, recorded_at",
    "rm_daily": "project_id, date",
    "rm_monthly": "project_id, month",
    "rm_requests": "request_id",
    "rm_indicators": "id",
    "rm_evaluations": "id",
    "rm_signatures": "id",
    "rm_weight_shares": "id",
    "rm_selfeval_goals": "id",
    "rm_alert_settings": "unit_code",
    "rm_channels": "id",
    "rm_alerts": "id",
    "rm_deliveries": "alert_id, channel, attempt, at",
    "rm_users": "id",
    "rm_user_tokens": "id",
}
ALERT_TOPIC = "tracker.domain.alert:"


def ledger_event_count(app: BudgetTracker) -> int:
    """Events in the store other than alerts': what a refused command must not change.

    A refused overspend is kept in an alert's history on purpose, never on the ledger.
    """
    count, start = 0, 1
    while batch := app.recorder.select_notifications(start, 1000):
        count += sum(1 for n in batch if not n.topic.startswith(ALERT_TOPIC))
        start = batch[-1].id + 1
    return count
