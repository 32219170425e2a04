"""合同/采购 commitments on the Project aggregate alone: a commitment reserves budget on
every date from its own on, a plain payment cannot use it, a payment against it uses
its remainder first, releases and reversals give it back, and random sequences never
leave committed money negative nor budget − paid − committed below zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain import commitment as cm
from tracker.domain.errors import InvalidInputError, NotFoundError, OverspendError, TrackerError
from tracker.domain.project import Project

USER = "财务张三"
YEAR = 2024


def project(budget: str = "1000.00", code: str = "P1") -> Project:
    p = Project(
        year=YEAR,
        code=code,
        name=f"项目{code}",
        unit_code="450001",
        expenditure_type="项目支出",
        functional=None,
        economic=None,
        source="一般公共预算财政拨款",
        owner="",
        user=USER,
    )
    p.appropriate(uuid4(), "initial", Decimal(budget), dt.date(YEAR, 1, 10), "文号", USER)
    return p


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def commit(p: Project, amount: str, on: str, contract: str = "办公楼维修合同") -> UUID:
    cid = uuid4()
    p.commit(cid, Decimal(amount), day(on), contract, "某建筑公司", USER)
    return cid


def pay(p: Project, amount: str, on: str, commitment: UUID | None = None) -> UUID:
    pid = uuid4()
    p.pay(pid, Decimal(amount), day(on), "某建筑公司", None, "", None, USER, commitment_id=commitment)
    return pid


def committed_on(p: Project, on: dt.date) -> Decimal:
    return sum((v for d, v in p.committed_by_day.items() if d <= on.isoformat()), Decimal(0))


def free_on(p: Project, on: dt.date) -> Decimal:
    iso = on.isoformat()
    budget = sum((v for d, v in p.budget_by_day.items() if d <= iso), Decimal(0))
    spent = sum((v for d, v in p.spent_by_day.items() if d <= iso), Decimal(0))
    return budget - spent - committed_on(p, on)


def test_a_commitment_reserves_budget_from_its_date_on() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    assert p.committed == Decimal("600.00")
    assert p.available_from(day("2024-02-01")) == Decimal("400.00")
    assert p.available_from(day("2024-02-01"), commitments=False) == Decimal("1000.00")
    assert p.commitments[str(cid)]["contract"] == "办公楼维修合同"
    assert cm.open_total(p.commitments[str(cid)]) == Decimal("600.00")


def test_refuses_a_commitment_beyond_what_is_neither_paid_nor_committed() -> None:
    p = project()
    commit(p, "600.00", "2024-03-01")
    pay(p, "300.00", "2024-02-01")
    with pytest.raises(OverspendError, match=r"100\.00 元") as e:
        commit(p, "100.01", "2024-04-01")
    assert e.value.field == "金额"
    commit(p, "100.00", "2024-04-01")


def test_refuses_a_commitment_without_contract_or_outside_the_year() -> None:
    p = project()
    with pytest.raises(InvalidInputError) as e:
        commit(p, "1.00", "2024-03-01", contract="  ")
    assert e.value.field == "合同"
    with pytest.raises(InvalidInputError, match="预算年度"):
        commit(p, "1.00", "2025-01-01")
    with pytest.raises(InvalidInputError):
        commit(p, "0", "2024-03-01")


def test_a_plain_payment_may_not_eat_committed_money_and_says_so() -> None:
    p = project()
    commit(p, "600.00", "2024-03-01")
    with pytest.raises(OverspendError) as e:
        pay(p, "500.00", "2024-05-01")
    assert "可用余额为 400.00 元（另有已签合同未支付 600.00 元）" in e.value.message
    pay(p, "400.00", "2024-05-01")


def test_a_back_dated_plain_payment_is_held_by_a_later_commitment() -> None:
    p = project()
    commit(p, "600.00", "2024-06-01")
    with pytest.raises(OverspendError, match=r"另有已签合同未支付 600\.00 元"):
        pay(p, "500.00", "2024-02-01")


def test_a_payment_against_a_commitment_uses_its_remainder_first() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    pid = pay(p, "250.00", "2024-04-01", cid)
    entry = p.commitments[str(cid)]
    assert entry["drawn"] == Decimal("250.00")
    assert entry["draws"][str(pid)] == Decimal("250.00")
    assert p.committed == Decimal("350.00")
    assert p.disbursed == Decimal("250.00")
    assert p.available_from(day("2024-04-01")) == Decimal("400.00")


def test_the_excess_over_the_remainder_must_fit_the_free_headroom() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    with pytest.raises(OverspendError):
        pay(p, "1000.01", "2024-04-01", cid)
    pay(p, "1000.00", "2024-04-01", cid)  # 600 from the contract, 400 free
    assert p.committed == Decimal("0.00")
    assert p.disbursed == Decimal("1000.00")


def test_refuses_paying_against_an_unknown_used_up_or_earlier_commitment() -> None:
    p, other = project(), project(code="P2")
    theirs = commit(other, "100.00", "2024-03-01")
    with pytest.raises(NotFoundError) as e:
        pay(p, "10.00", "2024-04-01", theirs)
    assert e.value.field == "合同"
    cid = commit(p, "100.00", "2024-03-01")
    with pytest.raises(InvalidInputError, match="早于合同日期"):
        pay(p, "10.00", "2024-02-01", cid)
    pay(p, "100.00", "2024-04-01", cid)
    with pytest.raises(InvalidInputError, match="已无未支付余额") as e2:
        pay(p, "10.00", "2024-05-01", cid)
    assert e2.value.field == "合同"
    released = commit(p, "100.00", "2024-03-01")
    p.release_commitment(uuid4(), released, None, day("2024-03-02"), "合同终止", USER)
    with pytest.raises(InvalidInputError, match="已无未支付余额"):
        pay(p, "10.00", "2024-05-01", released)


def test_release_defaults_to_all_that_is_open_and_frees_the_budget() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    pay(p, "100.00", "2024-04-01", cid)
    freed = p.release_commitment(uuid4(), cid, None, day("2024-05-01"), "合同结算完毕", USER)
    assert freed == Decimal("500.00")
    assert p.committed == Decimal("0.00")
    assert p.available_from(day("2024-05-01")) == Decimal("900.00")
    assert p.commitments[str(cid)]["released"] == Decimal("500.00")


def test_release_is_refused_beyond_the_remainder_before_the_date_or_without_reason() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    with pytest.raises(InvalidInputError, match="超过") as e:
        p.release_commitment(uuid4(), cid, Decimal("600.01"), day("2024-04-01"), "核减", USER)
    assert e.value.field == "金额"
    with pytest.raises(InvalidInputError, match="早于合同日期"):
        p.release_commitment(uuid4(), cid, None, day("2024-02-01"), "核减", USER)
    with pytest.raises(InvalidInputError) as e2:
        p.release_commitment(uuid4(), cid, None, day("2024-04-01"), " ", USER)
    assert e2.value.field == "原因"
    with pytest.raises(NotFoundError):
        p.release_commitment(uuid4(), uuid4(), None, day("2024-04-01"), "核减", USER)
    p.release_commitment(uuid4(), cid, Decimal("200.00"), day("2024-04-01"), "核减", USER)
    assert p.committed == Decimal("400.00")


def test_a_back_dated_draw_may_use_only_what_is_open_from_its_date_on() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    pay(p, "500.00", "2024-06-01", cid)
    pay(p, "300.00", "2024-04-01", cid)  # only 100 is open from April on; 200 free
    assert p.commitments[str(cid)]["drawn"] == Decimal("600.00")
    assert p.disbursed == Decimal("800.00")
    assert all(committed_on(p, day(d)) >= 0 for d in p.committed_by_day)


def test_a_reversal_gives_the_drawn_part_back_to_the_commitment() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    pid = pay(p, "700.00", "2024-04-01", cid)  # 600 drawn, 100 free
    p.reverse(uuid4(), pid, Decimal("650.00"), day("2024-05-01"), "退回", USER)
    entry = p.commitments[str(cid)]
    assert entry["drawn"] == Decimal("0.00")
    assert p.committed == Decimal("600.00")
    assert p.disbursed == Decimal("50.00")
    kinds = [type(e).__name__ for e in p.collect_events()]
    assert kinds[-2:] == ["PaymentReversed", "CommitmentRestored"]


def test_cuts_and_transfers_out_respect_committed_money() -> None:
    p = project()
    commit(p, "600.00", "2024-03-01")
    with pytest.raises(OverspendError):
        p.appropriate(uuid4(), "reduce", Decimal("400.01"), day("2024-02-01"), "文号", USER)
    with pytest.raises(OverspendError):
        p.transfer_out(uuid4(), "P2", uuid4(), Decimal("400.01"), day("2024-02-01"), "调剂文号", USER)
    p.appropriate(uuid4(), "reduce", Decimal("400.00"), day("2024-02-01"), "文号", USER)


def test_snapshot_round_trip_keeps_commitments_and_old_snapshots_load() -> None:
    p = project()
    cid = commit(p, "600.00", "2024-03-01")
    pay(p, "100.00", "2024-04-01", cid)
    copy = Snapshot.take(p).mutate(None)
    assert isinstance(copy, Project)
    assert copy.commitments == p.commitments
    assert copy.committed_by_day == p.committed_by_day
    old = Snapshot.take(project())
    state = dict(old.state)
    state.pop("class_version", None)
    state.pop("commitments")
    state.pop("committed_by_day")
    legacy = Snapshot(
        originator_id=old.originator_id,
        originator_version=old.originator_version,
        timestamp=old.timestamp,
        topic=old.topic,
        state=state,
    )
    loaded = legacy.mutate(None)
    assert isinstance(loaded, Project)
    assert loaded.committed == 0
    commit(loaded, "10.00", "2024-03-01")


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["commit", "pay", "pay_on", "release", "reverse", "cut"]),
        st.integers(min_value=1, max_value=60_000),
        st.integers(min_value=0, max_value=365),
        st.integers(min_value=0, max_value=10),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(ACTIONS)
def test_committed_never_negative_and_free_money_never_below_zero(
    actions: list[tuple[str, int, int, int]],
) -> None:
    p = project("1000.00")
    commitments: list[UUID] = []
    payments: list[UUID] = []
    for kind, fen, offset, pick in actions:
        amount = Decimal(fen) / 100
        on = dt.date(YEAR, 1, 10) + dt.timedelta(days=offset % 356)
        try:
            if kind == "commit":
                commitments.append(commit(p, str(amount), on.isoformat()))
            elif kind == "pay":
                payments.append(pay(p, str(amount), on.isoformat()))
            elif kind == "pay_on" and commitments:
                payments.append(pay(p, str(amount), on.isoformat(), commitments[pick % len(commitments)]))
            elif kind == "release" and commitments:
                p.release_commitment(uuid4(), commitments[pick % len(commitments)], amount, on, "核减", USER)
            elif kind == "reverse" and payments:
                p.reverse(uuid4(), payments[pick % len(payments)], amount, on, "退回", USER)
            elif kind == "cut":
                p.appropriate(uuid4(), "reduce", amount, on, "文号", USER)
        except TrackerError:
            pass
        days = sorted({*p.committed_by_day, *p.spent_by_day, *p.budget_by_day})
        for iso in days:
            assert committed_on(p, day(iso)) >= 0
            assert free_on(p, day(iso)) >= 0
        for entry in p.commitments.values():
            assert all(
                lowest >= 0
                for lowest in [
                    cm.lowest_from(day(d), cm.open_total(entry), entry["moves"]) for d in entry["moves"]
                ]
            )
            assert cm.open_total(entry) >= 0
