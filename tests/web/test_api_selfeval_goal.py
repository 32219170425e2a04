"""The 年度总体目标 through the API: an officer of the project's unit writes the 预期目标
and 实际完成情况 (idempotent on its key), the form comes back with them, and the JSON is
the CLI's; an empty text is a 422 naming the field; another unit's officer gets 403."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import Api, cli_json, error_of, make_template, open_copy

URL = "/projects/2024/P1/selfeval/goal"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-goal"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


def test_an_officer_writes_the_goal_and_the_form_shows_it(api: Api) -> None:
    done = api.post(URL, "officer1", {"goal": "完成宣传", "outcome": "已完成"}, key="g1")
    assert done.status_code == 200, done.get_json()
    data = done.get_json()["data"]
    assert (data["goal"], data["outcome"]) == ("完成宣传", "已完成")
    assert data["funds"][0]["label"] == "年度资金总额"
    events = api.events()
    assert (
        api.post(URL, "officer1", {"goal": "完成宣传", "outcome": "已完成"}, key="g1").get_json()
        == done.get_json()
    )
    assert api.events() == events
    changed = api.post(URL, "officer1", {"outcome": "部分完成"}, key="g2").get_json()["data"]
    assert (changed["goal"], changed["outcome"]) == ("完成宣传", "部分完成")
    printed = cli_json(api.db, "selfeval", "P1", "--year", "2024", "--format", "json")
    assert (printed["goal"], printed["outcome"]) == ("完成宣传", "部分完成")


def test_bad_input_and_other_units_are_refused_with_nothing_recorded(api: Api) -> None:
    events = api.events()
    assert error_of(api.post(URL, "officer1", {"goal": "  "}, key="e1"), 422)["field"] == "预期目标"
    assert error_of(api.post(URL, "officer1", {}, key="e2"), 422)["field"] == "预期目标"
    error_of(api.post(URL, "officer3", {"goal": "别人的"}, key="e3"), 403)
    assert api.events() == events
