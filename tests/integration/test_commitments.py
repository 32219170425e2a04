"""合同/采购 commitments through the service layer, on SQLite and PostgreSQL: a commitment
reserves budget, a payment against it lowers what is committed, releases free it, a
retry records nothing, a refusal leaves the ledger untouched (but an alert's history),
and the read rows (status, lists, as of a date, as known on a moment, rebuild) agree."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import READ_TABLE_ORDER, ledger_event_count
from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import (
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    OverspendError,
    TrackerError,
)
from tracker.domain.money import to_fen
from tracker.queries.known import known_on

CONTRACT = "满医保采〔2024〕3号 办公室整修合同"


def figures(app: BudgetTracker, code: str = "P1", as_of: str = "2024-12-31", known: Any = None) -> Any:
    _, rows = app.queries.statuses(2024, dt.date.fromisoformat(as_of), codes=[code], known=known)
    return rows[0].figures


def read_rows(app: BudgetTracker) -> dict[str, list[Any]]:
    return {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in READ_TABLE_ORDER.items()}


def test_a_commitment_is_shown_beside_the_execution_rate(funded: BudgetTracker) -> None:
    cid = funded.commit("P1", "60000.00", date="2024-03-01", contract=CONTRACT, supplier="某装修公司")
    f = figures(funded)
    assert (f.budget, f.disbursed, f.committed, f.uncommitted) == (
        Decimal("100000.00"),
        Decimal("0.00"),
        Decimal("60000.00"),
        Decimal("40000.00"),
    )
    assert f.execution_rate == 0  # execution stays on payments
    assert figures(funded, as_of="2024-02-29").committed == 0
    _, rows = funded.commitments("P1")
    assert [(r.id, r.contract, r.supplier, r.open) for r in rows] == [
        (str(cid), CONTRACT, "某装修公司", Decimal("60000.00"))
    ]
    view = funded.show("P1")
    assert (view["committed"], view["uncommitted"]) == ("60000.00", "40000.00")
    assert view["commitments"][0]["id"] == str(cid)
    assert funded.history("P1")[-1]["label"] == "签订合同"


def test_a_payment_against_the_commitment_lowers_what_is_committed(funded: BudgetTracker) -> None:
    cid = funded.commit("P1", "60000.00", date="2024-03-01", contract=CONTRACT)
    funded.pay("P1", "20000.00", date="2024-04-01", payee="某装修公司", commitment=str(cid))
    f = figures(funded)
    assert (f.disbursed, f.committed, f.uncommitted) == (
        Decimal("20000.00"),
        Decimal("40000.00"),
        Decimal("40000.00"),
    )
    assert figures(funded, as_of="2024-03-31").committed == Decimal("60000.00")
    _, rows = funded.commitments("P1", as_of=dt.date(2024, 4, 1))
    assert (rows[0].drawn, rows[0].open) == (Decimal("20000.00"), Decimal("40000.00"))
    _, before = funded.commitments("P1", as_of=dt.date(2024, 3, 31))
    assert (before[0].drawn, before[0].open) == (Decimal("0.00"), Decimal("60000.00"))


def test_a_plain_payment_may_not_use_committed_money(funded: BudgetTracker) -> None:
    funded.commit("P1", "60000.00", date="2024-03-01", contract=CONTRACT)
    before = ledger_event_count(funded)
    with pytest.raises(OverspendError) as e:
        funded.pay("P1", "40000.01", date="2024-05-01", payee="某公司")
    assert "另有已签合同未支付 60,000.00 元" in e.value.message
    assert ledger_event_count(funded) == before
    funded.pay("P1", "40000.00", date="2024-05-01", payee="某公司")


def test_a_refused_commitment_is_kept_in_an_alerts_history(funded: BudgetTracker) -> None:
    funded.pay("P1", "90000.00", date="2024-02-01", payee="某公司")
    before = ledger_event_count(funded)
    with pytest.raises(OverspendError) as e:
        funded.commit("P1", "10000.01", date="2024-03-01", contract=CONTRACT)
    assert e.value.field == "金额"
    assert ledger_event_count(funded) == before
    alerts = funded.read.all("SELECT rule, figures FROM rm_alerts")
    assert [a["rule"] for a in alerts] == ["overspend_refused"]
    assert '"kind": "commitment"' in alerts[0]["figures"]


def test_release_frees_the_budget_and_is_refused_beyond_the_remainder(funded: BudgetTracker) -> None:
    cid = funded.commit("P1", "60000.00", date="2024-03-01", contract=CONTRACT)
    with pytest.raises(InvalidInputError) as e:
        funded.release_commitment(cid, "60000.01", date="2024-06-01", reason="合同变更")
    assert e.value.field == "金额"
    with pytest.raises(InvalidInputError) as e2:
        funded.release_commitment(cid, date="2024-02-01", reason="合同变更")
    assert e2.value.field == "日期"
    with pytest.raises(InvalidInputError) as e3:
        funded.release_commitment(cid, date="2024-06-01", reason="")
    assert e3.value.field == "原因"
    funded.release_commitment(cid, "10000.00", date="2024-06-01", reason="合同变更")
    funded.release_commitment(str(cid), date="2024-07-01", reason="合同终止")
    assert figures(funded).committed == 0
    assert figures(funded, as_of="2024-06-30").committed == Decimal("50000.00")
    _, rows = funded.commitments("P1")
    assert (rows[0].released, rows[0].open) == (Decimal("60000.00"), Decimal("0.00"))
    with pytest.raises(NotFoundError) as e4:
        funded.release_commitment("not-an-id", date="2024-07-01", reason="x")
    assert e4.value.field == "合同"


def test_paying_against_a_commitment_of_another_project_is_refused(funded: BudgetTracker) -> None:
    funded.add_project(year=2024, unit="450001", code="P2", name="医保宣传", functional="2101501")
    funded.appropriate("P2", "20000.00", date="2024-01-10")
    theirs = funded.commit("P2", "1000.00", date="2024-03-01", contract=CONTRACT)
    with pytest.raises(NotFoundError) as e:
        funded.pay("P1", "10.00", date="2024-04-01", payee="某公司", commitment=theirs)
    assert e.value.field == "合同"
    with pytest.raises(NotFoundError):
        funded.pay("P1", "10.00", date="2024-04-01", payee="某公司", commitment="zzz")


def test_a_reversal_gives_the_drawn_part_back(funded: BudgetTracker) -> None:
    cid = funded.commit("P1", "60000.00", date="2024-03-01", contract=CONTRACT)
    pid = funded.pay("P1", "60000.00", date="2024-04-01", payee="某装修公司", commitment=cid)
    assert figures(funded).committed == 0
    funded.reverse(pid, "5000.00", date="2024-05-01", reason="退回多付")
    f = figures(funded)
    assert (f.disbursed, f.committed) == (Decimal("55000.00"), Decimal("5000.00"))
    assert figures(funded, as_of="2024-04-30").committed == 0


def test_a_retry_with_the_same_request_id_records_nothing(funded: BudgetTracker) -> None:
    first = funded.commit("P1", "100.00", date="2024-03-01", contract=CONTRACT, request_id="c-1")
    count = ledger_event_count(funded)
    assert funded.commit("P1", "100.00", date="2024-03-01", contract=CONTRACT, request_id="c-1") == first
    assert ledger_event_count(funded) == count
    with pytest.raises(DuplicateError):
        funded.commit("P1", "200.00", date="2024-03-01", contract=CONTRACT, request_id="c-1")
    rel = funded.release_commitment(first, date="2024-04-01", reason="终止", request_id="r-1")
    assert funded.release_commitment(first, date="2024-04-01", reason="终止", request_id="r-1") == rel
    with pytest.raises(DuplicateError):
        funded.release_commitment(first, "1.00", date="2024-04-01", reason="终止", request_id="r-1")
    other = funded.commit("P1", "100.00", date="2024-03-01", contract=CONTRACT)
    pay = funded.pay("P1", "10.00", date="2024-04-01", payee="某公司", commitment=other, request_id="p-1")
    assert (
        funded.pay("P1", "10.00", date="2024-04-01", payee="某公司", commitment=other, request_id="p-1")
        == pay
    )
    with pytest.raises(DuplicateError):
        funded.pay("P1", "10.00", date="2024-04-01", payee="某公司", request_id="p-1")


def test_committed_as_known_on_a_moment_leaves_out_later_commitments(funded: BudgetTracker) -> None:
    funded.commit("P1", "100.00", date="2024-03-01", contract=CONTRACT)
    cut = known_on(dt.datetime.now(dt.UTC))
    later = funded.commit("P1", "200.00", date="2024-02-01", contract="后补合同")
    funded.pay("P1", "50.00", date="2024-04-01", payee="某公司", commitment=later)
    assert figures(funded).committed == Decimal("250.00")
    assert figures(funded, known=cut).committed == Decimal("100.00")
    _, rows = funded.commitments("P1", known=cut)
    assert [r.contract for r in rows] == [CONTRACT]


def test_rebuild_reproduces_the_commitment_rows(funded: BudgetTracker) -> None:
    cid = funded.commit("P1", "60000.00", date="2024-03-01", contract=CONTRACT, request_id="c-9")
    pid = funded.pay("P1", "70000.00", date="2024-04-01", payee="某装修公司", commitment=cid)
    funded.reverse(pid, "20000.00", date="2024-05-01", reason="退回")
    funded.release_commitment(cid, "1000.00", date="2024-06-01", reason="核减")
    rows = read_rows(funded)
    assert len(rows["rm_commitment_moves"]) == 4
    funded.rebuild_read_model()
    assert read_rows(funded) == rows


def test_a_project_with_commitments_loads_from_its_snapshot_unchanged(
    funded: BudgetTracker, db_url: str
) -> None:
    from tracker.store.config import Settings

    cid = funded.commit("P1", "60000.00", date="2024-03-01", contract=CONTRACT)
    funded.pay("P1", "100.00", date="2024-04-01", payee="某装修公司", commitment=cid)
    pid = funded.find_project("P1")
    project = funded.repository.get(pid)
    assert funded.snapshots is not None
    funded.snapshots.put([funded.snapshot_of(project)])
    fresh = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    try:
        loaded = fresh.repository.get(pid)
        assert loaded.commitments == project.commitments
        assert loaded.committed_by_day == project.committed_by_day
        fresh.pay("P1", "100.00", date="2024-04-02", payee="某装修公司", commitment=cid)
        assert fresh.show("P1")["committed"] == "59800.00"
    finally:
        fresh.close()


def test_committed_is_summed_per_unit_in_the_rollup(funded: BudgetTracker) -> None:
    funded.add_unit("450002", "下级单位", parent="450001")
    funded.add_project(year=2024, unit="450002", code="P2", name="医保宣传", functional="2101501")
    funded.appropriate("P2", "20000.00", date="2024-01-10")
    funded.commit("P1", "1000.00", date="2024-03-01", contract=CONTRACT)
    funded.commit("P2", "250.00", date="2024-03-01", contract=CONTRACT)
    report = funded.queries.rollup(2024, ["unit"], as_of=dt.date(2024, 12, 31))
    by_unit = {row["key"][0]: row["figures"].committed for row in report["rows"]}
    assert by_unit == {"450001": Decimal("1250.00"), "450002": Decimal("250.00")}  # a unit with its subtree
    assert report["total"].committed == Decimal("1250.00")
    status = funded.queries.status_report(2024, dt.date(2024, 12, 31), unit="450001")
    assert status["total"].committed == Decimal("1250.00")


_cases = itertools.count()
_days = st.dates(dt.date(2024, 1, 10), dt.date(2024, 12, 31)).map(dt.date.isoformat)
_cents = st.integers(1, 40_000).map(lambda n: f"{n // 100}.{n % 100:02d}")
_steps = st.lists(
    st.tuples(
        st.sampled_from(["commit", "pay", "pay_on", "release", "reverse"]), _cents, _days, st.integers(0, 9)
    ),
    max_size=12,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=_steps)
def test_random_commitments_through_the_service_keep_the_read_rows_right(
    funded: BudgetTracker, plan: list[tuple[str, str, str, int]]
) -> None:
    """Whatever is accepted or refused, paid + committed never exceeds the budget at the
    end of any day in the read rows, committed is never negative, and the rows agree
    with the aggregate's own figures on every day."""
    app, n = funded, next(_cases)
    code = f"C{n}"
    app.add_project(year=2024, unit="450001", code=code, name=code)
    app.appropriate(code, "500.00", date="2024-01-10", doc="文号")
    commitments: list[Any] = []
    payments: list[Any] = []
    for what, amount, day, pick in plan:
        with contextlib.suppress(TrackerError):
            if what == "commit":
                commitments.append(app.commit(code, amount, date=day, contract="合同"))
            elif what == "pay":
                payments.append(app.pay(code, amount, date=day, payee="某公司"))
            elif what == "pay_on" and commitments:
                cid = commitments[pick % len(commitments)]
                payments.append(app.pay(code, amount, date=day, payee="某公司", commitment=cid))
            elif what == "release" and commitments:
                app.release_commitment(commitments[pick % len(commitments)], amount, date=day, reason="核减")
            elif what == "reverse" and payments:
                app.reverse(payments[pick % len(payments)], amount, date=day, reason="退回")
    pid = str(app.find_project(code))
    ledger = app.read.all("SELECT date, budget_fen, spent_fen FROM rm_daily WHERE project_id = ?", (pid,))
    held = app.read.all(
        "SELECT date, SUM(amount_fen) AS c FROM rm_commitment_moves WHERE project_id = ? GROUP BY date",
        (pid,),
    )
    change: dict[str, int] = {}
    committed_change: dict[str, int] = {}
    for r in ledger:
        change[r["date"]] = change.get(r["date"], 0) + int(r["budget_fen"]) - int(r["spent_fen"])
    for r in held:
        committed_change[r["date"]] = int(r["c"])
    project = app.get_project(code)
    free = committed = 0
    for iso in sorted(change.keys() | committed_change.keys()):
        committed += committed_change.get(iso, 0)
        free += change.get(iso, 0) - committed_change.get(iso, 0)
        assert committed >= 0, f"committed below zero on {iso}"
        assert free >= 0, f"paid + committed above the budget on {iso}"
        as_of = app.queries.statuses(2024, dt.date.fromisoformat(iso), codes=[code])[1][0].figures
        assert to_fen(as_of.committed) == committed
        aggregate = sum((v for d, v in project.committed_by_day.items() if d <= iso), Decimal(0))
        assert to_fen(aggregate) == committed
