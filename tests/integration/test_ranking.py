"""Units ranked by execution rate for the 通报, with the same date a year earlier
(figures by hand on ``year_end_world``; both engines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from year_end_world import two_years

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import NotFoundError
from tracker.queries.ranking import same_day_last_year
from tracker.queries.ranking_wire import ranking_csv, ranking_json

JUNE_30 = dt.date(2024, 6, 30)


@pytest.fixture
def world(tracker: BudgetTracker) -> BudgetTracker:
    return two_years(tracker)


def test_children_of_a_parent_are_ranked_each_with_its_whole_subtree(world: BudgetTracker) -> None:
    k = world.queries.ranking(2024, JUNE_30, "45")
    first, second = k.rows
    # 单位甲 = A1 (100,000.00, paid 30,000.00) + its sub-unit's A2 (50,000.00, paid 20,000.00).
    assert (first.rank, first.code, first.name) == (1, "4501", "单位甲")
    assert (first.figures.budget, first.figures.disbursed) == (Decimal("150000.00"), Decimal("50000.00"))
    assert (second.rank, second.code) == (2, "4502")
    assert second.figures.disbursed == Decimal("60000.00")  # the 1 July payment is not counted yet


def test_a_rows_rates_come_from_its_summed_amounts_and_its_units_rule(world: BudgetTracker) -> None:
    row = ranking_json(world.queries.ranking(2024, JUNE_30, "45"))["rows"][0]
    assert row["execution_rate"] == 33.33  # 50,000 / 150,000
    assert row["planned_rate"] == 50.0
    assert row["lag_points"] == 16.67
    assert row["status"] == "yellow"  # 33.33 is below 80% of 50 and more than 3 points behind


def test_the_previous_year_at_the_same_date_gives_the_change_in_points(world: BudgetTracker) -> None:
    data = ranking_json(world.queries.ranking(2024, JUNE_30, "45"))
    first = data["rows"][0]
    assert data["previous_as_of"] == "2023-06-30"
    assert first["previous"]["budget"] == "80000.00"
    assert first["previous"]["execution_rate"] == 25.0  # 20,000 / 80,000
    assert first["change_points"] == 8.33


def test_a_unit_without_projects_last_year_has_no_previous_figures(world: BudgetTracker) -> None:
    second = ranking_json(world.queries.ranking(2024, JUNE_30, "45"))["rows"][1]
    assert second["previous"]["budget"] is None
    assert second["change_points"] is None
    assert ranking_csv(world.queries.ranking(2024, JUNE_30, "45")).splitlines()[2].endswith(",,,,")


def test_the_total_is_budget_weighted(world: BudgetTracker) -> None:
    total = ranking_json(world.queries.ranking(2024, JUNE_30, "45"))["total"]
    assert (total["budget"], total["disbursed"]) == ("350000.00", "110000.00")
    assert total["execution_rate"] == 31.43
    assert total["change_points"] == 6.43  # 31.43 − 25.00


def test_equal_rates_share_a_rank_and_go_by_code(world: BudgetTracker) -> None:
    rows = world.queries.ranking(2024, JUNE_30).rows  # every unit by its own projects
    assert [(r.rank, r.code) for r in rows] == [(1, "450101"), (2, "4501"), (2, "4502")]


def test_a_leap_day_is_compared_with_28_february(world: BudgetTracker) -> None:
    assert same_day_last_year(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    k = world.queries.ranking(2024, dt.date(2024, 2, 29), "45")
    assert k.previous_as_of == dt.date(2023, 2, 28)
    assert ranking_json(k)["rows"][0]["planned_rate"] == 16.48  # 25% × 60 / 91 days


def test_an_unknown_parent_is_refused_by_name(world: BudgetTracker) -> None:
    with pytest.raises(NotFoundError) as e:
        world.queries.ranking(2024, JUNE_30, "9999")
    assert e.value.field == "单位编码"
