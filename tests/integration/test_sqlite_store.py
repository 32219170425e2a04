"""The SQLite store's connections keep their compiled statements."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.store.config import Settings
from tracker.store.sqlite_store import STATEMENT_CACHE, StatementCachingPool


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every ``sqlite3.connect`` call (the real one still runs)."""
    calls: list[dict[str, Any]] = []
    real = sqlite3.connect

    def recording(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", recording)
    return calls


def test_store_connections_cache_more_than_one_statement(
    tmp_path: Path, connects: list[dict[str, Any]]
) -> None:
    app = BudgetTracker(Settings(db_url=f"sqlite:///{tmp_path / 'ledger.db'}", user="测试"))
    try:
        app.add_unit("450001", "满城区医疗保障局")
        assert isinstance(app.recorder.datastore.pool, StatementCachingPool)
        assert connects, "the store opened no connection"
        # The library passes True, which Python takes as a cache of one statement.
        assert all(c["cached_statements"] == STATEMENT_CACHE for c in connects)
        assert STATEMENT_CACHE >= 128
    finally:
        app.close()


def test_store_connections_run_in_wal_mode_and_return_rows_by_name(tmp_path: Path) -> None:
    app = BudgetTracker(Settings(db_url=f"sqlite:///{tmp_path / 'ledger.db'}", user="测试"))
    try:
        app.add_unit("450001", "满城区医疗保障局")
        with app.recorder.datastore.get_connection(commit=False) as conn:
            raw = conn._sqlite_conn
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert raw.execute("SELECT name FROM rm_units").fetchone()["name"] == "满城区医疗保障局"
    finally:
        app.close()


def test_a_second_application_on_the_same_file_sees_the_first_ones_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    first = BudgetTracker(Settings(db_url=url, user="测试"))
    second = BudgetTracker(Settings(db_url=url, user="测试"))
    try:
        first.add_unit("450001", "满城区医疗保障局")
        assert [u["code"] for u in second.units()] == ["450001"]
        second.add_unit("450002", "满城区医保中心")
        assert [u["code"] for u in first.units()] == ["450001", "450002"]
    finally:
        first.close()
        second.close()
