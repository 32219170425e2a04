"""The 排名 page (the 通报 with its chart, table and .xlsx) and the 年末结转 page
(preview, then 确认结转), on the test client."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
from flask import Flask
from webdata import csrf_from

RANKING = "/ranking?as_of=2024-06-30&unit=450001"


def test_the_ranking_page_ranks_the_children_with_a_chart_and_a_table(as_user) -> None:  # type: ignore[no-untyped-def]
    html = as_user("manager1").get(RANKING).get_data(as_text=True)
    assert "2024年预算执行进度通报（截至 6月30日）" in html
    rows = re.findall(r'<tr data-unit="(\w+)">', html)
    assert rows == ["450002", "450001"]  # 25.00% before its own 12.00%
    assert "满城区医疗保障局（本级）" in html
    chart = json.loads(re.search(r'id="ranking-chart-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert chart["title"] == "各单位执行率"
    assert chart["data"][0]["orientation"] == "h"
    assert 'class="data sortable"' in html


def test_the_ranking_page_exports_its_view_as_the_tongbao(as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("manager1").get("/ranking.xlsx?as_of=2024-06-30&unit=450001")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "2024年预算执行进度通报（截至 6月30日）"
    assert [r[3] for r in values if r[1] in ("450002", "450001", "合计")] == [20.0, 50.0, 70.0]


def test_a_unit_outside_the_users_reach_is_forbidden(as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("manager1").get("/ranking?unit=450003").status_code == 403


def test_the_rollover_page_previews_then_carries_once(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    app.config["TRACKER_TODAY"] = dt.date(2025, 1, 2)
    client = as_user("admin1")
    preview = client.get("/rollover?from_year=2024&unit=450001")
    html = preview.get_data(as_text=True)
    assert "结转预览（尚未记录）" in html
    assert "确认结转" in html
    request_id = re.search(r'name="request_id" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf_from(html), "request_id": request_id, "from_year": "2024", "unit": "450001"}
    done = client.post("/rollover", data=form).get_data(as_text=True)
    assert "结转结果" in done
    assert app.extensions["tracker"].show("P1", 2025)["budget"] == "149999.50"
    again = client.post("/rollover", data=form).get_data(as_text=True)
    assert "已结转，未重复记录" in again
    assert app.extensions["tracker"].show("P1", 2025)["budget"] == "149999.50"


def test_a_year_not_over_comes_back_beside_the_year(as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("admin1").get("/rollover?from_year=2024")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "有 1 处需要修改" in html
    assert 'id="from_year-error"' in html


def test_an_officer_carries_only_their_own_units(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("officer1")
    assert client.get("/rollover?from_year=2023&unit=450003").status_code == 403
    assert client.get("/rollover?from_year=2023&unit=450002").status_code == 200
    assert as_user("manager1").get("/rollover").status_code == 403


def test_the_project_list_links_an_officer_to_the_rollover(as_user) -> None:  # type: ignore[no-untyped-def]
    html = as_user("officer1").get("/projects").get_data(as_text=True)
    assert 'id="rollover-link"' in html


def test_the_ranking_page_and_its_xlsx_follow_the_known_on_moment(as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("manager1")
    before = "&known_on=2000-01-01T00:00"  # before anything was recorded: nothing counts
    html = client.get(RANKING + before).get_data(as_text=True)
    assert "依据" in html
    assert re.findall(r'<tr data-unit="(\w+)">', html) == []
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/ranking.xlsx?as_of=2024-06-30&unit=450001" + before).data)
    )
    values = list(sheet.active.iter_rows(values_only=True))
    assert [r[3] for r in values if r[1] in ("450002", "450001")] == []


def test_an_officer_opening_the_rollover_page_sees_no_error_before_asking(as_user) -> None:  # type: ignore[no-untyped-def]
    first = as_user("officer1").get("/rollover")  # officer1 records for one unit: it is chosen
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "需要修改" not in html
    assert "请选择要结转的单位" not in html
