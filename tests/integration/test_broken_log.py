"""A broken event log (one payment event deleted by SQL) is named in Chinese, on SQLite
and PostgreSQL: ``show``, ``pay`` and ``projections rebuild`` each exit 1 with
项目 … 的事件记录不连续：缺少第 N 条, nothing is recorded, and the refused rebuild
leaves the read tables exactly as they were."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner

from tests.conftest import READ_TABLE_ORDER
from tracker.cli import cli
from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import BrokenLogError
from tracker.store.config import Settings

GAP = "2024 年项目 P1 的事件记录不连续：缺少第 {n} 条，请运行 tracker verify 并从备份恢复"


def read_tables(app: BudgetTracker) -> dict[str, list[dict[str, Any]]]:
    return {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in READ_TABLE_ORDER.items()}


def stored(app: BudgetTracker) -> int:
    return int(app.read.one(f"SELECT COUNT(*) AS n FROM {app.read.events_table}")["n"])  # type: ignore[index]


def delete_event(app: BudgetTracker, aggregate: UUID, version: int) -> None:
    """What a careless DBA does: one row gone from the events table."""
    key: Any = aggregate if app.read.is_postgres else aggregate.hex
    before = stored(app)
    with app.read.datastore.transaction(commit=True) as c:
        c.execute(
            app.read.sql(
                f"DELETE FROM {app.read.events_table} WHERE originator_id = ? AND originator_version = ?"
            ),
            (key, version),
        )
    assert stored(app) == before - 1


def payment_version(app: BudgetTracker, project: UUID, nth: int) -> int:
    """The version of the project's ``nth`` PaymentRecorded event (1-based)."""
    key: Any = project if app.read.is_postgres else project.hex
    rows = app.read.all(
        f"SELECT originator_version AS v FROM {app.read.events_table} "
        "WHERE originator_id = ? AND topic LIKE ? ORDER BY originator_version",
        (key, "%PaymentRecorded"),
    )
    return int(rows[nth - 1]["v"])


def run(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", url, "--user", "测试", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


@pytest.fixture
def broken(funded: BudgetTracker) -> tuple[BudgetTracker, int]:
    """P1 with three payments, the second one's event deleted; a fresh tracker on it
    (a restarted process: nothing cached)."""
    for day in ("2024-02-01", "2024-02-02", "2024-02-03"):
        funded.pay("P1", "100.00", date=day, payee="某公司")
    pid = funded.find_project("P1")
    version = payment_version(funded, pid, 2)
    delete_event(funded, pid, version)
    funded.close()
    return BudgetTracker(Settings(db_url=funded.settings.db_url, user="测试")), version


def test_show_pay_and_rebuild_name_the_gap_and_exit_1(broken: tuple[BudgetTracker, int]) -> None:
    app, missing = broken
    url = app.settings.db_url
    tables, events = read_tables(app), stored(app)
    for args in (
        ("show", "P1"),
        ("history", "P1"),
        ("pay", "P1", "10", "--date", "2024-03-01", "--payee", "某公司"),
        ("projections", "rebuild"),
    ):
        code, err = run(url, *args)
        assert code == 1, (args, err)
        assert GAP.format(n=missing) in err
        assert "Traceback" not in err
        assert "OriginatorVersionError" not in err
    assert stored(app) == events
    assert read_tables(app) == tables
    app.close()


def test_the_service_layer_raises_the_named_error_for_reads_and_commands(
    broken: tuple[BudgetTracker, int],
) -> None:
    app, missing = broken
    for attempt in (
        lambda: app.show("P1"),
        lambda: app.history("P1"),
        lambda: app.pay("P1", "10", date="2024-03-01", payee="某公司"),
        app.rebuild_read_model,
    ):
        with pytest.raises(BrokenLogError) as caught:
            attempt()
        assert caught.value.message == GAP.format(n=missing)
    app.close()


def test_a_missing_first_event_is_a_gap_at_one_for_the_rebuild_and_for_a_command(
    funded: BudgetTracker,
) -> None:
    uid = funded.change_unit_settings("450001", rule="points")
    delete_event(funded, uid, 1)
    with pytest.raises(BrokenLogError) as rebuilding:
        funded.rebuild_read_model()
    assert rebuilding.value.message.startswith("单位 450001 的事件记录不连续：缺少第 1 条")
    funded.evict(uid)  # as a restarted process would find it
    with pytest.raises(BrokenLogError) as changing:
        funded.change_unit_settings("450001", rule="ratio")
    assert changing.value.message == rebuilding.value.message


def test_a_gap_after_a_snapshot_is_reported_and_one_before_it_stops_the_rebuild(
    funded: BudgetTracker,
) -> None:
    for n in range(105):
        funded.pay("P1", "1.00", date="2024-02-01", payee=f"收款人{n}")
    pid = funded.find_project("P1")
    snapshots = funded.snapshots
    assert snapshots is not None
    [snapshot] = list(snapshots.get(pid, desc=True, limit=1))
    after, before = snapshot.originator_version + 2, snapshot.originator_version - 10
    delete_event(funded, pid, after)
    delete_event(funded, pid, before)
    funded.close()
    app = BudgetTracker(Settings(db_url=funded.settings.db_url, user="测试"))
    with pytest.raises(BrokenLogError) as loading:
        app.show("P1")
    assert f"缺少第 {after} 条" in loading.value.message  # replayed from the snapshot on
    with pytest.raises(BrokenLogError) as rebuilding:
        app.rebuild_read_model()
    assert f"缺少第 {before} 条" in rebuilding.value.message  # the whole log is checked
    app.close()


def test_a_whole_log_rebuilds_as_before(funded: BudgetTracker) -> None:
    funded.pay("P1", "100.00", date="2024-02-01", payee="某公司")
    tables = read_tables(funded)
    assert funded.rebuild_read_model() == stored(funded)
    assert read_tables(funded) == tables
