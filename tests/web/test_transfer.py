"""导入导出 (/transfer): upload, see every bad row, confirm; download the export tables.

Nothing is recorded before the confirmation, a refused file records nothing, a file
confirmed twice records once, and an officer's file may hold only rows of their own
units. Seeded world: tests/webdata.py (P1 of 450002, P2 of 450001, P3 of 450003).
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook

PAY_HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"]
GOOD = [
    ["2024-07-01", "P1", "1000.00", "某文印店", "30201", "记-101"],
    ["2024-07-02", "P1", "250.50", "某书店", "", "记-102"],
]


def csrf_from(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "page has no CSRF token"
    return found.group(1)


@pytest.fixture
def uploads(app: Flask, tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    app.config["TRACKER_UPLOADS"] = str(folder)
    return folder


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def payments(app: Flask) -> int:
    return int(app.extensions["tracker"].read.one("SELECT COUNT(*) AS n FROM rm_payments")["n"])


def upload(client: FlaskClient, data: bytes, name: str = "支付明细.csv", year: str = "2024") -> Any:
    token = csrf_from(client.get("/transfer").get_data(as_text=True))
    return client.post(
        "/transfer/check",
        data={"csrf_token": token, "year": year, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm_form(client: FlaskClient) -> dict[str, str]:
    text = client.get("/transfer").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/transfer/confirm".*?</form>', text, re.S)
    assert form, "no confirmation form"
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0)))


def problems(text: str) -> list[tuple[str, str, str, str]]:
    table = re.search(r'<table[^>]*id="import-problems".*?</tbody>', text, re.S)
    assert table, "no problems table"
    rows = re.findall(r"<tr>\s*(.*?)</tr>", table.group(0).split("<tbody>")[1], re.S)
    out = []
    for row in rows:
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        out.append((cells[0], cells[1], cells[2], cells[3]))
    return out


# ------------------------------------------------------------------ access


def test_anonymous_is_sent_to_sign_in(client: FlaskClient) -> None:
    for url in ("/transfer", "/transfer/download?kind=summary"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_stranger_cannot_upload_or_confirm(app: Flask, client: FlaskClient, uploads: Path) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "year": "2024",
        "file": (io.BytesIO(csv_bytes([PAY_HEADER, *GOOD])), "a.csv"),
    }
    response = client.post("/transfer/check", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    for action in ("confirm", "cancel"):
        response = client.post(f"/transfer/{action}", data={"csrf_token": token})
        assert "/login" in response.headers["Location"]
    assert payments(app) == 4
    assert not uploads.exists() or not any(uploads.iterdir())


@pytest.mark.parametrize("name", ["officer1", "manager1", "auditor1", "admin1", "officer3"])
def test_every_role_sees_the_page_and_only_officers_the_upload(as_user: Any, name: str) -> None:
    text = as_user(name).get("/transfer").get_data(as_text=True)
    assert 'id="export-form"' in text
    assert ('id="upload-form"' in text) == name.startswith("officer")


@pytest.mark.parametrize("name", ["manager1", "auditor1", "admin1"])
def test_who_records_nothing_may_not_import(app: Flask, as_user: Any, uploads: Path, name: str) -> None:
    client = as_user(name)
    assert upload(client, csv_bytes([PAY_HEADER, *GOOD])).status_code == 403
    token = csrf_from(client.get("/transfer").get_data(as_text=True))
    for action in ("confirm", "cancel"):
        assert client.post(f"/transfer/{action}", data={"csrf_token": token}).status_code == 403
    assert payments(app) == 4


# ---------------------------------------------------------- bad rows first


def test_a_bad_row_is_shown_with_sheet_row_column_and_reason_and_nothing_is_recorded(
    app: Flask, as_user: Any, uploads: Path
) -> None:
    client = as_user("officer1")
    rows = [PAY_HEADER, GOOD[0], ["2024-07-03", "P1", "一千", "某店", "", "记-103"], GOOD[1]]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "“支付明细.csv”有 1 处问题，未导入任何内容" in text
    ((sheet, row, column, reason),) = problems(text)
    assert (sheet, row, column) == ("支付明细", "第3行", "金额(元)")
    assert reason
    assert payments(app) == 4
    assert not any(uploads.rglob("*.csv")), "a refused file is not kept"
    assert 'action="/transfer/confirm"' not in client.get("/transfer").get_data(as_text=True)


def test_every_bad_row_of_a_workbook_is_listed(app: Flask, as_user: Any, uploads: Path) -> None:
    client = as_user("officer1")
    sheet = [
        PAY_HEADER,
        GOOD[0],
        ["2024-13-01", "P1", "5", "某店", None, "记-9"],
        ["2024-07-05", "NOPE", "5", "某店", None, "记-8"],
    ]
    response = upload(client, xlsx_bytes({"七月支付": sheet}), name="七月.xlsx")
    assert response.status_code == 422
    found = problems(response.get_data(as_text=True))
    assert [(s, r, c) for s, r, c, _ in found] == [
        ("七月支付", "第3行", "日期"),
        ("七月支付", "第4行", "项目编码"),
    ]
    assert payments(app) == 4


def test_a_file_of_another_kind_is_refused_beside_the_field(as_user: Any, uploads: Path) -> None:
    response = upload(as_user("officer1"), b"not a table", name="notes.txt")
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert "有 1 处需要修改" in text
    assert "“notes.txt”不是 .xlsx 或 .csv 文件" in text
    assert 'id="file-error"' in text


def test_a_file_with_a_header_and_no_rows_is_refused_and_nothing_is_kept(
    app: Flask, as_user: Any, uploads: Path
) -> None:
    before = payments(app)
    response = upload(as_user("officer1"), csv_bytes([PAY_HEADER]))
    assert response.status_code == 422
    assert "文件中没有数据行" in html.unescape(response.get_data(as_text=True))
    assert 'action="/transfer/confirm"' not in response.get_data(as_text=True)
    assert payments(app) == before


def test_a_missing_year_is_asked_for_on_this_page(as_user: Any, uploads: Path) -> None:
    response = upload(as_user("officer1"), csv_bytes([PAY_HEADER, *GOOD]), year="")
    assert response.status_code == 422
    (found,) = problems(response.get_data(as_text=True))
    assert "请在上传时填写“预算年度”" in found[3]
    assert "--year" not in found[3]


# ------------------------------------------------------ other units' rows


def test_another_units_rows_are_named_and_nothing_is_recorded(
    app: Flask, as_user: Any, uploads: Path
) -> None:
    client = as_user("officer1")
    rows = [PAY_HEADER, GOOD[0], ["2024-07-03", "P3", "10.00", "某医院", "", "记-201"]]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 422
    ((sheet, row, column, reason),) = problems(response.get_data(as_text=True))
    assert (sheet, row, column) == ("支付明细", "第3行", "项目编码")
    assert "项目 P3 属于单位 450003" in reason
    assert "不在您负责的单位" in reason
    assert payments(app) == 4


def test_a_parent_units_project_is_out_of_an_officers_reach(app: Flask, as_user: Any, uploads: Path) -> None:
    rows = [PAY_HEADER, ["2024-07-03", "P2", "10.00", "某装饰公司", "", "记-301"]]
    response = upload(as_user("officer1"), csv_bytes(rows))
    assert response.status_code == 422
    assert "项目 P2 属于单位 450001" in problems(response.get_data(as_text=True))[0][3]
    assert payments(app) == 4


def test_projects_of_another_or_a_new_unit_are_refused(app: Flask, as_user: Any, uploads: Path) -> None:
    header = ["项目编码", "项目名称", "预算单位", "支出类型", "功能分类科目", "资金来源", "预算数(万元)"]
    rows = [
        header,
        ["P10", "新项目", "450002满城区医保中心", "项目支出", "2101501", "一般公共预算财政拨款", "1"],
        ["P11", "他人项目", "450003易县医疗保障局", "项目支出", "2101501", "一般公共预算财政拨款", "1"],
        ["P12", "新单位项目", "450099某新单位", "项目支出", "2101501", "一般公共预算财政拨款", "1"],
    ]
    response = upload(as_user("officer1"), csv_bytes(rows), name="项目.csv")
    assert response.status_code == 422
    found = problems(response.get_data(as_text=True))
    assert [(r, c) for _, r, c, _ in found] == [("第3行", "预算单位"), ("第4行", "预算单位")]
    assert "450003" in found[0][3]
    assert "450099" in found[1][3]
    count = app.extensions["tracker"].read.one("SELECT COUNT(*) AS n FROM rm_projects")["n"]
    assert count == 3


def test_an_officer_imports_for_a_unit_below_theirs(app: Flask, as_user: Any, uploads: Path) -> None:
    t = app.extensions["tracker"]
    t.add_unit("450004", "满城区医保中心分所", parent="450002", user="种子")
    header = ["项目编码", "项目名称", "预算单位", "支出类型", "功能分类科目", "资金来源", "预算数(万元)"]
    rows = [header, ["P20", "分所项目", "450004", "项目支出", "2101501", "一般公共预算财政拨款", "2"]]
    client = as_user("officer1")
    assert upload(client, csv_bytes(rows), name="项目.csv").status_code == 302
    response = client.post("/transfer/confirm", data=confirm_form(client))
    assert response.status_code == 302
    assert t.read.one("SELECT unit_code FROM rm_projects WHERE code = 'P20'") == {"unit_code": "450004"}


# ---------------------------------------------------------------- confirm


def test_a_checked_file_waits_unrecorded_until_confirmed_and_records_once(
    app: Flask, as_user: Any, uploads: Path
) -> None:
    client = as_user("officer1")
    response = upload(client, csv_bytes([PAY_HEADER, *GOOD]))
    assert response.status_code == 302
    assert payments(app) == 4, "nothing is recorded before the confirmation"
    kept = list(uploads.rglob("支付明细.csv"))
    assert len(kept) == 1
    assert len(kept[0].parent.name) >= 20  # a random folder name
    text = client.get("/transfer").get_data(as_text=True)
    assert "“支付明细.csv”校验通过，尚未记录任何内容" in text
    assert "支付：将新增 <strong>2</strong>，已存在 0" in text

    form = confirm_form(client)
    response = client.post("/transfer/confirm", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "已导入“支付明细.csv”：新增支付 2" in response.get_data(as_text=True)
    assert payments(app) == 6
    assert not any(uploads.rglob("*.csv")), "the file is deleted once imported"

    again = client.post("/transfer/confirm", data=form, follow_redirects=True)  # a second click
    assert "已导入“支付明细.csv”：新增支付 2" in again.get_data(as_text=True)
    assert payments(app) == 6

    assert upload(client, csv_bytes([PAY_HEADER, *GOOD])).status_code == 302  # the same file again
    assert "支付：将新增 <strong>0</strong>，已存在 2" in client.get("/transfer").get_data(as_text=True)
    response = client.post("/transfer/confirm", data=confirm_form(client), follow_redirects=True)
    assert "均已存在，未新增任何记录" in response.get_data(as_text=True)
    assert payments(app) == 6


def test_the_recorded_payments_name_the_officer(app: Flask, as_user: Any, uploads: Path) -> None:
    client = as_user("officer1")
    upload(client, csv_bytes([PAY_HEADER, GOOD[0]]))
    client.post("/transfer/confirm", data=confirm_form(client))
    history = app.extensions["tracker"].history("P1", 2024)
    assert history[-1]["user"] == "officer1"


def test_cancel_deletes_the_kept_file(app: Flask, as_user: Any, uploads: Path) -> None:
    client = as_user("officer1")
    upload(client, csv_bytes([PAY_HEADER, *GOOD]))
    token = csrf_from(client.get("/transfer").get_data(as_text=True))
    response = client.post("/transfer/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "已取消导入，未记录任何内容" in response.get_data(as_text=True)
    assert not any(uploads.rglob("*.csv"))
    assert payments(app) == 4


def test_a_confirmation_without_its_file_records_nothing(app: Flask, as_user: Any, uploads: Path) -> None:
    client = as_user("officer1")
    upload(client, csv_bytes([PAY_HEADER, *GOOD]))
    form = confirm_form(client)
    response = client.post("/transfer/confirm", data={**form, "token": "x" * 32}, follow_redirects=True)
    assert "没有待确认的导入" in response.get_data(as_text=True)
    assert payments(app) == 4


def test_a_kept_file_belongs_to_its_uploaders_session(app: Flask, as_user: Any, uploads: Path) -> None:
    client = as_user("officer1")
    upload(client, csv_bytes([PAY_HEADER, *GOOD]))
    form = confirm_form(client)
    other = app.test_client()
    page = other.get("/login").get_data(as_text=True)
    other.post(
        "/login", data={"name": "officer3", "password": "correct-horse-1", "csrf_token": csrf_from(page)}
    )
    token = csrf_from(other.get("/transfer").get_data(as_text=True))
    response = other.post("/transfer/confirm", data={**form, "csrf_token": token}, follow_redirects=True)
    assert "没有待确认的导入" in response.get_data(as_text=True)
    assert payments(app) == 4


def test_the_ledger_changing_after_the_check_is_caught_at_confirmation(
    app: Flask, as_user: Any, uploads: Path
) -> None:
    client = as_user("officer1")
    upload(client, csv_bytes([PAY_HEADER, ["2024-07-01", "P1", "149999.50", "某公司", "", "记-500"]]))
    app.extensions["tracker"].pay("P1", "100", date="2024-07-01", payee="抢先", user="种子")
    response = client.post("/transfer/confirm", data=confirm_form(client))
    assert response.status_code == 422
    assert problems(response.get_data(as_text=True))[0][2] == "金额(元)"
    assert payments(app) == 5  # the one paid meanwhile, nothing of the file


# --------------------------------------------------------------- downloads


def download(client: FlaskClient, **args: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.get(f"/transfer/download?{query}")


@pytest.mark.parametrize("name", ["officer1", "manager1", "auditor1", "admin1", "officer3"])
def test_every_role_downloads_the_tables_of_what_it_may_read(as_user: Any, name: str) -> None:
    client = as_user(name)
    response = download(client, kind="function", format="xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    text = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert ("易县" in text or "2101599" in text) == (name in ("auditor1", "admin1", "officer3"))


@pytest.mark.parametrize(
    ("name", "unit"),
    [("officer1", "450003"), ("officer1", "450001"), ("manager1", "450003"), ("officer3", "450002")],
)
def test_another_units_tables_are_forbidden(as_user: Any, name: str, unit: str) -> None:
    assert download(as_user(name), kind="summary", unit=unit).status_code == 403


def test_csv_and_the_data_package(as_user: Any) -> None:
    client = as_user("auditor1")
    response = download(client, kind="three-public", format="csv", unit="450003")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    assert response.mimetype == "text/csv"
    package = download(client, kind="fdp")
    assert package.status_code == 200
    assert package.mimetype == "application/zip"
    assert package.data[:2] == b"PK"


def test_the_monitoring_table_needs_a_unit(as_user: Any) -> None:
    response = download(as_user("auditor1"), kind="monitoring")
    assert response.status_code == 422
    assert "绩效运行监控表按单位填报" in response.get_data(as_text=True)


def test_an_officers_monitoring_table_is_their_units(as_user: Any) -> None:
    response = download(as_user("officer1"), kind="monitoring", format="csv")
    assert response.status_code == 200
    assert "P1" in response.data.decode("utf-8-sig")
    assert "P3" not in response.data.decode("utf-8-sig")


def test_the_self_evaluation_form_of_a_readable_project(as_user: Any) -> None:
    client = as_user("officer1")
    assert download(client, kind="selfeval", project="P1").status_code == 200
    assert download(client, kind="selfeval", project="P3").status_code == 403
    missing = download(client, kind="selfeval", project="P404")
    assert missing.status_code == 422
    assert "2024 年没有编码为 P404 的项目" in missing.get_data(as_text=True)
    empty = download(client, kind="selfeval")
    assert empty.status_code == 422


def test_an_unknown_table_is_refused_beside_the_field(as_user: Any) -> None:
    response = download(as_user("manager1"), kind="nope")
    assert response.status_code == 422
    assert 'id="kind-error"' in response.get_data(as_text=True)


def test_downloads_stand_on_the_as_of_date(as_user: Any) -> None:
    client = as_user("officer1")
    response = client.get("/transfer/download?kind=summary&format=csv&as_of=2024-03-31")
    assert response.status_code == 200
    assert (
        "截至2024-03-31" in response.headers["Content-Disposition"]
        or "2024-03-31" in response.headers["Content-Disposition"]
    )
