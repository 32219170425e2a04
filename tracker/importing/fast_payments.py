"""Payment rows read without per-cell bookkeeping, for the 100,000-row case."""

from __future__ import annotations

from tracker.domain.errors import TrackerError
from tracker.domain.inputs import parse_text, parse_year
from tracker.importing.cells import (
    CellError,
    nfkc,
    read_amount,
    read_code,
    read_date,
    read_economic,
    read_source,
    read_voucher,
    text_of,
)
from tracker.importing.layouts import Table
from tracker.importing.readers import Value
from tracker.importing.records import PaymentRow


class FastPayments:
    """The payment reader without per-cell bookkeeping, for the 100,000-row case.

    It calls the same cell readers as ``parsing._payment`` and gives up (``None``) at the first
    doubt — a cell it cannot read, a year to compare — so ``parsing._payment`` reads that row
    again and records its problems: the two accept exactly the same rows.
    """

    def __init__(self, table: Table, year: int | None) -> None:
        self.sheet = table.sheet
        self.year = year
        index = {key: found[0] for key, found in table.columns.items()}
        self.wan = "amount_wan" in table.columns
        absent = 1 << 30  # a column the table does not have reads as an empty cell
        keys = (
            "date",
            "code",
            "amount_wan" if self.wan else "amount_yuan",
            "payee",
            "economic",
            "voucher",
            "source",
        )
        self.at = tuple(index.get(k, absent) for k in keys)
        self.year_at = index.get("year")
        # Codes and payees repeat down a long table: each text read once.
        self.codes: dict[str, str] = {}
        self.payees: dict[str, str] = {}

    def _code(self, cell: Value) -> str:
        if type(cell) is not str:
            return read_code(cell)
        code = self.codes.get(cell)
        if code is None:
            code = self.codes[cell] = read_code(cell)
        return code

    def _payee(self, cell: Value) -> str:
        if type(cell) is not str:
            return parse_text(text_of(cell), "收款人", limit=200)
        payee = self.payees.get(cell)
        if payee is None:
            payee = self.payees[cell] = parse_text(text_of(cell), "收款人", limit=200)
        return payee

    def _year(self, cell: Value) -> int | None:
        text = nfkc(text_of(cell) or "").removesuffix("年度").removesuffix("年")
        try:
            found = parse_year(text)
        except TrackerError:
            return None
        return found if self.year is None or found == self.year else None

    def row(self, number: int, cells: tuple[Value, ...]) -> PaymentRow | None:
        n = len(cells)
        fiscal = self.year
        if self.year_at is not None and self.year_at < n and cells[self.year_at] is not None:
            fiscal = self._year(cells[self.year_at])
        if fiscal is None:
            return None  # no year, or one to compare with --year: _payment says what is wrong
        at = self.at
        try:
            day = read_date(cells[at[0]] if at[0] < n else None)
            code = self._code(cells[at[1]] if at[1] < n else None)
            amount = read_amount(cells[at[2]] if at[2] < n else None, wan=self.wan)
            payee = self._payee(cells[at[3]] if at[3] < n else None)
            economic = read_economic(cells[at[4]] if at[4] < n else None)
            voucher = read_voucher(cells[at[5]] if at[5] < n else None) or ""
            source = read_source(cells[at[6]] if at[6] < n else None)
        except (CellError, TrackerError):
            return None
        if day.year != fiscal:
            return None
        return PaymentRow(self.sheet, number, fiscal, code, day, amount, payee, economic, voucher, source)
