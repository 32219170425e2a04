"""Which files an import accepts: only ``.xlsx`` and ``.csv``, and only with data rows.
Anything else is refused in Chinese naming what is wrong (exit 1), and nothing is
recorded."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.importing import ImportRefused, import_file

TRACKER = str(Path(sys.executable).parent / "tracker")
PAY_HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"]
PROJECT_HEADER = ["项目编码", "项目名称", "预算单位", "预算数(万元)"]


def header_only_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerow(PAY_HEADER)
    return path


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
    env.update(TRACKER_DB=db_url, TRACKER_USER="导入员", PYTHONIOENCODING="utf-8")
    return subprocess.run([TRACKER, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def reasons(e: pytest.ExceptionInfo[ImportRefused]) -> list[str]:
    return [str(p) for p in e.value.problems]


@pytest.mark.parametrize("name", ["payments.txt", "payments.tsv", "payments.xlsm", "payments"])
def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_naming_its_type(
    funded: BudgetTracker, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_text(",".join(PAY_HEADER) + "\n2024-03-01,P1,100.00,某公司,30201,记-1\n", encoding="utf-8")
    before = funded.recorder.max_notification_id()
    with pytest.raises(ImportRefused) as e:
        import_file(funded, path, year=2024)
    (reason,) = reasons(e)
    suffix = Path(name).suffix
    assert ("不支持的文件类型" + (f"“{suffix}”" if suffix else "（无扩展名）")) in reason
    assert ".xlsx 或 .csv" in reason
    assert funded.recorder.max_notification_id() == before


def test_a_csv_with_a_header_and_no_rows_is_refused(funded: BudgetTracker, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as e:
        import_file(funded, header_only_csv(tmp_path / "支付.csv"), year=2024)
    assert reasons(e) == ["文件中没有数据行"]


def test_a_workbook_whose_sheets_all_have_no_rows_is_refused_sheet_by_sheet(
    funded: BudgetTracker, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "空.xlsx", {"项目": [PROJECT_HEADER], "支付": [["2024年支付明细"], PAY_HEADER]}
    )
    with pytest.raises(ImportRefused) as e:
        import_file(funded, path, year=2024)
    assert reasons(e) == [
        "工作表“项目”，第1行：文件中没有数据行（只有表头）",
        "工作表“支付”，第2行：文件中没有数据行（只有表头）",
    ]


def test_an_empty_sheet_beside_one_with_rows_is_skipped_with_a_warning(
    funded: BudgetTracker, tmp_path: Path
) -> None:
    rows = [PAY_HEADER, ["2024-03-01", "P1", "100.00", "某公司", "30201", "记-1"]]
    path = workbook(tmp_path / "两表.xlsx", {"项目": [PROJECT_HEADER], "支付": rows})
    report = import_file(funded, path, year=2024)
    assert report.created["payments"] == 1
    assert "工作表“项目”只有表头，没有数据行，已跳过" in report.warnings


def test_the_command_exits_1_with_the_reason_for_a_txt_and_for_a_header_only_file(
    sqlite_url: str, tmp_path: Path
) -> None:
    txt = tmp_path / "支付.txt"
    txt.write_text(",".join(PAY_HEADER) + "\n", encoding="utf-8")
    for path, reason in (
        (txt, "不支持的文件类型“.txt”"),
        (header_only_csv(tmp_path / "支付.csv"), "文件中没有数据行"),
    ):
        proc = cli(sqlite_url, "import", str(path), "--year", "2024")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert reason in proc.stderr
        assert "Traceback" not in proc.stderr
        assert "导入完成" not in proc.stdout
