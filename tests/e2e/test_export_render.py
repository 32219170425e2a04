"""Export the public tables of the 满城 2024 demo and look at what comes out.

Each table goes to ``.xlsx`` (reopened with openpyxl: title, headers, 合计 figures,
number formats, page set-up) and to ``.csv`` (UTF-8 with BOM); one workbook is
printed to PDF by LibreOffice and its first page rasterised by ``pdftoppm``; the
Fiscal Data Package is checked against the tables it must add up to.

LibreOffice (Debian package ``libreoffice-calc-nogui``) and ``pdftoppm``
(``poppler-utils``) are skipped with a message when missing outside CI; under CI=true
a missing tool fails the test.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from rendering import png_size_and_ink, render

from tracker.cli import Context
from tracker.commands.tracker import BudgetTracker
from tracker.demo.data import UNIT_CODE, UNIT_NAME
from tracker.demo.loader import run_demo
from tracker.domain.errors import InvalidInputError
from tracker.domain.money import to_wan
from tracker.exporting import TABLE_KINDS, build_form, export
from tracker.queries.reports import (
    basic_expenditure_by_economic,
    expenditure_by_function,
    income_expenditure_summary,
    project_expenditure_by_economic,
    three_public,
)
from tracker.store.config import Settings
from tracker.store.readstore import ReadStore

YEAR = 2024
D = Decimal
TITLES = {
    "summary": "收支预算总表",
    "function": "支出总表",
    "basic": "基本支出表",
    "project-economic": "项目支出表",
    "three-public": "“三公”经费支出表",
}
HEADERS = {
    "summary": {"序号", "收入", "支出", "项目", "金额", "项目（按功能分类）", "预算数", "执行数", "栏次"},
    "function": {
        "序号",
        "支出功能分类科目",
        "科目编码",
        "科目名称",
        "预算数",
        "执行数",
        "合计",
        "基本支出",
        "小计",
        "人员经费",
        "公用经费",
        "项目支出",
        "栏次",
    },
    "basic": {
        "序号",
        "部门经济分类科目",
        "科目编码",
        "科目名称",
        "预算数",
        "执行数",
        "合计",
        "人员经费",
        "公用经费",
        "栏次",
    },
    "project-economic": {"序号", "部门经济分类科目", "科目编码", "科目名称", "预算数", "执行数", "栏次"},
    "three-public": {"序号", "项目", "年初预算数", "全年预算数", "执行数", "栏次"},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadStore]:
    tmp = tmp_path_factory.mktemp("demo")
    ctx = Context(db=f"sqlite:///{tmp}/d.db", user="测试")
    run_demo(ctx, until="2024-12-31", reset=False, echo=lambda *a, **k: None)
    yield ctx.app.read
    ctx.close()


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadStore]:
    """A unit whose 公用经费 are classed by 款, so its "三公" table has figures."""
    app = BudgetTracker(Settings(db_url=f"sqlite:///{tmp_path_factory.mktemp('t')}/t.db", user="测试"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    app.add_project(
        year=YEAR,
        unit="450001",
        code="J1",
        name="公务接待",
        expenditure_type="公用经费",
        functional="2101501",
        economic="30217",
    )
    app.add_project(
        year=YEAR,
        unit="450001",
        code="J2",
        name="公务用车运行维护",
        expenditure_type="公用经费",
        functional="2101501",
        economic="30231",
    )
    app.appropriate("J1", "6100.00", date="2024-01-15")
    app.appropriate("J2", "30000.00", date="2024-01-15")
    app.pay("J1", "1234.56", date="2024-03-01", payee="某宾馆")
    app.pay("J2", "2500.00", date="2024-04-01", payee="某汽修厂")
    yield app.read
    app.close()


def sheet_texts(ws: openpyxl.worksheet.worksheet.Worksheet, rows: range) -> set[str]:
    return {str(c.value) for r in rows for c in ws[r] if c.value is not None}


def row_starting(ws: openpyxl.worksheet.worksheet.Worksheet, label: str) -> list[object]:
    """The first body row (below the 栏次 line) holding ``label``."""
    body = False
    for row in ws.iter_rows(values_only=True):
        if body and label in row:
            return list(row)
        body = body or "栏次" in row
    raise AssertionError(f"no row with {label}")


def number(value: object) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


# ------------------------------------------------------------------- xlsx


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_xlsx_looks_like_the_form(demo: ReadStore, kind: str, tmp_path: Path) -> None:
    path = export(demo, kind, YEAR, UNIT_CODE, tmp_path / f"{kind}.xlsx")
    form = build_form(demo, kind, YEAR, UNIT_CODE)
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    ncols = len(form.columns)
    assert ws["A1"].value == TITLES[kind]
    assert f"A1:{openpyxl.utils.get_column_letter(ncols)}1" in {str(m) for m in ws.merged_cells.ranges}
    assert ws["A1"].font.bold
    assert ws["A1"].font.name == "宋体"
    info = sheet_texts(ws, range(2, 3))
    assert any(f"单位名称：{UNIT_CODE}{UNIT_NAME}" in t for t in info)
    assert any("预算年度：2024" in t for t in info)
    assert "单位：万元" in info
    header_rows = range(3, 3 + len(form.header))
    assert HEADERS[kind] <= sheet_texts(ws, header_rows)
    heads = [c for r in header_rows for c in ws[r] if c.value is not None]
    assert all(c.font.bold for c in heads)
    assert all(c.border.left.style == c.border.top.style == "thin" for c in heads)
    # The 合计 figures are the table's, in 万元 with two decimals.
    total = row_starting(ws, "本年收入合计" if kind == "summary" else "合计")
    expected = next(r for r in form.rows if r.style == "total").cells
    money = [i for i, c in enumerate(form.columns) if c.kind == "money"]
    assert [number(total[i]) for i in money] == [expected[i] for i in money]
    first_money = ws.cell(3 + len(form.header), money[0] + 1)
    assert first_money.number_format == "#,##0.00"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_xlsx_figures_match_the_seed(demo: ReadStore, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(export(demo, "function", YEAR, UNIT_CODE, tmp_path / "f.xlsx")).active
    assert ws is not None
    total = row_starting(ws, "合计")
    assert [number(v) for v in total[3:8]] == [
        D("9064.36"),
        D("805.64"),
        D("776.30"),
        D("29.34"),
        D("8258.72"),
    ]
    assert number(row_starting(ws, "2101502")[7]) == D("55.52")
    assert number(row_starting(ws, "2101506")[7]) == D("29.00")
    # The sheet stores the exact two-decimal figure, not 9064.360000000001.
    with zipfile.ZipFile(tmp_path / "f.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>9064.36</v>" in xml
    assert "9064.3600" not in xml
    summary = openpyxl.load_workbook(export(demo, "summary", YEAR, UNIT_CODE, tmp_path / "s.xlsx")).active
    assert summary is not None
    income_total = row_starting(summary, "收入总计")
    assert number(income_total[2]) == number(income_total[4]) == D("9064.36")
    basic = openpyxl.load_workbook(export(demo, "basic", YEAR, UNIT_CODE, tmp_path / "b.xlsx")).active
    assert basic is not None
    assert [number(v) for v in row_starting(basic, "合计")[3:6]] == [D("805.64"), D("776.30"), D("29.34")]


def test_three_public_xlsx(three: ReadStore, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(export(three, "three-public", YEAR, None, tmp_path / "t.xlsx")).active
    assert ws is not None
    assert [number(v) for v in row_starting(ws, "合计")[2:5]] == [D("3.61"), D("3.61"), D("0.37")]
    assert number(row_starting(ws, "三、公务接待费")[3]) == D("0.61")
    assert number(row_starting(ws, "公务用车运行维护费")[4]) == D("0.25")
    assert row_starting(ws, "一、因公出国（境）费")[2] is None  # zero left blank


# -------------------------------------------------------------------- csv


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_csv(demo: ReadStore, kind: str, tmp_path: Path) -> None:
    path = export(demo, kind, YEAR, UNIT_CODE, tmp_path / f"{kind}.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    form = build_form(demo, kind, YEAR, UNIT_CODE)
    assert rows[0] == form.flat_header
    assert len(rows) == 1 + len(form.rows) + 1
    assert rows[-1] == [form.footer]
    assert form.footer.startswith("事件链头：")
    label = "本年收入合计" if kind == "summary" else "合计"
    total = next(r for r in rows if label in r)
    money = [i for i, c in enumerate(form.columns) if c.kind == "money"]
    assert all(len(total[i].split(".")[1]) == 2 for i in money)
    if kind == "function":
        assert rows[0][3] == "预算数-合计（万元）"
        assert total[3:8] == ["9064.36", "805.64", "776.30", "29.34", "8258.72"]


def test_bad_kind_or_format_is_refused(demo: ReadStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as e:
        export(demo, "balance-sheet", YEAR, UNIT_CODE, tmp_path / "x.xlsx")
    assert e.value.field == "报表类型"
    assert "不是有效的报表类型" in e.value.message
    with pytest.raises(InvalidInputError) as e:
        export(demo, "function", YEAR, UNIT_CODE, tmp_path / "x.pdf")
    assert e.value.field == "导出格式"
    with pytest.raises(InvalidInputError):
        export(demo, "fdp", YEAR, UNIT_CODE, tmp_path / "x.xlsx")
    with pytest.raises(InvalidInputError):
        export(demo, "summary", YEAR, UNIT_CODE, tmp_path / "x.zip")


# ------------------------------------------------------------ PDF and PNG


def test_xlsx_prints_to_pdf(demo: ReadStore, tmp_path: Path) -> None:
    png = render(export(demo, "function", YEAR, UNIT_CODE, tmp_path / "function.xlsx"), tmp_path)
    assert png.stat().st_size > 10_000
    width, height, ink = png_size_and_ink(png)
    assert width > height  # landscape A4: about 701 × 496 at 60 dpi
    assert 0.005 < ink < 0.3  # a bordered table with text, not a blank or black page


# ---------------------------------------------------- Fiscal Data Package


def read_package(path: Path) -> dict[str, str]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n).decode("utf-8") for n in z.namelist()}
    return {p.name: p.read_text(encoding="utf-8") for p in path.iterdir()}


@pytest.mark.parametrize("target", ["fdp", "fdp.zip"])
def test_fiscal_data_package(demo: ReadStore, tmp_path: Path, target: str) -> None:
    path = export(demo, "fdp", YEAR, UNIT_CODE, tmp_path / target)
    files = read_package(path)
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "fiscal-data-package"
    assert package["name"].startswith("budget-execution-")
    assert UNIT_NAME in package["title"]
    fields: dict[str, set[str]] = {}
    for resource in package["resources"]:
        assert resource["path"] in files
        header = next(csv.reader(io.StringIO(files[resource["path"]])))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
        fields[resource["name"]] = set(header)
    model = package["model"]
    assert model["measures"]["amount"]["currency"] == "CNY"
    for measure in model["measures"].values():
        assert measure["source"] in fields[measure["resource"]]
    dims = model["dimensions"]
    assert {d.get("classificationType") for d in dims.values()} >= {
        "functional",
        "economic",
        "administrative",
    }
    assert {"date", "direction", "phase"} <= set(dims)
    for dim in dims.values():
        for attribute in dim["attributes"].values():
            assert attribute["source"] in fields[attribute["resource"]]
    # Sums match the tables.
    rows = list(csv.DictReader(io.StringIO(files["budget-execution.csv"])))
    assert {r["direction"] for r in rows} == {"expenditure", "revenue"}

    def total(direction: str, phase: str, **match: str) -> Decimal:
        return sum(
            (
                D(r["amount"])
                for r in rows
                if r["direction"] == direction
                and r["phase"] == phase
                and all(r[k] == v for k, v in match.items())
            ),
            D(0),
        )

    function = expenditure_by_function(demo, YEAR, UNIT_CODE)
    summary = income_expenditure_summary(demo, YEAR, UNIT_CODE)
    assert (
        total("expenditure", "approved") == function.total.budget.total == D("90643590.00")
    )  # printed 9064.36 万元
    assert total("expenditure", "executed") == function.total.spent.total == summary.spent_total
    assert total("revenue", "approved") == summary.income_total
    for row in function.rows:  # every 类/款/项 row: the line items under that code
        under = sum(
            (
                D(r["amount"])
                for r in rows
                if r["direction"] == "expenditure"
                and r["phase"] == "executed"
                and r["functional_code"].startswith(row.code)
            ),
            D(0),
        )
        assert under == row.spent.total, row.code
    basic = basic_expenditure_by_economic(demo, YEAR, UNIT_CODE)
    assert (
        total("expenditure", "executed", expenditure_type="基本支出-人员经费")
        + total("expenditure", "executed", expenditure_type="基本支出-公用经费")
        == basic.total.spent.basic
    )
    project = project_expenditure_by_economic(demo, YEAR, UNIT_CODE)
    assert total("expenditure", "approved", expenditure_type="项目支出") == project.total.budget.project
    three = three_public(demo, YEAR, UNIT_CODE).total  # seed 003's 30231 + 30217 lines
    assert three.spent == sum(
        (
            D(r["amount"])
            for r in rows
            if r["phase"] == "executed" and r.get("economic_code") in ("30231", "30217")
        ),
        D(0),
    )
    assert to_wan(total("expenditure", "approved")) == D("9064.36")
    units = list(csv.DictReader(io.StringIO(files["units.csv"])))
    assert units == [{"code": UNIT_CODE, "name": UNIT_NAME, "parent_code": ""}]
