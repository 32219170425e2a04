"""Which fiscal years hold projects: the web pages open on the current year, or on
the latest year with projects when the current one has none yet (a demo of 2024
opened in 2026, or the first days of January before the budget is entered)."""

from __future__ import annotations

from tracker.store.readstore import ReadStore


def fiscal_years(read: ReadStore) -> list[int]:
    """The years that have at least one registered project, oldest first."""
    rows = read.all("SELECT DISTINCT year FROM rm_projects ORDER BY year")
    return [int(r["year"]) for r in rows]


def default_year(read: ReadStore, this_year: int) -> int:
    """This year if it has projects (or nothing has any), else the nearest earlier
    year that has, else the earliest later one."""
    years = fiscal_years(read)
    if not years or this_year in years:
        return this_year
    earlier = [y for y in years if y < this_year]
    return earlier[-1] if earlier else years[0]
