"""The API's year end: ``POST /rollover`` (admins, officers of the unit) and
``GET /ranking`` (the 通报), answering what the CLI prints as JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import Api, cli_json, error_of, make_template, open_copy


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-year-end"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


def new_year(api: Api) -> None:
    api.app.config["TRACKER_TODAY"] = dt.date(2025, 1, 2)


def test_a_dry_run_lists_and_records_nothing_then_the_rollover_carries_once(api: Api) -> None:
    new_year(api)
    before = api.events()
    preview = api.post("/rollover", "admin1", {"from_year": 2024, "dry_run": True}, key=None)
    assert preview.status_code == 200, preview.get_json()
    items = {i["code"]: i for i in preview.get_json()["data"]["items"]}
    assert (items["P1"]["balance"], items["P1"]["balance_wan"]) == ("149999.50", "15.00")
    assert items["P1"]["outcome"] == "would_carry"
    assert api.events() == before
    done = api.post("/rollover", "admin1", {"from_year": 2024}, key=None).get_json()["data"]
    assert {i["outcome"] for i in done["items"]} == {"carried"}
    after = api.events()
    again = api.post("/rollover", "admin1", {"from_year": 2024}, key=None).get_json()["data"]
    assert {i["outcome_label"] for i in again["items"]} == {"已结转，未重复记录"}
    assert api.events() == after


def test_an_officer_carries_only_a_unit_they_record_for(api: Api) -> None:
    new_year(api)
    error_of(api.post("/rollover", "officer1", {"from_year": 2024}, key=None), 422)
    error_of(api.post("/rollover", "officer1", {"from_year": 2024, "unit": "450003"}, key=None), 403)
    error_of(api.post("/rollover", "manager1", {"from_year": 2024, "unit": "450002"}, key=None), 403)
    done = api.post("/rollover", "officer1", {"from_year": 2024, "unit": "450002"}, key=None)
    assert [i["code"] for i in done.get_json()["data"]["items"]] == ["P1"]


def test_a_year_not_over_is_refused_naming_the_year(api: Api) -> None:
    body = error_of(api.post("/rollover", "admin1", {"from_year": 2024}, key=None), 422)
    assert body["field"] == "年度"


def test_the_ranking_answers_what_the_cli_prints(api: Api) -> None:
    query = "/ranking?year=2024&as_of=2024-06-30&unit=450001"
    data = api.get(query, "manager1").get_json()["data"]
    assert [(r["rank"], r["unit"], r["execution_rate"]) for r in data["rows"]] == [
        (1, "450002", 25.0),  # 50,000.50 of 200,000
        (2, "450001", 12.0),  # its own P2: 60,000 of 500,000
    ]
    assert data["rows"][1]["name"] == "满城区医疗保障局（本级）"
    assert data["rows"][0]["change_points"] is None  # no 2023 projects
    args = ("ranking", "--year", "2024", "--as-of", "2024-06-30", "--unit", "450001", "--format", "json")
    assert cli_json(api.db, *args) == data


def test_the_ranking_of_another_branch_is_forbidden(api: Api) -> None:
    error_of(api.get("/ranking?year=2024&as_of=2024-06-30&unit=450003", "manager1"), 403)


def test_the_ranking_as_known_on_a_moment_counts_only_what_was_recorded_by_then(api: Api) -> None:
    query = "/ranking?year=2024&as_of=2024-06-30&unit=450001"
    early = api.get(query + "&known_on=2000-01-01T00:00", "manager1").get_json()["data"]
    assert early["rows"] == []  # nothing had been registered yet
    args = ("ranking", "--year", "2024", "--as-of", "2024-06-30", "--unit", "450001", "--format", "json")
    assert cli_json(api.db, *args, "--known-on", "2000-01-01T00:00") == early
    refused = error_of(api.get(query + "&known_on=昨天", "manager1"), 422)
    assert refused["field"] == "依据时点"
