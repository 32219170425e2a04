"""``kill -9`` in the middle of ``tracker projections rebuild``, then resume.

The rebuild runs in one transaction, so a crash must leave the read tables exactly as
they were; running it again must finish and give the very same tables (which, having
been written incrementally, are also what a rebuild has to reproduce).

The database holds tens of thousands of events so that the rebuild takes seconds and
works in several batches. The command's stderr is a pseudo-terminal, so click draws
its progress bar; the process is killed as soon as the bar has moved past 0% and
before it reaches 100%, i.e. with some batches replayed and others not.
"""

from __future__ import annotations

import datetime as dt
import os
import pty
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import READ_TABLE_ORDER

from tracker.commands.tracker import BudgetTracker
from tracker.domain.project import Project
from tracker.store.config import Settings
from tracker.store.schema import READ_TABLES

TRACKER = str(Path(sys.executable).parent / "tracker")
ORDER = READ_TABLE_ORDER
PERCENT = re.compile(r"(\d+)%")


def generate(url: str, projects: int, per_project: int) -> int:
    """Many events, written fast (one save per project, as bench/bench_big.py does);
    returns how many events the log holds."""
    app = BudgetTracker(Settings(db_url=url, user="崩溃测试"))
    app.snapshotting_intervals = {}  # type: ignore[misc]  # generation only
    try:
        app.add_unit("K100", "崩溃测试单位")
        app.add_unit("K200", "下级单位", parent="K100")
        rnd = random.Random(7)
        for i in range(projects):
            p = Project(
                year=2024,
                code=f"K{i:04d}",
                name=f"项目{i}",
                unit_code="K100" if i % 2 else "K200",
                expenditure_type="项目支出",
                functional="2101502",
                economic="30201",
                source="一般公共预算财政拨款",
                owner="",
                user="崩溃测试",
            )
            p.appropriate(
                uuid.uuid4(), "initial", Decimal("90000000.00"), dt.date(2024, 1, 2), "", "崩溃测试"
            )
            p.appropriate(uuid.uuid4(), "carryover", Decimal("1234.56"), dt.date(2024, 2, 1), "", "崩溃测试")
            for k in range(per_project):
                day = dt.date(2024, 1, 3) + dt.timedelta(days=k * 360 // per_project)
                payment = uuid.uuid4()
                amount = Decimal(rnd.randint(100, 99999)) / 100
                p._paid(
                    payment,
                    amount,
                    day,
                    "收款人",
                    "30201",
                    f"记-{k}",
                    "一般公共预算财政拨款",
                    "崩溃测试",
                    "",
                    None,
                )
                if k % 97 == 0:
                    p._reversed(uuid.uuid4(), payment, Decimal("1.00"), day, "冲销", "崩溃测试", None)
            app.save(p)
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def read_tables(url: str) -> dict[str, list[dict[str, Any]]]:
    app = BudgetTracker(Settings(db_url=url, user="崩溃测试"))
    try:
        assert set(ORDER) == set(READ_TABLES)
        return {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in ORDER.items()}
    finally:
        app.close()


def environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
    env.update(TRACKER_DB=url, TRACKER_USER="崩溃测试", PYTHONIOENCODING="utf-8")
    return env


def kill_mid_rebuild(url: str, deadline: float = 120) -> str:
    """Start a rebuild, SIGKILL it once its progress bar shows 0 < p < 100 percent.
    Returns what its progress bar had drawn."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [TRACKER, "projections", "rebuild"],
        env=environment(url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    drawn = ""
    end = time.monotonic() + deadline
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    drawn += os.read(master, 4096).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal: it has finished
                    break
            if any(0 < int(p) < 100 for p in PERCENT.findall(drawn)):
                break
            if proc.poll() is not None:
                break
        assert proc.poll() is None, (
            f"the rebuild ended (exit {proc.returncode}) before it could be killed mid-way;"
            f" progress drawn: {drawn!r}"
        )
        assert any(0 < int(p) < 100 for p in PERCENT.findall(drawn)), drawn
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        assert proc.stdout is not None
        assert "已重放" not in proc.stdout.read().decode()  # it never got to the end
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        os.close(master)
    return drawn


def rebuild_to_completion(url: str, events: int) -> None:
    proc = subprocess.run(
        [TRACKER, "projections", "rebuild"],
        env=environment(url),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == f"已重放 {events} 个事件"


def crash_and_resume(url: str, projects: int, per_project: int) -> None:
    events = generate(url, projects, per_project)
    assert events > 20000 + 5000  # at least two rebuild batches of 20,000
    before = read_tables(url)
    assert len(before["rm_projects"]) == projects
    assert len(before["rm_payments"]) == projects * per_project

    drawn = kill_mid_rebuild(url)
    assert "重建读模型" in drawn
    # The killed rebuild rolled back as a whole: not one row changed, none missing.
    assert read_tables(url) == before

    rebuild_to_completion(url, events)
    assert read_tables(url) == before

    # And the store takes new writes afterwards: no lock was left behind.
    app = BudgetTracker(Settings(db_url=url, user="崩溃测试"))
    try:
        app.pay("K0000", "100.00", date="2024-12-31", payee="收款人")
        pid = next(r["id"] for r in before["rm_projects"] if r["code"] == "K0000")
        spent_before = sum(r["spent_fen"] for r in before["rm_monthly"] if r["project_id"] == pid)
        row = next(p for p in app.projects(2024) if p["code"] == "K0000")
        assert row["disbursed_fen"] == spent_before + 10000
    finally:
        app.close()


@pytest.mark.slow
def test_kill_9_mid_rebuild_leaves_the_read_model_intact_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    crash_and_resume(f"sqlite:///{path}", projects=30, per_project=2000)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
@pytest.mark.postgres
def test_kill_9_mid_rebuild_leaves_the_read_model_intact_on_postgres(pg_url: str) -> None:
    crash_and_resume(pg_url, projects=13, per_project=2000)
