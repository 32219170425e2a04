"""The API's unit settings: the lag rule, the alert settings and the delivery channels
of a unit (administrators), channel secrets only as references and never answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import Api, error_of, make_template, open_copy

WECOM = {"kind": "wecom", "name": "财务群机器人", "params": {"key": "env:TRACKER_TEST_NO_SUCH_KEY"}}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-settings"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


def test_an_admin_reads_and_changes_a_units_lag_rule(api: Api, tmp_path: Path) -> None:
    shown = api.get("/units/450002/settings", "admin1").get_json()["data"]
    assert (shown["rule"], shown["yellow"], shown["red"], shown["escalation_days"]) == (
        "ratio",
        "80",
        "60",
        3,
    )
    done = api.put(
        "/units/450002/settings", "admin1", {"rule": "points", "yellow": "5", "red": "10"}, key="s"
    )
    assert done.status_code == 200, done.get_json()
    assert {k: done.get_json()["data"][k] for k in ("rule", "yellow", "red")} == {
        "rule": "points",
        "yellow": "5",
        "red": "10",
    }
    events = api.events()
    again = api.put(
        "/units/450002/settings", "admin1", {"rule": "points", "yellow": "5", "red": "10"}, key="s"
    )
    assert again.get_json() == done.get_json()
    assert error_of(api.put("/units/450002/settings", "admin1", {"rule": "ratio"}, key="s"), 409)
    assert api.events() == events


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rule": "sometimes"}, "预警规则"),
        ({"rule": "ratio", "yellow": "abc"}, "黄色阈值"),
        ({"rule": "ratio", "yellow": "50", "red": "70"}, "黄色阈值"),
        ({"yellow": "80"}, "预警规则"),
        ({"rule": "ratio", "min_points": "120"}, "最少落后百分点"),
        ({"rule": "ratio", "min_points": "1_0"}, "最少落后百分点"),
    ],
)
def test_a_bad_rule_is_refused_by_field_and_nothing_is_recorded(
    api: Api, body: dict[str, Any], field: str
) -> None:
    events = api.events()
    refused = error_of(api.put("/units/450002/settings", "admin1", body, key="bad"), 422)
    assert refused["field"] == field, refused
    assert api.events() == events


def test_the_minimum_points_of_the_ratio_rule_are_set_and_shown_like_the_cli(api: Api) -> None:
    assert api.get("/units/450002/settings", "admin1").get_json()["data"]["min_points"] == "3"
    done = api.put("/units/450002/settings", "admin1", {"rule": "ratio", "min_points": "５"}, key="m")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["data"]["min_points"] == "5"
    assert api.tracker.queries.rule_of(api.tracker.queries.units()["450002"]).min_points == 5


def test_alert_settings_are_replaced_whole(api: Api) -> None:
    body = {"rules": ["lag", "checkpoint_missed"], "escalation_days": 5, "managers": "张局长"}
    done = api.put("/units/450003/alert-settings", "admin1", body, key="a")
    assert done.status_code == 200, done.get_json()
    data = done.get_json()["data"]
    assert (data["alert_rules"], data["escalation_days"], data["managers"]) == (
        ["lag", "checkpoint_missed"],
        5,
        "张局长",
    )
    events = api.events()
    bad_rule = error_of(api.put("/units/450003/alert-settings", "admin1", {"rules": ["rain"]}, key="b"), 422)
    assert bad_rule["field"] == "预警规则"
    too_late = error_of(
        api.put("/units/450003/alert-settings", "admin1", {"escalation_days": 99}, key="c"), 422
    )
    assert too_late["field"] == "升级天数"
    assert api.events() == events


def test_a_channel_keeps_its_secret_as_a_reference_and_a_literal_secret_is_refused(api: Api) -> None:
    done = api.post("/units/450002/channels", "admin1", WECOM, key="ch")
    assert done.status_code == 201, done.get_json()
    data = done.get_json()["data"]
    assert (data["unit"], data["kind"], data["purpose"], data["params"]) == (
        "450002",
        "wecom",
        "alerts",
        {"key": "env:TRACKER_TEST_NO_SUCH_KEY"},
    )
    again = api.post("/units/450002/channels", "admin1", WECOM, key="ch")
    assert again.get_json() == done.get_json()
    events = api.events()
    literal = {**WECOM, "params": {"key": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}}
    refused = error_of(api.post("/units/450002/channels", "admin1", literal, key="lit"), 422)
    assert refused["field"] == "key"
    assert "693a91f6" not in refused["error"]
    nested = {**WECOM, "params": {"key": {"env": "X"}}}
    assert error_of(api.post("/units/450002/channels", "admin1", nested, key="n"), 422)["field"] == "key"
    unknown = error_of(api.post("/units/999999/channels", "admin1", WECOM, key="u"), 404)
    assert unknown["field"] == "单位编码"
    assert api.events() == events
    listed = api.get("/units/450002/channels", "admin1").get_json()["data"]
    assert [c["id"] for c in listed] == [data["id"]]


def test_a_test_send_reports_an_unreadable_secret_and_records_nothing(api: Api) -> None:
    channel = api.post("/units/450002/channels", "admin1", WECOM, key="ch").get_json()["data"]
    events = api.events()
    failed = error_of(api.call("POST", f"/channels/{channel['id']}/test", "admin1"), 422)
    assert "TRACKER_TEST_NO_SUCH_KEY" in failed["error"]
    assert error_of(api.call("POST", "/channels/nope/test", "admin1"), 404)["field"] == "渠道编号"
    assert error_of(api.call("POST", f"/channels/{channel['id']}/test", "manager1"), 403)
    assert api.events() == events


@pytest.mark.parametrize("who", ["officer1", "manager1", "auditor1", "officer3"])
def test_only_an_admin_reaches_a_units_settings(api: Api, who: str) -> None:
    events = api.events()
    for response in (
        api.get("/units/450002/settings", who),
        api.put("/units/450002/settings", who, {"rule": "points"}),
        api.put("/units/450002/alert-settings", who, {}),
        api.get("/units/450002/channels", who),
        api.post("/units/450002/channels", who, WECOM),
    ):
        error_of(response, 403)
    assert api.events() == events
