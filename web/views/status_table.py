"""The traffic-light table of the dashboard and the project list: rows, sorting, pages.

Sorting and paging are done on the server, from the URL (``?sort=lag&order=desc&page=2``),
so a link shows exactly the view its sender saw and a unit of a thousand projects
formats and renders one page of rows, not all of them: the page's cost stops growing
with the unit (measured in docs/benchmarks.md). The total row, the KPIs, the chart and
the Excel export still cover the whole selection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import abort, request, url_for
from markupsafe import Markup

from tracker.domain import lag
from tracker.queries import Figures, ProjectStatus
from web.formatting import CENT, money

PAGE_SIZE = 100  # rows a page; the export and the total cover every row
STATUS_ORDER = {lag.GREEN: 0, lag.YELLOW: 1, lag.RED: 2}


def _status_rank(p: ProjectStatus) -> Any:
    return STATUS_ORDER[p.status]


# sort key in the URL: (its value for a project, the order a first click asks for)
SORT_KEYS: dict[str, tuple[Callable[[ProjectStatus], Any], str]] = {
    "code": (lambda p: p.code, "asc"),
    "unit": (lambda p: (p.unit, p.code), "asc"),
    "budget": (lambda p: p.figures.budget, "desc"),
    "disbursed": (lambda p: p.figures.disbursed, "desc"),
    "available": (lambda p: p.figures.available, "desc"),
    "committed": (lambda p: p.figures.committed, "desc"),
    "execution": (lambda p: p.figures.execution_rate, "asc"),
    "planned": (lambda p: p.figures.planned_rate, "desc"),
    "lag": (lambda p: p.figures.lag_points, "desc"),
    "forecast": (lambda p: p.figures.forecast_rate, "asc"),
    "status": (_status_rank, "desc"),
}


@dataclass(frozen=True)
class Sorting:
    """The table's order as it travels in the URL; no key: by unit and code."""

    key: str = ""
    order: str = "asc"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Sorting:
        """400 for a key or an order the table does not know (a mistyped link)."""
        key = (args.get("sort") or "").strip()
        if not key:
            return cls()
        if key not in SORT_KEYS:
            abort(400)
        order = (args.get("order") or SORT_KEYS[key][1]).strip()
        if order not in ("asc", "desc"):
            abort(400)
        return cls(key, order)

    def apply(self, projects: Sequence[ProjectStatus]) -> list[ProjectStatus]:
        """Sorted, stable: equal values keep the unit-and-code order."""
        if not self.key:
            return list(projects)
        value = SORT_KEYS[self.key][0]
        return sorted(projects, key=value, reverse=self.order == "desc")

    def link_args(self, key: str) -> dict[str, str]:
        """The URL arguments of a header's link: its first-click order, or the other
        order when the table is already sorted by it."""
        first = SORT_KEYS[key][1]
        if self.key == key:
            return {"sort": key, "order": "desc" if self.order == "asc" else "asc"}
        return {"sort": key, "order": first}

    def aria(self, key: str) -> str:
        """The header's ``aria-sort`` value."""
        if self.key != key:
            return "none"
        return "ascending" if self.order == "asc" else "descending"


@dataclass(frozen=True)
class Paging:
    """One page of the sorted rows."""

    number: int
    count: int  # pages in all (at least 1)
    first: int  # index of the page's first row
    rows: int  # rows in the whole selection
    size: int = PAGE_SIZE

    @classmethod
    def from_args(cls, args: Mapping[str, str], rows: int, size: int = PAGE_SIZE) -> Paging:
        """A page past the end shows the last page (the list may have shrunk since the
        link was made); a page that is not a positive number is a bad link (400)."""
        text = (args.get("page") or "1").strip()
        if not text.isascii() or not text.isdigit() or int(text) < 1:
            abort(400)
        count = max(1, -(-rows // size))
        number = min(int(text), count)
        return cls(number, count, (number - 1) * size, rows, size)

    @property
    def last(self) -> int:
        """Index after the page's last row."""
        return min(self.first + self.size, self.rows)

    def window(self, projects: Sequence[ProjectStatus]) -> Sequence[ProjectStatus]:
        return projects[self.first : self.last]


@dataclass(frozen=True)
class Cell:
    """A number cell: its text as shown and a short key it sorts by."""

    key: str
    text: str


@dataclass(frozen=True)
class TableRow:
    """One project's row, formatted once in Python: a page of rows renders in a few
    milliseconds instead of seven template filter calls each."""

    project: ProjectStatus | None  # None for the total row
    status: str
    budget: Cell
    disbursed: Cell
    available: Cell
    execution: Cell
    planned: Cell
    lag: Cell
    forecast: Cell
    committed: Cell

    def cells(self, *names: str) -> Markup:
        """The named number cells as HTML: digits, signs and separators only, so they
        need no escaping (which would otherwise be most of a long table's cost)."""
        return Markup(
            "".join(
                f'<td class="num" data-sort="{c.key}">{c.text}</td>'
                for c in (getattr(self, n) for n in names)
            )
        )


def table_row(p: ProjectStatus | None, f: Figures, unit: str, rule: lag.StatusRule | None = None) -> TableRow:
    """Each rate computed and rounded once (half-up, as everywhere); the status from
    the unrounded rates by the project's rule (or ``rule`` for a total)."""

    def amount(value: Decimal) -> Cell:
        return Cell(f"{value:f}", money(value, unit))

    def rate(value: Decimal, sign: str = "", suffix: str = "%") -> Cell:
        q = value.quantize(CENT, rounding=ROUND_HALF_UP)
        return Cell(f"{q:f}", f"{q:{sign},.2f}{suffix}")

    execution, planned = f.execution_rate, f.planned_rate
    return TableRow(
        project=p,
        status=lag.status(execution, planned, p.rule if p is not None else rule or lag.DEFAULT_RULE),
        budget=amount(f.budget),
        disbursed=amount(f.disbursed),
        available=amount(f.available),
        execution=rate(execution),
        planned=rate(planned),
        lag=rate(planned - execution, "+", ""),
        forecast=rate(f.forecast_rate),
        committed=amount(f.committed),
    )


@dataclass(frozen=True)
class Table:
    """What a page's table shows: one page of formatted rows, the total of every row,
    and the order and page they were chosen by."""

    rows: list[TableRow]
    total: TableRow
    sorting: Sorting
    paging: Paging
    link: Callable[[Mapping[str, str]], str]  # this page's URL with other arguments

    def sort_url(self, key: str) -> str:
        """A header's link: sorted by its column, from the first page."""
        return self.link({"page": "", **self.sorting.link_args(key)})

    def page_url(self, number: int) -> str:
        return self.link({"page": str(number) if number > 1 else ""})

    def pages(self) -> list[int]:
        """The page numbers the pager offers: the first, the last, and two either side
        of the current one (0 marks a gap)."""
        n, count = self.paging.number, self.paging.count
        wanted = sorted({1, count, *range(max(1, n - 2), min(count, n + 2) + 1)})
        out: list[int] = []
        for number in wanted:
            if out and number - out[-1] > 1:
                out.append(0)
            out.append(number)
        return out


def status_table(
    projects: Sequence[ProjectStatus],
    total: Figures,
    rule: lag.StatusRule,
    unit: str,
    args: Mapping[str, str],
) -> Table:
    """The selection sorted and cut to the asked page, its rows formatted in ``unit``;
    its links are this page's address with the filters and time control kept."""
    sorting = Sorting.from_args(args)
    paging = Paging.from_args(args, len(projects))
    shown = paging.window(sorting.apply(projects))
    rows = [table_row(p, p.figures, unit) for p in shown]

    def link(changes: Mapping[str, str]) -> str:
        merged: dict[str, Any] = {k: v for k, v in {**args, **changes}.items() if v}
        return url_for(request.endpoint or "", **merged)

    return Table(rows, table_row(None, total, unit, rule), sorting, paging, link)
