"""The 100,000-row path of ``import_file`` records exactly what the library would.

The import writes payment events, snapshots, fingerprints and read-model rows by hand
for speed (``tracker.importing.encoding``, ``deciding``, ``merged``). Here the same
file goes through that path and, on a second store, through the library's own way
(``project.pay`` triggering each event, ``app.mapper`` encoding it, the projector's
statements one by one, ``BudgetTracker._request`` fingerprints, ``entry_id`` ids):
the stored events, snapshots, aggregates and read tables must be the same, and every
stored byte must be what ``app.mapper`` itself writes for the event it decodes to.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper

from tracker.commands.tracker import BudgetTracker
from tracker.domain.ids import project_id
from tracker.domain.project import Project
from tracker.importing import import_file
from tracker.projections.projector import statements_for
from tracker.store.config import Settings

YEAR = 2024
HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号", "资金来源"]
PAYEES = [
    "某装饰公司",
    'A "quoted" \\ payee',
    "Zoë & Co <x>",
    "个人救助对象\u00a0（😀 第二行）",  # awkward to encode, yet no control character
    "ｆｕｌｌ　ｗｉｄｔｈ",
]
TABLES = {
    "rm_projects": "id",
    "rm_payments": "id",
    "rm_daily": "project_id, date",
    "rm_monthly": "project_id, month",
    "rm_requests": "request_id",
}


def funded(db_url: str) -> BudgetTracker:
    """Two projects: one with an economic class of its own, one without."""
    app = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    app.add_project(year=YEAR, unit="450001", code="P1", name="办公室整修", economic="30213")
    app.add_project(year=YEAR, unit="450001", code="P2", name="医疗救助")
    for code in ("P1", "P2"):
        app.appropriate(code, "5000000.00", date="2024-01-01", request_id=f"budget-{code}")
    app.pay("P1", "10.00", date="2024-02-01", payee="已有的支付", request_id="by-hand-1")
    return app


def payments_file(path: Path, n: int, seed: int = 7, books: str = "记") -> Path:
    """Rows out of date order, with and without vouchers, classes and sources."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for k in range(n):
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            cents = rng.randrange(100, 2_000_00)
            w.writerow(
                [
                    f"{YEAR}-{month:02d}-{day:02d}",
                    rng.choice(["P1", "P2"]),
                    f"{cents // 100}.{cents % 100:02d}" if k % 3 else f"{cents // 100:,}",
                    rng.choice(PAYEES),
                    rng.choice(["", "30201", "[30306]医疗救助"]),
                    "" if k % 4 == 0 else f"{books}-{k}",
                    rng.choice(["", "一般公共预算拨款"]),
                ]
            )
        w.writerow([f"{YEAR}-03-01", "P2", "12.00", "重复的一行", "", "", ""])
        w.writerow([f"{YEAR}-03-01", "P2", "12.00", "重复的一行", "", "", ""])
    return path


@pytest.fixture
def library_way(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Switch every shortcut of the import off (used around the reference import)."""
    from tracker.importing import deciding, merged, payments, request_ids, run
    from tracker.store import payment_encoding as encoding

    def switch() -> None:
        monkeypatch.setattr(deciding, "_event_body", lambda: None)
        monkeypatch.setattr(encoding.TrackerMapper, "to_stored_event", Mapper.to_stored_event)
        monkeypatch.setattr(
            payments,
            "merged_groups",
            lambda groups, n: [s for events in groups for s in merged.compact(statements_for(events), n)],
        )
        monkeypatch.setattr(run, "_spelled_hash", lambda p: None)
        monkeypatch.setattr(request_ids, "_payment_id", request_ids._entry_payment_id)

    return switch


def stored(app: BudgetTracker, pid: UUID) -> list[Any]:
    return list(app.recorder.select_events(pid))


def without_time(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k not in ("timestamp", "_created_on", "_modified_on")}


def test_the_fast_path_stores_what_the_library_would(db_url: str, tmp_path: Path, library_way: Any) -> None:
    path = payments_file(tmp_path / "pay.csv", 600)
    fast = funded(db_url)
    try:
        import_file(fast, path, year=YEAR)
        library_way()
        slow = funded(f"sqlite:///{tmp_path / 'reference.db'}")
        try:
            import_file(slow, path, year=YEAR)
            for code in ("P1", "P2"):
                pid = project_id(YEAR, code)
                mine, theirs = stored(fast, pid), stored(slow, pid)
                assert [s.topic for s in mine] == [s.topic for s in theirs]
                for s, t in zip(mine, theirs, strict=True):
                    event = fast.mapper.to_domain_event(s)
                    # Byte for byte what the library writes for the event it decodes to.
                    assert Mapper.to_stored_event(fast.mapper, event).state == s.state
                    reference = vars(slow.mapper.to_domain_event(t))
                    assert without_time(vars(event)) == without_time(reference)
                assert without_time(snapshot_state(fast, pid)) == without_time(snapshot_state(slow, pid))
                fast.evict(pid)
                slow.evict(pid)
                assert without_time(vars(fast.repository.get(pid))) == without_time(
                    vars(slow.repository.get(pid))
                )
            for table, order in TABLES.items():
                sql = f"SELECT * FROM {table} ORDER BY {order}"
                assert fast.read.all(sql) == slow.read.all(sql), table
        finally:
            slow.close()
    finally:
        fast.close()


def snapshot_state(app: BudgetTracker, pid: UUID) -> dict[str, Any]:
    """The newest snapshot, checked to be the library's own bytes, as a plain dict."""
    assert app.snapshots is not None
    (last,) = app.snapshots.recorder.select_events(pid, desc=True, limit=1)
    snapshot = app.snapshots.mapper.to_domain_event(last)
    assert app.snapshots.mapper.to_stored_event(snapshot).state == last.state
    return dict(vars(snapshot)["state"])


def test_replaying_every_event_gives_the_aggregate_the_snapshot_holds(db_url: str, tmp_path: Path) -> None:
    app = funded(db_url)
    try:
        import_file(app, payments_file(tmp_path / "pay.csv", 400, seed=3), year=YEAR)
        import_file(app, payments_file(tmp_path / "more.csv", 300, seed=4, books="转"), year=YEAR)  # on top
        for code in ("P1", "P2"):
            pid = project_id(YEAR, code)
            replayed: Any = None
            for s in stored(app, pid):
                replayed = app.mapper.to_domain_event(s).mutate(replayed)
            app.evict(pid)
            loaded = app.repository.get(pid)
            assert isinstance(loaded, Project)
            assert vars(loaded) == vars(replayed)
            assert loaded.version == len(stored(app, pid))
    finally:
        app.close()


@pytest.mark.parametrize("per_insert", [20_000, 150])
def test_the_read_model_equals_a_rebuild_and_a_second_import_records_nothing(
    db_url: str, tmp_path: Path, per_insert: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with the payments stored in several inserts inside the one transaction
    (on PostgreSQL: several COPYs, upserts through several temporary tables)."""
    from tracker.importing import payments

    monkeypatch.setattr(payments, "EVENTS_PER_TRANSACTION", per_insert)
    app = funded(db_url)
    try:
        path = payments_file(tmp_path / "pay.csv", 700, seed=11)
        report = import_file(app, path, year=YEAR)
        assert report.created["payments"] == 702
        inline = {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in TABLES.items()}
        app.rebuild_read_model()
        assert {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in TABLES.items()} == inline
        before = app.recorder.max_notification_id()
        again = import_file(app, path, year=YEAR)
        assert (again.created["payments"], again.present["payments"]) == (0, 702)
        assert app.recorder.max_notification_id() == before
    finally:
        app.close()


# ------------------------------------------------- each shortcut, shape by shape


def paid_project(rows: list[tuple[Any, ...]]) -> tuple[Project, list[Any]]:
    """A project that paid ``rows`` the library's way, and the events it made."""
    import datetime as dt
    from decimal import Decimal

    from tracker.domain.ids import entry_id

    project = Project(
        year=YEAR,
        code="P1",
        name="x",
        unit_code="450001",
        expenditure_type="项目支出",
        functional=None,
        economic=None,
        source="一般公共预算财政拨款",
        owner="",
        user="u",
    )
    project.appropriate(
        entry_id("appropriation", "a"), "initial", Decimal("1000000.00"), dt.date(YEAR, 1, 1), "", "u"
    )
    project.collect_events()
    for k, (day, amount, payee, economic, source) in enumerate(rows):
        pid = entry_id("payment", f"r{k}")
        project.pay(
            pid,
            Decimal(amount),
            day,
            payee,
            economic,
            f"记-{k}" if k % 2 else "",
            source,
            "u",
            "表格导入",
            {"id": f"r{k}", "hash": "0" * 64, "result": str(pid)},
        )
    return project, list(project.collect_events())


def shapes() -> list[tuple[Any, ...]]:
    import datetime as dt

    return [
        (dt.date(YEAR, 3, 1), "12.30", 'A "quoted" \\ payee\n', None, None),
        (dt.date(YEAR, 1, 2), "0.01", "Zoë & Co <x>\u2028", "30201", "政府性基金预算财政拨款"),
        (dt.date(YEAR, 12, 31), "900000.00", "个人救助对象", "30306", None),
    ]


def test_each_event_shape_and_the_snapshot_are_spelled_by_the_fast_writer(sqlite_url: str) -> None:
    import datetime as dt
    import json

    from eventsourcing.domain import Snapshot

    from tracker.store.payment_encoding import PaymentWriter

    app = BudgetTracker(Settings(db_url=sqlite_url, user="u"))
    try:
        writer = PaymentWriter(app.mapper)
        project, events = paid_project(shapes())
        for e in events:
            if type(e).__name__ == "PaymentRecorded":
                assert writer._event_text(vars(e)) is not None  # the fast spelling is taken
                assert writer.agrees(e)
        snapshot = Snapshot.take(project)
        assert all(writer._entry_text(p) is not None for p in project.payments.values())
        assert writer.to_stored_snapshot(snapshot) == Mapper.to_stored_event(app.mapper, snapshot)
        # A shape it does not know goes to the library: the same bytes, slowly.
        odd = type(events[-1])(**{**vars(events[-1]), "date": dt.datetime(YEAR, 12, 31, 8, 0)})
        assert writer._event_text(vars(odd)) is None
        assert writer.to_stored_event(odd) == Mapper.to_stored_event(app.mapper, odd)
        assert json.loads(writer.to_stored_event(events[-1]).state)["amount"]["_data_"] == "900000.00"
    finally:
        app.close()


def test_the_payer_decides_and_applies_as_project_pay_does() -> None:
    import copy
    import datetime as dt
    from decimal import Decimal

    from tracker.domain.ids import entry_id
    from tracker.importing.deciding import _FAST_EVENT, Payer
    from tracker.importing.errors import ImportInterrupted
    from tracker.importing.headroom import Headroom
    from tracker.importing.records import PaymentRow

    reference, expected = paid_project(shapes())
    project, _ = paid_project([])
    rows = []
    for k, (day, amount, payee, economic, source) in enumerate(shapes()):
        r = PaymentRow(
            "表", k + 2, YEAR, "P1", day, Decimal(amount), payee, economic, f"记-{k}" if k % 2 else "", source
        )
        r.payment_id = entry_id("payment", f"r{k}")
        r.payment_key, r.request_id, r.fingerprint = str(r.payment_id), f"r{k}", "0" * 64
        rows.append(r)
    room = Headroom(YEAR, {dt.date(YEAR, 1, 1): 100_000_000})
    events = Payer(project, room).pay(rows, "u")
    assert [without_time(vars(e)) for e in events] == [without_time(vars(e)) for e in expected]
    # Made without the dataclass's constructor: the same class, the same attributes in
    # the same order (the stored state follows it).
    assert _FAST_EVENT is not None
    assert [(type(e), list(vars(e))) for e in events] == [(type(e), list(vars(e))) for e in expected]
    assert without_time(vars(project)) == without_time(vars(reference))
    assert project.modified_on == events[-1].timestamp
    # A refusal is the aggregate's own, and leaves the project as it was.
    before = copy.deepcopy(vars(project))
    too_much = copy.copy(rows[0])
    too_much.amount, too_much.payment_id = Decimal("1000000.00"), entry_id("payment", "big")
    with pytest.raises(ImportInterrupted, match="超出可用预算"):
        Payer(project, room).pay([too_much], "u")
    assert vars(project) == before
