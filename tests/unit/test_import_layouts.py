"""Spreadsheet import, the pure parts: reading cells, recognising layouts, parsing rows.

Header detection (full- and half-width brackets, synonyms, title rows above the header),
the unit cell split, percentages against 万元 amounts (text ``25%`` and Excel
percent-formatted cells), blank checkpoints, and the headroom oracle that stands in
for ``Project.available_from`` during a large import.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.errors import InvalidInputError
from tracker.domain.money import from_fen
from tracker.domain.plan import Checkpoint, plan_spec
from tracker.domain.project import Project
from tracker.importing.cells import read_economic
from tracker.importing.headroom import Headroom
from tracker.importing.layouts import (
    INDICATORS,
    PAYMENTS,
    PROJECTS,
    Table,
    Unrecognised,
    checkpoint_of,
    class_code,
    detect,
    is_blank_mark,
    is_percent,
    norm_header,
    plan_kind,
    split_unit,
)
from tracker.importing.merged import compact
from tracker.importing.parsing import parse_tables
from tracker.importing.readers import Sheet, decode_csv, read_table_file, read_xlsx
from tracker.projections.projector import ADD_DAILY, ADD_MONTHLY

MANCHENG = "450001保定市满城区医疗保障局本级"


def table(rows: list[tuple[Any, ...]], name: str = "表") -> Table:
    found = detect(Sheet(name, [(i + 1, tuple(r)) for i, r in enumerate(rows)]))
    assert isinstance(found, Table), found
    return found


# ------------------------------------------------------------------ headers


def test_headers_fold_full_width_brackets_spaces_and_markers() -> None:
    assert norm_header("金额（元）") == norm_header("金额(元)") == "金额(元)"
    assert norm_header(" 预算数 （万元） ") == "预算数(万元)"
    assert norm_header("*项目编码") == "项目编码"
    assert norm_header("其中：财政    资金") == "其中:财政资金"


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"], PAYMENTS),
        (["支付日期", "项目代码", "金额（元）", "收款单位", "凭证编号"], PAYMENTS),
        (["日期", "项目编号", "支付金额", "收款人"], PAYMENTS),
        (["项目编码", "一级指标", "二级指标", "三级指标", "指标值", "分值"], INDICATORS),
        (
            [
                "项目编码",
                "项目名称",
                "预算单位",
                "支出类型",
                "功能分类科目",
                "经济分类科目",
                "资金来源",
                "预算数(万元)",
                "3月底",
                "6月底",
                "10月底",
                "12月底",
            ],
            PROJECTS,
        ),
    ],
)
def test_the_kind_of_a_sheet_comes_from_its_headers(headers: list[str], kind: str) -> None:
    t = table([tuple(headers), tuple("x" for _ in headers)])
    assert t.kind == kind
    assert t.problems == []


def test_synonyms_map_to_one_field() -> None:
    t = table([("支付日期", "项目代码", "金额（元）", "收款单位", "凭证编号")])
    assert {k: v[0] for k, v in t.columns.items()} == {
        "date": 0,
        "code": 1,
        "amount_yuan": 2,
        "payee": 3,
        "voucher": 4,
    }
    assert t.label("amount_yuan") == "金额（元）"  # problems name the column as written


def test_title_rows_above_the_header_are_skipped() -> None:
    t = table(
        [
            ("项目支出绩效目标表",),
            ("单位：万元",),
            (),
            ("项目编码", "项目名称", "预算单位", "预算数(万元)"),
            ("P1", "办公室整修", MANCHENG, "50.00"),
        ]
    )
    assert t.kind == PROJECTS
    assert t.header_row == 4
    assert [n for n, _ in t.rows] == [5]


def test_a_missing_required_column_is_a_problem_at_the_header_row() -> None:
    t = table([("标题",), ("日期", "项目号", "金额(元)", "收款人")])
    assert t.kind == PAYMENTS
    assert (2, "项目编码", "缺少必需的列“项目编码”") in t.problems


def test_an_amount_in_wan_is_not_mistaken_for_yuan() -> None:
    t = table([("日期", "项目编码", "金额(万元)", "收款人")])
    assert "amount_wan" in t.columns
    assert "amount_yuan" not in t.columns
    both = table([("日期", "项目编码", "金额(万元)", "金额(元)", "收款人")])
    assert any("只能有一列" in reason for _, _, reason in both.problems)


def test_unknown_columns_are_listed_as_not_imported() -> None:
    t = table([("日期", "项目编码", "金额(元)", "收款人", "摘要", "序号")])
    assert t.ignored == ["摘要"]  # 序号 is known to mean nothing


def test_a_sheet_without_our_headers_is_unrecognised_and_an_empty_one_is_none() -> None:
    found = detect(Sheet("说明", [(1, ("本文件用于导入",)), (2, ("请勿修改表头",))]))
    assert isinstance(found, Unrecognised)
    assert detect(Sheet("空", [])) is None


def test_two_row_header_with_checkpoints_under_the_plan_group() -> None:
    t = table(
        [
            ("项目编码", "项目名称", "预算单位", "预算数(万元)", "资金支出计划（%）", None, None, None),
            (None, None, None, None, "3月底", "6月底", "10月底", "12月底"),
            ("P1", "办公室整修", MANCHENG, "50.00", None, "7.00", "10.00", "50.00"),
        ]
    )
    assert [(c.month, c.day) for c in t.checkpoints] == [(3, 0), (6, 0), (10, 0), (12, 0)]
    assert [n for n, _ in t.rows] == [3]


# ------------------------------------------------------------- checkpoints


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3月底", (3, 0)),
        ("6月底", (6, 0)),
        ("10月底", (10, 0)),
        ("12月底", (12, 0)),
        ("3月末", (3, 0)),
        ("6月30日", (6, 30)),
        ("03-31", (3, 31)),
        ("12/31", (12, 31)),
        ("三月底", (3, 0)),
        ("二季度末", (6, 0)),
        ("第4季度", (12, 0)),
        ("截至6月底", (6, 0)),
        ("3月底（%）", (3, 0)),
    ],
)
def test_checkpoint_headers(header: str, expected: tuple[int, int]) -> None:
    assert checkpoint_of(header) == expected


@pytest.mark.parametrize("value", ["7.00", "项目名称", "13月底", "2月30日", Decimal("3.31"), None])
def test_not_checkpoint_headers(value: object) -> None:
    assert checkpoint_of(value) is None  # type: ignore[arg-type]


def test_percentages_against_amounts_and_blanks() -> None:
    assert plan_kind(["25%", "50%", "75%", "100%"]) == "percent"
    assert plan_kind(["25％", None, "75%", "100%"]) == "percent"  # full-width sign
    assert plan_kind([None, Decimal("7.00"), "10.00", "50.00"]) == "amount"
    assert plan_kind(["–", "7.00", "10.00", "50.00"]) == "amount"  # the seed's dash is a blank
    assert plan_kind([None, "-", "—", None]) is None
    assert plan_kind(["25%", "50"]) == "mixed"
    assert is_percent("25%")
    assert not is_percent(Decimal("0.25"))
    assert is_blank_mark(None)
    assert is_blank_mark("–")
    assert not is_blank_mark("0")


def test_amount_plans_in_wan_become_yuan_with_blanks_where_they_stand() -> None:
    t = table(
        [
            ("项目编码", "项目名称", "预算单位", "预算数(万元)", "3月底", "6月底", "10月底", "12月底"),
            ("13062124P00495310005H", "办公室整修", MANCHENG, "50.00", "–", "7.00", "10.00", "50.00"),
        ]
    )
    parsed = parse_tables([t], year=2024)
    assert parsed.problems == []
    (row,) = parsed.projects
    assert plan_spec(row.plan or []) == "03-31:,06-30:70000.00,10-31:100000.00,12-31:500000.00"
    assert row.budget == Decimal("500000.00")
    assert (row.unit_code, row.unit_name) == ("450001", "保定市满城区医疗保障局本级")


def test_percent_plans_at_the_end_of_march_june_october_december() -> None:
    t = table(
        [
            ("项目编码", "项目名称", "预算单位", "预算数(万元)", "3月底", "6月底", "10月底", "12月底"),
            (
                "13022524P00CGB110004W",
                "医保鉴定评审费",
                "460001乐亭县医疗保障局本级",
                "6.00",
                "25%",
                "50%",
                "75%",
                "100%",
            ),
        ]
    )
    (row,) = parse_tables([t], year=2024).projects
    assert row.plan == [
        Checkpoint(dt.date(2024, 3, 31), percent=Decimal(25)),
        Checkpoint(dt.date(2024, 6, 30), percent=Decimal(50)),
        Checkpoint(dt.date(2024, 10, 31), percent=Decimal(75)),
        Checkpoint(dt.date(2024, 12, 31), percent=Decimal(100)),
    ]


def test_a_plan_above_the_budget_is_refused_as_percent_written_without_sign() -> None:
    t = table(
        [
            ("项目编码", "项目名称", "预算单位", "预算数(万元)", "3月底", "6月底", "10月底", "12月底"),
            ("P1", "医保鉴定评审费", MANCHENG, "6.00", "25", "50", "75", "100"),
        ]
    )
    parsed = parse_tables([t], year=2024)
    assert [(p.row, p.column) for p in parsed.problems] == [(2, "资金支出计划")]
    assert "超过预算数" in parsed.problems[0].reason


def test_a_comma_that_is_not_a_thousands_separator_is_a_problem_not_a_bigger_number() -> None:
    """``1,2`` written with a decimal comma must not be read as 12 (万元 or 元)."""
    projects = table(
        [
            ("项目编码", "项目名称", "预算单位", "预算数(万元)", "6月底", "12月底"),
            ("P1", "办公室整修", MANCHENG, "1,2", "0,5", "1,2"),
        ]
    )
    payments = table(
        [
            ("日期", "项目编码", "金额(元)", "收款人"),
            ("2024-03-01", "P1", "1,5", "收款人"),
            ("2024-03-02", "P1", "1,500.00", "收款人"),
        ],
        name="支付",
    )
    parsed = parse_tables([projects, payments], year=2024)
    assert sorted((p.sheet, p.row, p.column) for p in parsed.problems) == [
        ("支付", 2, "金额(元)"),
        ("表", 2, "12月底"),
        ("表", 2, "6月底"),
        ("表", 2, "预算数(万元)"),
    ]
    assert all("千位分隔符" in p.reason for p in parsed.problems)
    assert [p.amount for p in parsed.payments] == [Decimal("1500.00")]


# ---------------------------------------------------------------- unit cell


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (MANCHENG, ("450001", "保定市满城区医疗保障局本级")),
        ("450001 保定市满城区医疗保障局本级", ("450001", "保定市满城区医疗保障局本级")),
        ("450001-保定市满城区医疗保障局本级", ("450001", "保定市满城区医疗保障局本级")),
        ("[450001]保定市满城区医疗保障局本级", ("450001", "保定市满城区医疗保障局本级")),
        ("【450001】保定市满城区医疗保障局本级", ("450001", "保定市满城区医疗保障局本级")),
        ("４５０００１保定市满城区医疗保障局本级", ("450001", "保定市满城区医疗保障局本级")),  # full width
        ("450001", ("450001", None)),
        (Decimal(450001), ("450001", None)),
        ("保定市满城区医疗保障局本级", (None, "保定市满城区医疗保障局本级")),
        (None, (None, None)),
    ],
)
def test_unit_cell_split(cell: object, expected: tuple[str | None, str | None]) -> None:
    assert split_unit(cell) == expected  # type: ignore[arg-type]


def test_unit_printed_above_a_table_without_a_unit_column() -> None:
    t = table(
        [
            ("460001乐亭县医疗保障局本级", "单位：万元"),
            ("项目编码", "项目名称", "预算数", "3月底", "6月底", "10月底", "12月底"),
            ("13022524P00CGB110004W", "医保鉴定评审费", "6.00", "25%", "50%", "75%", "100%"),
        ]
    )
    assert t.problems == []
    (row,) = parse_tables([t], year=2024).projects
    assert (row.unit_code, row.unit_name) == ("460001", "乐亭县医疗保障局本级")
    assert row.budget == Decimal("60000.00")  # a bare 预算数 under 单位：万元


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("2101502", "2101502"),
        (Decimal(2101502), "2101502"),
        ("2101502 一般行政管理事务", "2101502"),
        ("[30201]办公费", "30201"),
        ("办公费（30201）", "30201"),
        ("30201-办公费", "30201"),
    ],
)
def test_class_codes_written_with_their_names(cell: object, code: str) -> None:
    assert class_code(cell) == code  # type: ignore[arg-type]


# -------------------------------------------------------------------- cells


def test_excel_percent_cells_read_as_percentages_on_both_paths(tmp_path: Path) -> None:
    from tracker.importing import readers

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目编码", "项目名称", "预算单位", "预算数(万元)", "3月底", "6月底", "10月底", "12月底"])
    ws.append(["P1", "医保鉴定评审费", "460001乐亭县医疗保障局本级", 6, 0.25, 0.5, None, 1])
    for cell, fmt in zip(ws[2][4:], ["0%", "0.00%", "0%", "0%"], strict=True):
        cell.number_format = fmt
    ws.append(["P2", "金额计划", MANCHENG, 50.0, None, 7, 10.5, 50])
    path = tmp_path / "percent.xlsx"
    wb.save(path)

    (sheet,) = read_xlsx(path)
    rows = dict(sheet.rows)
    assert rows[2][4:] == ("25%", "50%", None, "100%")
    assert rows[3][3:] == (Decimal(50), None, Decimal(7), Decimal("10.5"), Decimal(50))
    # The openpyxl fallback path reads the same values.
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        assert list(readers._openpyxl_rows(book, book.worksheets[0])) == sheet.rows
    finally:
        book.close()
    (row1, row2) = parse_tables([table([r for _, r in sheet.rows])], year=2024).projects
    assert plan_spec(row1.plan or []) == "03-31:25%,06-30:50%,10-31:,12-31:100%"
    assert plan_spec(row2.plan or []) == "03-31:,06-30:70000.00,10-31:105000.00,12-31:500000.00"


def test_excel_cells_dates_numbers_and_formula_noise(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["日期", "金额", "文本"])
    ws.append([dt.date(2024, 3, 1), 0.1 + 0.2, " 带空格 "])
    ws.append([])
    ws.append([dt.datetime(2024, 3, 2, 0, 0), 12345.67, "a&b<c>"])
    path = tmp_path / "cells.xlsx"
    wb.save(path)
    (sheet,) = read_xlsx(path)
    assert sheet.rows == [
        (1, ("日期", "金额", "文本")),
        (2, (dt.datetime(2024, 3, 1), Decimal("0.3"), "带空格")),
        (4, (dt.datetime(2024, 3, 2), Decimal("12345.67"), "a&b<c>")),  # blank row 3 left out
    ]


def test_several_sheets_each_detected(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "项目"
    wb.active.append(["项目编码", "项目名称", "预算单位", "预算数(万元)"])
    pay = wb.create_sheet("支付")
    pay.append(["2024年支付明细"])
    pay.append(["日期", "项目编码", "金额(元)", "收款人"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    kinds = [(s.name, detect(s)) for s in read_table_file(path)]
    assert [(n, t.kind if isinstance(t, Table) else t) for n, t in kinds] == [
        ("项目", PROJECTS),
        ("支付", PAYMENTS),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    text = '日期,项目编码,金额（元）,收款人\n2024-03-01,P1,"1,234.56",某公司\n\n2024-03-02,P1,5,某某\n'
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode(encoding))
    (sheet,) = read_table_file(path)
    assert sheet.rows == [
        (1, ("日期", "项目编码", "金额（元）", "收款人")),
        (2, ("2024-03-01", "P1", "1,234.56", "某公司")),
        (4, ("2024-03-02", "P1", "5", "某某")),
    ]


def test_csv_tab_separated_and_undecodable() -> None:
    assert decode_csv("日期\t项目编码".encode("gbk")) == "日期\t项目编码"
    from tracker.domain.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        decode_csv(b"\x81\x30\xff\xfe\xfd")


# ---------------------------------------------------------- headroom oracle

days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 12, 31))


@given(
    budget=st.lists(st.tuples(days, st.integers(1, 10_000_00)), min_size=1, max_size=8),
    payments=st.lists(st.tuples(days, st.integers(1, 5_000_00)), max_size=60),
    probes=st.lists(days, min_size=1, max_size=10),
)
def test_headroom_answers_as_the_aggregate_does(
    budget: list[tuple[dt.date, int]], payments: list[tuple[dt.date, int]], probes: list[dt.date]
) -> None:
    """The oracle used during imports equals ``Project.available_from`` at every step."""
    project = Project(
        year=2024,
        code="P1",
        name="x",
        unit_code="U",
        expenditure_type="项目支出",
        functional=None,
        economic=None,
        source="一般公共预算财政拨款",
        owner="",
        user="t",
    )
    deltas: dict[dt.date, int] = {}
    for day, fen in budget:
        project.budget_by_day[day.isoformat()] = project.budget_by_day.get(day.isoformat(), 0) + from_fen(fen)
        deltas[day] = deltas.get(day, 0) + fen
    room = Headroom(2024, deltas)
    for day, fen in payments:
        for probe in probes:
            assert from_fen(room.available_from(probe)) == project.available_from(probe)
        if from_fen(fen) <= project.available_from(day):
            iso = day.isoformat()
            project.spent_by_day[iso] = project.spent_by_day.get(iso, 0) + from_fen(fen)
            room.add(day, -fen)


def test_fits_all_is_the_same_as_paying_one_after_another() -> None:
    room = Headroom(2024, {dt.date(2024, 1, 1): 100, dt.date(2024, 6, 1): -50})
    assert room.fits_all([(dt.date(2024, 3, 1), 50)])
    assert not room.fits_all([(dt.date(2024, 3, 1), 51)])  # 6-01 would go below zero
    assert not room.fits_all([(dt.date(2024, 3, 1), 30), (dt.date(2024, 7, 1), 30)])


CHANGES = st.lists(
    st.tuples(st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), st.integers(-5_000, 5_000)), max_size=8
)


@given(
    CHANGES,
    CHANGES,
    st.lists(
        st.tuples(st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31)), st.integers(1, 3_000)), max_size=8
    ),
)
def test_fits_all_is_each_payment_checked_in_turn(
    budget: list[tuple[dt.date, int]], earlier: list[tuple[dt.date, int]], payments: list[tuple[dt.date, int]]
) -> None:
    """``fits_all`` (one pass) against paying one after another through
    ``available_from``, on a headroom with additions pending in its blocks and queue."""
    deltas: dict[dt.date, int] = {}
    for day, fen in budget:
        deltas[day] = deltas.get(day, 0) + fen
    rooms = [Headroom(2024, deltas), Headroom(2024, deltas)]
    for room in rooms:
        for day, fen in earlier:
            room.add(day, fen)
            room.available_from(dt.date(2024, 1, 1))  # applies the queue to the blocks
    one_by_one = True
    for day, fen in payments:
        if fen > rooms[1].available_from(day):
            one_by_one = False
            break
        rooms[1].add(day, -fen)
    assert rooms[0].fits_all(payments) == one_by_one


# -------------------------------------------------------- merged statements


def test_compact_sums_additions_and_batches_inserts_and_upserts() -> None:
    insert = "INSERT INTO rm_payments (id, project_id) VALUES (?, ?)"
    statements = [
        (ADD_MONTHLY, ("p", "2024-03", 0, 100)),
        (ADD_DAILY, ("p", "2024-03-01", 0, 100)),
        (insert, ("a", "p")),
        (ADD_MONTHLY, ("p", "2024-03", 0, 50)),
        (ADD_DAILY, ("p", "2024-03-01", 0, 50)),
        (insert, ("b", "p")),
        (ADD_DAILY, ("p", "2024-03-02", 0, 7)),
    ]
    out = compact(statements)
    assert (insert.replace("(?, ?)", "(?, ?), (?, ?)"), ("a", "p", "b", "p")) in out
    assert (ADD_MONTHLY, ("p", "2024-03", 0, 150)) in out
    two_days = ADD_DAILY.replace("(?, ?, ?, ?)", "(?, ?, ?, ?), (?, ?, ?, ?)")
    assert (two_days, ("p", "2024-03-01", 0, 150, "p", "2024-03-02", 0, 7)) in out
    assert len(out) == 3
    odd = [*statements, ("UPDATE rm_payments SET reversed_fen = reversed_fen + ? WHERE id = ?", (1, "a"))]
    assert compact(odd) == odd  # a shape it does not know: left exactly as it was


# ---------------------------------------------------- fast payment reader


ODD_ROWS: list[tuple[Any, ...]] = [
    ("2024-03-01", "P1", "1,234.56", "某公司", "30201", "记-1", None, None),
    (dt.datetime(2024, 3, 1), "P1", Decimal("12.5"), "某公司", None, None, "一般公共预算拨款", 2024),
    ("2024/3/1", "Ｐ１", "12", " 某公司 ", "[30201]办公费", 7, None, "2024年"),
    ("2024-03-01", "P1", "12.345", "某公司", None, None, None, None),
    ("2023-12-31", "P1", "12", "某公司", None, None, None, None),
    ("2024-03-01", "P 1", "12", "某公司", None, None, None, None),
    ("2024-03-01", "P1", "-12", "某公司", None, None, None, None),
    ("2024-03-01", "P1", "12", None, None, None, None, None),
    ("2024-03-01", "P1", "12", "某公司", "3021", None, None, None),
    ("2024-03-01", "P1", "12", "某公司", None, None, "财政拨款", None),
    ("2024-03-01", "P1", "12", "某公司", None, None, None, 2023),
    ("2024-03-01", "P1", "12", "某公司", None, None, None, "明年"),
    ("20240301", "P1", "1e3", "某公司", None, None, None, None),
    (Decimal(45352), "P1", "12", "某公司", None, None, None, None),
]


@pytest.mark.parametrize("year", [2024, None])
def test_the_fast_payment_reader_accepts_exactly_what_the_careful_one_does(year: int | None) -> None:
    from tracker.importing.fast_payments import FastPayments
    from tracker.importing.parsing import _payment, _RowContext
    from tracker.importing.records import Parsed

    header = ("日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号", "资金来源", "预算年度")
    t = table([header])
    fast = FastPayments(t, year)
    for number, cells in enumerate(ODD_ROWS, start=2):
        careful = _payment(_RowContext(t, number, cells, Parsed([]).problems), year, [])
        quick = fast.row(number, cells)
        if quick is not None:
            assert quick == careful, cells


# ------------------------------------------- an xlsx as Excel and WPS write it

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
        'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
        'formats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships"><sheets><sheet name="支付" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
        'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/sharedStrings.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" count="4" uniqueCount="4"><si><t>日期</t></si><si><r><t>金额</t></r><r><rPr><b/></rPr>'
        '<t>(元)</t></r></si><si><t>收款人</t><rPh sb="0" eb="3"><t>しゅうかん</t></rPh></si>'
        '<si><t xml:space="preserve"> 某公司 </t></si></sst>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '</numFmts><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill>'
        '<patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0"/>'
        '<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="9" applyNumberFormat="1"/>'
        '<xf numFmtId="10" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
        '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
    "xl/worksheets/sheet1.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><dimension ref="A1:H4"/><sheetData>'
        '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c></row>'
        '<row r="2"><c r="A2" s="1"><v>45352</v></c><c r="B2"><v>1234.5</v></c><c r="C2" t="s"><v>3</v></c>'
        '<c r="D2" s="2"><v>0.25</v></c><c r="E2"><f>B2*2</f><v>2469</v></c>'
        '<c r="F2" t="str"><f>C2&amp;"x"</f><v> 某公司 x</v></c><c r="G2" t="b"><v>1</v></c>'
        '<c r="H2" t="e"><v>#DIV/0!</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><r><t>a&amp;b</t></r><r><t xml:space="preserve"> c</t></r>'
        '</is></c><c r="B4" s="1"/><c r="C4"><v>1.0000000000000002</v></c><c r="D4" s="3"><v>0.1255</v></c>'
        "</row></sheetData></worksheet>"
    ),
}


def test_shared_strings_rich_text_formulas_and_styles_read_alike_on_both_paths(tmp_path: Path) -> None:
    import zipfile

    from tracker.importing import readers

    path = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in _PARTS.items():
            z.writestr(name, text)
    (sheet,) = read_xlsx(path)
    assert sheet.rows == [
        (1, ("日期", "金额(元)", "收款人")),
        (
            2,
            (
                dt.datetime(2024, 3, 1),
                Decimal("1234.5"),
                "某公司",
                "25%",
                Decimal(2469),
                "某公司 x",
                True,
                "#DIV/0!",
            ),
        ),
        (4, ("a&b c", None, Decimal(1), "12.55%")),
    ]
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        assert list(readers._openpyxl_rows(book, book.worksheets[0])) == sheet.rows
    finally:
        book.close()


# ------------------------------------------------------- the import's shortcuts


@given(
    payments=st.lists(st.tuples(days, st.integers(1, 1_000_00)), max_size=40),
    probes=st.lists(st.integers(0, 30), min_size=1, max_size=3),
)
def test_headroom_for_rows_in_date_order_answers_as_the_aggregate_does(
    payments: list[tuple[dt.date, int]], probes: list[int]
) -> None:
    """The queued (O(1)) answers, asked on and after each row's day as an export in
    date order asks them, and then once before them all (applying the queue)."""
    project = Project(
        year=2024,
        code="P1",
        name="x",
        unit_code="U",
        expenditure_type="项目支出",
        functional=None,
        economic=None,
        source="一般公共预算财政拨款",
        owner="",
        user="t",
    )
    project.budget_by_day["2024-01-01"] = from_fen(50_000_00)
    room = Headroom(2024, {dt.date(2024, 1, 1): 50_000_00})
    for day, fen in sorted(payments):
        for ahead in probes:
            probe = min(day + dt.timedelta(days=ahead), dt.date(2024, 12, 31))
            assert from_fen(room.available_from(probe)) == project.available_from(probe)
        if from_fen(fen) <= project.available_from(day):
            iso = day.isoformat()
            project.spent_by_day[iso] = project.spent_by_day.get(iso, 0) + from_fen(fen)
            room.add(day, -fen)
    for probe in (dt.date(2024, 1, 1), dt.date(2024, 7, 1)):
        assert from_fen(room.available_from(probe)) == project.available_from(probe)


def payment_events(n: int) -> list[Any]:
    from tracker.domain.ids import entry_id

    project = Project(
        year=2024,
        code="P1",
        name="x",
        unit_code="U",
        expenditure_type="项目支出",
        functional=None,
        economic="30213",
        source="一般公共预算财政拨款",
        owner="",
        user="t",
    )
    project.budget_by_day["2024-01-01"] = Decimal("1000000.00")
    for k in range(n):
        pid = entry_id("payment", f"r{k}")
        project.pay(
            pid,
            Decimal(f"{k + 1}.{k % 100:02d}"),
            dt.date(2024, 1 + k % 12, 1 + k * 7 % 28),
            f"收款人{k % 3}",
            None if k % 2 else "30201",
            f"记-{k}",
            None,
            "t",
            "表格导入",
            {"id": f"r{k}", "hash": f"{k:064x}", "result": str(pid)},
        )
    return list(project.collect_events())[1:]


@pytest.mark.parametrize("max_params", [900, 50])
def test_merged_payment_rows_are_the_projectors_statements_merged(max_params: int) -> None:
    from tracker.importing.merged import merged_payments
    from tracker.projections.projector import statements_for

    events = payment_events(300)
    mine = merged_payments(events, max_params)
    theirs = compact(statements_for(events), max_params)

    def rows(statements: list[tuple[str, tuple[Any, ...]]]) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for sql, params in statements:
            head = sql.split(" VALUES ")[0]
            width = sql.split(" VALUES ")[1].split(")")[0].count("?") if " VALUES " in sql else len(params)
            found.setdefault(head, []).extend(params[i : i + width] for i in range(0, len(params), width))
        return {head: sorted(r, key=repr) for head, r in found.items()}

    assert rows(mine) == rows(theirs)  # the same rows, inserts in key order
    assert [s for s in mine if "VALUES (?, ?" not in s[0] or "ON CONFLICT" in s[0]] == [
        s for s in theirs if "VALUES (?, ?" not in s[0] or "ON CONFLICT" in s[0]
    ]
    assert all(len(params) <= max_params for _, params in mine)


def test_spelled_fingerprints_and_ids_equal_the_service_layers() -> None:
    from tracker.domain.ids import entry_id
    from tracker.importing.records import PaymentRow
    from tracker.importing.request_ids import _payment_id
    from tracker.importing.run import service_fingerprint

    for payee, economic, source, voucher in [
        ('A "q" \\ x\n\t', None, None, ""),
        ("Zoë <&> \u2028 个人", "30201", "政府性基金预算财政拨款", "记-1"),
    ]:
        p = PaymentRow(
            "表",
            2,
            2024,
            "P1",
            dt.date(2024, 3, 1),
            Decimal("1234.50"),
            payee,
            economic,
            voucher,
            source,
            project_key="e2043767-3acb-5530-b7b1-ff8eb018c67a",
            request_id="r",
        )
        assert p.request_hash() == service_fingerprint("pay", p.command_args(), "r", UUID(int=0))
    for rid in ["import:payment:2024:450001:v:记-1", "x", "ｆｕｌｌ\u3000width:h:0af3:2"]:
        assert _payment_id(rid) == entry_id("payment", rid)


def test_merging_falls_back_to_the_projector_for_anything_but_one_projects_payments() -> None:
    from tracker.importing.merged import merged_payments
    from tracker.projections.projector import statements_for

    events = payment_events(5)
    mixed = [type("Other", (), {"originator_id": events[0].originator_id})(), *events]
    assert merged_payments(mixed[1:2] + mixed[:1]) == compact(statements_for(mixed[1:2] + mixed[:1]))
    assert merged_payments([]) == []


def test_fingerprints_fall_back_to_the_service_layer_when_the_spellings_disagree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tracker.importing.records import PaymentRow
    from tracker.importing.run import fingerprinter, service_fingerprint

    rows = [
        PaymentRow(
            "表",
            k,
            2024,
            "P1",
            dt.date(2024, 3, 1),
            Decimal("1.00"),
            "某",
            None,
            f"记-{k}",
            None,
            request_id=f"r{k}",
        )
        for k in range(3)
    ]
    monkeypatch.setattr(PaymentRow, "request_hash", lambda self: "spelled differently")
    fingerprint = fingerprinter()
    assert [fingerprint(p) for p in rows] == [
        service_fingerprint("pay", p.command_args(), p.request_id, p.payment_id) for p in rows
    ]


@pytest.mark.parametrize(
    ("first", "second"), [(Decimal("30201"), Decimal("30201.0")), (Decimal("30201.0"), Decimal("30201"))]
)
def test_an_economic_class_cell_is_judged_alone_whatever_came_before(first: Any, second: Any) -> None:
    """Decimal("30201") equals Decimal("30201.0"); the second must not inherit the first's verdict."""

    def verdict(cell: Any) -> str:
        try:
            return str(read_economic(cell))
        except InvalidInputError:
            return "refused"

    alone = verdict(second)
    verdict(first)
    assert verdict(second) == alone
    assert verdict(Decimal("30201.0")) == "refused"
    assert verdict(Decimal("30201")) == "30201"
