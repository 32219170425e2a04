"""The Project aggregate alone, without a database: its invariants protect public money.

Every refusal must raise the right ``TrackerError`` subclass, name the field, and leave
the aggregate exactly as it was: same version, no pending events, same figures.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.errors import InvalidInputError, NotFoundError, OverspendError, TrackerError
from tracker.domain.plan import Checkpoint, parse_plan
from tracker.domain.project import Project

YEAR = 2024
USER = "财务张三"


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def yuan(text: str) -> Decimal:
    return Decimal(text)


def new_project(economic: str | None = "30213") -> Project:
    project = Project(
        year=YEAR,
        code="P1",
        name="办公室整修",
        unit_code="450001",
        expenditure_type="项目支出",
        functional="2101502",
        economic=economic,
        source="一般公共预算财政拨款",
        owner="李四",
        user=USER,
    )
    project.collect_events()
    return project


def funded(amount: str = "100000.00", on: str = "2024-01-10") -> Project:
    """A project with one 年初预算 appropriation; its pending events already collected."""
    project = new_project()
    appropriate(project, "initial", amount, on)
    project.collect_events()
    return project


def appropriate(project: Project, kind: str, amount: str, on: str) -> UUID:
    aid = uuid4()
    project.appropriate(aid, kind, yuan(amount), day(on), "满财【2024】1号", USER)
    return aid


def pay(
    project: Project,
    amount: str,
    on: str,
    payee: str = "某装修公司",
    *,
    economic: str | None = None,
    source: str | None = None,
) -> UUID:
    pid = uuid4()
    project.pay(pid, yuan(amount), day(on), payee, economic, "记-001", source, USER)
    return pid


def reverse(
    project: Project, payment: UUID, amount: str | None, on: str, reason: str = "多付退回"
) -> Decimal:
    value = None if amount is None else yuan(amount)
    return project.reverse(uuid4(), payment, value, day(on), reason, USER)


def state(project: Project) -> dict[str, Any]:
    return copy.deepcopy(
        {
            "version": project.version,
            "pending": len(project.pending_events),
            "budget_by_day": project.budget_by_day,
            "spent_by_day": project.spent_by_day,
            "payments": project.payments,
            "appropriations": project.appropriations,
            "plan": project.plan,
        }
    )


def assert_refused(
    project: Project, error: type[TrackerError], field: str, command: Callable[[], object]
) -> TrackerError:
    """The command raises ``error`` about ``field`` and changes nothing at all."""
    project.collect_events()
    before = state(project)
    with pytest.raises(error) as caught:
        command()
    assert type(caught.value) is error
    assert caught.value.field == field
    assert project.pending_events == []
    assert state(project) == before
    return caught.value


# ------------------------------------------------------------------ payments


def test_records_a_payment_within_the_budget_as_one_event() -> None:
    project = funded()
    version = project.version
    payment = pay(project, "30000.00", "2024-03-01")
    assert project.version == version + 1
    [event] = project.collect_events()
    assert isinstance(event, Project.PaymentRecorded)
    assert event.payment_id == payment
    assert event.amount == Decimal("30000.00")
    assert event.date == day("2024-03-01")
    assert event.user == USER
    assert event.economic == "30213"  # the project's, by default
    assert event.source == "一般公共预算财政拨款"
    assert project.disbursed == Decimal("30000.00")
    assert project.budget == Decimal("100000.00")


def test_payment_may_name_its_own_economic_class_and_source() -> None:
    project = funded()
    payment = pay(project, "10.00", "2024-03-01", economic="30201", source="上级补助")
    assert project.payments[str(payment)]["economic"] == "30201"
    assert project.payments[str(payment)]["source"] == "上级补助"


def test_accepts_a_payment_of_exactly_the_available_budget() -> None:
    project = funded()
    pay(project, "60000.00", "2024-02-01")
    pay(project, "40000.00", "2024-03-01")
    assert project.disbursed == project.budget == Decimal("100000.00")


def test_refuses_payment_beyond_available_budget() -> None:
    project = funded()
    pay(project, "30000.00", "2024-02-01")
    error = assert_refused(project, OverspendError, "金额", lambda: pay(project, "70000.01", "2024-03-01"))
    assert "70,000.01" in error.message
    assert "70,000.00" in error.message  # the amount still available


def test_refuses_payment_dated_before_any_budget_arrived() -> None:
    project = funded(on="2024-03-01")
    error = assert_refused(project, OverspendError, "金额", lambda: pay(project, "1.00", "2024-02-29"))
    assert "0.00" in error.message


def test_refuses_back_dated_payment_that_would_overspend_after_a_later_reduction() -> None:
    project = funded()
    appropriate(project, "reduce", "40000.00", "2024-09-01")  # budget 60,000 from September
    pay(project, "50000.00", "2024-10-01")
    # On 1 March 100,000 is available, but from 1 September only 10,000 is left.
    assert project.available_from(day("2024-03-01")) == Decimal("10000.00")
    error = assert_refused(project, OverspendError, "金额", lambda: pay(project, "20000.00", "2024-03-01"))
    assert "10,000.00" in error.message
    pay(project, "10000.00", "2024-03-01")  # exactly what is left on every later date
    assert project.disbursed == Decimal("60000.00")


def test_refuses_back_dated_payment_when_later_payments_already_use_the_budget() -> None:
    project = funded()
    appropriate(project, "add", "50000.00", "2024-07-01")
    pay(project, "100000.00", "2024-03-01")
    pay(project, "50000.00", "2024-08-01")
    assert_refused(project, OverspendError, "金额", lambda: pay(project, "0.01", "2024-02-01"))
    assert_refused(project, OverspendError, "金额", lambda: pay(project, "0.01", "2024-12-31"))


def test_a_later_addition_does_not_cover_an_earlier_payment() -> None:
    project = funded()
    appropriate(project, "add", "50000.00", "2024-07-01")
    assert project.budget == Decimal("150000.00")
    assert_refused(project, OverspendError, "金额", lambda: pay(project, "100000.01", "2024-06-30"))
    pay(project, "100000.01", "2024-07-01")


def test_refuses_payment_without_payee() -> None:
    project = funded()
    assert_refused(
        project, InvalidInputError, "收款人", lambda: pay(project, "1.00", "2024-03-01", payee="  ")
    )


def test_refuses_a_second_payment_with_the_same_id() -> None:
    project = funded()
    payment = uuid4()
    project.pay(payment, yuan("1.00"), day("2024-03-01"), "甲", None, "", None, USER)
    assert_refused(
        project,
        InvalidInputError,
        "支付编号",
        lambda: project.pay(payment, yuan("2.00"), day("2024-03-02"), "乙", None, "", None, USER),
    )


# ------------------------------------------------------------------ appropriations


@pytest.mark.parametrize(
    ("kind", "sign"), [("initial", 1), ("add", 1), ("carryover", 1), ("reduce", -1), ("recall", -1)]
)
def test_each_appropriation_kind_moves_the_budget_its_way(kind: str, sign: int) -> None:
    project = funded()
    appropriate(project, kind, "1000.00", "2024-05-01")
    assert project.budget == Decimal("100000.00") + sign * Decimal("1000.00")
    [event] = project.collect_events()
    assert isinstance(event, Project.BudgetAppropriated)
    assert event.kind == kind
    assert event.amount == Decimal("1000.00")  # the amount is positive; the kind gives the sign


@pytest.mark.parametrize("kind", ["reduce", "recall"])
def test_refuses_cut_below_spending(kind: str) -> None:
    project = funded()
    pay(project, "80000.00", "2024-03-01")
    error = assert_refused(
        project, OverspendError, "金额", lambda: appropriate(project, kind, "20000.01", "2024-05-01")
    )
    assert "20,000.00" in error.message  # the most that may still be cut
    appropriate(project, kind, "20000.00", "2024-05-01")
    assert project.budget == project.disbursed == Decimal("80000.00")


@pytest.mark.parametrize("kind", ["reduce", "recall"])
def test_refuses_back_dated_cut_that_would_go_below_later_spending(kind: str) -> None:
    project = funded()
    pay(project, "80000.00", "2024-06-01")
    # On 1 February nothing is spent yet, but from 1 June 80,000 is.
    assert_refused(
        project, OverspendError, "金额", lambda: appropriate(project, kind, "30000.00", "2024-02-01")
    )


def test_refuses_cut_larger_than_the_budget() -> None:
    project = funded()
    assert_refused(
        project, OverspendError, "金额", lambda: appropriate(project, "reduce", "100000.01", "2024-05-01")
    )


def test_refuses_cut_dated_before_the_budget_arrived() -> None:
    project = funded(on="2024-03-01")
    assert_refused(
        project, OverspendError, "金额", lambda: appropriate(project, "recall", "1.00", "2024-02-01")
    )


def test_refuses_unknown_appropriation_kind() -> None:
    project = funded()
    error = assert_refused(
        project, InvalidInputError, "类型", lambda: appropriate(project, "bonus", "1.00", "2024-05-01")
    )
    assert "bonus" in error.message


# ------------------------------------------------------------------ reversals


def test_reverses_part_then_the_rest_of_a_payment() -> None:
    project = funded()
    payment = pay(project, "1000.00", "2024-03-01")
    assert reverse(project, payment, "600.00", "2024-03-05") == Decimal("600.00")
    assert reverse(project, payment, None, "2024-03-06") == Decimal("400.00")
    assert project.payments[str(payment)]["reversed"] == Decimal("1000.00")
    assert project.disbursed == Decimal("0.00")
    events = project.collect_events()
    assert [type(e).__name__ for e in events] == ["PaymentRecorded", "PaymentReversed", "PaymentReversed"]
    assert events[0].amount == Decimal("1000.00")  # the payment itself is never rewritten


def test_refuses_reversal_beyond_what_is_left_of_the_payment() -> None:
    project = funded()
    payment = pay(project, "1000.00", "2024-03-01")
    reverse(project, payment, "600.00", "2024-03-05")
    error = assert_refused(
        project, InvalidInputError, "金额", lambda: reverse(project, payment, "400.01", "2024-03-06")
    )
    assert "400.00" in error.message


def test_refuses_reversal_of_a_fully_reversed_payment() -> None:
    project = funded()
    payment = pay(project, "1000.00", "2024-03-01")
    reverse(project, payment, None, "2024-03-05")
    assert_refused(project, InvalidInputError, "金额", lambda: reverse(project, payment, None, "2024-03-06"))
    assert_refused(
        project, InvalidInputError, "金额", lambda: reverse(project, payment, "0.01", "2024-03-06")
    )


def test_reversal_cannot_exceed_its_own_payment_even_when_others_exist() -> None:
    project = funded()
    small = pay(project, "100.00", "2024-03-01")
    pay(project, "5000.00", "2024-03-01")
    assert_refused(
        project, InvalidInputError, "金额", lambda: reverse(project, small, "100.01", "2024-03-02")
    )


def test_refuses_reversal_dated_before_its_payment() -> None:
    project = funded()
    payment = pay(project, "1000.00", "2024-03-01")
    error = assert_refused(
        project, InvalidInputError, "日期", lambda: reverse(project, payment, None, "2024-02-29")
    )
    assert "2024-03-01" in error.message
    reverse(project, payment, None, "2024-03-01")  # the same day is fine


def test_refuses_reversal_of_an_unknown_payment_naming_its_id() -> None:
    project = funded()
    pay(project, "1000.00", "2024-03-01")
    unknown = uuid4()
    error = assert_refused(
        project, NotFoundError, "支付编号", lambda: reverse(project, unknown, None, "2024-03-05")
    )
    assert str(unknown) in error.message


def test_refuses_reversal_without_a_reason() -> None:
    project = funded()
    payment = pay(project, "1000.00", "2024-03-01")
    assert_refused(
        project, InvalidInputError, "原因", lambda: reverse(project, payment, None, "2024-03-05", reason=" ")
    )


def test_a_reversal_frees_budget_from_its_own_date_on() -> None:
    project = funded()
    payment = pay(project, "100000.00", "2024-03-01")
    reverse(project, payment, "30000.00", "2024-06-01")
    assert project.available_from(day("2024-05-31")) == Decimal("0.00")
    assert project.available_from(day("2024-06-01")) == Decimal("30000.00")
    assert_refused(project, OverspendError, "金额", lambda: pay(project, "0.01", "2024-05-31"))
    pay(project, "30000.00", "2024-06-01")


# ------------------------------------------------------------------ fiscal year


@pytest.mark.parametrize("date", ["2023-12-31", "2025-01-01", "2022-06-30"])
def test_refuses_dates_outside_the_fiscal_year(date: str) -> None:
    project = funded()
    payment = pay(project, "10.00", "2024-03-01")
    for command in (
        lambda: appropriate(project, "add", "1.00", date),
        lambda: appropriate(project, "reduce", "1.00", date),
        lambda: pay(project, "1.00", date),
        lambda: reverse(project, payment, None, date),
    ):
        error = assert_refused(project, InvalidInputError, "日期", command)
        assert "2024" in error.message


def test_accepts_the_first_and_last_day_of_the_fiscal_year() -> None:
    project = new_project()
    appropriate(project, "initial", "10.00", "2024-01-01")
    pay(project, "10.00", "2024-12-31")
    assert project.disbursed == Decimal("10.00")


# ------------------------------------------------------------------ plan


def test_sets_a_plan_and_keeps_each_version_as_an_event() -> None:
    project = new_project()
    first = parse_plan("03-31:25%,06-30:50%,09-30:75%,12-31:100%", YEAR)
    second = parse_plan("03-31:,06-30:70000,10-31:100000,12-31:500000", YEAR)
    project.set_plan(first, user=USER)
    project.set_plan(second, user=USER)
    assert project.plan == second
    events = project.collect_events()
    assert [e.checkpoints for e in events] == [first, second]


def test_refuses_a_plan_of_another_year() -> None:
    project = new_project()
    plan = [Checkpoint(dt.date(2023, 12, 31), percent=Decimal(100))]
    assert_refused(project, InvalidInputError, "资金支出计划", lambda: project.set_plan(plan, user=USER))


# ------------------------------------------------------------------ available_from


def test_a_new_project_has_nothing_available() -> None:
    project = new_project()
    assert project.available_from(day("2024-06-01")) == Decimal("0.00")
    assert project.budget == project.disbursed == Decimal("0.00")


def ledger() -> Project:
    """Headroom by date: 0 | 100k (01-10) | 120k (04-01) | 110k (05-01) | 80k (07-01)
    | 84k (08-01) | 134k (09-01)."""
    project = funded()
    appropriate(project, "add", "20000.00", "2024-04-01")
    payment = pay(project, "10000.00", "2024-05-01")
    appropriate(project, "reduce", "30000.00", "2024-07-01")
    reverse(project, payment, "4000.00", "2024-08-01")
    appropriate(project, "carryover", "50000.00", "2024-09-01")
    return project


@pytest.mark.parametrize(
    ("date", "available"),
    [
        ("2024-01-01", "0.00"),  # nothing arrived yet
        ("2024-01-09", "0.00"),
        ("2024-01-10", "80000.00"),  # the low point of 1 July limits everything before it
        ("2024-05-15", "80000.00"),
        ("2024-06-30", "80000.00"),
        ("2024-07-01", "80000.00"),
        ("2024-07-31", "80000.00"),
        ("2024-08-01", "84000.00"),
        ("2024-08-15", "84000.00"),  # the day's own headroom is the lowest from here on
        ("2024-09-01", "134000.00"),
        ("2024-12-31", "134000.00"),
    ],
)
def test_available_from_is_the_lowest_headroom_from_that_date_on(date: str, available: str) -> None:
    assert ledger().available_from(day(date)) == Decimal(available)


def test_available_from_matches_a_day_by_day_computation() -> None:
    project = ledger()
    first = dt.date(2024, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range(366)]

    def headroom(d: dt.date) -> Decimal:
        budget = sum((v for k, v in project.budget_by_day.items() if k <= d.isoformat()), Decimal(0))
        spent = sum((v for k, v in project.spent_by_day.items() if k <= d.isoformat()), Decimal(0))
        return budget - spent

    levels = [headroom(d) for d in days]
    for n, d in enumerate(days):
        assert project.available_from(d) == min(levels[n:]), d
    assert project.budget == Decimal("140000.00")
    assert project.disbursed == Decimal("6000.00")


# ------------------------------------------------------------------ amounts


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(lambda p, pay_id: pay(p, "-50.00", "2024-03-01"), id="negative-payment"),
        pytest.param(lambda p, pay_id: pay(p, "0.00", "2024-03-01"), id="zero-payment"),
        pytest.param(lambda p, pay_id: pay(p, "0.001", "2024-03-01"), id="sub-fen-payment"),
        pytest.param(
            lambda p, pay_id: appropriate(p, "initial", "-95000.00", "2024-05-01"),
            id="negative-initial-cuts-below-spending",
        ),
        pytest.param(
            lambda p, pay_id: reverse(p, pay_id, "-95000.00", "2024-05-01"),
            id="negative-reversal-raises-spending",
        ),
    ],
)
def test_refuses_amounts_that_are_not_positive_and_exact(
    command: Callable[[Project, UUID], object],
) -> None:
    project = funded()
    payment = pay(project, "10000.00", "2024-03-01")
    assert_refused(project, InvalidInputError, "金额", lambda: command(project, payment))


def lowest_headroom_walking_every_day(project: Project, on: dt.date) -> Decimal:
    """The reference: walk the whole year in date order, as the rule is written."""
    running, lowest = Decimal(0), None
    for d in sorted(project.budget_by_day.keys() | project.spent_by_day.keys()):
        if d > on.isoformat() and lowest is None:
            lowest = running
        running += project.budget_by_day.get(d, Decimal(0)) - project.spent_by_day.get(d, Decimal(0))
        if d > on.isoformat():
            lowest = min(lowest, running) if lowest is not None else running
    return running if lowest is None else lowest


day_of_2024 = st.integers(0, 365).map(lambda n: dt.date(2024, 1, 1) + dt.timedelta(days=n))
fen = st.integers(1, 10_000_00).map(lambda n: Decimal(n) / 100)


@given(st.lists(st.tuples(st.sampled_from(["budget", "spent"]), day_of_2024, fen), max_size=60), day_of_2024)
def test_available_from_equals_the_lowest_headroom_over_every_later_day(
    changes: list[tuple[str, dt.date, Decimal]], on: dt.date
) -> None:
    project = new_project()
    for kind, when, amount in changes:  # raw state, so overspent years are covered too
        book = project.budget_by_day if kind == "budget" else project.spent_by_day
        book[when.isoformat()] = book.get(when.isoformat(), Decimal(0)) + amount
    assert project.available_from(on) == lowest_headroom_walking_every_day(project, on)
