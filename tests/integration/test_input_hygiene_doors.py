"""Input hygiene through the service layer and the spreadsheet import, on SQLite and
PostgreSQL: the domain's refusals reach every door, naming the field (the import: the
sheet, row and column), and nothing is recorded."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ledger_event_count
from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError
from tracker.importing import ImportRefused, import_file

PAY = {"date": "2024-03-01", "payee": "某公司"}

SERVICE_REFUSALS: list[tuple[Callable[[BudgetTracker], Any], str]] = [
    (lambda t: t.pay("P1", "1_000", **PAY), "金额"),
    (lambda t: t.pay("P1", "٣٠", **PAY), "金额"),
    (lambda t: t.pay("P1", "100", date="2024-03-01", payee="\x1b[31m某公司"), "收款人"),
    (lambda t: t.pay("P1", "100", date="2024-03-01", payee="某公司\r\n"), "收款人"),
    (lambda t: t.pay("P1", "100", **PAY, voucher="记\u202e-1"), "凭证号"),
    (lambda t: t.pay("P1", "100", **PAY, note="备注\x7f"), "备注"),
    (lambda t: t.pay("P1 ", "100", **PAY), "项目编码"),
    (lambda t: t.pay("P1\n", "100", **PAY), "项目编码"),
    (lambda t: t.appropriate("P1", "1_0", date="2024-03-01"), "金额"),
    (lambda t: t.appropriate("P1", "10", date="2024-03-01", doc="文\x00号"), "文号"),
    (lambda t: t.appropriate("P1", "10", date="2024-03-01", note="\x9b31m"), "备注"),
    (lambda t: t.add_unit("450002\n", "某单位"), "单位编码"),
    (lambda t: t.add_unit("450002", "某\x1b单位"), "单位名称"),
    (lambda t: t.add_project(year=2024, unit="450001", code=" P2", name="x"), "项目编码"),
    (lambda t: t.add_project(year=2024, unit="450001", code="P2", name="x\u2028y"), "项目名称"),
    (lambda t: t.set_plan("P1", "12-31:١٠٠%"), "资金支出计划"),
]


@pytest.mark.parametrize(("command", "field"), SERVICE_REFUSALS)
def test_the_service_layer_refuses_bad_typing_naming_the_field_and_records_nothing(
    funded: BudgetTracker, command: Callable[[BudgetTracker], Any], field: str
) -> None:
    before = ledger_event_count(funded)
    with pytest.raises(InvalidInputError) as caught:
        command(funded)
    assert caught.value.field == field
    assert ledger_event_count(funded) == before


def test_the_service_layer_reads_full_width_amounts_as_ascii(funded: BudgetTracker) -> None:
    pid = funded.pay("P1", "１，０００．５０", **PAY)
    assert [p["amount"] for p in funded.show("P1")["payments"] if p["id"] == str(pid)] == ["1000.50"]


# ------------------------------------------------------------------- import

HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"]
GOOD = ["2024-03-01", "P1", "100.00", "某公司", "", "记-1"]


def write_csv(path: Path, *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


@pytest.mark.parametrize(
    ("column", "cell", "words"),
    [
        ("金额(元)", "1_000", "下划线"),
        ("金额(元)", "٣", "非阿拉伯数字"),
        ("收款人", "\x1b[31m某公司", "控制字符"),
        ("收款人", "某\n公司", "控制字符"),
        ("凭证号", "记\x07-1", "控制字符"),
        ("项目编码", "P\x1b1", "控制字符"),
    ],
)
def test_an_import_refuses_one_bad_cell_naming_its_row_and_column(
    funded: BudgetTracker, tmp_path: Path, column: str, cell: str, words: str
) -> None:
    bad = list(GOOD)
    bad[HEADER.index(column)] = cell
    path = write_csv(tmp_path / "支付.csv", GOOD, bad)
    before = ledger_event_count(funded)
    with pytest.raises(ImportRefused) as caught:
        import_file(funded, path, year=2024)
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (3, column)
    assert words in problem.reason
    assert "\x1b" not in str(caught.value)
    assert ledger_event_count(funded) == before


def test_an_import_reads_full_width_amounts_as_the_cli_does(funded: BudgetTracker, tmp_path: Path) -> None:
    row = ["2024-03-01", "P1", "１，０００．５０", "某公司", "", "记-9"]
    report = import_file(funded, write_csv(tmp_path / "支付.csv", row), year=2024)
    assert report.created["payments"] == 1
    assert [p["amount"] for p in funded.show("P1")["payments"]] == ["1000.50"]
