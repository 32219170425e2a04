"""The User aggregate and the account rules alone, without a database.

A refusal must name its field and leave the account exactly as it was (same version,
nothing pending); no event may ever carry a password or a token's secret.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from tracker.commands.users import format_token, parse_token, token_hash
from tracker.domain.errors import InvalidInputError, NotFoundError, TrackerError
from tracker.domain.ids import unit_id, user_id
from tracker.domain.user import (
    ROLE_LABELS,
    ROLES,
    User,
    check_password,
    check_scope,
    parse_role,
    parse_roles,
    parse_units,
    parse_user_name,
)

ADMIN = "系统管理员甲"


def new_user(roles: list[str] | None = None, units: list[str] | None = None) -> User:
    account = User(
        name="zhangsan",
        roles=roles if roles is not None else ["officer"],
        units=units if units is not None else ["450001"],
        password_hash="$argon2id$fake",
        display_name="张三",
        user=ADMIN,
    )
    account.collect_events()
    return account


def refuses(
    account: User, field: str, act: Callable[[], Any], error: type[TrackerError] = InvalidInputError
) -> None:
    before = (account.version, copy.deepcopy(account.__dict__))
    with pytest.raises(error) as caught:
        act()
    assert caught.value.field == field
    assert (account.version, account.__dict__) == before  # pending events included


# ------------------------------------------------------------------- input


def test_the_roles_are_the_four_of_the_issue_with_chinese_labels() -> None:
    assert ROLES == ("officer", "manager", "auditor", "admin")
    assert ROLE_LABELS == {
        "officer": "财务人员",
        "manager": "管理人员",
        "auditor": "审计人员",
        "admin": "系统管理员",
    }


@pytest.mark.parametrize("name", ["zhangsan", "财务张三", "li.si-2", "ab", "x" * 50])
def test_accepts_login_names_of_two_to_fifty_visible_characters(name: str) -> None:
    assert parse_user_name(f"  {name} ") == name


@pytest.mark.parametrize(
    "name", ["", "   ", "a", "x" * 51, "zhang san", "zhang\tsan", "zhang\x00", "张\u3000三", "a\u200bb"]
)
def test_refuses_login_names_too_short_too_long_or_with_spaces_or_control_characters(name: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_user_name(name)
    assert caught.value.field == "用户名"


def test_a_password_needs_ten_characters_and_spaces_count() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_password("123456789")
    assert (caught.value.message, caught.value.field) == ("密码至少 10 个字符", "密码")
    assert check_password("  12345678") == "  12345678"
    with pytest.raises(InvalidInputError):
        check_password("x" * 1025)


def test_roles_are_parsed_once_each_in_a_fixed_order_by_key_or_chinese_label() -> None:
    assert parse_roles(["admin", "财务人员", "officer", " Manager "]) == ["officer", "manager", "admin"]
    for bad in ([], ["boss"], [""]):
        with pytest.raises(InvalidInputError) as caught:
            parse_roles(bad)
        assert caught.value.field == "角色"
    assert parse_role("审计人员") == "auditor"


def test_units_are_codes_each_once_in_the_order_given() -> None:
    assert parse_units(["450002", " 450001", "450002"]) == ["450002", "450001"]
    with pytest.raises(InvalidInputError) as caught:
        parse_units(["45 0001"])
    assert caught.value.field == "单位"


def test_officer_and_manager_need_a_unit_while_auditor_and_admin_take_none() -> None:
    check_scope(["officer"], ["450001"])
    check_scope(["manager", "admin"], ["450001"])
    check_scope(["auditor", "admin"], [])
    for roles, units in ((["officer"], []), (["manager", "auditor"], []), (["auditor"], ["450001"])):
        with pytest.raises(InvalidInputError) as caught:
            check_scope(roles, units)
        assert caught.value.field == "单位"


def test_a_user_id_is_fixed_by_the_name_and_differs_from_a_unit_of_the_same_code() -> None:
    assert user_id("450001") == user_id("450001") != unit_id("450001")
    assert User.create_id("zhangsan") == user_id("zhangsan")


# --------------------------------------------------------------- aggregate


def test_a_new_account_holds_its_roles_with_their_units_and_is_enabled() -> None:
    account = new_user(["officer", "auditor"], ["450002", "450001"])
    assert account.id == user_id("zhangsan")
    assert account.roles == {"officer": ["450002", "450001"], "auditor": []}
    assert account.units == ["450001", "450002"]
    assert not account.disabled
    assert account.display_name == "张三"


def test_granting_a_role_adds_it_and_granting_it_again_replaces_its_units() -> None:
    account = new_user()
    account.grant_role("manager", ["450002"], ADMIN, note="兼任")
    account.grant_role("admin", [], ADMIN)
    account.grant_role("officer", ["450003"], ADMIN)
    assert account.roles == {"officer": ["450003"], "manager": ["450002"], "admin": []}
    events = account.collect_events()
    assert [type(e).__name__ for e in events] == ["RoleGranted"] * 3
    assert (events[0].role, events[0].units, events[0].user, events[0].note) == (
        "manager",
        ["450002"],
        ADMIN,
        "兼任",
    )


def test_refuses_a_grant_that_changes_nothing_or_breaks_the_unit_rule() -> None:
    account = new_user()
    refuses(account, "角色", lambda: account.grant_role("officer", ["450001"], ADMIN))
    refuses(account, "单位", lambda: account.grant_role("manager", [], ADMIN))
    refuses(account, "单位", lambda: account.grant_role("auditor", ["450001"], ADMIN))
    refuses(account, "角色", lambda: account.grant_role("boss", [], ADMIN))


def test_withdrawing_a_role_removes_it_but_never_the_last_one() -> None:
    account = new_user(["officer", "manager"], ["450001"])
    account.withdraw_role("officer", ADMIN)
    assert account.roles == {"manager": ["450001"]}
    [event] = account.collect_events()
    assert (type(event).__name__, event.role) == ("RoleWithdrawn", "officer")
    refuses(account, "角色", lambda: account.withdraw_role("manager", ADMIN))
    refuses(account, "角色", lambda: account.withdraw_role("auditor", ADMIN))


def test_disable_and_enable_each_refuse_when_already_so() -> None:
    account = new_user()
    refuses(account, "用户名", lambda: account.enable(ADMIN))
    account.disable(ADMIN, note="离职")
    assert account.disabled
    refuses(account, "用户名", lambda: account.disable(ADMIN))
    account.enable(ADMIN)
    assert not account.disabled
    assert [type(e).__name__ for e in account.collect_events()] == ["Disabled", "Enabled"]


def test_a_password_change_records_the_hash_it_is_given() -> None:
    account = new_user()
    account.change_password("$argon2id$new", ADMIN)
    [event] = account.collect_events()
    assert (type(event).__name__, event.password_hash) == ("PasswordChanged", "$argon2id$new")
    refuses(account, "密码", lambda: account.change_password("", ADMIN))


def test_tokens_are_issued_and_revoked_once_and_never_for_a_disabled_account() -> None:
    account = new_user()
    tid = uuid4()
    account.create_token(tid, "脚本", "ab" * 32, ADMIN)
    refuses(account, "令牌编号", lambda: account.create_token(tid, "again", "cd" * 32, ADMIN))
    account.revoke_token(tid, ADMIN)
    assert account.tokens == {str(tid): True}
    refuses(account, "令牌编号", lambda: account.revoke_token(tid, ADMIN))
    refuses(account, "令牌编号", lambda: account.revoke_token(uuid4(), ADMIN), NotFoundError)
    account.disable(ADMIN)
    refuses(account, "用户名", lambda: account.create_token(uuid4(), "", "ef" * 32, ADMIN))
    created, revoked, _ = account.collect_events()
    assert (type(created).__name__, created.token_id, created.label, created.token_hash) == (
        "TokenCreated",
        tid,
        "脚本",
        "ab" * 32,
    )
    assert (type(revoked).__name__, revoked.token_id) == ("TokenRevoked", tid)


def test_every_event_carries_the_acting_user_a_note_and_a_request() -> None:
    account = User(
        name="zhangsan",
        roles=["auditor"],
        units=[],
        password_hash="h",
        display_name="",
        user=ADMIN,
        request={"id": "r1", "hash": "x", "result": "y"},
    )
    account.grant_role("officer", ["450001"], ADMIN, "n", {"id": "r2", "hash": "x", "result": "y"})
    account.withdraw_role("officer", ADMIN, "n")
    account.change_password("h2", ADMIN)
    account.disable(ADMIN)
    account.enable(ADMIN)
    tid = uuid4()
    account.create_token(tid, "", "t", ADMIN)
    account.revoke_token(tid, ADMIN)
    events = account.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Created",
        "RoleGranted",
        "RoleWithdrawn",
        "PasswordChanged",
        "Disabled",
        "Enabled",
        "TokenCreated",
        "TokenRevoked",
    ]
    for e in events:
        assert e.user == ADMIN
        assert hasattr(e, "note")
        assert hasattr(e, "request")
    assert events[0].request["id"] == "r1"


# ------------------------------------------------------------------ tokens


def test_a_token_text_carries_its_id_and_secret_and_nothing_else_parses() -> None:
    tid = uuid4()
    secret = "Ab-_" * 11
    text = format_token(tid, secret)
    assert text.startswith(f"trk_{tid.hex}_")
    assert parse_token(f" {text}\n") == (tid, secret)
    for bad in (
        "",
        "trk_",
        text.replace("trk_", "tok_"),
        f"trk_{tid.hex}",
        f"trk_{tid.hex}_short",
        text + " x",
        None,
    ):
        assert parse_token(bad) is None
    assert token_hash(secret) != secret
    assert len(token_hash(secret)) == 64
