"""The import's writes in the background (``OneTransaction.write_behind``): while one
batch of payments is inserted by a thread of its own, the next projects are decided.
A background write that fails must leave nothing recorded, like any other failure of
the one transaction, and the same file imported again records everything once.

The failure is the database's own: a trigger that refuses one payment row, made by
the test on the real store (SQLite and PostgreSQL), so the insert fails inside the
database while the importer's thread is already deciding the next projects.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import READ_TABLE_ORDER

from tracker.commands.tracker import BudgetTracker
from tracker.importing import ImportInterrupted, import_file
from tracker.importing import payments as payments_module
from tracker.store.config import Settings
from tracker.store.one_transaction import OneTransaction

PROJECTS = 10
PAYMENTS = 1_000
PER_INSERT = 300  # three projects a batch: three go behind, the last project waits
REFUSED = "记-2"  # a row of W1: in the first insert, a background one


@pytest.fixture
def app(db_url: str) -> Iterator[BudgetTracker]:
    tracker = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    for i in range(PROJECTS):
        tracker.add_project(year=2024, unit="450001", code=f"W{i}", name=f"项目{i}")
        tracker.appropriate(f"W{i}", "1000000.00", date="2024-01-01", request_id=f"budget-W{i}")
    yield tracker
    tracker.close()


def write_payments(path: Path, rows: int, amount: str) -> Path:
    """A payments table of ``rows`` rows spread over the year and the projects."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["日期", "项目编码", "金额(元)", "收款人", "凭证号"])
        for k in range(rows):
            w.writerow(
                [f"2024-{1 + k * 12 // rows:02d}-15", f"W{k % PROJECTS}", amount, "某公司", f"记-{k + 1}"]
            )
    return path


@pytest.fixture
def payments_csv(tmp_path: Path) -> Path:
    return write_payments(tmp_path / "payments.csv", PAYMENTS, "12.34")


@pytest.fixture
def behind(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small batches; counts the writes sent to the background (the real method runs)."""
    monkeypatch.setattr(payments_module, "EVENTS_PER_INSERT", PER_INSERT)
    sent: list[int] = []
    real = OneTransaction.write_behind

    def counted(self: OneTransaction, recorder: Any, stored_events: Any, kwargs: Any) -> None:
        sent.append(len(stored_events))
        real(self, recorder, stored_events, kwargs)

    monkeypatch.setattr(OneTransaction, "write_behind", counted)
    return sent


def everything(app: BudgetTracker) -> dict[str, int]:
    counts = {"events": app.recorder.max_notification_id() or 0}
    for table in READ_TABLE_ORDER:
        counts[table] = app.read.all(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
    return counts


def run_sql(db_url: str, *statements: str) -> None:
    """Plain SQL on the tracker's database, around the application."""
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url[len("sqlite:///") :]) as conn:
            for sql in statements:
                conn.execute(sql)
        return
    with psycopg.connect(db_url, autocommit=True) as pg:
        for sql in statements:
            pg.execute(sql)


def refuse_one_payment_row(db_url: str) -> None:
    """A trigger on ``rm_payments`` that fails the insert of the row ``REFUSED``, as a
    constraint of the database would (an integrity error on both engines)."""
    if db_url.startswith("sqlite"):
        run_sql(
            db_url,
            "CREATE TRIGGER refuse_one BEFORE INSERT ON rm_payments "
            f"WHEN NEW.voucher = '{REFUSED}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        )
        return
    run_sql(
        db_url,
        "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.voucher = '{REFUSED}' THEN "
        "RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'unique_violation'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse_one BEFORE INSERT ON rm_payments FOR EACH ROW EXECUTE FUNCTION refuse_one()",
    )


def drop_the_trigger(db_url: str) -> None:
    run_sql(db_url, "DROP TRIGGER refuse_one" + ("" if db_url.startswith("sqlite") else " ON rm_payments"))


def test_the_payments_of_a_large_file_are_written_behind_and_all_recorded(
    app: BudgetTracker, payments_csv: Path, behind: list[int]
) -> None:
    interval = sys.getswitchinterval()
    report = import_file(app, payments_csv, year=2024)
    assert report.created["payments"] == PAYMENTS
    assert behind == [300, 300, 300]  # every batch but the last went behind
    assert everything(app)["rm_payments"] == PAYMENTS
    assert sys.getswitchinterval() == interval
    again = import_file(app, payments_csv, year=2024)
    assert again.created["payments"] == 0
    assert again.present["payments"] == PAYMENTS


def test_a_background_write_that_fails_leaves_nothing_and_a_rerun_records_everything_once(
    app: BudgetTracker, db_url: str, payments_csv: Path, behind: list[int]
) -> None:
    refuse_one_payment_row(db_url)
    before = everything(app)
    with pytest.raises(ImportInterrupted) as refused:
        import_file(app, payments_csv, year=2024)
    assert "未记录任何内容" in refused.value.message
    # The first insert failed in the background; the second one raised its error.
    assert behind == [300, 300]
    assert everything(app) == before, "a failed background write left something recorded"
    assert not app.get_project("W1").payments  # the cached projects were forgotten too

    drop_the_trigger(db_url)
    report = import_file(app, payments_csv, year=2024)
    assert report.created["payments"] == PAYMENTS
    after = everything(app)
    assert after["rm_payments"] == PAYMENTS
    assert len(app.get_project("W1").payments) == PAYMENTS // PROJECTS
    assert import_file(app, payments_csv, year=2024).created["payments"] == 0
    assert everything(app) == after


KILL_ROWS = 25_000  # three inserts of the real size (10,000): two go behind


def test_an_import_killed_while_a_write_runs_behind_records_nothing_and_a_rerun_records_all_once(
    app: BudgetTracker, db_url: str, tmp_path: Path
) -> None:
    path = write_payments(tmp_path / "many.csv", KILL_ROWS, "1.00")
    before = everything(app)
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
    env.update(TRACKER_DB=db_url, TRACKER_USER="导入员", PYTHONIOENCODING="utf-8")
    command = [str(Path(sys.executable).parent / "tracker"), "import", str(path), "--year", "2024"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    err, started, killed = b"", time.monotonic(), False
    while proc.poll() is None and time.monotonic() - started < 300:
        err += proc.stderr.read() or b""
        text = err.decode("utf-8", "replace")
        written = [int(n) for n in re.findall(r"已写入 \[[#.]*\] (\d+)/", text)]
        if written and max(written) >= 10_000 and "正在提交" not in text:
            # The first insert is written, the second is being written behind.
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.005)
    proc.wait(timeout=60)
    proc.stderr.close()
    assert killed, f"the import ended before the moment: {err.decode('utf-8', 'replace')!r}"
    assert everything(app) == before, "an import killed mid-way left something recorded"

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    after = everything(app)
    assert after["rm_payments"] == KILL_ROWS
    assert subprocess.run(command, env=env, capture_output=True, timeout=600, check=False).returncode == 0
    assert everything(app) == after, "a re-run recorded something again"
