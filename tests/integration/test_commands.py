"""Commands through BudgetTracker, on a fresh SQLite file and a fresh PostgreSQL database.

A refused command must record nothing: neither an event nor a read-model row. A repeated
request id must return the first result and record nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from conftest import ledger_event_count

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import (
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    OverspendError,
    TrackerError,
)
from tracker.domain.ids import project_id, unit_id
from tracker.store.config import Settings

ORDER = {
    "rm_units": "code",
    "rm_projects": "id",
    "rm_payments": "id",
    "rm_daily": "project_id, date",
    "rm_requests": "request_id",
}


def read_tables(tracker: BudgetTracker) -> dict[str, list[dict[str, Any]]]:
    return {t: tracker.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in ORDER.items()}


def ledger(tracker: BudgetTracker) -> dict[str, Any]:
    """Everything a command could change: the log, each project's stream, the read tables."""
    projects = [UUID(r["id"]) for r in tracker.read.all("SELECT id FROM rm_projects")]
    return {
        "notifications": ledger_event_count(tracker),
        "streams": {p: len(list(tracker.events.get(p))) for p in projects},
        "tables": read_tables(tracker),
    }


def assert_refused(
    tracker: BudgetTracker, error: type[TrackerError], field: str, command: Callable[[], object]
) -> TrackerError:
    """``command`` raises ``error`` about ``field`` and nothing at all is recorded."""
    before = ledger(tracker)
    with pytest.raises(error) as caught:
        command()
    assert type(caught.value) is error
    assert caught.value.field == field
    assert ledger(tracker) == before
    return caught.value


def project_row(tracker: BudgetTracker, code: str = "P1", year: int = 2024) -> dict[str, Any]:
    """The project's register row with its whole-year budget and spending (in 分)."""
    row = next((p for p in tracker.projects(year) if p["code"] == code), None)
    assert row is not None
    return row


def p1_events(tracker: BudgetTracker) -> list[Any]:
    return list(tracker.events.get(project_id(2024, "P1")))


# ------------------------------------------------------------------ recording


def test_records_a_payment_in_the_log_and_the_read_model(funded: BudgetTracker) -> None:
    pid = funded.pay("P1", "1,234.56", date="2024-03-01", payee="某公司", voucher="记-7", economic="30201")
    row = project_row(funded)
    assert (row["budget_fen"], row["disbursed_fen"]) == (10_000_000, 123_456)
    payment = funded.read.one("SELECT * FROM rm_payments WHERE id = ?", (str(pid),))
    assert payment == {
        "id": str(pid),
        "project_id": str(project_id(2024, "P1")),
        "date": "2024-03-01",
        "amount_fen": 123_456,
        "reversed_fen": 0,
        "payee": "某公司",
        "economic": "30201",
        "voucher": "记-7",
        "source": "一般公共预算财政拨款",
    }
    daily = funded.read.all("SELECT date, budget_fen, spent_fen FROM rm_daily ORDER BY date")
    assert daily == [
        {"date": "2024-01-10", "budget_fen": 10_000_000, "spent_fen": 0},
        {"date": "2024-03-01", "budget_fen": 0, "spent_fen": 123_456},
    ]
    project = funded.get_project("P1")
    assert project.disbursed == Decimal("1234.56")
    assert isinstance(project.disbursed, Decimal)


def test_accepts_a_payment_of_exactly_the_available_budget(funded: BudgetTracker) -> None:
    funded.pay("P1", "99999.99", date="2024-02-01", payee="甲")
    funded.pay("P1", "0.01", date="2024-12-31", payee="乙")
    assert project_row(funded)["disbursed_fen"] == 10_000_000
    assert funded.show("P1")["execution_rate"] == "100.00"


# ------------------------------------------------------------------ invariants refused


def test_refuses_payment_beyond_available_budget(funded: BudgetTracker) -> None:
    funded.pay("P1", "30000.00", date="2024-02-01", payee="甲")
    error = assert_refused(
        funded, OverspendError, "金额", lambda: funded.pay("P1", "70000.01", date="2024-03-01", payee="乙")
    )
    assert "70,000.00" in error.message


def test_refuses_payment_dated_before_the_budget_arrived(funded: BudgetTracker) -> None:
    assert_refused(
        funded, OverspendError, "金额", lambda: funded.pay("P1", "1.00", date="2024-01-09", payee="甲")
    )


def test_refuses_back_dated_payment_that_would_overspend_a_later_date(
    funded: BudgetTracker,
) -> None:
    funded.appropriate("P1", "40000.00", kind="reduce", date="2024-09-01")
    funded.pay("P1", "50000.00", date="2024-10-01", payee="甲")
    error = assert_refused(
        funded, OverspendError, "金额", lambda: funded.pay("P1", "20000.00", date="2024-03-01", payee="乙")
    )
    assert "10,000.00" in error.message


@pytest.mark.parametrize("kind", ["reduce", "recall"])
def test_refuses_cut_below_spending(funded: BudgetTracker, kind: str) -> None:
    funded.pay("P1", "80000.00", date="2024-03-01", payee="甲")
    error = assert_refused(
        funded,
        OverspendError,
        "金额",
        lambda: funded.appropriate("P1", "20000.01", kind=kind, date="2024-05-01"),
    )
    assert "20,000.00" in error.message


@pytest.mark.parametrize("kind", ["reduce", "recall"])
def test_refuses_back_dated_cut_below_later_spending(funded: BudgetTracker, kind: str) -> None:
    funded.pay("P1", "80000.00", date="2024-06-01", payee="甲")
    assert_refused(
        funded,
        OverspendError,
        "金额",
        lambda: funded.appropriate("P1", "30000.00", kind=kind, date="2024-02-01"),
    )


def test_refuses_reversal_beyond_what_is_left_of_the_payment(funded: BudgetTracker) -> None:
    pid = funded.pay("P1", "1000.00", date="2024-03-01", payee="甲")
    funded.reverse(pid, "600.00", date="2024-03-02", reason="部分退回")
    assert_refused(
        funded,
        InvalidInputError,
        "金额",
        lambda: funded.reverse(pid, "400.01", date="2024-03-03", reason="再退"),
    )
    funded.reverse(pid, date="2024-03-03", reason="余额退回")
    assert_refused(
        funded, InvalidInputError, "金额", lambda: funded.reverse(pid, date="2024-03-04", reason="再退")
    )
    row = funded.read.one("SELECT amount_fen, reversed_fen FROM rm_payments WHERE id = ?", (str(pid),))
    assert row == {"amount_fen": 100_000, "reversed_fen": 100_000}


def test_refuses_reversal_dated_before_its_payment(funded: BudgetTracker) -> None:
    pid = funded.pay("P1", "1000.00", date="2024-03-01", payee="甲")
    assert_refused(
        funded, InvalidInputError, "日期", lambda: funded.reverse(pid, date="2024-02-29", reason="退回")
    )


def test_refuses_reversal_without_reason(funded: BudgetTracker) -> None:
    pid = funded.pay("P1", "1000.00", date="2024-03-01", payee="甲")
    assert_refused(
        funded, InvalidInputError, "原因", lambda: funded.reverse(pid, date="2024-03-02", reason="  ")
    )


@pytest.mark.parametrize("date", ["2023-12-31", "2025-01-01"])
def test_refuses_dates_outside_the_fiscal_year(funded: BudgetTracker, date: str) -> None:
    pid = funded.pay("P1", "10.00", date="2024-03-01", payee="甲")
    assert_refused(funded, InvalidInputError, "日期", lambda: funded.pay("P1", "1.00", date=date, payee="乙"))
    assert_refused(
        funded, InvalidInputError, "日期", lambda: funded.appropriate("P1", "1.00", kind="add", date=date)
    )
    assert_refused(funded, InvalidInputError, "日期", lambda: funded.reverse(pid, date=date, reason="退回"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": 1.5}, "金额"),
        ({"amount": "1.001"}, "金额"),
        ({"amount": "-5"}, "金额"),
        ({"amount": "0"}, "金额"),
        ({"date": "2024-02-30"}, "日期"),
        ({"payee": " "}, "收款人"),
        ({"economic": "3020101"}, "经济分类科目"),
        ({"source": "自筹资金"}, "资金来源"),
    ],
)
def test_refuses_malformed_payments(funded: BudgetTracker, kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"amount": "1.00", "date": "2024-03-01", "payee": "甲", **kwargs}
    amount = args.pop("amount")
    assert_refused(funded, InvalidInputError, field, lambda: funded.pay("P1", amount, **args))


def test_refuses_unknown_appropriation_kind(funded: BudgetTracker) -> None:
    error = assert_refused(
        funded,
        InvalidInputError,
        "类型",
        lambda: funded.appropriate("P1", "1.00", kind="bonus", date="2024-03-01"),
    )
    assert "bonus" in error.message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"source": "自筹资金"}, "资金来源"),
        ({"expenditure_type": "基本支出"}, "支出类型"),
        ({"functional": "2101"}, "功能分类科目"),
        ({"economic": "3020101"}, "经济分类科目"),
        ({"plan": "03-31:50%,06-30:40%,12-31:100%"}, "资金支出计划"),
        ({"plan": "02-29:10%,12-31:100%", "year": 2023}, "资金支出计划"),
        ({"year": 1999}, "年度"),
        ({"code": "P 2"}, "项目编码"),
        ({"name": ""}, "项目名称"),
    ],
)
def test_refuses_malformed_projects(funded: BudgetTracker, kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"year": 2024, "unit": "450001", "code": "P2", "name": "信息化", **kwargs}
    assert_refused(funded, InvalidInputError, field, lambda: funded.add_project(**args))


# ------------------------------------------------------------------ unknown ids


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(lambda t: t.pay("NOPE9", "1.00", date="2024-03-01", payee="甲"), id="pay"),
        pytest.param(lambda t: t.appropriate("NOPE9", "1.00", date="2024-03-01"), id="appropriate"),
        pytest.param(lambda t: t.set_plan("NOPE9", "12-31:100%"), id="set_plan"),
        pytest.param(lambda t: t.history("NOPE9"), id="history"),
        pytest.param(lambda t: t.show("NOPE9"), id="show"),
    ],
)
def test_unknown_project_is_named_in_the_error(
    funded: BudgetTracker, command: Callable[[BudgetTracker], object]
) -> None:
    error = assert_refused(funded, NotFoundError, "项目编码", lambda: command(funded))
    assert "NOPE9" in error.message


def test_unknown_project_year_is_named_in_the_error(funded: BudgetTracker) -> None:
    error = assert_refused(
        funded,
        NotFoundError,
        "项目编码",
        lambda: funded.pay("P1", "1.00", date="2025-03-01", payee="甲", year=2025),
    )
    assert "2025" in error.message
    assert "P1" in error.message


def test_unknown_unit_is_named_in_the_error(funded: BudgetTracker) -> None:
    error = assert_refused(
        funded,
        NotFoundError,
        "预算单位",
        lambda: funded.add_project(year=2024, unit="999999", code="P2", name="信息化"),
    )
    assert "999999" in error.message
    error = assert_refused(
        funded, NotFoundError, "上级单位", lambda: funded.add_unit("450002", "下级单位", parent="888888")
    )
    assert "888888" in error.message


def test_unknown_payment_is_named_in_the_error(funded: BudgetTracker) -> None:
    funded.pay("P1", "1000.00", date="2024-03-01", payee="甲")
    unknown = uuid4()
    error = assert_refused(
        funded, NotFoundError, "支付编号", lambda: funded.reverse(unknown, date="2024-03-02", reason="退回")
    )
    assert str(unknown) in error.message
    error = assert_refused(
        funded,
        NotFoundError,
        "支付编号",
        lambda: funded.reverse("not-a-uuid", date="2024-03-02", reason="退回"),
    )
    assert "not-a-uuid" in error.message


# ------------------------------------------------------------------ codes


def test_refuses_a_duplicate_unit_code(funded: BudgetTracker) -> None:
    error = assert_refused(
        funded, DuplicateError, "单位编码", lambda: funded.add_unit("450001", "另一个名字")
    )
    assert "450001" in error.message
    assert funded.units() == [{"code": "450001", "name": "保定市满城区医疗保障局本级", "parent_code": None}]


def test_refuses_a_duplicate_project_code_in_the_same_year(funded: BudgetTracker) -> None:
    error = assert_refused(
        funded,
        DuplicateError,
        "项目编码",
        lambda: funded.add_project(year=2024, unit="450001", code="P1", name="另一个项目"),
    )
    assert "P1" in error.message
    assert project_row(funded)["name"] == "办公室整修"


def test_same_project_code_in_another_year_is_allowed_then_needs_a_year(
    tracker: BudgetTracker,
) -> None:
    tracker.add_unit("450001", "本级")
    this_year = tracker.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    next_year = tracker.add_project(year=2025, unit="450001", code="P1", name="办公室整修（续）")
    assert this_year == project_id(2024, "P1")
    assert next_year == project_id(2025, "P1") != this_year
    error = assert_refused(tracker, InvalidInputError, "年度", lambda: tracker.find_project("P1"))
    assert "--year" in error.message
    assert "2024" in error.message
    assert "2025" in error.message
    assert_refused(
        tracker, InvalidInputError, "年度", lambda: tracker.appropriate("P1", "1.00", date="2024-03-01")
    )
    tracker.appropriate("P1", "500.00", kind="carryover", date="2025-01-05", year=2025)
    assert tracker.find_project("P1", year=2025) == next_year
    assert tracker.find_project("P1", year="2024") == this_year
    assert project_row(tracker, "P1", 2025)["budget_fen"] == 50_000
    assert project_row(tracker, "P1", 2024)["budget_fen"] == 0


def test_a_lookup_without_year_becomes_ambiguous_once_another_year_has_the_code(
    funded: BudgetTracker,
) -> None:
    assert funded.find_project("P1") == project_id(2024, "P1")
    funded.add_project(year=2025, unit="450001", code="P1", name="办公室整修（续）")
    assert_refused(
        funded, InvalidInputError, "年度", lambda: funded.pay("P1", "1.00", date="2024-03-01", payee="甲")
    )


# ------------------------------------------------------------------ two processes


@pytest.fixture
def other(funded: BudgetTracker, db_url: str) -> Iterator[BudgetTracker]:
    """A second tracker on the same database, as another web or worker process."""
    app = BudgetTracker(Settings(db_url=db_url, user="另一进程"))
    yield app
    app.close()


STALE_CACHE = (
    "BUG: BudgetTracker caches aggregates with AGGREGATE_CACHE_FASTFORWARD=n, so a command "
    "decides on a stale copy when another process wrote since; a stale acceptance is caught "
    "by the version clash, but a stale refusal is returned to the user as if real"
)


def test_a_payment_may_use_budget_added_by_another_process(
    funded: BudgetTracker, other: BudgetTracker
) -> None:
    funded.pay("P1", "10.00", date="2024-02-01", payee="甲")  # P1 is now loaded here
    other.appropriate("P1", "50000.00", kind="add", date="2024-01-20")
    funded.pay("P1", "120000.00", date="2024-02-01", payee="乙")
    assert project_row(funded)["disbursed_fen"] == 12_001_000


def test_a_payment_recorded_by_another_process_can_be_reversed(
    funded: BudgetTracker, other: BudgetTracker
) -> None:
    funded.pay("P1", "10.00", date="2024-02-01", payee="甲")  # P1 is now loaded here
    payment = other.pay("P1", "500.00", date="2024-02-01", payee="乙")
    funded.reverse(payment, date="2024-02-02", reason="退回")
    assert project_row(funded)["disbursed_fen"] == 1_000


def test_two_processes_never_overspend_together(funded: BudgetTracker, other: BudgetTracker) -> None:
    funded.pay("P1", "60000.00", date="2024-02-01", payee="甲")
    other.pay("P1", "30000.00", date="2024-02-01", payee="乙")
    error = assert_refused(
        funded, OverspendError, "金额", lambda: funded.pay("P1", "10000.01", date="2024-02-01", payee="丙")
    )
    assert "10,000.00" in error.message
    funded.appropriate("P1", "1.00", kind="add", date="2024-02-01")
    assert_refused(
        other,
        OverspendError,
        "金额",
        lambda: other.appropriate("P1", "10001.01", kind="reduce", date="2024-03-01"),
    )
    assert funded.get_project("P1").disbursed == other.get_project("P1").disbursed == Decimal("90000.00")


# ------------------------------------------------------------------ idempotency


def _pay_first(t: BudgetTracker) -> UUID:
    return t.pay("P1", "1000.00", date="2024-03-01", payee="甲")


# name -> (setup, first call, same call with different arguments)
COMMANDS: dict[
    str,
    tuple[
        Callable[[BudgetTracker], Any],
        Callable[[BudgetTracker, Any, str], UUID],
        Callable[[BudgetTracker, Any, str], UUID],
    ],
] = {
    "add_unit": (
        lambda t: None,
        lambda t, _, rid: t.add_unit("450002", "县医保局", parent="450001", request_id=rid),
        lambda t, _, rid: t.add_unit("450002", "县医保局二", parent="450001", request_id=rid),
    ),
    "add_project": (
        lambda t: None,
        lambda t, _, rid: t.add_project(
            year=2024, unit="450001", code="P2", name="信息化", plan="03-31:25%,12-31:100%", request_id=rid
        ),
        lambda t, _, rid: t.add_project(
            year=2024, unit="450001", code="P2", name="信息化", plan="03-31:30%,12-31:100%", request_id=rid
        ),
    ),
    "appropriate": (
        lambda t: None,
        lambda t, _, rid: t.appropriate(
            "P1", "5000.00", kind="add", date="2024-04-01", doc="满财【2024】9号", request_id=rid
        ),
        lambda t, _, rid: t.appropriate(
            "P1", "5000.01", kind="add", date="2024-04-01", doc="满财【2024】9号", request_id=rid
        ),
    ),
    "pay": (
        lambda t: None,
        lambda t, _, rid: t.pay("P1", "300.00", date="2024-03-01", payee="甲", request_id=rid),
        lambda t, _, rid: t.pay("P1", "300.00", date="2024-03-01", payee="乙", request_id=rid),
    ),
    "reverse": (
        _pay_first,
        lambda t, pid, rid: t.reverse(pid, "100.00", date="2024-03-05", reason="退回", request_id=rid),
        lambda t, pid, rid: t.reverse(pid, "100.01", date="2024-03-05", reason="退回", request_id=rid),
    ),
    "set_plan": (
        lambda t: None,
        lambda t, _, rid: t.set_plan("P1", "03-31:25%,12-31:100%", request_id=rid),
        lambda t, _, rid: t.set_plan("P1", "03-31:30%,12-31:100%", request_id=rid),
    ),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_repeated_request_returns_the_first_id_and_records_nothing(funded: BudgetTracker, name: str) -> None:
    setup, first, _ = COMMANDS[name]
    context = setup(funded)
    before_first = ledger(funded)
    result = first(funded, context, "req-1")
    after_first = ledger(funded)
    assert after_first["notifications"] > before_first["notifications"]
    assert {"request_id": "req-1", "result_id": str(result)} == {
        k: v
        for k, v in funded.read.one("SELECT * FROM rm_requests WHERE request_id = ?", ("req-1",)).items()
        if k != "request_hash"
    }
    assert first(funded, context, "req-1") == result
    assert first(funded, context, " req-1 ") == result  # the id is trimmed like any text
    assert ledger(funded) == after_first


@pytest.mark.parametrize("name", list(COMMANDS))
def test_repeated_request_is_recognised_by_another_process(
    funded: BudgetTracker, db_url: str, name: str
) -> None:
    setup, first, _ = COMMANDS[name]
    context = setup(funded)
    result = first(funded, context, "req-1")
    after_first = ledger(funded)
    other = BudgetTracker(Settings(db_url=db_url, user="另一人"))
    try:
        assert first(other, context, "req-1") == result
    finally:
        other.close()
    assert ledger(funded) == after_first


@pytest.mark.parametrize("name", list(COMMANDS))
def test_refuses_a_request_id_reused_with_different_arguments(funded: BudgetTracker, name: str) -> None:
    setup, first, changed = COMMANDS[name]
    context = setup(funded)
    first(funded, context, "req-1")
    error = assert_refused(funded, DuplicateError, "请求编号", lambda: changed(funded, context, "req-1"))
    assert "req-1" in error.message


def test_refuses_a_request_id_reused_for_another_command(funded: BudgetTracker) -> None:
    funded.pay("P1", "300.00", date="2024-03-01", payee="甲", request_id="req-1")
    assert_refused(
        funded,
        DuplicateError,
        "请求编号",
        lambda: funded.appropriate("P1", "300.00", kind="add", date="2024-03-01", request_id="req-1"),
    )
    assert_refused(
        funded, DuplicateError, "请求编号", lambda: funded.add_unit("450009", "某单位", request_id="req-1")
    )


def test_a_refused_request_can_be_retried_once_it_fits(funded: BudgetTracker) -> None:
    with pytest.raises(OverspendError):
        funded.pay("P1", "150000.00", date="2024-06-01", payee="甲", request_id="req-big")
    assert funded.read.one("SELECT * FROM rm_requests WHERE request_id = 'req-big'") is None
    funded.appropriate("P1", "50000.00", kind="add", date="2024-05-01")
    pid = funded.pay("P1", "150000.00", date="2024-06-01", payee="甲", request_id="req-big")
    assert funded.pay("P1", "150000.00", date="2024-06-01", payee="甲", request_id="req-big") == pid
    assert project_row(funded)["disbursed_fen"] == 15_000_000


def test_distinct_request_ids_record_distinct_payments(funded: BudgetTracker) -> None:
    a = funded.pay("P1", "300.00", date="2024-03-01", payee="甲", request_id="req-a")
    b = funded.pay("P1", "300.00", date="2024-03-01", payee="甲", request_id="req-b")
    c = funded.pay("P1", "300.00", date="2024-03-01", payee="甲")
    assert len({a, b, c}) == 3
    assert project_row(funded)["disbursed_fen"] == 90_000


def test_creation_ids_come_from_codes(tracker: BudgetTracker) -> None:
    assert tracker.add_unit("450001", "本级") == unit_id("450001")
    assert tracker.add_project(year=2024, unit="450001", code="P1", name="x") == project_id(2024, "P1")


# ------------------------------------------------------------------ history


def test_history_lists_every_event_oldest_first_with_user_and_time(
    funded: BudgetTracker,
) -> None:
    funded.set_plan("P1", "03-31:25%,06-30:50%,09-30:75%,12-31:100%")
    pid = funded.pay(
        "P1", "1000.00", date="2024-03-01", payee="甲", voucher="记-1", user="张会计", note="首笔"
    )
    before = funded.history("P1")
    payment_event = p1_events(funded)[3]
    funded.reverse(pid, "400.00", date="2024-03-10", reason="多付退回", user="王会计")
    rows = funded.history("P1")

    assert [r["event"] for r in rows] == [
        "Registered",
        "BudgetAppropriated",
        "PlanSet",
        "PaymentRecorded",
        "PaymentReversed",
    ]
    assert [r["version"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["user"] for r in rows] == ["测试员", "测试员", "测试员", "张会计", "王会计"]
    times = [dt.datetime.fromisoformat(r["recorded_at"]) for r in rows]
    assert times == sorted(times)
    assert all(t.utcoffset() == dt.timedelta(hours=8) for t in times)
    assert rows[3]["amount"] == "1000.00"
    assert rows[3]["note"] == "首笔"
    assert str(pid) in rows[3]["details"]
    assert rows[4]["amount"] == "400.00"
    assert rows[4]["date"] == "2024-03-10"
    assert str(pid) in rows[4]["details"]
    assert "多付退回" in rows[4]["details"]
    # The reversal is a new event; the payment's own record is unchanged.
    assert rows[:4] == before
    stored = p1_events(funded)[3]
    assert stored.amount == payment_event.amount == Decimal("1000.00")
    assert stored.__dict__ == payment_event.__dict__
    assert funded.show("P1")["payments"][0]["amount"] == "1000.00"
    assert funded.show("P1")["payments"][0]["reversed"] == "400.00"


def test_setting_a_plan_twice_keeps_both_versions(funded: BudgetTracker) -> None:
    first, second = (
        "03-31:25%,06-30:50%,09-30:75%,12-31:100%",
        "03-31:,06-30:70000.00,10-31:100000.00,12-31:100000.00",
    )
    funded.set_plan("P1", first)
    funded.set_plan("P1", second)
    plans = [r["details"] for r in funded.history("P1") if r["event"] == "PlanSet"]
    assert plans == [first, second]
    assert [e.checkpoints[0].percent for e in p1_events(funded) if type(e).__name__ == "PlanSet"] == [
        Decimal(25),
        None,
    ]
    assert funded.show("P1")["plan"] == second
    assert project_row(funded)["plan"] == second


# ------------------------------------------------------------------ rebuild


def busy(tracker: BudgetTracker) -> None:
    """A ledger touching every table: two units, three projects, every event type."""
    tracker.add_unit("450002", "下级单位", parent="450001", request_id="u2")
    tracker.add_project(
        year=2024,
        unit="450002",
        code="P2",
        name="信息化",
        expenditure_type="人员经费",
        economic="30101",
        source="上级补助",
        plan="03-31:,06-30:7000,12-31:50000",
        request_id="p2",
    )
    tracker.add_project(year=2025, unit="450001", code="P1", name="续建")
    tracker.appropriate("P2", "50000.00", date="2024-02-01", request_id="a1")
    tracker.appropriate("P2", "1.5", date="2024-03-01", kind="add", wan=True)
    tracker.appropriate("P1", "10000.00", kind="reduce", date="2024-08-01", year=2024)
    tracker.appropriate("P1", "500.00", kind="carryover", date="2025-01-02", year=2025)
    p = tracker.pay("P1", "3000.00", date="2024-02-01", payee="甲", year=2024, request_id="pay1")
    q = tracker.pay("P2", "20000.00", date="2024-03-15", payee="乙", economic="30102")
    tracker.pay("P1", "2000.00", date="2024-02-01", payee="丙", year=2024)
    tracker.reverse(p, "1000.00", date="2024-02-03", reason="退回", request_id="rev1")
    tracker.reverse(q, date="2024-04-01", reason="作废")
    tracker.set_plan("P1", "03-31:10%,12-31:100%", year=2024)


def test_rebuild_reproduces_the_incremental_read_model(funded: BudgetTracker) -> None:
    busy(funded)
    incremental = read_tables(funded)
    assert len(incremental["rm_daily"]) >= 6
    assert len(incremental["rm_requests"]) == 5
    replayed = funded.rebuild_read_model()
    assert replayed == funded.recorder.max_notification_id()
    assert read_tables(funded) == incremental


def test_rebuild_repairs_a_damaged_read_model(funded: BudgetTracker) -> None:
    busy(funded)
    good = read_tables(funded)
    with funded.read.datastore.transaction(commit=True) as c:
        c.execute("UPDATE rm_projects SET name = '损坏'")
        c.execute("UPDATE rm_monthly SET budget_fen = 0, spent_fen = 7")
        c.execute("DELETE FROM rm_payments")
        c.execute("DELETE FROM rm_requests")
    assert read_tables(funded) != good
    progress: list[tuple[int, int]] = []
    funded.rebuild_read_model(lambda done, total: progress.append((done, total)))
    assert read_tables(funded) == good
    assert progress
    assert progress[-1][0] == progress[-1][1]
    # Request ids are rebuilt too: a retried request is still recognised.
    assert funded.pay("P1", "3000.00", date="2024-02-01", payee="甲", year=2024, request_id="pay1") == UUID(
        good["rm_requests"][[r["request_id"] for r in good["rm_requests"]].index("pay1")]["result_id"]
    )
    assert read_tables(funded) == good


def test_rebuild_then_more_commands_match_a_second_rebuild(funded: BudgetTracker) -> None:
    busy(funded)
    funded.rebuild_read_model()
    funded.pay("P2", "100.00", date="2024-05-01", payee="丁")
    funded.appropriate("P1", "1.00", kind="add", date="2024-12-31", year=2024)
    incremental = read_tables(funded)
    funded.rebuild_read_model()
    assert read_tables(funded) == incremental
