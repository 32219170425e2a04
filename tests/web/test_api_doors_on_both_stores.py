"""The new API doors on both stores: an administrator and an officer set up a unit, a
project, an indicator, an account, a token, a rule and a channel, and import a file,
on SQLite and on PostgreSQL; every repeated key records nothing and answers the same,
every reused key with another body is 409."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import ROLES, Api, config
from webdata import seed

from web import create_app


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    app = create_app({**config(tmp_path / "unused.db"), "TRACKER_DB": db_url})
    app.instance_path = str(tmp_path / "instance")
    seed(app)
    tracker = app.extensions["tracker"]
    tokens = {name: tracker.create_token(name, label="测试")[1] for name in ROLES}
    yield Api(app, app.test_client(), tokens, tmp_path / "unused.db")
    tracker.close()


def once(
    api: Api, method: str, path: str, who: str, body: Any, key: str, status: int = 201
) -> dict[str, Any]:
    """The call, then the same again (nothing more recorded, the same answer)."""
    first = api.call(method, path, who, key, json=body)
    assert first.status_code == status, (path, first.get_json())
    events = api.events()
    again = api.call(method, path, who, key, json=body)
    assert (again.status_code, again.get_json()) == (status, first.get_json()), path
    assert api.events() == events, path
    return dict(first.get_json()["data"])


def test_every_new_write_is_idempotent_on_its_key_on_both_stores(api: Api) -> None:
    once(api, "POST", "/units", "admin1", {"code": "450004", "name": "稽核所", "parent": "450002"}, "u")
    project = {"year": 2024, "unit": "450004", "code": "P9", "name": "稽核", "plan": "06-30:50%,12-31:100%"}
    made = once(api, "POST", "/projects", "officer1", project, "p")
    assert (made["unit"], made["plan"]) == ("450004", "06-30:50%,12-31:100%")
    indicator = {"level1": "产出指标", "level2": "数量指标", "name": "稽核次数", "target": "≥12次"}
    once(api, "POST", "/projects/2024/P9/indicators", "officer1", indicator, "i")
    user = {"name": "officer9", "roles": ["officer"], "units": ["450004"], "password": "long-enough-1"}
    once(api, "POST", "/users", "admin1", user, "user")
    once(api, "PUT", "/units/450004/settings", "admin1", {"rule": "points"}, "rule", status=200)
    channel = {
        "kind": "webhook",
        "name": "对接",
        "params": {"url": "https://example.org/hook", "secret": "env:X"},
    }
    once(api, "POST", "/units/450004/channels", "admin1", channel, "ch")
    events = api.events()
    for method, path, who, body, key in (
        ("POST", "/units", "admin1", {"code": "450005", "name": "别的"}, "u"),
        ("POST", "/projects", "officer1", {**project, "name": "改名"}, "p"),
        ("POST", "/projects/2024/P9/indicators", "officer1", {**indicator, "target": "≥13次"}, "i"),
        ("POST", "/users", "admin1", {**user, "units": ["450002"]}, "user"),
        ("PUT", "/units/450004/settings", "admin1", {"rule": "ratio"}, "rule"),
        ("POST", "/units/450004/channels", "admin1", {**channel, "name": "别名"}, "ch"),
    ):
        response = api.call(method, path, who, key, json=body)
        assert response.status_code == 409, (path, response.get_json())
    assert api.events() == events
    token = api.call("POST", "/users/officer9/tokens", "admin1", "tok", json={"label": "对接"})
    assert token.status_code == 201
    assert (
        api.call("POST", "/users/officer9/tokens", "admin1", "tok", json={"label": "对接"}).status_code == 409
    )
    assert api.events() == events + 1


def test_an_import_under_one_key_records_once_on_both_stores(api: Api) -> None:
    rows = "日期,项目编码,金额(元),收款人,经济分类,凭证号\n2024-07-01,P1,1000.00,某文印店,30201,记-101\n"

    def send(key: str) -> Any:
        data = {"file": (io.BytesIO(rows.encode("utf-8-sig")), "支付明细.csv"), "year": "2024"}
        return api.call("POST", "/imports", "officer1", key, data=data, content_type="multipart/form-data")

    first = send("imp")
    assert first.status_code == 201, first.get_json()
    events = api.events()
    assert send("imp").get_json() == first.get_json()
    assert send("imp-2").get_json()["data"]["created"]["payments"] == 0, "the rows are recognised"
    assert api.events() == events
