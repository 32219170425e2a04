"""Tamper evidence: rows of the events table edited, inserted and deleted directly in the
database, on both engines, and ``tracker verify`` naming the first event that was.

Each test writes a small ledger through the service layer, then changes the database
with plain SQL (``sqlite3`` or ``psycopg``, as an intruder with database access would),
then runs the real ``tracker verify`` command in-process.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.commands.tracker import BudgetTracker
from tracker.importing import import_file
from tracker.store import chain
from tracker.store.config import Settings, is_postgres

LEGACY = Path(__file__).parent.parent / "fixtures" / "release_2026_12_01" / "ledger.db"


class Raw:
    """Plain SQL on the tracker's database, around the application."""

    def __init__(self, db_url: str, events_table: str) -> None:
        self.pg = is_postgres(db_url)
        self.events = events_table
        self.n = "notification_id" if self.pg else "rowid"
        self.conn: Any = (
            psycopg.connect(db_url, autocommit=True)
            if self.pg
            else sqlite3.connect(db_url[len("sqlite:///") :])
        )

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        sql = sql.format(events=self.events, n=self.n)
        cur = self.conn.execute(sql.replace("?", "%s") if self.pg else sql, params)
        rows = list(cur.fetchall()) if cur.description else []
        if not self.pg:
            self.conn.commit()
        return rows

    def event(self, n: int) -> tuple[str, int]:
        """(aggregate id, version) of event ``n`` as verify names them."""
        (oid, version), *_ = self.run(
            "SELECT originator_id, originator_version FROM {events} WHERE {n} = ?", (n,)
        )
        return chain.canonical_id(oid), int(version)

    def close(self) -> None:
        self.conn.close()


def verify(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db_url, "verify", *args])


@pytest.fixture
def ledger(tracker: BudgetTracker) -> BudgetTracker:
    """Eight events: a unit, a project, a budget, three payments, a reversal, a plan."""
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    tracker.appropriate("P1", "100000.00", date="2024-01-10")
    first = tracker.pay("P1", "100.00", date="2024-02-01", payee="某公司", voucher="记-1")
    tracker.pay("P1", "200.00", date="2024-02-02", payee="某公司", voucher="记-2")
    tracker.pay("P1", "300.00", date="2024-02-03", payee="某公司", voucher="记-3")
    tracker.reverse(first, "50.00", date="2024-02-04", reason="多付")
    tracker.set_plan("P1", "03-31:25%,06-30:50%,09-30:75%,12-31:100%")
    return tracker


@pytest.fixture
def raw(ledger: BudgetTracker, db_url: str) -> Iterator[Raw]:
    r = Raw(db_url, ledger.read.events_table)
    yield r
    r.close()


def ids(raw: Raw) -> list[int]:
    return [int(n) for (n,) in raw.run("SELECT {n} FROM {events} ORDER BY {n}")]


def test_an_intact_log_passes_and_prints_its_head_and_event_count(ledger: BudgetTracker, db_url: str) -> None:
    head = chain.read_head(ledger.read)
    result = verify(db_url)
    assert result.exit_code == 0, result.output
    assert head.count == 8
    assert f"共 {head.count} 条事件" in result.stdout
    assert result.stdout.strip().endswith(f"链头：{head.hash}")


def test_an_edited_event_state_is_named_as_altered(ledger: BudgetTracker, raw: Raw, db_url: str) -> None:
    n = ids(raw)[4]
    raw.run("UPDATE {events} SET state = ? WHERE {n} = ?", (b'{"amount":"1.00"}', n))
    oid, version = raw.event(n)
    result = verify(db_url)
    assert result.exit_code == 1
    assert f"通知号 {n} 的事件（聚合 {oid}，版本 {version}）内容被改动" in result.stderr


def test_a_row_inserted_around_the_application_is_named_as_inserted(
    ledger: BudgetTracker, raw: Raw, db_url: str
) -> None:
    source = ids(raw)[3]
    raw.run(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "SELECT originator_id, 99, topic, state FROM {events} WHERE {n} = ?",
        (source,),
    )
    n = ids(raw)[-1]
    oid, _ = raw.event(n)
    result = verify(db_url)
    assert result.exit_code == 1
    assert f"通知号 {n} 的事件（聚合 {oid}，版本 99）不在事件链中" in result.stderr


def test_an_event_deleted_in_the_middle_is_named_as_removed(
    ledger: BudgetTracker, raw: Raw, db_url: str
) -> None:
    n = ids(raw)[3]
    oid, version = raw.event(n)
    raw.run("DELETE FROM {events} WHERE {n} = ?", (n,))
    result = verify(db_url)
    assert result.exit_code == 1
    assert f"通知号 {n} 的事件（聚合 {oid}，版本 {version}）已被删除" in result.stderr


def test_an_event_deleted_with_its_chain_row_breaks_the_chain_at_the_next_event(
    ledger: BudgetTracker, raw: Raw, db_url: str
) -> None:
    gone, after = ids(raw)[3:5]
    oid, version = raw.event(after)
    raw.run("DELETE FROM {events} WHERE {n} = ?", (gone,))
    raw.run(f"DELETE FROM {chain.CHAIN_TABLE} WHERE notification_id = ?", (gone,))
    result = verify(db_url)
    assert result.exit_code == 1
    assert (
        f"通知号 {after} 的事件（聚合 {oid}，版本 {version}）之前有 1 条事件连同其链记录被删除"
        in result.stderr
    )


def test_the_last_event_deleted_at_the_end_is_named_as_removed(
    ledger: BudgetTracker, raw: Raw, db_url: str
) -> None:
    n = ids(raw)[-1]
    oid, version = raw.event(n)
    raw.run("DELETE FROM {events} WHERE {n} = ?", (n,))
    result = verify(db_url)
    assert result.exit_code == 1
    assert f"通知号 {n} 的事件（聚合 {oid}，版本 {version}）已被删除" in result.stderr


def test_the_last_event_deleted_with_its_chain_row_shows_only_against_an_earlier_head(
    ledger: BudgetTracker, raw: Raw, db_url: str
) -> None:
    published = chain.read_head(ledger.read)
    n = ids(raw)[-1]
    raw.run("DELETE FROM {events} WHERE {n} = ?", (n,))
    raw.run(f"DELETE FROM {chain.CHAIN_TABLE} WHERE notification_id = ?", (n,))
    assert verify(db_url).exit_code == 0  # a shorter chain is consistent in itself
    result = verify(db_url, "--head", published.hash)
    assert result.exit_code == 1
    assert f"链头 {published.hash} 不在当前事件链中" in result.stderr


def test_an_earlier_head_is_found_in_the_longer_chain_that_grew_from_it(
    ledger: BudgetTracker, db_url: str
) -> None:
    published = chain.read_head(ledger.read)
    ledger.pay("P1", "1.00", date="2024-03-01", payee="某公司", voucher="记-4")
    result = verify(db_url, "--head", published.hash)
    assert result.exit_code == 0, result.output
    assert f"是第 {published.count} 条事件的链头，此后新增 1 条事件" in result.stdout


def test_a_big_import_batch_is_chained_like_single_commands(
    ledger: BudgetTracker, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "payments.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["日期", "项目编码", "金额(元)", "收款人", "凭证号"])
        w.writerows([f"2024-04-{1 + k % 28:02d}", "P1", "1.00", "某公司", f"导-{k}"] for k in range(120))
    import_file(ledger, path, year=2024)
    ledger.pay("P1", "1.00", date="2024-05-01", payee="某公司", voucher="记-5")
    head = chain.read_head(ledger.read)
    assert head.count == 8 + 120 + 1
    result = verify(db_url)
    assert result.exit_code == 0, result.output
    assert head.hash in result.stdout


def test_a_database_without_a_chain_gets_the_same_chain_on_first_use(
    ledger: BudgetTracker, raw: Raw, db_url: str
) -> None:
    before = chain.read_head(ledger.read)
    ledger.close()
    raw.run(f"DROP TABLE {chain.CHAIN_TABLE}")
    reopened = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    try:
        assert chain.read_head(reopened.read) == before
        reopened.pay("P1", "1.00", date="2024-03-01", payee="某公司", voucher="记-6")
        assert chain.read_head(reopened.read).count == before.count + 1
    finally:
        reopened.close()
    assert verify(db_url).exit_code == 0


def test_the_legacy_ledger_of_an_older_release_gets_its_chain_once(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    shutil.copy(LEGACY, db)
    with sqlite3.connect(db) as conn:
        assert not conn.execute(
            "SELECT name FROM sqlite_master WHERE name = ?", (chain.CHAIN_TABLE,)
        ).fetchall()
        (events,) = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    url = f"sqlite:///{db}"
    first = verify(url)
    assert first.exit_code == 0, first.output
    assert f"共 {events} 条事件" in first.stdout
    assert verify(url).stdout == first.stdout  # built once: the second start finds it


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_processes_opening_a_database_without_a_chain_together_build_it_once(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if engine == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    app = BudgetTracker(Settings(db_url=url, user="测试员"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    for k in range(30):
        app.add_unit(f"4500{k + 10}", f"单位{k}", parent="450001")
    expected = chain.read_head(app.read)
    raw = Raw(url, app.read.events_table)
    app.close()
    raw.run(f"DROP TABLE {chain.CHAIN_TABLE}")
    raw.close()
    script = (
        "import sys\n"
        "from tracker.commands.tracker import BudgetTracker\n"
        "from tracker.store.config import Settings\n"
        "BudgetTracker(Settings(db_url=sys.argv[1], user='t')).close()\n"
    )
    starters = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE) for _ in range(6)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in starters]
    assert [p.returncode for p in starters] == [0] * 6, errors
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert f"链头：{expected.hash}" in result.stdout
