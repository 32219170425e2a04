"""Weights through the API, the same doors as ``tracker indicator weight`` / ``shares``:
an indicator's 分值 set later and a unit's 一级 shares, both events, idempotent on the
key, refused in Chinese naming the field (422), out of scope 403, nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import Api, error_of, make_template, open_copy


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-weights"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


def indicator(api: Api) -> str:
    return str(
        api.tracker.add_indicator(
            "P1",
            level1="产出指标",
            level2="数量指标",
            name="宣传场次",
            target="≥20场",
            year=2024,
            user="种子",
        )
    )


def test_an_officer_sets_a_weight_once_and_bad_weights_are_refused(api: Api) -> None:
    iid = indicator(api)
    url = f"/projects/2024/P1/indicators/{iid}/weight"
    done = api.post(url, "officer1", {"weight": "30"}, key="w1")
    assert done.status_code == 200, done.get_json()
    assert api.tracker.indicators("P1", 2024)[0]["weight"] == "30"
    events = api.events()
    assert api.post(url, "officer1", {"weight": "30"}, key="w1").get_json() == done.get_json()
    for bad in ("abc", "101", "-1"):
        assert error_of(api.post(url, "officer1", {"weight": bad}, key=f"bad-{bad}"), 422)["field"] == "分值"
    error_of(api.post(url, "officer3", {"weight": "10"}, key="w3"), 403)
    assert error_of(api.post("/projects/2024/P1/indicators/nope/weight", "officer1", {"weight": "1"}), 404)
    assert api.events() == events
    back = api.post(url, "officer1", {"weight": None}, key="w2")  # back to the template
    assert back.status_code == 200
    assert api.tracker.indicators("P1", 2024)[0]["weight"] is None


def test_a_units_shares_are_set_and_must_add_up_to_ninety(api: Api) -> None:
    url = "/units/450002/weight-shares"
    events = api.events()
    refused = error_of(api.post(url, "officer1", {"shares": "产出指标=40,效益指标=40"}, key="s0"), 422)
    assert refused["field"] == "一级分值"
    error_of(api.post("/units/450001/weight-shares", "officer1", {"shares": "产出指标=90"}, key="s1"), 403)
    assert api.events() == events
    done = api.post(url, "officer1", {"shares": "产出指标=40,效益指标=40,满意度指标=10"}, key="s2")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["data"] == {"unit": "450002", "shares": "产出指标=40,效益指标=40,满意度指标=10"}
