"""A unit's own (部门整体) indicators and self-evaluation through the API: added by an
admin or the unit's officer, read by the unit's readers exactly as the CLI prints it,
explained by its officer and signed off by its manager."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import Api, cli_json, error_of, make_template, open_copy

INDICATOR = {"year": 2024, "level1": "履职效果", "level2": "部门履职目标", "name": "参保率", "target": "≥95%"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-unit-level"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


def test_a_units_officer_adds_its_indicator_once_and_others_are_refused(api: Api) -> None:
    done = api.post("/units/450002/indicators", "officer1", INDICATOR, key="ui")
    assert done.status_code == 201, done.get_json()
    data = done.get_json()["data"]
    assert (data["unit"], data["year"], data["name"], data["kind"]) == ("450002", 2024, "参保率", "at_least")
    events = api.events()
    assert api.post("/units/450002/indicators", "officer1", INDICATOR, key="ui").get_json() == done.get_json()
    assert error_of(
        api.post("/units/450002/indicators", "officer1", {**INDICATOR, "name": "别"}, key="ui"), 409
    )
    for who, unit in (
        ("officer1", "450001"),
        ("officer1", "450003"),
        ("manager1", "450001"),
        ("auditor1", "450002"),
    ):
        error_of(api.post(f"/units/{unit}/indicators", who, INDICATOR, key=f"{who}-{unit}"), 403)
    assert error_of(api.post("/units/999999/indicators", "admin1", INDICATOR), 404)["field"] == "单位编码"
    assert error_of(api.post("/units/450002/indicators", "officer1", {**INDICATOR, "year": None}), 422)
    assert api.events() == events
    assert api.post("/units/450003/indicators", "admin1", INDICATOR, key="admin").status_code == 201


def test_a_units_selfeval_is_what_the_cli_prints_and_is_signed_by_its_manager(api: Api) -> None:
    fields = {k: v for k, v in INDICATOR.items() if k != "year"}
    iid = api.tracker.add_indicator("450002", **fields, year=2024, unit_level=True, user="种子")
    progress = f"/units/450002/indicators/{iid}/progress?year=2024"
    assert error_of(api.post(progress, "officer3", {"value": "90%", "date": "2024-12-31"}, key="p"), 403)
    assert (
        error_of(api.post(progress, "officer1", {"date": "2024-12-31"}, key="p"), 422)["field"]
        == "实际完成值"
    )
    recorded = api.post(progress, "officer1", {"value": "90%", "date": "2024-12-31"}, key="p")
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json()["data"]["indicators"][0]["actual"] == "90%"
    printed = cli_json(api.db, "selfeval", "450002", "--unit-level", "--year", "2024", "--format", "json")
    shown = api.get("/units/450002/selfeval?year=2024", "manager1")
    assert shown.get_json() == {"data": printed}
    assert error_of(api.get("/units/450002/selfeval?year=2024", "officer3"), 403)
    cause = {"indicator": str(iid), "cause": "新增人口未参保", "action": "入户宣传"}
    assert error_of(api.post("/units/450002/selfeval/causes?year=2024", "manager1", cause, key="c"), 403)
    explained = api.post("/units/450002/selfeval/causes?year=2024", "officer1", cause, key="c")
    assert explained.status_code == 200, explained.get_json()
    signing = {"signed_by": "张局长", "execution_cause": "无", "execution_action": "无"}
    assert error_of(api.post("/units/450002/selfeval/finalise?year=2024", "officer1", signing, key="f"), 403)
    assert error_of(api.post("/units/450003/selfeval/finalise?year=2024", "manager1", signing, key="f"), 403)
    signed = api.post("/units/450002/selfeval/finalise?year=2024", "manager1", signing, key="f")
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["data"]["finalised"] is True
    reopened = api.post("/units/450002/selfeval/reopen?year=2024", "manager1", {"reason": "重算"}, key="r")
    assert reopened.get_json()["data"]["finalised"] is False
