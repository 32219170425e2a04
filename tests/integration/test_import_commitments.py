"""The spreadsheet import cannot pay into committed money (合同/采购): its headroom
pre-check and the aggregate's own check on the import's path both subtract open
commitments, on every date from a payment's own on. (Paying against a commitment from
a spreadsheet is not offered: every imported payment is a plain one.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from test_import import OFFICE, PAY_HEADER, YEAR, mancheng, refused, save_csv, where

from tracker.commands.tracker import BudgetTracker
from tracker.importing import import_file

__all__ = ["mancheng"]  # the fixture, used by name


def rows(*payments: list[object]) -> list[list[object]]:
    return [PAY_HEADER, *payments]


def test_an_import_may_not_pay_into_committed_money(mancheng: BudgetTracker, tmp_path: Path) -> None:
    # 办公室整修 has 500,000.00; a 100,000.00 contract holds a fifth of it from 20 January.
    mancheng.commit(OFFICE, "100000.00", date="2024-01-20", contract="整修合同", year=YEAR)
    path = save_csv(
        tmp_path / "pay.csv",
        rows(
            ["2024-02-01", OFFICE, "400000.00", "某装饰公司", None, "记-1"],
            ["2024-03-01", OFFICE, "0.01", "某装饰公司", None, "记-2"],
        ),
    )
    problems = refused(mancheng, path, year=YEAR)
    assert where(problems) == {("pay", 3, "金额(元)")}
    assert "可用余额为 0.00 元（另有已签合同未支付 100,000.00 元）" in problems[0].reason


def test_a_back_dated_row_is_held_by_a_later_commitment(mancheng: BudgetTracker, tmp_path: Path) -> None:
    mancheng.commit(OFFICE, "100000.00", date="2024-06-01", contract="整修合同", year=YEAR)
    path = save_csv(
        tmp_path / "pay.csv", rows(["2024-02-01", OFFICE, "400000.01", "某装饰公司", None, "记-1"])
    )
    problems = refused(mancheng, path, year=YEAR)
    assert where(problems) == {("pay", 2, "金额(元)")}


def test_an_import_within_the_uncommitted_money_is_recorded(mancheng: BudgetTracker, tmp_path: Path) -> None:
    cid = mancheng.commit(OFFICE, "100000.00", date="2024-01-20", contract="整修合同", year=YEAR)
    payments = [
        [f"2024-03-{1 + n % 28:02d}", OFFICE, "1000.00", "某装饰公司", None, f"记-{n}"] for n in range(400)
    ]
    report = import_file(mancheng, save_csv(tmp_path / "pay.csv", rows(*payments)), year=YEAR)
    assert report.created["payments"] == 400
    f = mancheng.queries.statuses(YEAR, dt.date(2024, 12, 31), codes=[OFFICE])[1][0].figures
    assert (f.disbursed, f.committed, f.uncommitted) == (400000, 100000, 0)
    # The contract can still be paid against; nothing else can be paid.
    mancheng.pay(OFFICE, "100000.00", date="2024-04-01", payee="某装饰公司", year=YEAR, commitment=cid)
    late = save_csv(tmp_path / "late.csv", rows(["2024-05-01", OFFICE, "0.01", "某装饰公司", None, "记-x"]))
    assert where(refused(mancheng, late, year=YEAR)) == {("late", 2, "金额(元)")}
