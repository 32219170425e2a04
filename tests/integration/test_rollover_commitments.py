"""Year-end carry-over of open commitments (合同): each goes into next year's project as a
commitment dated 1 January with the same contract and supplier, linked to its source in
the note; a second run records nothing; the dry run lists them; the source year's
commitment stays as it was (both engines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import ledger_event_count
from year_end_world import two_years

from tracker.commands.rollover import CARRIED, WOULD_CARRY, rollover_json
from tracker.commands.tracker import BudgetTracker

NEW_YEAR = dt.date(2025, 1, 2)
CONTRACT = "满医保采〔2024〕8号 宣传品印制"


@pytest.fixture
def world(tracker: BudgetTracker) -> tuple[BudgetTracker, str, str]:
    """The two-year world; B1 (2024) has a 50,000.00 contract of which 10,000.00 is paid
    and A2 (2024) one that was released in full."""
    app = two_years(tracker)
    open_one = app.commit("B1", "50000.00", date="2024-08-01", contract=CONTRACT, supplier="某印刷厂")
    app.pay("B1", "10000.00", date="2024-09-01", payee="某印刷厂", commitment=open_one)
    closed = app.commit("A2", "5000.00", date="2024-08-01", contract="档案外包")
    app.release_commitment(closed, date="2024-10-01", reason="合同终止")
    return app, str(open_one), str(closed)


def test_an_open_commitment_is_carried_as_a_commitment_dated_1_january(
    world: tuple[BudgetTracker, str, str],
) -> None:
    app, source, _ = world
    result = app.rollover(2024, today=NEW_YEAR)
    b1 = next(i for i in result.items if i.carry.source.code == "B1")
    assert (b1.outcome, b1.amount) == (CARRIED, Decimal("129000.00"))  # 200,000 − 71,000 paid
    _, rows = app.commitments("B1", year=2025, as_of=dt.date(2025, 12, 31))
    [carried] = rows
    assert (carried.date, carried.contract, carried.supplier, carried.open) == (
        dt.date(2025, 1, 1),
        CONTRACT,
        "某印刷厂",
        Decimal("40000.00"),
    )
    entry = next(h for h in app.history("B1", 2025) if h["event"] == "CommitmentRecorded")
    assert source in entry["note"]
    assert "自 2024 年度项目 B1 的合同" in entry["note"]
    f = app.queries.statuses(2025, dt.date(2025, 1, 1), codes=["B1"])[1][0].figures
    assert (f.budget, f.committed, f.uncommitted) == (
        Decimal("129000.00"),
        Decimal("40000.00"),
        Decimal("89000.00"),
    )
    # The source year's commitment is unchanged: still 40,000.00 open on 31 December 2024.
    _, old = app.commitments("B1", year=2024, as_of=dt.date(2024, 12, 31))
    assert [(r.id, r.open) for r in old] == [(source, Decimal("40000.00"))]


def test_a_released_commitment_is_not_carried(world: tuple[BudgetTracker, str, str]) -> None:
    app, _, _ = world
    app.rollover(2024, today=NEW_YEAR)
    _, rows = app.commitments("A2", year=2025, as_of=dt.date(2025, 12, 31))
    assert rows == []


def test_a_second_run_records_nothing(world: tuple[BudgetTracker, str, str]) -> None:
    app, _, _ = world
    app.rollover(2024, today=NEW_YEAR)
    count = ledger_event_count(app)
    app.rollover(2024, today=NEW_YEAR)
    assert ledger_event_count(app) == count
    _, rows = app.commitments("B1", year=2025, as_of=dt.date(2025, 12, 31))
    assert len(rows) == 1


def test_the_dry_run_lists_the_commitments_it_would_carry(world: tuple[BudgetTracker, str, str]) -> None:
    app, source, _ = world
    count = ledger_event_count(app)
    preview = app.rollover(2024, today=NEW_YEAR, dry_run=True)
    assert ledger_event_count(app) == count
    b1 = next(i for i in rollover_json(preview)["items"] if i["code"] == "B1")
    assert b1["outcome"] == WOULD_CARRY
    assert b1["commitments"] == [
        {"id": source, "contract": CONTRACT, "supplier": "某印刷厂", "open": "40000.00"}
    ]
    a2 = next(i for i in rollover_json(preview)["items"] if i["code"] == "A2")
    assert a2["commitments"] == []
    from tracker.cli.year_end_text import rollover_table

    assert f"合同 {CONTRACT}（{source}）未支付 40,000.00 元将结转为 2025-01-01 的合同占用" in rollover_table(
        preview
    )
