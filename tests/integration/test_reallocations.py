"""预算调剂 through the service layer, on SQLite and PostgreSQL: both projects change in
one transaction or neither does, the giver is never left overspent, a retry records
nothing, and the read rows (status, public tables, rebuild) count both sides."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import READ_TABLE_ORDER, ledger_event_count
from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import DuplicateError, InvalidInputError, NotFoundError, OverspendError
from tracker.queries.reports.tables import income_expenditure_summary

DOC = "满财预调【2024】5号"


@pytest.fixture
def pair(funded: BudgetTracker) -> BudgetTracker:
    """P1 (100,000.00 元, 30,000.00 paid on 2024-03-01) and P2 (20,000.00 元), both 2024."""
    app = funded
    app.add_project(year=2024, unit="450001", code="P2", name="医保宣传", functional="2101501")
    app.appropriate("P2", "20000.00", date="2024-01-10", doc="满财【2024】1号")
    app.pay("P1", "30000.00", date="2024-03-01", payee="某装修公司")
    return app


def budget(app: BudgetTracker, code: str, as_of: str = "2024-12-31") -> Decimal:
    _, rows = app.queries.statuses(2024, dt.date.fromisoformat(as_of), codes=[code])
    return rows[0].figures.budget


def read_rows(app: BudgetTracker) -> dict[str, list[Any]]:
    return {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in READ_TABLE_ORDER.items()}


def test_a_transfer_moves_budget_from_one_project_to_the_other_on_its_date(pair: BudgetTracker) -> None:
    tid = pair.transfer("P1", "P2", "50000.00", date="2024-06-15", doc=DOC, note="调剂用于宣传")
    assert budget(pair, "P1") == Decimal("50000.00")
    assert budget(pair, "P2") == Decimal("70000.00")
    assert budget(pair, "P1", "2024-06-14") == Decimal("100000.00")
    assert budget(pair, "P2", "2024-06-14") == Decimal("20000.00")
    kinds = pair.read.all(
        "SELECT kind, amount_fen, doc FROM rm_appropriations WHERE kind IN (?, ?) ORDER BY kind",
        ("transfer_in", "transfer_out"),
    )
    assert [(r["kind"], r["amount_fen"], r["doc"]) for r in kinds] == [
        ("transfer_in", 5_000_000, DOC),
        ("transfer_out", -5_000_000, DOC),
    ]
    assert pair.show("P1")["budget"] == "50000.00"
    assert {a["kind_label"] for a in pair.show("P2")["appropriations"]} == {"年初预算", "调剂调入"}
    assert str(tid) in pair.history("P1")[-1]["details"]


def test_each_sides_history_names_its_counterpart_and_the_document(pair: BudgetTracker) -> None:
    pair.transfer("P1", "P2", "1000.00", date="2024-06-15", doc=DOC)
    out, into = pair.history("P1")[-1], pair.history("P2")[-1]
    assert out["label"] == "预算调剂调出"
    assert out["details"].startswith(f"调剂至 P2，文号 {DOC}")
    assert into["label"] == "预算调剂调入"
    assert into["details"].startswith(f"由 P1 调入，文号 {DOC}")
    assert out["amount"] == into["amount"] == "1000.00"
    assert out["user"] == into["user"] == "测试员"


def test_refuses_a_transfer_that_would_leave_the_giver_overspent_on_a_later_date(pair: BudgetTracker) -> None:
    before = ledger_event_count(pair)
    # On 2024-02-01 P1 has 100,000 and nothing paid, but from 2024-03-01 on 30,000 is spent.
    with pytest.raises(OverspendError) as e:
        pair.transfer("P1", "P2", "70000.01", date="2024-02-01", doc=DOC)
    assert e.value.field == "金额"
    assert "70,000.00" in e.value.message
    assert ledger_event_count(pair) == before
    assert budget(pair, "P2") == Decimal("20000.00")
    pair.transfer("P1", "P2", "70000.00", date="2024-02-01", doc=DOC)
    assert budget(pair, "P1") == Decimal("30000.00")


def test_a_refused_transfer_is_kept_in_an_alerts_history_never_on_either_project(pair: BudgetTracker) -> None:
    ids = pair.find_project("P1"), pair.find_project("P2")
    before = [len(list(pair.events.get(i))) for i in ids]
    for _ in range(2):
        with pytest.raises(OverspendError):
            pair.transfer("P1", "P2", "70000.01", date="2024-02-01", doc=DOC, user="李会计")
    assert [len(list(pair.events.get(i))) for i in ids] == before
    [alert] = [a for a in pair.alerts() if a["rule"] == "overspend_refused"]
    assert (alert["project"], alert["severity"], alert["attempts"]) == ("P1", "red", 2)
    assert alert["figures"] | {"name": ""} == {
        "name": "",
        "amount": "70000.01",
        "available": "70000.00",
        "date": "2024-02-01",
        "kind": "transfer",
        "to": "P2",
        "doc": DOC,
    }
    events = list(pair.events.get(UUID(alert["id"])))
    assert [type(e).__name__ for e in events] == ["Raised", "AttemptRecorded"]
    assert events[-1].user == "李会计"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to_code": "P1"}, "调入项目"),
        ({"amount": "0"}, "金额"),
        ({"amount": "-5"}, "金额"),
        ({"amount": "1.001"}, "金额"),
        ({"date": "2025-01-01"}, "日期"),
        ({"doc": "  "}, "文号"),
        ({"to_code": "NOPE"}, "调入项目"),
        ({"from_code": "NOPE"}, "调出项目"),
    ],
)
def test_refuses_bad_transfers_naming_the_field_and_records_nothing(
    pair: BudgetTracker, change: dict[str, str], field: str
) -> None:
    args = {"from_code": "P1", "to_code": "P2", "amount": "100.00", "date": "2024-06-15", "doc": DOC}
    before, rows = ledger_event_count(pair), read_rows(pair)
    with pytest.raises((InvalidInputError, NotFoundError)) as e:
        pair.transfer(**{**args, **change})
    assert e.value.field == field
    assert ledger_event_count(pair) == before
    assert read_rows(pair) == rows


def test_refuses_a_transfer_to_a_project_of_another_year_leaving_both_untouched(pair: BudgetTracker) -> None:
    pair.add_project(year=2025, unit="450001", code="N1", name="明年项目")
    before, rows = ledger_event_count(pair), read_rows(pair)
    with pytest.raises(InvalidInputError) as e:
        pair.transfer("P1", "N1", "100.00", date="2024-06-15", doc=DOC)
    assert e.value.field == "调入项目"
    assert "同一预算年度" in e.value.message
    assert ledger_event_count(pair) == before
    assert read_rows(pair) == rows
    # The giver's cached copy was not left changed by the refused pair either.
    assert pair.show("P1")["budget"] == "100000.00"


def test_refuses_a_transfer_between_funding_sources(pair: BudgetTracker) -> None:
    pair.add_project(year=2024, unit="450001", code="F1", name="基金项目", source="政府性基金预算财政拨款")
    with pytest.raises(InvalidInputError, match="资金来源"):
        pair.transfer("P1", "F1", "100.00", date="2024-06-15", doc=DOC)


def test_a_refused_receiver_records_nothing_on_the_giver(pair: BudgetTracker) -> None:
    """The giver decides first; the receiver then refuses (a date outside its year is
    impossible here, so it refuses the amount after the giver accepted it): nothing of
    the giver's side reaches the store, and its cached copy is dropped."""
    from tracker.domain.project import Project

    original = Project.transfer_in

    def refuse(self: Project, *args: Any, **kwargs: Any) -> None:
        raise InvalidInputError("调入方拒绝", "调入项目")

    before, rows = ledger_event_count(pair), read_rows(pair)
    Project.transfer_in = refuse  # type: ignore[method-assign]
    try:
        with pytest.raises(InvalidInputError):
            pair.transfer("P1", "P2", "100.00", date="2024-06-15", doc=DOC)
    finally:
        Project.transfer_in = original  # type: ignore[method-assign]
    assert ledger_event_count(pair) == before
    assert read_rows(pair) == rows
    assert pair.show("P1")["budget"] == "100000.00"
    pair.pay("P1", "70000.00", date="2024-06-16", payee="某公司")  # all of it still there


def test_both_sides_are_stored_in_one_transaction(pair: BudgetTracker) -> None:
    """One save: the two events are consecutive notifications of one insert."""
    pair.transfer("P1", "P2", "100.00", date="2024-06-15", doc=DOC)
    last = pair.recorder.max_notification_id()
    assert last is not None
    events = pair.recorder.select_notifications(last - 1, 2)
    assert [n.topic.rsplit(":", 1)[-1] for n in events] == [
        "Project.BudgetTransferredOut",
        "Project.BudgetTransferredIn",
    ]


def test_a_clash_on_the_receiver_rolls_back_the_givers_side_and_the_retry_records_it_once(
    pair: BudgetTracker, db_url: str
) -> None:
    """Another process moves P2 on after this one cached it: the first save of the pair
    clashes on P2's version, so P1's event of that same save must not be stored either
    (else the retry would record the giver's side twice)."""
    from tracker.store.config import Settings

    other = BudgetTracker(Settings(db_url=db_url, user="另一人"))
    try:
        other.pay("P2", "1.00", date="2024-05-01", payee="某公司")
    finally:
        other.close()
    pair.transfer("P1", "P2", "100.00", date="2024-06-15", doc=DOC)
    kinds = [type(e).__name__ for e in pair.contiguous_events(pair.find_project("P1"))]
    assert kinds.count("BudgetTransferredOut") == 1
    assert budget(pair, "P1") == Decimal("99900.00")
    assert budget(pair, "P2") == Decimal("20100.00")
    assert pair.show("P2")["disbursed"] == "1.00"


def test_a_retry_with_the_same_request_id_records_nothing(pair: BudgetTracker) -> None:
    first = pair.transfer("P1", "P2", "100.00", date="2024-06-15", doc=DOC, request_id="t-1")
    count = ledger_event_count(pair)
    assert pair.transfer("P1", "P2", "100.00", date="2024-06-15", doc=DOC, request_id="t-1") == first
    assert ledger_event_count(pair) == count
    assert budget(pair, "P2") == Decimal("20100.00")
    with pytest.raises(DuplicateError) as e:
        pair.transfer("P1", "P2", "200.00", date="2024-06-15", doc=DOC, request_id="t-1")
    assert e.value.field == "请求编号"


def test_a_transfer_inside_one_unit_leaves_income_by_source_unchanged(pair: BudgetTracker) -> None:
    before = income_expenditure_summary(pair.read, 2024, "450001")
    pair.transfer("P1", "P2", "5000.00", date="2024-06-15", doc=DOC)
    after = income_expenditure_summary(pair.read, 2024, "450001")
    assert [(r.source, r.amount) for r in after.income] == [(r.source, r.amount) for r in before.income]
    assert sum(r.figures.budget for r in after.expenditure) == sum(
        r.figures.budget for r in before.expenditure
    )


def test_rebuild_reproduces_the_transfer_rows(pair: BudgetTracker) -> None:
    pair.transfer("P1", "P2", "5000.00", date="2024-06-15", doc=DOC, request_id="t-9")
    pair.transfer("P2", "P1", "25.50", date="2024-07-01", doc=DOC)
    rows = read_rows(pair)
    pair.rebuild_read_model()
    assert read_rows(pair) == rows


def test_a_payment_may_use_the_budget_received(pair: BudgetTracker) -> None:
    pair.transfer("P1", "P2", "5000.00", date="2024-06-15", doc=DOC)
    with pytest.raises(OverspendError):
        pair.pay("P2", "25000.00", date="2024-06-14", payee="某公司")
    pair.pay("P2", "25000.00", date="2024-06-15", payee="某公司")
    # Now the transfer back of any of it would overspend P2 from 2024-06-15 on.
    with pytest.raises(OverspendError):
        pair.transfer("P2", "P1", "0.01", date="2024-06-20", doc=DOC)


def test_a_project_with_transfers_loads_from_its_snapshot_unchanged(pair: BudgetTracker, db_url: str) -> None:
    """A snapshot holds the transfer entries; a fresh tracker loading from it sees the
    same budget by day and the same entries as the one that recorded them."""
    from tracker.store.config import Settings

    pair.transfer("P1", "P2", "5000.00", date="2024-06-15", doc=DOC)
    pid = pair.find_project("P1")
    project = pair.repository.get(pid)
    assert pair.snapshots is not None
    pair.snapshots.put([pair.snapshot_of(project)])
    fresh = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    try:
        loaded = fresh.repository.get(pid)
        assert loaded.budget_by_day == project.budget_by_day
        assert loaded.appropriations == project.appropriations
        fresh.transfer("P1", "P2", "1.00", date="2024-06-16", doc=DOC)
        assert fresh.show("P1")["budget"] == "94999.00"
    finally:
        fresh.close()


_cases = itertools.count()
_days = st.dates(dt.date(2024, 1, 10), dt.date(2024, 12, 31)).map(dt.date.isoformat)
_cents = st.integers(1, 40_000).map(lambda n: f"{n // 100}.{n % 100:02d}")
_steps = st.lists(st.tuples(st.sampled_from(["ab", "ba", "pay_a", "pay_b"]), _cents, _days), max_size=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=_steps)
def test_random_transfers_through_the_service_keep_the_read_rows_balanced(
    funded: BudgetTracker, plan: list[tuple[str, str, str]]
) -> None:
    """Whatever is accepted or refused, the pair's budget stays 500.00 in the read rows,
    neither project is overspent at the end of any day, and the rows agree with the
    aggregates' own figures."""
    app, n = funded, next(_cases)
    a, b = f"A{n}", f"B{n}"
    for code, amount in ((a, "300.00"), (b, "200.00")):
        app.add_project(year=2024, unit="450001", code=code, name=code)
        app.appropriate(code, amount, date="2024-01-10", doc="文号")
    for what, amount, day in plan:
        with contextlib.suppress(OverspendError):
            if what in ("ab", "ba"):
                giver, receiver = (a, b) if what == "ab" else (b, a)
                app.transfer(giver, receiver, amount, date=day, doc=DOC)
            else:
                app.pay(a if what == "pay_a" else b, amount, date=day, payee="某公司")
    assert budget(app, a) + budget(app, b) == Decimal("500.00")
    for code in (a, b):
        pid = str(app.find_project(code))
        rows = app.read.all(
            "SELECT date, budget_fen, spent_fen FROM rm_daily WHERE project_id = ? ORDER BY date", (pid,)
        )
        running = 0
        for r in rows:
            running += int(r["budget_fen"]) - int(r["spent_fen"])
            assert running >= 0, f"{code} overspent on {r['date']}"
        assert Decimal(app.show(code)["budget"]) == budget(app, code)


def test_a_code_in_several_years_asks_for_the_year(pair: BudgetTracker) -> None:
    pair.add_project(year=2025, unit="450001", code="P2", name="医保宣传")
    with pytest.raises(InvalidInputError) as e:
        pair.transfer("P1", "P2", "100.00", date="2024-06-15", doc=DOC)
    assert e.value.field == "年度"
    pair.transfer("P1", "P2", "100.00", date="2024-06-15", doc=DOC, year=2024)
    assert budget(pair, "P2") == Decimal("20100.00")
