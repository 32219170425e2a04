"""An import is one transaction: ``tracker import`` killed with SIGKILL at any moment
leaves nothing recorded (no event, no read-table row), and run again it records
everything exactly once. A real subprocess, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import PG_ADMIN_URL, READ_TABLE_ORDER, _pg_admin

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import OverspendError
from tracker.importing import import_file
from tracker.store.config import Settings

TRACKER = str(Path(sys.executable).parent / "tracker")
PROJECTS = 40
PAYMENTS = 8_000  # enough for the progress lines (2,000 rows and more) to show
UNIT = "450001保定市满城区医疗保障局本级"
PROJECT_HEADER = [
    "项目编码",
    "项目名称",
    "预算单位",
    "支出类型",
    "功能分类科目",
    "经济分类科目",
    "资金来源",
    "预算数(万元)",
]
PAY_HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"]
WAIT = 120.0  # seconds a moment may take to come on a loaded machine (not an assertion)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A unit, 40 projects with their budgets, and 8,000 payments into them."""
    path = tmp_path_factory.mktemp("atomic") / "budget.xlsx"
    wb = openpyxl.Workbook()
    projects = wb.active
    projects.title = "项目"
    projects.append(PROJECT_HEADER)
    for i in range(PROJECTS):
        projects.append(
            [f"K{i:03d}", f"项目{i}", UNIT, "项目支出", "2101502", "30201", "一般公共预算财政拨款", "100.00"]
        )
    payments = wb.create_sheet("支付")
    payments.append(PAY_HEADER)
    start = dt.date(2024, 1, 2)
    for k in range(PAYMENTS):
        day = start + dt.timedelta(days=k * 360 // PAYMENTS)
        payments.append([day, f"K{k % PROJECTS:03d}", "12.34", "某某公司", "30201", f"记-{k + 1}"])
    wb.save(path)
    return path


def recorded(db_url: str) -> dict[str, int]:
    """Every event and every read-table row, counted."""
    app = BudgetTracker(Settings(db_url=db_url, user="检查"))
    try:
        counts = {"events": app.recorder.max_notification_id() or 0}
        for table in READ_TABLE_ORDER:
            counts[table] = app.read.all(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
        return counts
    finally:
        app.close()


class Import:
    """``tracker import`` in a subprocess whose progress lines (stderr) are watched."""

    def __init__(self, db_url: str, path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
        env.update(TRACKER_DB=db_url, TRACKER_USER="导入员", PYTHONIOENCODING="utf-8")
        self.proc = subprocess.Popen(
            [TRACKER, "import", str(path), "--year", "2024"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), False)
        self.err = b""

    def text(self) -> str:
        assert self.proc.stderr is not None
        chunk = self.proc.stderr.read()
        if chunk:
            self.err += chunk
        return self.err.decode("utf-8", "replace")

    def kill_when(self, moment: Callable[[str, float], bool]) -> bool:
        """SIGKILL as soon as ``moment(stderr so far, seconds since start)`` holds;
        False if the import ended first."""
        started = time.monotonic()
        while self.proc.poll() is None:
            if moment(self.text(), time.monotonic() - started):
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
                return True
            if time.monotonic() - started > WAIT:
                self.proc.kill()
                pytest.fail(f"the import neither reached the moment nor ended: {self.text()!r}")
            time.sleep(0.005)
        return False

    def finish(self) -> tuple[int, str]:
        _, err = self.proc.communicate(timeout=WAIT)
        return self.proc.returncode, (self.err + (err or b"")).decode("utf-8", "replace")


def written_updates(n: int) -> Callable[[str, float], bool]:
    """After the n-th "已写入" progress update: rows written, not yet committed."""
    return lambda err, _: err.count("已写入") >= n and "正在提交" not in err


def validated(err: str, _: float) -> bool:
    return "已校验" in err and f"{PAYMENTS + PROJECTS}/{PAYMENTS + PROJECTS}" in err


def committing(err: str, _: float) -> bool:
    return "正在提交" in err


def after(seconds: float) -> Callable[[str, float], bool]:
    return lambda _, elapsed: elapsed >= seconds


def everything(db_url: str) -> None:
    counts = recorded(db_url)
    assert counts["rm_units"] == 1
    assert counts["rm_projects"] == PROJECTS
    assert counts["rm_appropriations"] == PROJECTS
    assert counts["rm_payments"] == PAYMENTS


@pytest.fixture
def fresh_database(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Makes empty databases of the test's engine (``db``); dropped afterwards."""
    made: list[str] = []
    admin = _pg_admin() if request.node.callspec.params["db"] == "postgres" else None

    def make() -> str:
        name = f"tracker_t_{uuid.uuid4().hex[:12]}"
        made.append(name)
        if admin is None:
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        admin.execute(f'CREATE DATABASE "{name}"')
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    yield make
    if admin is not None:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_import_killed_at_any_moment_records_nothing_and_a_rerun_records_everything_once(
    db: str, workbook: Path, fresh_database: Callable[[], str]
) -> None:
    db_url = fresh_database()
    empty = recorded(db_url)
    rng = random.Random(11)
    moments: list[tuple[str, Callable[[str, float], bool]]] = [
        ("rows validated", validated),
        ("first rows written", written_updates(1)),
        ("more rows written", written_updates(2)),
        ("a random delay", after(rng.uniform(0.5, 4.0))),
        ("another random delay", after(rng.uniform(0.5, 4.0))),
        ("the commit begun", committing),
    ]
    before_commit = 0
    for name, moment in moments:
        run = Import(db_url, workbook)
        killed = run.kill_when(moment)
        err = run.finish()[1]
        state = recorded(db_url)
        if "正在提交" not in err:
            # Killed before the commit began: nothing at all may be there.
            assert killed, f"{name}: the import ended without committing: {err!r}"
            assert state == empty, f"killed at {name}: something was recorded: {err!r}"
            before_commit += 1
        elif state != empty:
            # Killed during or after the one commit (or it ended first): all of it,
            # never a part. The next moments start again on an empty database.
            everything(db_url)
            db_url = fresh_database()
    assert before_commit >= 2, "too few kills landed before the commit to show anything"
    code, err = Import(db_url, workbook).finish()  # the complete import, after the kills
    assert code == 0, err
    everything(db_url)
    state = recorded(db_url)
    code, err = Import(db_url, workbook).finish()
    assert code == 0, err
    assert recorded(db_url) == state, "a re-run recorded something again"


def test_a_payment_made_while_an_import_records_waits_for_it_and_the_budget_still_holds(
    db_url: str, tmp_path: Path
) -> None:
    """Another writer (a second application, as a web process would be) pays into a
    project while the import is writing to it: its save waits for the import's commit,
    then it is decided on the new balance and refused, since both would overspend."""
    importer = BudgetTracker(Settings(db_url=db_url, user="导入员"))
    web = BudgetTracker(Settings(db_url=db_url, user="网页用户"))
    try:
        importer.add_unit("450001", "保定市满城区医疗保障局本级")
        importer.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
        importer.appropriate("P1", "100000.00", date="2024-01-10")
        web.get_project("P1", 2024)  # cached by the other writer before the import
        path = tmp_path / "pay.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(PAY_HEADER)
            for k in range(2_000):
                w.writerow([f"2024-03-{1 + k % 28:02d}", "P1", "40.00", "某公司", "30201", f"记-{k + 1}"])
        outcome: list[BaseException | str] = []

        def pay() -> None:
            try:
                web.pay("P1", "30000.00", date="2024-04-01", payee="某医院", request_id="web-1")
                outcome.append("recorded")
            except BaseException as e:
                outcome.append(e)

        payer = threading.Thread(target=pay)

        def meanwhile(stage: str, done: int, total: int) -> None:
            if stage == "写入" and not payer.is_alive() and not outcome:
                payer.start()  # recording has begun: the transaction is open

        import_file(importer, path, year=2024, progress=meanwhile)
        payer.join(timeout=WAIT)
        (result,) = outcome
        assert isinstance(result, OverspendError), result
        assert web.read.all("SELECT SUM(amount_fen) AS s FROM rm_payments") == [{"s": 8_000_000}]
        assert len(web.get_project("P1", 2024).payments) == 2_000
    finally:
        importer.close()
        web.close()


def test_two_imports_in_two_threads_of_one_application_both_record_once(db_url: str, tmp_path: Path) -> None:
    """Two uploads confirmed at once on one web process: the second one's transaction
    waits for the first one's commit, then records its own rows on the new state."""
    app = BudgetTracker(Settings(db_url=db_url, user="导入员"))
    try:
        app.add_unit("450001", "保定市满城区医疗保障局本级")
        app.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
        app.appropriate("P1", "100000.00", date="2024-01-10")
        paths = []
        for n in (1, 2):
            path = tmp_path / f"pay{n}.csv"
            with path.open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(PAY_HEADER)
                for k in range(2_000):
                    w.writerow([f"2024-03-{1 + k % 28:02d}", "P1", "10.00", "某公司", "30201", f"记-{n}-{k}"])
            paths.append(path)
        results: list[BaseException | int] = []

        def second() -> None:
            try:
                results.append(import_file(app, paths[1], year=2024).created["payments"])
            except BaseException as e:
                results.append(e)

        other = threading.Thread(target=second)

        def meanwhile(stage: str, done: int, total: int) -> None:
            if stage == "写入" and not other.is_alive() and not results:
                other.start()

        first = import_file(app, paths[0], year=2024, progress=meanwhile)
        other.join(timeout=WAIT)
        assert (first.created["payments"], results) == (2_000, [2_000])
        assert app.read.all("SELECT COUNT(*) AS n FROM rm_payments") == [{"n": 4_000}]
        app.evict(app.find_project("P1", 2024))
        assert len(app.get_project("P1", 2024).payments) == 4_000
    finally:
        app.close()
