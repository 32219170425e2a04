"""The event chain's head is printed on every exported table and in the weekly digest,
so a later truncation of the log can be found against a copy filed earlier."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracker.commands.tracker import BudgetTracker
from tracker.exporting import TABLE_KINDS, export
from tracker.exporting.monitoring import write_monitoring
from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx
from tracker.notify.digest import digest_message
from tracker.store.chain import read_head


def xlsx_texts(path: Path) -> list[str]:
    ws = load_workbook(path).active
    assert ws is not None
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def csv_last_line(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))[-1]


@pytest.fixture
def paid(funded: BudgetTracker) -> BudgetTracker:
    funded.pay("P1", "1234.56", date="2024-03-01", payee="某公司", economic="30213", voucher="记-1")
    funded.add_indicator("P1", level1="产出指标", level2="数量指标", name="整修面积", target="≥200平方米")
    return funded


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_each_public_table_ends_with_the_current_chain_head(
    paid: BudgetTracker, kind: str, tmp_path: Path
) -> None:
    footer = read_head(paid.read).footer()
    assert footer.startswith("事件链头：")
    assert "（共 5 条事件）" in footer
    assert footer in xlsx_texts(export(paid.read, kind, 2024, "450001", tmp_path / f"{kind}.xlsx"))
    assert csv_last_line(export(paid.read, kind, 2024, "450001", tmp_path / f"{kind}.csv")) == [footer]


def test_the_monitoring_and_self_evaluation_forms_end_with_the_chain_head(
    paid: BudgetTracker, tmp_path: Path
) -> None:
    footer = read_head(paid.read).footer()
    assert footer in xlsx_texts(write_monitoring(paid, 2024, "450001", "2024-06-30", tmp_path / "m.xlsx"))
    assert csv_last_line(write_monitoring(paid, 2024, "450001", "2024-06-30", tmp_path / "m.csv")) == [footer]
    form = with_names(paid, paid.self_evaluation("P1", 2024))
    assert footer in xlsx_texts(write_selfeval_xlsx(form, tmp_path / "s.xlsx"))
    assert csv_last_line(write_selfeval_xlsx(form, tmp_path / "s.csv")) == [footer]


def test_the_weekly_digest_ends_with_the_chain_head_of_its_moment(paid: BudgetTracker) -> None:
    before = digest_message(paid, "450001", dt.date(2024, 7, 1))
    paid.pay("P1", "1.00", date="2024-07-01", payee="某公司", voucher="记-2")
    after = digest_message(paid, "450001", dt.date(2024, 7, 1))
    head = read_head(paid.read)
    assert after.text.endswith(head.footer())
    assert after.markdown.endswith(head.footer())
    assert before.text.splitlines()[-1] != after.text.splitlines()[-1]
    assert "（共 6 条事件）" in after.text
