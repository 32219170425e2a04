"""Export the 绩效自评表 and the 绩效运行监控表 and look at what comes out.

Two examples: 沾益 2023 (seed 001: 63.00 万元 spent of 63.00, seven indicators, total
98 = 优, signed off) and the 满城 2024 demo, whose 办公室整修 project gets the indicators
of its seed-003 绩效目标表 (weights adding up to 60, so they are scaled to 90; one not
applicable; two not yet recorded; progress recorded mid-year and at year end).

Each form goes to ``.xlsx`` (reopened with openpyxl: title, header block, figures,
merged cells, page set-up) and to ``.csv`` (UTF-8 with BOM); one of each is printed to
PDF by LibreOffice and its first page rasterised by ``pdftoppm``. LibreOffice (Debian
package ``libreoffice-calc-nogui``) and ``pdftoppm`` (``poppler-utils``) are skipped with
a message when missing outside CI; under CI=true a missing tool fails the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from rendering import png_size_and_ink, render
from zhanyi import ACTION, CAUSE, ZHANYI, ZHANYI_POINTS, record_zhanyi

from tracker.cli import Context
from tracker.commands.tracker import BudgetTracker
from tracker.demo.data import UNIT_CODE, UNIT_NAME
from tracker.demo.loader import run_demo
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.money import to_wan
from tracker.domain.selfeval import show_points
from tracker.exporting.monitoring import monitoring_form, status_label, write_monitoring
from tracker.exporting.selfeval_form import selfeval_form, with_names, write_selfeval_xlsx
from tracker.store.config import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = Decimal

# 满城 2024 办公室整修: the indicators of its seed-003 绩效目标表, weights ours (sum 60),
# progress as (date, actual, completion).
OFFICE = "13062124P00495310005H"
OFFICE_INDICATORS = [
    (
        "产出指标",
        "数量指标",
        "维修项目数",
        "≥5个",
        "10",
        [("2024-06-30", "2个", None), ("2024-12-31", "4个", None)],
    ),
    ("产出指标", "质量指标", "验收合格率", "≥90%", "10", [("2024-12-31", "95%", None)]),
    ("产出指标", "时效指标", "资金发放准时率", "2024年12月", "10", [("2024-12-20", "2024年12月20日", None)]),
    ("产出指标", "成本指标", "资金需求", "≥50万元", "10", []),
    ("满意度指标", "服务对象满意度指标", "服务对象的满意程度", "≥100%", "10", [("2024-12-31", "96%", None)]),
    ("效益指标", "社会效益指标", "能力提升率", "≥90%", "10", [("2024-09-30", "63%", None)]),  # 70%
    ("效益指标", "生态效益指标", "生态影响", "不适用", "5", []),
]
MID_YEAR = dt.date(2024, 6, 30)


def build_zhanyi(db: Path, *, sign: bool = True) -> BudgetTracker:
    app = BudgetTracker(Settings(db_url=f"sqlite:///{db}", user="测试"))
    record_zhanyi(app)
    burden = next(r for r in app.indicators("ZY1") if r["name"] == "群众看病负担")
    app.explain_deviation(burden["id"], cause=CAUSE, action=ACTION)
    if sign:
        app.finalise_evaluation("ZY1", 2023, signed_by="局长")
    return app


@pytest.fixture(scope="module")
def zhanyi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BudgetTracker]:
    app = build_zhanyi(tmp_path_factory.mktemp("zhanyi") / "z.db")
    yield app
    app.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BudgetTracker]:
    tmp = tmp_path_factory.mktemp("demo")
    ctx = Context(db=f"sqlite:///{tmp}/d.db", user="测试")
    # Without the demo's own targets: this test brings 办公室整修's, with weights.
    run_demo(ctx, until="2024-12-31", reset=False, echo=lambda *a, **k: None, targets=False)
    app = ctx.app
    for n, (l1, l2, name, target, weight, progress) in enumerate(OFFICE_INDICATORS):
        iid = app.add_indicator(
            OFFICE,
            level1=l1,
            level2=l2,
            name=name,
            target=target,
            weight=weight,
            year=2024,
            request_id=f"mc-ind-{n}",
        )
        for k, (day, actual, completion) in enumerate(progress):
            app.record_indicator(
                OFFICE, iid, actual, completion=completion, date=day, year=2024, request_id=f"mc-rec-{n}-{k}"
            )
    yield app
    ctx.close()


# ------------------------------------------------------------------ helpers


@dataclass
class Sheet:
    ws: Worksheet
    path: Path

    def rows(self) -> list[list[Any]]:
        return [list(r) for r in self.ws.iter_rows(values_only=True)]

    def row_with(self, label: str, col: int | None = None) -> tuple[int, list[Any]]:
        """(Excel row number, values) of the first row holding ``label`` (in ``col``)."""
        for n, row in enumerate(self.rows(), start=1):
            if (label in row) if col is None else row[col] == label:
                return n, row
        raise AssertionError(f"no row with {label}")

    def texts(self) -> set[str]:
        return {str(v) for row in self.rows() for v in row if v is not None}

    def merged(self) -> set[str]:
        return {str(m) for m in self.ws.merged_cells.ranges}

    def xml(self) -> str:
        with zipfile.ZipFile(self.path) as z:
            return z.read("xl/worksheets/sheet1.xml").decode()


def open_sheet(path: Path) -> Sheet:
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    return Sheet(ws, path)


def num(value: object) -> Decimal:
    """A numeric cell as shown: two decimals."""
    assert isinstance(value, int | float), f"{value!r} is not a number"
    return D(str(value)).quantize(D("0.01"))


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def csv_row(rows: list[list[str]], label: str, col: int = 0) -> list[str]:
    return next(r for r in rows if len(r) > col and r[col] == label)


# ------------------------------------------------------- 自评表: 沾益 (seed 001)


def test_zhanyi_selfeval_xlsx_has_the_seed_figures(zhanyi: BudgetTracker, tmp_path: Path) -> None:
    form = with_names(zhanyi, zhanyi.self_evaluation("ZY1", 2023))
    sheet = open_sheet(write_selfeval_xlsx(form, tmp_path / "zhanyi.xlsx"))
    ws = sheet.ws
    assert ws["A1"].value == "项目支出绩效自评表"
    assert ws["A1"].font.bold
    assert ws["A1"].font.name == "宋体"
    assert "A1:K1" in sheet.merged()
    assert any("单位名称：530328曲靖市沾益区医疗保障局" in t for t in sheet.texts())
    assert any("预算年度：2023" in t for t in sheet.texts())
    # Header block as seed 001 prints it.
    r, head = sheet.row_with("项目名称", 0)
    assert head[1] == "医疗服务和保障能力提升补助经费"
    assert (head[6], head[8]) == ("项目编码", "ZY1")
    assert {f"B{r}:F{r}", f"G{r}:H{r}", f"I{r}:K{r}"} <= sheet.merged()
    _, dept = sheet.row_with("主管部门", 0)
    assert (dept[1], dept[6], dept[8]) == ("曲靖市沾益区医疗保障局", "实施单位", "曲靖市沾益区医疗保障局")
    # Budget block in 万元: 63.00 / 63.00 / 63.00, 分值 10, 执行率 100%, 得分 10.00.
    _, budget_head = sheet.row_with("项目资金（万元）", 0)
    assert budget_head[2:8] == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）", "得分"]
    _, budget = sheet.row_with("年度资金总额", 0)
    assert [num(v) for v in budget[2:8]] == [
        D("63.00"),
        D("63.00"),
        D("63.00"),
        D("10.00"),
        D("100.00"),
        D("10.00"),
    ]
    assert budget[8] is None  # nothing to explain
    # Indicators by 一级 / 二级 / 三级, each with its points.
    r0, ind_head = sheet.row_with("一级指标", 0)
    assert ind_head == [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "指标值",
        "度量单位",
        "实际完成值",
        "分值",
        "完成率（%）",
        "得分",
        "偏差原因分析及改进措施",
    ]
    body = sheet.rows()[r0 : r0 + len(ZHANYI)]
    assert [row[2] for row in body] == [z[2] for z in ZHANYI]
    assert [num(row[9]) for row in body] == [D(p) for p in ZHANYI_POINTS]
    assert [num(row[7]) for row in body] == [D(z[4]) for z in ZHANYI]

    # 年度指标值 split as seed 001 prints it: 指标性质 | 指标值 | 度量单位 (words in all three).
    def joined(row: list[Any]) -> str:
        if row[3] in ("≥", "≤", "="):
            return (row[3] if row[3] != "=" else "") + row[4] + row[5]
        return str(row[4])

    assert [joined(row) for row in body] == [z[3] for z in ZHANYI]
    burden = body[3]
    assert (burden[6], num(burden[8])) == ("全部或基本达成预期指标", D("86.67"))
    assert burden[10] == f"原因：{CAUSE}；措施：{ACTION}"
    assert body[0][6] == "31.2万人"
    # 一级 and 二级 merged down their rows, as the printed form.
    first = r0 + 1
    assert {
        f"A{first}:A{first + 2}",
        f"A{first + 3}:A{first + 5}",
        f"B{first + 3}:B{first + 4}",
    } <= sheet.merged()
    # 总分 100 → 98.00, 等级 优; then the signature.
    r, total = sheet.row_with("总分", 0)
    assert (num(total[7]), num(total[9]), total[10]) == (D("100.00"), D("98.00"), "等级：优")
    assert f"A{r}:G{r}" in sheet.merged()
    _, signed = sheet.row_with("签字", 0)
    stamp = dt.datetime.fromisoformat(form["signed"]["signed_at"]).astimezone(SHANGHAI)
    assert (signed[2], signed[6], signed[8]) == ("局长", "签字日期", stamp.date().isoformat())
    assert not any("折算" in t for t in sheet.texts())  # weights add up to 90: no scaling note
    # The sheet stores the exact two-decimal figures.
    xml = sheet.xml()
    assert "<v>98.00</v>" in xml
    assert "<v>63.00</v>" in xml
    assert "0000000" not in xml
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 1


def test_zhanyi_selfeval_csv(zhanyi: BudgetTracker, tmp_path: Path) -> None:
    form = with_names(zhanyi, zhanyi.self_evaluation("ZY1", 2023))
    rows = read_csv(write_selfeval_xlsx(form, tmp_path / "zhanyi.csv"))
    assert rows[0] == ["项目支出绩效自评表"]
    assert csv_row(rows, "项目名称")[:2] == ["项目名称", "医疗服务和保障能力提升补助经费"]
    assert csv_row(rows, "年度资金总额")[2:8] == ["63.00", "63.00", "63.00", "10.00", "100.00", "10.00"]
    assert [csv_row(rows, z[2], 2)[9] for z in ZHANYI] == ZHANYI_POINTS
    assert csv_row(rows, "总分")[7:11] == ["100.00", "", "98.00", "等级：优"]
    assert csv_row(rows, "签字")[2] == "局长"
    laid_out = selfeval_form(form)
    assert len(rows) == 2 + len(laid_out.header) + len(laid_out.rows) + len(laid_out.notes)


def test_unsigned_reopened_and_unnamed_forms(tmp_path: Path) -> None:
    app = build_zhanyi(tmp_path / "z.db", sign=False)
    try:
        draft = selfeval_form(app.self_evaluation("ZY1", 2023))  # without with_names: codes only
        assert draft.rows[-1].cells[2] == "未定稿"
        assert draft.header[0][1] == "ZY1"
        app.finalise_evaluation("ZY1", 2023, signed_by="局长")
        app.reopen_evaluation("ZY1", 2023, reason="补充佐证材料")
        reopened = selfeval_form(app.self_evaluation("ZY1", 2023))
        assert str(reopened.rows[-1].cells[2]).startswith("未定稿（局长于")
        assert "重新打开" in str(reopened.rows[-1].cells[2])
        # The unit's own form is the 部门整体支出绩效自评表.
        iid = app.add_indicator(
            "530328",
            unit_level=True,
            year=2023,
            level1="履职效果",
            level2="社会效益",
            name="群众满意度",
            target="≥90%",
            weight="90",
        )
        app.record_indicator("530328", iid, "95%", date="2023-12-31")
        unit = with_names(app, app.self_evaluation("530328", 2023, unit_level=True))
        sheet = open_sheet(write_selfeval_xlsx(unit, tmp_path / "unit.xlsx"))
        assert sheet.ws["A1"].value == "部门整体支出绩效自评表"
        _, head = sheet.row_with("部门名称", 0)
        assert (head[1], head[6], head[8]) == ("曲靖市沾益区医疗保障局", "单位编码", "530328")
        _, total = sheet.row_with("总分", 0)
        assert (num(total[9]), total[10]) == (D("100.00"), "等级：优")
        with pytest.raises(InvalidInputError) as e:
            write_selfeval_xlsx(unit, tmp_path / "unit.pdf")
        assert e.value.field == "导出格式"
    finally:
        app.close()


# -------------------------------------------------- 自评表: 满城 demo, scaled


def test_demo_selfeval_scales_weights_and_marks_what_is_missing(demo: BudgetTracker, tmp_path: Path) -> None:
    raw = demo.self_evaluation(OFFICE, 2024)
    ev = raw["evaluation"]
    form = with_names(demo, raw)
    sheet = open_sheet(write_selfeval_xlsx(form, tmp_path / "office.xlsx"))
    _, head = sheet.row_with("项目名称", 0)
    assert (head[1], head[8]) == ("办公室整修", OFFICE)
    _, dept = sheet.row_with("主管部门", 0)
    assert dept[8] == UNIT_NAME
    _, budget = sheet.row_with("年度资金总额", 0)
    assert [num(v) for v in budget[2:5]] == [
        to_wan(raw["budget_initial"]),
        D("50.00"),
        to_wan(raw["disbursed"]),
    ]
    assert num(budget[6]) == D(show_points(ev.execution_rate))
    assert num(budget[7]) == D(show_points(ev.execution_points)) < D("10.00")
    assert budget[8] == "待说明"  # execution fell short and nobody explained it yet
    rows = {row[2]: row for row in sheet.rows() if row[2] in {i[2] for i in OFFICE_INDICATORS}}
    assert num(rows["维修项目数"][7]) == D("15.00")  # 10 × 90/60
    assert rows["维修项目数"][3:6] == ["≥", "5", "个"]
    assert (rows["维修项目数"][6], num(rows["维修项目数"][8]), num(rows["维修项目数"][9])) == (
        "4个",
        D("80.00"),
        D("12.00"),
    )
    assert rows["维修项目数"][10] == "待说明"
    assert num(rows["资金发放准时率"][9]) == D("15.00")  # deadline met
    assert num(rows["服务对象的满意程度"][9]) == D("14.40")  # 96% of ≥100%
    assert rows["资金需求"][6:10] == ["待填", 15, "待填", None]
    assert rows["生态影响"][6:10] == ["/", "/", "/", "/"]
    assert rows["生态影响"][3:6] == ["不适用", "不适用", "不适用"]
    # Grouped by 一级 in the standard order although 效益 was added after 满意度.
    order = [row[2] for row in sheet.rows() if row[2] in rows]
    assert order.index("能力提升率") < order.index("服务对象的满意程度")
    _, total = sheet.row_with("总分", 0)
    assert (num(total[7]), num(total[9]), total[10]) == (D("100.00"), D(ev.shown_total), f"等级：{ev.grade}")
    assert any("已按系数1.5000折算" in t for t in sheet.texts())
    _, signed = sheet.row_with("签字", 0)
    assert signed[2] == "未定稿"
    rows_csv = read_csv(write_selfeval_xlsx(form, tmp_path / "office.csv"))
    assert csv_row(rows_csv, "维修项目数", 2)[7:11] == ["15.00", "80.00", "12.00", "待说明"]
    assert any("折算" in r[0] for r in rows_csv if r)


# ------------------------------------------------------------ 绩效运行监控表


def test_monitoring_xlsx_as_of_mid_year(demo: BudgetTracker, tmp_path: Path) -> None:
    sheet = open_sheet(write_monitoring(demo, 2024, UNIT_CODE, MID_YEAR, tmp_path / "m.xlsx"))
    ws = sheet.ws
    assert ws["A1"].value == "绩效运行监控表"
    assert any("截至：2024-06-30" in t for t in sheet.texts())
    assert any(f"单位名称：{UNIT_CODE}{UNIT_NAME}" in t for t in sheet.texts())
    assert {
        "序号",
        "项目编码",
        "项目名称",
        "预算执行",
        "全年预算",
        "执行数",
        "状态",
        "绩效指标执行",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "偏差原因",
        "改进措施",
    } <= sheet.texts()
    assert {"执行率\n（%）", "序时进度\n（%）", "差距\n（百分点）", "完成进度\n（%）"} <= sheet.texts()
    report = demo.queries.status_report(2024, MID_YEAR, UNIT_CODE)
    _, total = sheet.row_with("合计", 0)
    t = report["total"]
    assert [num(v) for v in total[3:8]] == [
        to_wan(t.budget),
        to_wan(t.disbursed),
        D(show_points(t.execution_rate)),
        D(show_points(t.planned_rate)),
        D(show_points(t.lag_points)),
    ]
    assert to_wan(t.budget) == D("9064.36")
    assert total[8] == status_label(report["total_status"])
    office = next(p for p in report["projects"] if p.code == OFFICE)
    r, row = sheet.row_with(OFFICE, 1)
    assert row[2] == "办公室整修"
    assert [num(v) for v in row[3:8]] == [
        to_wan(office.figures.budget),
        to_wan(office.figures.disbursed),
        D(show_points(office.figures.execution_rate)),
        D(show_points(office.figures.planned_rate)),
        D(show_points(office.figures.lag_points)),
    ]
    assert row[8] == status_label(office.status) == "严重滞后"
    # Its seven indicators under it, the project's cells merged down over them.
    n = len(OFFICE_INDICATORS)
    assert {f"{c}{r}:{c}{r + n - 1}" for c in "ABCDEFGHI"} <= sheet.merged()
    lines = {line[11]: line for line in sheet.rows()[r - 1 : r - 1 + n]}
    assert set(lines) == {i[2] for i in OFFICE_INDICATORS}
    # As of 30 June: the June figure, not December's; later records not yet shown.
    assert (lines["维修项目数"][13], num(lines["维修项目数"][14])) == ("2个", D("40.00"))
    assert lines["能力提升率"][13] == "未填报"
    assert lines["验收合格率"][13] == "未填报"
    assert lines["生态影响"][13:15] == ["/", "/"]
    assert f"J{r}:J{r + 3}" in sheet.merged()  # 产出指标 over its four lines
    others = [row for row in sheet.rows() if row[2] == "人员经费—基本工资"]
    assert others[0][11] == "（未设置绩效指标）"
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows in {"3:4", "$3:$4"}


def test_monitoring_at_year_end_and_csv(demo: BudgetTracker, tmp_path: Path) -> None:
    form = monitoring_form(demo, 2024, UNIT_CODE, "2024-12-31")
    lines = {r.cells[11]: r.cells for r in form.rows if r.cells[1] == OFFICE}
    assert (lines["维修项目数"][13], lines["维修项目数"][14]) == ("4个", D("80.00"))
    assert (lines["能力提升率"][13], lines["能力提升率"][14]) == ("63%", D("70.00"))
    assert lines["资金发放准时率"][14] == D("100.00")
    rows = read_csv(write_monitoring(demo, 2024, UNIT_CODE, MID_YEAR, tmp_path / "m.csv"))
    mid = monitoring_form(demo, 2024, UNIT_CODE, MID_YEAR)
    assert rows[0] == mid.flat_header
    assert rows[0][3] == "预算执行-全年预算（万元）"
    assert rows[0][14] == "绩效指标执行-完成进度（%）"
    assert len(rows) == 1 + len(mid.rows) + 1
    assert rows[-1] == [mid.footer]
    assert mid.footer.startswith("事件链头：")
    assert rows[1][0] == "合计"
    assert rows[1][3] == "9064.36"
    office = [r for r in rows[:-1] if r[1] == OFFICE]
    assert len(office) == len(OFFICE_INDICATORS)  # every line repeats the project
    assert {r[8] for r in office} == {"严重滞后"}
    assert next(r for r in office if r[11] == "维修项目数")[13:15] == ["2个", "40.00"]


def test_monitoring_of_a_subtree_has_unit_subtotals(tmp_path: Path) -> None:
    app = BudgetTracker(Settings(db_url=f"sqlite:///{tmp_path / 't.db'}", user="测试"))
    try:
        app.add_unit("450000", "保定市满城区医疗保障局")
        app.add_unit("450001", "保定市满城区医疗保障局本级", parent="450000")
        app.add_unit("450002", "保定市满城区医疗保障事务中心", parent="450000")
        for unit, code, budget, paid in (
            ("450001", "A1", "100.00", "30.00"),
            ("450002", "B1", "50.00", "5.00"),
        ):
            app.add_project(year=2024, unit=unit, code=code, name=f"项目{code}")
            app.appropriate(code, budget, wan=True, date="2024-01-10")
            app.pay(code, paid, wan=True, date="2024-05-10", payee="某公司")
        iid = app.add_indicator(
            "B1", level1="产出指标", level2="数量指标", name="培训人次", target="≥200人次", weight="90"
        )
        app.record_indicator("B1", iid, "50人次", date="2024-06-01")
        app.explain_deviation(iid, cause="培训推迟", action="下半年集中培训")
        form = monitoring_form(app, 2024, "450000", MID_YEAR)
        labels = [(r.style, r.cells[1], r.cells[2]) for r in form.rows]
        assert labels == [
            ("total", "", ""),
            ("class", "450001", "保定市满城区医疗保障局本级"),
            ("body", "A1", "项目A1"),
            ("class", "450002", "保定市满城区医疗保障事务中心"),
            ("body", "B1", "项目B1"),
        ]
        assert form.rows[0].cells[3:5] == [D("150.00"), D("35.00")]
        b1 = form.rows[-1].cells
        assert b1[11:17] == ["培训人次", "≥200人次", "50人次", D("25.00"), "培训推迟", "下半年集中培训"]
        assert [r.cells[0] for r in form.rows if r.style == "body"] == ["1", "2"]
        only = monitoring_form(app, 2024, "450002", MID_YEAR)
        assert [r.style for r in only.rows] == ["total", "body"]
        with pytest.raises(NotFoundError):
            monitoring_form(app, 2024, "999999", MID_YEAR)
    finally:
        app.close()


# ------------------------------------------------------------ PDF and PNG


def test_selfeval_prints_to_one_landscape_page(zhanyi: BudgetTracker, tmp_path: Path) -> None:
    form = with_names(zhanyi, zhanyi.self_evaluation("ZY1", 2023))
    png = render(write_selfeval_xlsx(form, tmp_path / "selfeval.xlsx"), tmp_path)
    width, height, ink = png_size_and_ink(png)
    assert width > height  # landscape A4: about 701 × 496 at 60 dpi
    assert 0.005 < ink < 0.3  # a bordered table with text, not a blank or black page


def test_monitoring_prints_to_pdf(demo: BudgetTracker, tmp_path: Path) -> None:
    png = render(write_monitoring(demo, 2024, UNIT_CODE, MID_YEAR, tmp_path / "monitoring.xlsx"), tmp_path)
    width, height, ink = png_size_and_ink(png)
    assert width > height
    assert 0.005 < ink < 0.3
