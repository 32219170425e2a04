"""Year-end carry-over (结转): each project's 31 December balance goes into the same
code next year as a 上年结转 appropriation dated 1 January (both engines)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from conftest import READ_TABLE_ORDER, ledger_event_count
from hypothesis import given, settings
from hypothesis import strategies as st
from year_end_world import two_years

from tracker.commands.rollover import ALREADY, CARRIED, NO_BALANCE, WOULD_CARRY, RolloverCommands
from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.ids import project_id
from tracker.domain.money import from_fen
from tracker.queries.rollover import Carry
from tracker.store.config import Settings

NEW_YEAR = dt.date(2025, 1, 2)


@pytest.fixture
def world(tracker: BudgetTracker) -> BudgetTracker:
    return two_years(tracker)


def read_tables(app: BudgetTracker) -> dict[str, list[dict[str, object]]]:
    return {t: app.read.all(f"SELECT * FROM {t} ORDER BY {o}") for t, o in READ_TABLE_ORDER.items()}


def test_a_balance_is_carried_exact_to_the_fen_into_the_existing_next_year_project(
    world: BudgetTracker,
) -> None:
    result = world.rollover(2023, today=dt.date(2024, 1, 1))
    [item] = result.items
    assert (item.outcome, item.target, item.amount) == (CARRIED, "existing", Decimal("20000.01"))
    new = world.show("A1", 2024)
    assert new["budget"] == "120000.01"  # 100,000.00 of its own + 20,000.01 carried
    [carried] = [a for a in new["appropriations"] if a["kind"] == "carryover"]
    assert (carried["date"], carried["amount"]) == ("2024-01-01", "20000.01")
    assert carried["doc"] == "上年结转（自 2023 年度）"


def test_a_missing_next_year_project_is_registered_with_its_classes_and_no_plan(
    world: BudgetTracker,
) -> None:
    world.rollover(2024, today=NEW_YEAR)
    old, new = world.show("A1", 2024), world.show("A1", 2025)
    for key in ("name", "unit", "expenditure_type", "functional", "economic", "source", "owner"):
        assert new[key] == old[key]
    assert (new["functional"], new["economic"], new["source"], new["owner"]) == (
        "2101502",
        "30213",
        "上级补助",
        "张三",
    )
    assert old["plan"] is not None
    assert new["plan"] is None
    assert new["budget"] == "70000.00"
    assert world.show("B1", 2025)["budget"] == "139000.00"  # 200,000 − 61,000 on 31 December


def test_the_carryover_counts_in_next_years_budget_in_status(world: BudgetTracker) -> None:
    world.rollover(2024, today=NEW_YEAR)
    report = world.queries.status_report(2025, dt.date(2025, 1, 1), "45")
    assert report["total"].budget == Decimal("70000.00") + Decimal("30000.00") + Decimal("139000.00")


def test_the_history_says_where_the_money_came_from(world: BudgetTracker) -> None:
    world.rollover(2024, today=NEW_YEAR)
    last = world.history("B1", 2025)[-1]
    assert last["details"] == "上年结转，文号 上年结转（自 2024 年度）"
    assert f"自 2024 年度项目 B1（编号 {project_id(2024, 'B1')}）" in last["note"]
    assert "结余 139000.00 元" in last["note"]


def test_a_second_run_records_nothing(world: BudgetTracker) -> None:
    world.rollover(2024, today=NEW_YEAR)
    events, tables = ledger_event_count(world), read_tables(world)
    again = world.rollover(2024, today=NEW_YEAR)
    assert {i.outcome for i in again.items} == {ALREADY}
    assert again.items[0].label == "已结转，未重复记录"
    assert ledger_event_count(world) == events
    assert read_tables(world) == tables


def test_a_dry_run_lists_what_would_be_carried_and_records_nothing(world: BudgetTracker) -> None:
    events = ledger_event_count(world)
    preview = world.rollover(2024, dry_run=True, today=NEW_YEAR)
    assert [(i.carry.source.code, i.outcome, i.target, i.amount) for i in preview.items] == [
        ("A1", WOULD_CARRY, "to_create", Decimal("70000.00")),
        ("A2", WOULD_CARRY, "to_create", Decimal("30000.00")),
        ("B1", WOULD_CARRY, "to_create", Decimal("139000.00")),
    ]
    assert ledger_event_count(world) == events


def test_a_project_without_balance_is_listed_as_such(world: BudgetTracker) -> None:
    world.pay("A2", "30000.00", date="2024-12-31", payee="乙", year=2024)
    result = world.rollover(2024, unit="4501", today=NEW_YEAR)
    assert [(i.carry.source.code, i.outcome, i.label) for i in result.items] == [
        ("A1", CARRIED, "已结转"),
        ("A2", NO_BALANCE, "无结余"),
    ]
    assert world.projects(2025) == [world.projects(2025)[0]]  # A1 only


def test_a_unit_carries_its_subtree_only(world: BudgetTracker) -> None:
    result = world.rollover(2024, unit="4501", today=NEW_YEAR)
    assert [i.carry.source.code for i in result.items] == ["A1", "A2"]
    assert [p["code"] for p in world.projects(2025)] == ["A1", "A2"]


def test_a_year_not_over_is_refused_naming_the_year(world: BudgetTracker) -> None:
    events = ledger_event_count(world)
    with pytest.raises(InvalidInputError) as e:
        world.rollover(2024, today=dt.date(2024, 12, 31))
    assert e.value.field == "年度"
    assert "尚未结束" in e.value.message
    assert ledger_event_count(world) == events


def test_a_rebuild_reproduces_the_rows_of_a_rollover(world: BudgetTracker) -> None:
    world.rollover(2024, today=NEW_YEAR)
    before = read_tables(world)
    world.rebuild_read_model()
    assert read_tables(world) == before


def test_a_rollover_interrupted_half_way_records_nothing(
    world: BudgetTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    events, tables = ledger_event_count(world), read_tables(world)
    carry = RolloverCommands._carry_balance
    calls: list[str] = []

    def fail_on_the_second(self: RolloverCommands, c: Carry, user: str | None) -> object:
        calls.append(c.source.code)
        if len(calls) == 2:
            raise InvalidInputError("中断", "测试")
        return carry(self, c, user)

    monkeypatch.setattr(RolloverCommands, "_carry_balance", fail_on_the_second)
    with pytest.raises(InvalidInputError):
        world.rollover(2024, today=NEW_YEAR)
    assert calls == ["A1", "A2"]
    assert ledger_event_count(world) == events
    assert read_tables(world) == tables
    monkeypatch.undo()
    done = world.rollover(2024, today=NEW_YEAR)  # the rerun completes it all
    assert {i.outcome for i in done.items} == {CARRIED}
    assert world.show("A1", 2025)["budget"] == "70000.00"


@settings(max_examples=20)
@given(
    budget=st.integers(min_value=1, max_value=10**10),
    spent_share=st.integers(min_value=0, max_value=100),
)
def test_the_carried_amount_is_budget_less_disbursed_to_the_fen(
    tmp_path_factory: pytest.TempPathFactory, budget: int, spent_share: int
) -> None:
    folder = tmp_path_factory.mktemp("rollover-property")
    app = BudgetTracker(Settings(db_url=f"sqlite:///{folder / 't.db'}", user="测试员"))
    try:
        app.add_unit("1", "单位")
        app.add_project(year=2024, unit="1", code="P", name="项目")
        app.appropriate("P", from_fen(budget), date="2024-01-01")
        spent = budget * spent_share // 100
        if spent:
            app.pay("P", from_fen(spent), date="2024-12-31", payee="某")
        [item] = app.rollover(2024, today=NEW_YEAR).items
        if budget > spent:
            assert item.amount == from_fen(budget - spent)
            assert app.show("P", 2025)["budget"] == f"{from_fen(budget - spent)}"
        else:
            assert item.outcome == NO_BALANCE
            assert app.projects(2025) == []
    finally:
        app.close()


def test_an_unknown_unit_or_a_bad_year_is_refused_by_name(world: BudgetTracker) -> None:
    with pytest.raises(NotFoundError) as unknown:
        world.rollover(2024, unit="9999", today=NEW_YEAR)
    assert unknown.value.field == "单位编码"
    with pytest.raises(InvalidInputError) as bad:
        world.rollover("二〇二四", today=NEW_YEAR)
    assert bad.value.field == "年度"


def test_two_rollovers_at_once_carry_each_project_once(world: BudgetTracker, db_url: str) -> None:
    other = BudgetTracker(Settings(db_url=db_url, user="另一人"))
    try:
        with ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(lambda app: app.rollover(2024, today=NEW_YEAR), [world, other]))
    finally:
        other.close()
    outcomes = sorted(i.outcome for run in runs for i in run.items)
    assert outcomes == sorted([CARRIED] * 3 + [ALREADY] * 3)
    assert world.show("B1", 2025)["budget"] == "139000.00"
