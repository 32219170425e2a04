"""The year a page opens on when its URL names none."""

from __future__ import annotations

from tracker.commands.tracker import BudgetTracker
from tracker.queries.years import default_year, fiscal_years


def test_an_empty_ledger_opens_on_this_year(tracker: BudgetTracker) -> None:
    assert fiscal_years(tracker.read) == []
    assert default_year(tracker.read, 2026) == 2026


def test_the_latest_earlier_year_with_projects_when_this_year_has_none(funded: BudgetTracker) -> None:
    funded.add_project(year=2022, unit="450001", code="OLD", name="旧项目")
    assert fiscal_years(funded.read) == [2022, 2024]
    assert default_year(funded.read, 2026) == 2024
    assert default_year(funded.read, 2024) == 2024
    assert default_year(funded.read, 2023) == 2022
    assert default_year(funded.read, 2020) == 2022
