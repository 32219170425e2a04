"""The API's registers: adding units (administrators), projects with their plan and
indicators (administrators, or an officer of the unit's subtree); each with its
Idempotency-Key, its refusals by field, and nothing recorded on any refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import ROLES, Api, error_of, make_template, open_copy

UNIT = {"code": "450004", "name": "满城区医保稽核所", "parent": "450002"}
PROJECT = {
    "year": 2024,
    "unit": "450002",
    "code": "P9",
    "name": "医保政策宣传",
    "functional": "2101501",
    "economic": "30201",
    "plan": "03-31:25%,06-30:50%,10-31:75%,12-31:100%",
    "owner": "王五",
}
INDICATOR = {
    "level1": "产出指标",
    "level2": "数量指标",
    "name": "宣传场次",
    "target": "≥20场",
    "weight": "20",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-registers"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


# ------------------------------------------------------------------ units


def test_an_admin_adds_a_unit_and_the_same_key_adds_it_once(api: Api) -> None:
    done = api.post("/units", "admin1", UNIT, key="u-1")
    assert done.status_code == 201, done.get_json()
    assert done.get_json() == {"data": {"code": "450004", "name": "满城区医保稽核所", "parent": "450002"}}
    events = api.events()
    again = api.post("/units", "admin1", UNIT, key="u-1")
    assert (again.status_code, again.get_json()) == (201, done.get_json())
    assert api.events() == events
    clash = error_of(api.post("/units", "admin1", {**UNIT, "name": "别的名字"}, key="u-1"), 409)
    assert clash["field"] == "请求编号"
    assert api.events() == events
    listed = {u["code"]: u["parent_code"] for u in api.get("/units", "manager1").get_json()["data"]}
    assert listed["450004"] == "450002", "the manager of the parent sees the new unit in their subtree"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"name": ""}, 422, "单位名称"),
        ({"name": "某\x07单位"}, 422, "单位名称"),
        ({"code": "450001"}, 409, "单位编码"),
        ({"parent": "999999"}, 404, "上级单位"),
        ({"code": ""}, 422, "单位编码"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_a_bad_unit_is_refused_by_field_and_nothing_is_recorded(
    api: Api, change: dict[str, Any], status: int, field: str
) -> None:
    events = api.events()
    assert error_of(api.post("/units", "admin1", {**UNIT, **change}, key="bad"), status)["field"] == field
    assert api.events() == events


@pytest.mark.parametrize("who", ["officer1", "manager1", "auditor1", "officer3"])
def test_only_an_admin_adds_units(api: Api, who: str) -> None:
    events = api.events()
    assert "系统管理员" in error_of(api.post("/units", who, UNIT), 403)["error"]
    assert error_of(api.post("/units", None, UNIT), 401)
    assert api.events() == events


# --------------------------------------------------------------- projects


def test_an_officer_adds_a_project_with_its_plan_in_their_unit(api: Api) -> None:
    done = api.post("/projects", "officer1", PROJECT, key="p-1")
    assert done.status_code == 201, done.get_json()
    data = done.get_json()["data"]
    assert data["id"]
    assert {k: data[k] for k in ("year", "code", "unit", "unit_name", "owner", "plan", "budget")} == {
        "year": 2024,
        "code": "P9",
        "unit": "450002",
        "unit_name": "满城区医保中心",
        "owner": "王五",
        "plan": "03-31:25%,06-30:50%,10-31:75%,12-31:100%",
        "budget": "0.00",
    }
    assert (data["functional"], data["economic"], data["source"]) == (
        "2101501",
        "30201",
        "一般公共预算财政拨款",
    )
    events = api.events()
    again = api.post("/projects", "officer1", PROJECT, key="p-1")
    assert (again.status_code, again.get_json()) == (201, done.get_json())
    assert error_of(api.post("/projects", "officer1", {**PROJECT, "name": "改名"}, key="p-1"), 409)
    assert api.events() == events
    shown = api.get("/projects/2024/P9", "manager1").get_json()["data"]
    assert shown["history"][0]["user"] == "officer1"
    assert api.post(
        "/payments", "officer1", {"project": "P9", "amount": "1", "date": "2024-07-01", "payee": "某"}
    )


def test_an_admin_adds_a_project_in_any_unit(api: Api) -> None:
    done = api.post("/projects", "admin1", {**PROJECT, "unit": "450003", "plan": None}, key="p-admin")
    assert done.status_code == 201, done.get_json()
    assert (done.get_json()["data"]["unit"], done.get_json()["data"]["plan"]) == ("450003", None)


@pytest.mark.parametrize(
    ("who", "unit"), [("officer1", "450003"), ("officer1", "450001"), ("officer3", "450002")]
)
def test_an_officer_cannot_add_a_project_beyond_their_units(api: Api, who: str, unit: str) -> None:
    events = api.events()
    refused = error_of(api.post("/projects", who, {**PROJECT, "unit": unit}), 403)
    assert refused["field"] == "预算单位"
    assert api.events() == events


@pytest.mark.parametrize("who", ["manager1", "auditor1"])
def test_managers_and_auditors_add_no_projects(api: Api, who: str) -> None:
    events = api.events()
    assert error_of(api.post("/projects", who, PROJECT), 403)
    assert api.events() == events


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"plan": "03-31:25%,06-30:20%,12-31:100%"}, 422, "资金支出计划"),
        ({"plan": "bad"}, 422, "资金支出计划"),
        ({"functional": "99"}, 422, "功能分类科目"),
        ({"economic": "1"}, 422, "经济分类科目"),
        ({"source": "天上掉的"}, 422, "资金来源"),
        ({"type": "奇怪支出"}, 422, "支出类型"),
        ({"code": "P1"}, 409, "项目编码"),
        ({"name": ""}, 422, "项目名称"),
        ({"year": 1999}, 422, "年度"),
        ({"owner": "王\u202e五"}, 422, "负责人"),
    ],
)
def test_a_bad_project_is_refused_by_field_and_nothing_is_recorded(
    api: Api, change: dict[str, Any], status: int, field: str
) -> None:
    events = api.events()
    body = error_of(api.post("/projects", "officer1", {**PROJECT, **change}, key="bad"), status)
    assert body["field"] == field, body
    assert api.events() == events


def test_an_admin_adding_a_project_to_an_unknown_unit_is_told_which(api: Api) -> None:
    refused = error_of(api.post("/projects", "admin1", {**PROJECT, "unit": "999999"}), 404)
    assert refused["field"] == "预算单位"
    assert "999999" in refused["error"]


# ------------------------------------------------------------- indicators


def test_an_officer_adds_an_indicator_to_their_project_once(api: Api) -> None:
    done = api.post("/projects/2024/P1/indicators", "officer1", INDICATOR, key="i-1")
    assert done.status_code == 201, done.get_json()
    data = done.get_json()["data"]
    assert (data["name"], data["target_text"], data["kind"], data["weight"]) == (
        "宣传场次",
        "≥20场",
        "at_least",
        "20",
    )
    events = api.events()
    again = api.post("/projects/2024/P1/indicators", "officer1", INDICATOR, key="i-1")
    assert (again.status_code, again.get_json()) == (201, done.get_json())
    other = {**INDICATOR, "target": "≥30场"}
    assert error_of(api.post("/projects/2024/P1/indicators", "officer1", other, key="i-1"), 409)
    assert api.events() == events
    listed = api.get("/projects/2024/P1/indicators", "manager1").get_json()["data"]
    assert [i["id"] for i in listed] == [data["id"]]


def test_indicators_are_refused_beyond_the_callers_units_and_by_field(api: Api) -> None:
    events = api.events()
    assert (
        error_of(api.post("/projects/2024/P3/indicators", "officer1", INDICATOR), 403)["field"] == "项目编码"
    )
    assert error_of(api.post("/projects/2024/P2/indicators", "officer1", INDICATOR), 403)
    assert error_of(api.post("/projects/2024/P1/indicators", "manager1", INDICATOR), 403)
    assert (
        error_of(api.post("/projects/2024/NOPE/indicators", "officer1", INDICATOR), 404)["field"]
        == "项目编码"
    )
    bad_weight = {**INDICATOR, "weight": "200"}
    assert error_of(api.post("/projects/2024/P1/indicators", "officer1", bad_weight), 422)["field"] == "分值"
    no_target = {k: v for k, v in INDICATOR.items() if k != "target"}
    assert error_of(api.post("/projects/2024/P1/indicators", "officer1", no_target), 422)["field"] == "指标值"
    assert api.events() == events
    assert api.post("/projects/2024/P3/indicators", "admin1", INDICATOR).status_code == 201


# ------------------------------------------------------------ role matrix


@pytest.mark.parametrize("who", ROLES)
def test_every_register_for_every_role(api: Api, who: str) -> None:
    """Units: only the admin. Projects and indicators: the admin anywhere, an officer
    in their unit's subtree (officer1: 450002; officer3: 450003), nobody else."""
    may = {
        "unit": who == "admin1",
        "project 450002": who in ("admin1", "officer1"),
        "project 450003": who in ("admin1", "officer3"),
        "indicator P1": who in ("admin1", "officer1"),
        "indicator P3": who in ("admin1", "officer3"),
    }
    writes = {
        "unit": ("/units", UNIT),
        "project 450002": ("/projects", {**PROJECT, "code": "PA"}),
        "project 450003": ("/projects", {**PROJECT, "code": "PB", "unit": "450003"}),
        "indicator P1": ("/projects/2024/P1/indicators", INDICATOR),
        "indicator P3": ("/projects/2024/P3/indicators", INDICATOR),
    }
    for name, (path, body) in writes.items():
        events = api.events()
        response = api.post(path, who, body, key=name)
        if may[name]:
            assert response.status_code == 201, (who, name, response.get_json())
            assert api.events() > events
        else:
            error_of(response, 403)
            assert api.events() == events, (who, name)
