"""Portable backup and restore: SQLite → PostgreSQL → SQLite with the same reports, and
refusals of a database that already holds events and of damaged files.

The ledger is the older release's fixture (payments, a reversal, plans, an indicator
with progress, a self-evaluation, alerts, a channel) opened with today's code, plus an
account added now, so the backup also carries a chain built for a legacy database.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.commands.tracker import BudgetTracker
from tracker.store import chain
from tracker.store.config import Settings

LEGACY = Path(__file__).parent.parent / "fixtures" / "release_2026_12_01" / "ledger.db"
REPORTS = [
    ["status", "--year", "2024", "--as-of", "2024-06-30", "--format", "json"],
    ["status", "--year", "2024", "--as-of", "2024-12-31"],
    ["history", "P1", "--format", "json"],
    ["history", "P2"],
    ["indicator", "list", "P1", "--format", "json"],
    ["user", "list"],
    ["verify"],
]


def run(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db_url, *args], env={"TRACKER_USER": "李会计"})


def reports(db_url: str) -> dict[str, str]:
    out = {}
    for args in REPORTS:
        result = run(db_url, *args)
        assert result.exit_code == 0, f"{args}: {result.output}"
        out[" ".join(args)] = result.stdout
    # Alerts raised on one day for one project list in either order (the query sorts
    # by day and project only), so they are compared as a set.
    alerts = run(db_url, "alerts", "list", "--format", "json")
    out["alerts"] = json.dumps(sorted(json.loads(alerts.stdout), key=lambda a: a["id"]), ensure_ascii=False)
    return out


def event_count(db_url: str) -> int:
    app = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    try:
        return chain.read_head(app.read).count
    finally:
        app.close()


@pytest.fixture
def source(tmp_path: Path) -> str:
    db = tmp_path / "source.db"
    shutil.copy(LEGACY, db)
    url = f"sqlite:///{db}"
    app = BudgetTracker(Settings(db_url=url, user="管理员"))
    app.add_user(
        "zhang", roles=["officer"], units=["450001"], password="correct-horse-1", display_name="张会计"
    )
    app.close()
    return url


@pytest.fixture
def backup_file(source: str, tmp_path: Path) -> Path:
    path = tmp_path / "ledger.jsonl.gz"
    result = run(source, "backup", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_gives_the_same_reports(
    source: str, backup_file: Path, pg_url: str, tmp_path: Path
) -> None:
    expected = reports(source)
    restored = run(pg_url, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output
    assert reports(pg_url) == expected
    again = tmp_path / "from-postgres.jsonl.gz"
    assert run(pg_url, "backup", str(again)).exit_code == 0
    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert run(back, "restore", str(again)).exit_code == 0
    assert reports(back) == expected


def test_the_file_header_names_engine_count_and_head(source: str, backup_file: Path) -> None:
    with gzip.open(backup_file, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    header, *events, end = (json.loads(line) for line in lines)
    app = BudgetTracker(Settings(db_url=source, user="测试员"))
    head = chain.read_head(app.read)
    app.close()
    assert (header["format"], header["version"], header["engine"]) == ("budget-tracker-backup", 1, "sqlite")
    assert (header["events"], header["head"]) == (head.count, head.hash) == (end["events"], end["head"])
    assert len(events) == head.count
    assert [e["n"] for e in events] == sorted(e["n"] for e in events)


def test_restore_refuses_a_database_that_already_holds_events(source: str, backup_file: Path) -> None:
    before = event_count(source)
    result = run(source, "restore", str(backup_file))
    assert result.exit_code == 1
    assert f"目标数据库已有 {before} 条事件" in result.stderr
    assert event_count(source) == before


def test_restore_refuses_a_truncated_file_and_writes_nothing(backup_file: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl.gz"
    data = backup_file.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    target = f"sqlite:///{tmp_path / 'target.db'}"
    result = run(target, "restore", str(cut))
    assert result.exit_code == 1
    assert "已损坏或被截断" in result.stderr
    assert event_count(target) == 0


def test_restore_refuses_a_file_cut_at_a_line_and_compressed_again(backup_file: Path, tmp_path: Path) -> None:
    with gzip.open(backup_file, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    cut = tmp_path / "short.jsonl.gz"
    with gzip.open(cut, "wt", encoding="utf-8") as f:
        f.writelines(lines[:-3])
    target = f"sqlite:///{tmp_path / 'target.db'}"
    result = run(target, "restore", str(cut))
    assert result.exit_code == 1
    assert "缺少结束行" in result.stderr
    assert event_count(target) == 0


def test_restore_refuses_a_file_whose_event_was_edited(backup_file: Path, tmp_path: Path) -> None:
    with gzip.open(backup_file, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    record = json.loads(lines[5])
    record["v"] += 100
    lines[5] = json.dumps(record) + "\n"
    edited = tmp_path / "edited.jsonl.gz"
    with gzip.open(edited, "wt", encoding="utf-8") as f:
        f.writelines(lines)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    result = run(target, "restore", str(edited))
    assert result.exit_code == 1
    assert "与其文件头" in result.stderr
    assert event_count(target) == 0


def test_backup_refuses_a_log_that_does_not_match_its_chain(source: str, tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(source[len("sqlite:///") :]) as conn:
        conn.execute("UPDATE stored_events SET state = CAST('{}' AS BLOB) WHERE rowid = 3")
    target = tmp_path / "bad.jsonl.gz"
    result = run(source, "backup", str(target))
    assert result.exit_code == 1
    assert "tracker verify" in result.stderr
    assert not target.exists()


def test_restore_names_a_missing_file_and_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'target.db'}"
    missing = run(target, "restore", str(tmp_path / "none.jsonl.gz"))
    assert missing.exit_code == 1
    assert "文件或目录不存在" in missing.stderr
    other = tmp_path / "other.jsonl.gz"
    with gzip.open(other, "wt", encoding="utf-8") as f:
        f.write('{"hello": "world"}\n')
    refused = run(target, "restore", str(other))
    assert refused.exit_code == 1
    assert "不是预算执行跟踪的备份文件" in refused.stderr
    assert event_count(target) == 0
