"""The API's accounts and tokens: administrators list and add users, grant and
withdraw roles, change passwords, disable accounts and issue tokens; a token is
answered once and never again; nothing secret is ever answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import Api, error_of, make_template, open_copy

NEW_USER = {
    "name": "officer2",
    "roles": ["officer"],
    "units": ["450002"],
    "password": "a-long-enough-pw",
    "display_name": "李四",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-accounts"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


def test_an_admin_lists_every_account_without_any_secret(api: Api) -> None:
    response = api.get("/users", "admin1")
    assert response.status_code == 200
    listed = {u["name"]: u for u in response.get_json()["data"]}
    assert set(listed) == {"officer1", "manager1", "auditor1", "admin1", "officer3"}
    assert listed["officer1"]["grants"] == {"officer": ["450002"]}
    assert "hash" not in response.get_data(as_text=True)
    assert "argon2" not in response.get_data(as_text=True)


def test_an_admin_adds_a_user_once_who_can_then_sign_in(api: Api) -> None:
    done = api.post("/users", "admin1", NEW_USER, key="user-1")
    assert done.status_code == 201, done.get_json()
    data = done.get_json()["data"]
    assert (data["name"], data["roles"], data["units"], data["display_name"]) == (
        "officer2",
        ["officer"],
        ["450002"],
        "李四",
    )
    assert "password" not in data
    events = api.events()
    again = api.post("/users", "admin1", NEW_USER, key="user-1")
    assert (again.status_code, again.get_json()) == (201, done.get_json())
    assert error_of(api.post("/users", "admin1", {**NEW_USER, "units": ["450003"]}, key="user-1"), 409)
    assert api.events() == events
    assert api.tracker.authenticate("officer2", "a-long-enough-pw") is not None
    assert "a-long-enough-pw" not in str(api.get("/projects/2024/P1", "auditor1").get_json())


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"password": "short"}, 422, "密码"),
        ({"units": []}, 422, "单位"),
        ({"units": ["999999"]}, 404, "单位"),
        ({"roles": ["boss"]}, 422, "角色"),
        ({"name": "officer1"}, 409, "用户名"),
        ({"name": ""}, 422, "用户名"),
        ({"roles": "officer"}, 422, "角色"),
        ({"password": None}, 422, "初始密码"),
    ],
)
def test_a_bad_account_is_refused_by_field_and_nothing_is_recorded(
    api: Api, change: dict[str, Any], status: int, field: str
) -> None:
    events = api.events()
    body = error_of(api.post("/users", "admin1", {**NEW_USER, **change}, key="bad"), status)
    assert body["field"] == field, body
    assert api.events() == events


@pytest.mark.parametrize("who", ["officer1", "manager1", "auditor1", "officer3"])
def test_only_an_admin_reaches_the_accounts(api: Api, who: str) -> None:
    events = api.events()
    assert error_of(api.get("/users", who), 403)
    assert error_of(api.post("/users", who, NEW_USER), 403)
    assert error_of(api.post("/users/officer3/password", who, {"password": "another-long-pw"}), 403)
    assert error_of(api.post("/users/officer3/disable", who, {}), 403)
    assert error_of(api.post("/users/officer3/tokens", who, {}), 403)
    assert error_of(api.post("/users/officer3/roles", who, {"role": "auditor"}), 403)
    assert api.events() == events


def test_a_new_password_replaces_the_old_one(api: Api) -> None:
    done = api.post("/users/officer3/password", "admin1", {"password": "brand-new-password"}, key="pw")
    assert done.status_code == 200, done.get_json()
    assert api.tracker.authenticate("officer3", "brand-new-password") is not None
    assert api.tracker.authenticate("officer3", "correct-horse-1") is None
    assert (
        error_of(api.post("/users/officer3/password", "admin1", {"password": "x"}, key="pw2"), 422)["field"]
        == "密码"
    )
    assert error_of(api.post("/users/nobody/password", "admin1", {"password": "long-enough-pw"}), 404)


def test_a_disabled_account_loses_its_tokens_and_an_admin_cannot_disable_themself(api: Api) -> None:
    assert api.get("/me", "officer3").status_code == 200
    done = api.post("/users/officer3/disable", "admin1", {"note": "调离"}, key="off")
    assert (done.status_code, done.get_json()["data"]["disabled"]) == (200, True)
    error_of(api.get("/me", "officer3"), 401)
    events = api.events()
    assert error_of(api.post("/users/admin1/disable", "admin1", {}, key="self"), 422)["field"] == "用户名"
    assert api.events() == events
    assert api.post("/users/officer3/enable", "admin1", {}, key="on").status_code == 200
    assert api.get("/me", "officer3").status_code == 200


def test_roles_are_granted_and_withdrawn_but_not_an_admins_own(api: Api) -> None:
    grant = api.post("/users/officer1/roles", "admin1", {"role": "manager", "units": ["450001"]}, key="g")
    assert grant.status_code == 200, grant.get_json()
    assert grant.get_json()["data"]["grants"] == {"officer": ["450002"], "manager": ["450001"]}
    me = api.get("/me", "officer1").get_json()["data"]
    assert "450001" in me["managed"]
    withdraw = api.call("DELETE", "/users/officer1/roles/manager", "admin1", "w")
    assert withdraw.get_json()["data"]["grants"] == {"officer": ["450002"]}
    events = api.events()
    assert error_of(api.call("DELETE", "/users/admin1/roles/admin", "admin1", "w2"), 422)["field"] == "角色"
    assert error_of(api.call("DELETE", "/users/officer1/roles/officer", "admin1", "w3"), 422)
    assert api.events() == events


def test_a_token_is_shown_once_works_and_is_revoked(api: Api) -> None:
    made = api.post("/users/officer3/tokens", "admin1", {"label": "财务系统"}, key="tok")
    assert made.status_code == 201, made.get_json()
    data = made.get_json()["data"]
    assert (data["user"], data["label"]) == ("officer3", "财务系统")
    assert data["token"].startswith("trk_")
    api.tokens["new"] = data["token"]
    assert api.get("/me", "new").get_json()["data"]["name"] == "officer3"
    events = api.events()
    replay = error_of(api.post("/users/officer3/tokens", "admin1", {"label": "财务系统"}, key="tok"), 409)
    assert "只在创建时显示一次" in replay["error"]
    assert data["token"] not in str(replay)
    assert api.events() == events
    listed = api.get("/users/officer3/tokens", "admin1").get_json()["data"]
    assert data["id"] in [t["id"] for t in listed]
    assert data["token"] not in api.get("/users/officer3/tokens", "admin1").get_data(as_text=True)
    assert error_of(api.call("DELETE", f"/tokens/{data['id']}", "officer1", "r"), 403)["field"] == "令牌编号"
    revoked = api.call("DELETE", f"/tokens/{data['id']}", "admin1", "r")
    assert (revoked.status_code, revoked.get_json()["data"]["revoked"]) == (200, True)
    error_of(api.get("/me", "new"), 401)
    assert error_of(api.call("DELETE", "/tokens/not-a-token", "admin1", "r2"), 404)["field"] == "令牌编号"


def test_a_user_revokes_their_own_token(api: Api) -> None:
    tid, token = api.tracker.create_token("officer1", label="自己的")
    api.tokens["own"] = token
    done = api.call("DELETE", f"/tokens/{tid}", "own", "mine")
    assert done.status_code == 200, done.get_json()
    error_of(api.get("/me", "own"), 401)
    assert api.get("/me", "officer1").status_code == 200


def test_a_password_change_replayed_on_its_key_keeps_the_first_password(api: Api) -> None:
    first = api.post("/users/officer3/password", "admin1", {"password": "first-new-password"}, key="pw-k")
    assert first.status_code == 200
    events = api.events()
    again = api.post("/users/officer3/password", "admin1", {"password": "second-password!"}, key="pw-k")
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    assert api.events() == events
    assert api.tracker.authenticate("officer3", "first-new-password") is not None
    assert api.tracker.authenticate("officer3", "second-password!") is None
