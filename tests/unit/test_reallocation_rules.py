"""预算调剂 on the Project aggregate alone: the giver's side refuses what would leave it
overspent on any later date, both sides move the budget on the transfer's date, and
random transfers and payments keep the pair's total budget and never overspend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.errors import InvalidInputError, OverspendError, TrackerError
from tracker.domain.project import LEDGER_KIND_LABELS, Project
from tracker.domain.reallocation import TRANSFER_IN, TRANSFER_OUT, check_pair, side_id

USER = "财务张三"
DOC = "满财预调【2024】5号"


def project(code: str, budget: str, year: int = 2024, source: str = "一般公共预算财政拨款") -> Project:
    p = Project(
        year=year,
        code=code,
        name=f"项目{code}",
        unit_code="450001",
        expenditure_type="项目支出",
        functional=None,
        economic=None,
        source=source,
        owner="",
        user=USER,
    )
    p.appropriate(uuid4(), "initial", Decimal(budget), dt.date(year, 1, 10), "文号", USER)
    return p


def move(a: Project, b: Project, amount: str, day: str) -> None:
    tid = uuid4()
    check_pair(a, b)
    a.transfer_out(tid, b.code, b.id, Decimal(amount), dt.date.fromisoformat(day), DOC, USER)
    b.transfer_in(tid, a.code, a.id, Decimal(amount), dt.date.fromisoformat(day), DOC, USER)


def test_a_transfer_moves_budget_on_its_date_on_both_sides() -> None:
    a, b = project("P1", "1000.00"), project("P2", "100.00")
    move(a, b, "400.00", "2024-06-01")
    assert (a.budget, b.budget) == (Decimal("600.00"), Decimal("500.00"))
    assert a.budget_by_day["2024-06-01"] == Decimal("-400.00")
    assert b.budget_by_day["2024-06-01"] == Decimal("400.00")
    assert [x["kind"] for x in a.appropriations] == ["initial", TRANSFER_OUT]
    assert [x["kind"] for x in b.appropriations] == ["initial", TRANSFER_IN]
    assert LEDGER_KIND_LABELS[TRANSFER_OUT] == "调剂调出"
    assert LEDGER_KIND_LABELS[TRANSFER_IN] == "调剂调入"


def test_each_side_has_its_own_entry_id_derived_from_the_transfer_id() -> None:
    tid = uuid4()
    assert side_id(tid, TRANSFER_OUT) == side_id(str(tid), TRANSFER_OUT) != side_id(tid, TRANSFER_IN)


def test_refuses_a_transfer_out_that_a_later_payment_needs() -> None:
    a, b = project("P1", "1000.00"), project("P2", "0.01")
    a.pay(uuid4(), Decimal("700.00"), dt.date(2024, 9, 1), "某公司", None, "", None, USER)
    version = a.version
    with pytest.raises(OverspendError) as e:
        move(a, b, "300.01", "2024-03-01")
    assert e.value.field == "金额"
    assert "300.00" in e.value.message
    assert a.version == version
    assert a.budget == Decimal("1000.00")
    move(a, b, "300.00", "2024-03-01")
    assert a.available_from(dt.date(2024, 3, 1)) == 0


@pytest.mark.parametrize(
    ("b", "message"),
    [
        (lambda a: a, "不能相同"),
        (lambda a: project("N1", "1.00", year=2025), "同一预算年度"),
        (lambda a: project("F1", "1.00", source="政府性基金预算财政拨款"), "资金来源"),
    ],
)
def test_refuses_a_pair_that_cannot_trade(b, message: str) -> None:  # type: ignore[no-untyped-def]
    a = project("P1", "1000.00")
    with pytest.raises(InvalidInputError, match=message):
        check_pair(a, b(a))


def test_refuses_a_transfer_without_a_document_or_outside_the_year() -> None:
    a = project("P1", "1000.00")
    with pytest.raises(InvalidInputError) as e:
        a.transfer_out(uuid4(), "P2", uuid4(), Decimal("1.00"), dt.date(2024, 2, 1), " ", USER)
    assert e.value.field == "文号"
    with pytest.raises(InvalidInputError) as e:
        a.transfer_in(uuid4(), "P2", uuid4(), Decimal("1.00"), dt.date(2025, 2, 1), DOC, USER)
    assert e.value.field == "日期"


days = st.dates(dt.date(2024, 1, 10), dt.date(2024, 12, 31)).map(dt.date.isoformat)
cents = st.integers(1, 60_000).map(lambda n: f"{n // 100}.{n % 100:02d}")
steps = st.lists(st.tuples(st.sampled_from(["ab", "ba", "pay_a", "pay_b"]), cents, days), max_size=25)


@given(steps)
def test_random_transfers_keep_the_total_budget_and_never_overspend(plan: list[tuple[str, str, str]]) -> None:
    a, b = project("P1", "300.00"), project("P2", "200.00")
    for what, amount, day in plan:
        try:
            if what == "ab":
                move(a, b, amount, day)
            elif what == "ba":
                move(b, a, amount, day)
            else:
                p = a if what == "pay_a" else b
                p.pay(uuid4(), Decimal(amount), dt.date.fromisoformat(day), "某公司", None, "", None, USER)
        except TrackerError:
            pass
        assert a.budget + b.budget == Decimal("500.00")
        for p in (a, b):
            changes = sorted(p.budget_by_day.keys() | p.spent_by_day.keys())
            running = Decimal(0)
            for d in changes:
                running += p.budget_by_day.get(d, Decimal(0)) - p.spent_by_day.get(d, Decimal(0))
                assert running >= 0, f"{p.code} overspent on {d}"
