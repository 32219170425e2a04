"""汇总 (/rollups): every role sees the roll-ups of what it may read, and nothing else.

The seeded world (tests/webdata.py), as of 2024-07-15:
    450001 满城区医疗保障局   P2 2101502 办公室整修  500,000.00, paid 60,000.00
      └─ 450002 满城区医保中心 P1 2101501 宣传      200,000.00, paid 50,000.50
    450003 易县医疗保障局     P3 2101599 审核 (上级补助) 80,000.00, paid 50,000.00
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from webdata import TODAY

from web.views.rollups import marginal

URL = "/rollups"


def page(client: FlaskClient, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def figure(text: str, chart: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{chart}-chart-data">(.*?)</script>', text, re.S)
    assert found, f"no {chart} figure"
    return dict(json.loads(found.group(1)))


def table(text: str, table_id: str) -> str:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', text, re.S)
    assert found, f"no table {table_id}"
    return html.unescape(found.group(0))


def test_anonymous_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("name", "heading", "shown", "hidden"),
    [
        ("officer1", "450002 满城区医保中心（含下级单位）", ["2101501"], ["2101502", "2101599", "易县"]),
        ("manager1", "450001 满城区医疗保障局（含下级单位）", ["2101501", "2101502"], ["2101599", "易县"]),
        ("officer3", "450003 易县医疗保障局（含下级单位）", ["2101599"], ["2101501", "满城区"]),
        ("auditor1", "全部单位", ["2101501", "2101502", "2101599", "易县"], []),
        ("admin1", "全部单位", ["2101501", "2101502", "2101599", "易县"], []),
    ],
)
def test_every_role_sees_the_rollups_of_what_it_may_read(
    as_user: Any, name: str, heading: str, shown: list[str], hidden: list[str]
) -> None:
    text = page(as_user(name))
    assert heading in text
    main = text[text.index("<main") :]
    for word in shown:
        assert word in main
    for word in hidden:
        assert word not in main


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("officer1", "450003"),
        ("officer1", "450001"),  # the parent of the officer's unit is not theirs
        ("manager1", "450003"),
        ("officer3", "450002"),
        ("officer1", "999999"),  # an unknown unit is not told apart from a forbidden one
    ],
)
def test_another_units_rollup_is_forbidden(as_user: Any, name: str, unit: str) -> None:
    response = as_user(name).get(f"{URL}?unit={unit}")
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)


def test_an_unknown_unit_is_not_found_for_who_may_read_everything(as_user: Any) -> None:
    assert as_user("auditor1").get(f"{URL}?unit=999999").status_code == 404


def test_all_units_is_offered_only_to_who_may_read_every_unit(as_user: Any) -> None:
    client = as_user("officer1")
    text = page(client, f"{URL}?unit=all")
    assert "450002 满城区医保中心（含下级单位）" in text
    assert '<option value="all"' not in text
    assert "易县" not in text[text.index("<main") :]


def test_a_manager_may_narrow_to_a_unit_below(as_user: Any) -> None:
    text = page(as_user("manager1"), f"{URL}?unit=450002")
    assert "450002 满城区医保中心（含下级单位）" in text
    assert "2101502" not in table(text, "functional-table")


def test_the_functional_bars_open_their_projects_as_of_the_day(as_user: Any) -> None:
    text = page(as_user("officer1"))
    fig = figure(text, "functional")
    assert fig["links"] == {"2101501": "/projects?unit=450002&functional=2101501&as_of=2024-07-15&year=2024"}
    rows = table(text, "functional-table")
    assert 'href="/projects?unit=450002&functional=2101501&as_of=2024-07-15&year=2024"' in rows
    assert "200,000.00" in rows
    assert "50,000.50" in rows
    assert "25.00%" in rows  # 50,000.50 of 200,000.00


def test_the_functional_level_is_chosen_in_the_url(as_user: Any) -> None:
    client = as_user("auditor1")
    text = page(client, f"{URL}?level=3")
    rows = table(text, "functional-table")
    assert "210 卫生健康支出" in rows
    assert "780,000.00" in rows  # all three projects in one 类
    assert client.get(f"{URL}?level=4").status_code == 400
    assert client.get(f"{URL}?level=x").status_code == 400


def test_the_heat_map_shows_each_month_against_plan_with_its_table(as_user: Any) -> None:
    text = page(as_user("officer1"))
    fig = figure(text, "heat")
    trace = fig["data"][0]
    assert trace["x"] == ["1月", "2月", "3月", "4月", "5月", "6月", "7月"]
    assert trace["y"] == ["满城区医保中心"]
    # March: 30,000 paid of 25% x 200,000 planned = 60%; June: 50,000.50 of 100,000 = 50.0005%
    assert trace["z"][0][2] == 60
    assert trace["z"][0][5] == 50
    assert fig["links"]["450002|2024-03"] == "/projects?unit=450002&as_of=2024-03-31&year=2024"
    assert fig["links"]["450002|2024-07"] == "/projects?unit=450002&as_of=2024-07-15&year=2024"
    rows = table(text, "heat-table")
    assert "60.00%" in rows
    assert "预警" in rows
    assert 'href="/projects?unit=450002&as_of=2024-03-31&year=2024"' in rows


def test_the_heat_map_of_every_unit_has_a_total_row(as_user: Any) -> None:
    text = page(as_user("auditor1"))
    trace = figure(text, "heat")["data"][0]
    assert trace["y"] == ["满城区医疗保障局", "　满城区医保中心", "易县医疗保障局", "合计"]
    rows = table(text, "heat-table")
    assert "<tfoot>" in rows
    assert 'href="/projects?unit=all&as_of=2024-01-31&year=2024"' in rows


def test_sources_and_types_are_stacked_bars_with_tables(as_user: Any) -> None:
    text = page(as_user("auditor1"))
    source = figure(text, "source")
    assert source["layout"]["barmode"] == "stack"
    assert source["data"][0]["y"] == ["一般公共预算财政拨款", "上级补助"]  # the official order
    assert (
        source["links"]["上级补助"]
        == "/projects?unit=all&source=%E4%B8%8A%E7%BA%A7%E8%A1%A5%E5%8A%A9&as_of=2024-07-15&year=2024"
    )
    assert "上级补助" in table(text, "source-table")
    types = table(text, "type-table")
    assert "项目支出" in types
    assert "780,000.00" in types


def test_the_page_stands_on_the_as_of_date(as_user: Any) -> None:
    text = page(as_user("officer1"), f"{URL}?as_of=2024-03-31")
    trace = figure(text, "heat")["data"][0]
    assert trace["x"] == ["1月", "2月", "3月"]
    rows = table(text, "functional-table")
    assert "30,000.00" in rows
    assert "20,000.50" not in rows
    assert "as_of=2024-03-31" in figure(text, "functional")["links"]["2101501"]


def test_a_year_without_projects_says_what_to_do(as_user: Any) -> None:
    text = page(as_user("manager1"), f"{URL}?year=2023")
    assert 'id="empty-state"' in text
    assert "导入项目表" in text
    assert "data-figure" not in text


def test_the_navigation_links_the_rollups_for_every_role(as_user: Any) -> None:
    text = page(as_user("manager1"), "/rollups")
    assert 'href="/rollups"' in text


@pytest.mark.parametrize(
    ("axis", "dimension", "level"), [(0, "functional", 7), (0, "functional", 3), (1, "source", None)]
)
def test_one_pivot_serves_two_charts_as_the_single_roll_ups_would(
    app: Flask, axis: int, dimension: str, level: int | None
) -> None:
    t = app.extensions["tracker"]
    t.add_project(
        year=2024, unit="450002", code="P4", name="第二个来源", functional="2101501", source="上年结转"
    )
    t.appropriate("P4", "10000", date="2024-02-01", user="种子")
    t.pay("P4", "2500", date="2024-03-01", payee="某", user="种子")
    day = TODAY
    pivot = t.queries.rollup(2024, ["functional", "source"], level, day, None)
    alone = t.queries.rollup(2024, [dimension], level, day, None)
    got = marginal(pivot, axis)
    assert [(r["key"], r["name"], r["projects"]) for r in got["rows"]] == [
        (r["key"], r["name"], r["projects"]) for r in alone["rows"]
    ]
    for mine, theirs in zip(got["rows"], alone["rows"], strict=True):
        f, g = mine["figures"], theirs["figures"]
        assert (f.budget, f.disbursed, f.planned_amount, f.forecast_amount) == (
            g.budget,
            g.disbursed,
            g.planned_amount,
            g.forecast_amount,
        )


def test_several_rollups_from_one_status_read_equal_each_read_alone(app: Flask) -> None:
    q = app.extensions["tracker"].queries
    day = dt.date(2024, 6, 30)
    pivot, types = q.rollups(2024, [["functional", "source"], ["type"]], 5, day, "450001")
    assert pivot == q.rollup(2024, ["functional", "source"], 5, day, "450001")
    assert {**types, "level": None} == q.rollup(2024, ["type"], None, day, "450001")
