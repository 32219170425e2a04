"""Payments as recorded (``rm_payments``), looked up by what a user knows of them.

The import asks which payments of a unit already carry a 凭证号, so a row that
repeats one recorded by hand is caught.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.store.readstore import ReadStore


@dataclass(frozen=True)
class VoucherPayment:
    """A recorded payment with a voucher number: its project, date, amount and payee."""

    voucher: str
    code: str
    date: str  # ISO
    amount_fen: int
    payee: str


def with_vouchers(read: ReadStore, year: int, unit: str) -> list[VoucherPayment]:
    """The payments with a 凭证号 into the unit's own projects of the year."""
    return [
        VoucherPayment(r["voucher"], r["code"], r["date"], int(r["amount_fen"]), r["payee"])
        for r in read.all(
            "SELECT p.voucher, p.date, p.amount_fen, p.payee, r.code FROM rm_payments p "
            "JOIN rm_projects r ON r.id = p.project_id "
            "WHERE r.year = ? AND r.unit_code = ? AND p.voucher <> ''",
            [year, unit],
        )
    ]
