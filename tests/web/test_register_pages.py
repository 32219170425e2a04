"""The pages that add a project (with its plan) and an indicator: who sees the links
and may use the forms, what they refuse and where they say so (everything typed kept),
and that a double submit records once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from webdata import csrf_from

NEW_PROJECT = "/projects/new"
P1_INDICATOR = "/projects/2024/P1/indicators/new"
GOOD_PROJECT = {
    "year": "2024",
    "unit": "450002",
    "code": "P9",
    "name": "医保政策宣传",
    "type": "项目支出",
    "functional": "2101501",
    "economic": "30201",
    "source": "一般公共预算财政拨款",
    "owner": "王五",
    "mode": "percent",
    "cp_date_0": "2024-03-31",
    "cp_value_0": "",
    "cp_date_1": "2024-06-30",
    "cp_value_1": "40",
    "cp_date_2": "2024-10-31",
    "cp_value_2": "75",
    "cp_date_3": "2024-12-31",
    "cp_value_3": "100",
}
GOOD_INDICATOR = {
    "level1": "产出指标",
    "level2": "数量指标",
    "name": "宣传场次",
    "target": "≥20场",
    "weight": "20",
}


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def hidden(html: str) -> dict[str, str]:
    found = re.search(r'name="request_id" value="([^"]+)"', html)
    assert found, "the form carries no request id"
    return {"csrf_token": csrf_from(html), "request_id": found.group(1)}


def post_form(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**hidden(page.get_data(as_text=True)), **data})


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# ---------------------------------------------------------------- project


def test_an_officer_adds_a_project_with_its_plan_and_lands_on_its_page(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    listing = text(client.get("/projects"))
    assert 'id="new-project"' in listing
    form = text(client.get(NEW_PROJECT))
    assert 'value="450002"' in form
    assert 'value="450003"' not in form, "another branch's unit is not offered"
    assert 'value="2024-12-31"' in form, "the common plan is filled in"
    response = post_form(client, NEW_PROJECT, GOOD_PROJECT)
    assert response.status_code == 302, text(response)[:2000]
    assert response.headers["Location"].startswith("/projects/2024/P9")
    page = text(client.get(response.headers["Location"]))
    assert "已添加 2024 年项目 P9 医保政策宣传" in page
    shown = app.extensions["tracker"].show("P9", 2024)
    assert (shown["unit"], shown["owner"], shown["functional"]) == ("450002", "王五", "2101501")
    assert shown["plan"] == "03-31:,06-30:40%,10-31:75%,12-31:100%"


def test_a_double_submit_adds_the_project_once(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    page = text(client.get(NEW_PROJECT))
    data = {**hidden(page), **GOOD_PROJECT}
    assert client.post(NEW_PROJECT, data=data).status_code == 302
    count = events(app)
    assert client.post(NEW_PROJECT, data=data).status_code == 302
    assert events(app) == count


def test_every_bad_field_is_named_at_once_and_everything_typed_is_kept(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    count = events(app)
    bad = {
        **GOOD_PROJECT,
        "code": "",
        "functional": "99",
        "name": "保留的名称",
        "cp_value_1": "20",
        "cp_value_2": "abc",
    }
    response = post_form(client, NEW_PROJECT, bad)
    assert response.status_code == 422
    page = text(response)
    assert "error-summary" in page
    assert 'href="#code"' in page
    assert 'href="#functional"' in page
    assert 'href="#cp_value_2"' in page
    assert 'value="保留的名称"' in page
    assert events(app) == count


def test_a_project_code_already_used_this_year_is_refused_beside_the_code(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    count = events(app)
    response = post_form(client, NEW_PROJECT, {**GOOD_PROJECT, "code": "P1"})
    assert response.status_code == 422
    assert "2024 年已有编码为 P1 的项目" in text(response)
    assert 'href="#code"' in text(response)
    bad_plan = {**GOOD_PROJECT, "cp_value_1": "80", "cp_value_2": "50"}
    assert post_form(client, NEW_PROJECT, bad_plan).status_code == 422
    assert events(app) == count


def test_an_officer_cannot_add_a_project_to_another_units_branch(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    count = events(app)
    response = post_form(client, NEW_PROJECT, {**GOOD_PROJECT, "unit": "450003"})
    assert response.status_code == 422
    assert "只能为本单位及下级单位添加项目" in text(response)
    assert events(app) == count


def test_an_admin_adds_a_project_to_any_unit_without_a_plan(app: Flask, as_user: Any) -> None:
    client = as_user("admin1")
    form = text(client.get(NEW_PROJECT))
    assert 'value="450003"' in form
    empty_plan = {k: v for k, v in GOOD_PROJECT.items() if not k.startswith("cp_")}
    response = post_form(client, NEW_PROJECT, {**empty_plan, "unit": "450003", "code": "PX"})
    assert response.status_code == 302, text(response)[:2000]
    shown = app.extensions["tracker"].show("PX", 2024)
    assert (shown["unit"], shown["plan"]) == ("450003", None)


@pytest.mark.parametrize("who", ["manager1", "auditor1"])
def test_managers_and_auditors_see_no_link_and_get_403(app: Flask, as_user: Any, who: str) -> None:
    client = as_user(who)
    assert 'id="new-project"' not in text(client.get("/projects"))
    assert client.get(NEW_PROJECT).status_code == 403
    assert 'id="new-indicator"' not in text(client.get("/projects/2024/P1"))
    assert client.get(P1_INDICATOR).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(NEW_PROJECT)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# -------------------------------------------------------------- indicator


def test_an_officer_adds_an_indicator_from_the_project_page(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    page = text(client.get("/projects/2024/P1"))
    assert 'id="new-indicator"' in page
    response = post_form(client, P1_INDICATOR, GOOD_INDICATOR)
    assert response.status_code == 302, text(response)[:2000]
    landed = text(client.get(response.headers["Location"].split("#")[0]))
    assert "已添加绩效指标“宣传场次”（指标值 ≥20场）" in landed
    rows = app.extensions["tracker"].indicators("P1", 2024)
    assert [(r["name"], r["kind"], r["weight"]) for r in rows] == [("宣传场次", "at_least", "20")]


def test_a_double_submit_adds_the_indicator_once(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    data = {**hidden(text(client.get(P1_INDICATOR))), **GOOD_INDICATOR}
    assert client.post(P1_INDICATOR, data=data).status_code == 302
    assert client.post(P1_INDICATOR, data=data).status_code == 302
    assert len(app.extensions["tracker"].indicators("P1", 2024)) == 1


def test_a_bad_indicator_is_refused_by_field_and_kept(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    count = events(app)
    response = post_form(
        client, P1_INDICATOR, {**GOOD_INDICATOR, "weight": "200", "level2": "", "name": "留着"}
    )
    assert response.status_code == 422
    page = text(response)
    assert 'href="#weight"' in page
    assert 'href="#level2"' in page
    assert "分值必须在 0 到 100 之间" in page
    assert 'value="留着"' in page
    assert events(app) == count


def test_indicators_are_added_only_within_the_officers_units(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    assert 'id="new-indicator"' not in text(client.get("/projects/2024/P2"))
    assert client.get("/projects/2024/P2/indicators/new").status_code == 403
    assert client.get("/projects/2024/P3/indicators/new").status_code == 403
    assert client.get("/projects/2024/NOPE/indicators/new").status_code == 404


def test_an_admin_adds_an_indicator_to_any_project(app: Flask, as_user: Any) -> None:
    client = as_user("admin1")
    assert 'id="new-indicator"' in text(client.get("/projects/2024/P3"))
    response = post_form(client, "/projects/2024/P3/indicators/new", GOOD_INDICATOR)
    assert response.status_code == 302, text(response)[:2000]
