"""Accounts, roles and API tokens through the service layer, on SQLite and PostgreSQL.

Signing in reads the read tables; a rebuild from the log must give the same rows, so
every account and token survives it. No password, token secret or hash may appear in
what is shown of the history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields
from typing import Any
from uuid import UUID

import pytest
from argon2 import PasswordHasher

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import DuplicateError, InvalidInputError, NotFoundError, TrackerError
from tracker.domain.ids import user_id
from tracker.queries.project_view import history_rows
from tracker.queries.users import Account, TokenInfo
from tracker.store.config import Settings

PASSWORD = "correct horse battery"
ADMIN = "系统管理员甲"


class Tracker(BudgetTracker):
    """The service with a cheap argon2 hasher: the rules are the same, the cost is not."""

    password_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def app(db_url: str) -> Iterator[Tracker]:
    tracker = Tracker(Settings(db_url=db_url, user=ADMIN))
    tracker.add_unit("450001", "部门")
    tracker.add_unit("450002", "下级单位", parent="450001")
    yield tracker
    tracker.close()


def events_of(app: BudgetTracker, name: str) -> list[Any]:
    return list(app.events.get(user_id(name)))


def stored_states(app: BudgetTracker) -> list[str]:
    """Every stored event's state as text, however it was encoded."""
    out, start = [], 1
    while batch := app.recorder.select_notifications(start, 1000):
        out.extend(bytes(n.state).decode("utf8") for n in batch)
        start = batch[-1].id + 1
    return out


def user_tables(app: BudgetTracker) -> dict[str, list[dict[str, Any]]]:
    return {t: app.read.all(f"SELECT * FROM {t} ORDER BY id") for t in ("rm_users", "rm_user_tokens")}


def refused(field: str, act: Any, error: type[TrackerError] = InvalidInputError) -> None:
    with pytest.raises(error) as caught:
        act()
    assert caught.value.field == field


# ------------------------------------------------------------------ accounts


def test_an_added_account_can_sign_in_and_is_listed_without_secrets(app: Tracker) -> None:
    uid = app.add_user(
        "zhangsan", roles=["officer"], units=["450002"], password=PASSWORD, display_name="张三", note="新入职"
    )
    assert uid == user_id("zhangsan")
    account = app.authenticate("zhangsan", PASSWORD)
    assert account == app.account("zhangsan")
    assert account is not None
    assert (account.id, account.name, account.display_name) == (uid, "zhangsan", "张三")
    assert (account.roles, account.units, account.disabled) == (("officer",), ("450002",), False)
    assert account.created_at.startswith("20")
    assert app.accounts() == [account]
    assert not {f.name for f in fields(Account)} & {"password_hash", "password", "token_hash"}
    [created] = events_of(app, "zhangsan")
    assert (created.user, created.note, created.roles, created.units) == (
        ADMIN,
        "新入职",
        ["officer"],
        ["450002"],
    )
    assert created.password_hash.startswith("$argon2id$")


def test_a_wrong_password_an_unknown_name_or_garbage_signs_nobody_in(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["auditor"], password=PASSWORD)
    assert app.authenticate("zhangsan", PASSWORD + "x") is None
    assert app.authenticate("zhangsan", "") is None
    assert app.authenticate("nobody", PASSWORD) is None
    assert app.authenticate("", PASSWORD) is None
    assert app.authenticate("zhang san", PASSWORD) is None
    assert app.authenticate("zhangsan", "x" * 100_000) is None


def test_a_damaged_password_hash_refuses_sign_in_without_raising(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["auditor"], password=PASSWORD)
    for damaged in ("not a hash", "$argon2id$v=19$m=8,t=1,p=1$broken", ""):
        with app.read.datastore.transaction(commit=True) as c:
            c.execute(app.read.sql("UPDATE rm_users SET password_hash = ?"), (damaged,))
        assert app.authenticate("zhangsan", PASSWORD) is None


def test_a_disabled_account_cannot_sign_in_until_enabled(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["officer"], units=["450001"], password=PASSWORD)
    app.disable_user("zhangsan", note="离职")
    assert app.authenticate("zhangsan", PASSWORD) is None
    account = app.account("zhangsan")
    assert account is not None
    assert account.disabled
    refused("用户名", lambda: app.disable_user("zhangsan"))
    app.enable_user("zhangsan")
    assert app.authenticate("zhangsan", PASSWORD) is not None


def test_a_changed_password_replaces_the_old_one(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["auditor"], password=PASSWORD)
    app.change_password("zhangsan", "a new password 2")
    assert app.authenticate("zhangsan", PASSWORD) is None
    assert app.authenticate("zhangsan", "a new password 2") is not None
    refused("密码", lambda: app.change_password("zhangsan", "short"))
    refused("用户名", lambda: app.change_password("nobody", "long enough!"), NotFoundError)


def test_refusals_name_their_field_and_record_nothing(app: Tracker) -> None:
    before = app.recorder.max_notification_id()
    refused("用户名", lambda: app.add_user("a", roles=["auditor"], password=PASSWORD))
    refused("角色", lambda: app.add_user("zhangsan", roles=["boss"], password=PASSWORD))
    refused("角色", lambda: app.add_user("zhangsan", roles=[], password=PASSWORD))
    refused("单位", lambda: app.add_user("zhangsan", roles=["officer"], password=PASSWORD))
    refused("单位", lambda: app.add_user("zhangsan", roles=["admin"], units=["450001"], password=PASSWORD))
    refused(
        "单位",
        lambda: app.add_user("zhangsan", roles=["manager"], units=["999"], password=PASSWORD),
        NotFoundError,
    )
    with pytest.raises(InvalidInputError) as caught:
        app.add_user("zhangsan", roles=["auditor"], password="123456789")
    assert (caught.value.message, caught.value.field) == ("密码至少 10 个字符", "密码")
    assert app.recorder.max_notification_id() == before
    app.add_user("zhangsan", roles=["auditor"], password=PASSWORD)
    refused("用户名", lambda: app.add_user("zhangsan", roles=["admin"], password=PASSWORD), DuplicateError)
    refused("用户名", lambda: app.grant_role("nobody", "admin"), NotFoundError)
    refused("单位", lambda: app.grant_role("zhangsan", "officer", ["999"]), NotFoundError)
    refused("角色", lambda: app.withdraw_role("zhangsan", "auditor"))
    assert app.recorder.max_notification_id() == before + 1


def test_roles_are_granted_replaced_and_withdrawn(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["officer"], units=["450002"], password=PASSWORD)
    app.grant_role("zhangsan", "manager", ["450001"])
    app.grant_role("zhangsan", "officer", ["450001", "450002"])
    app.grant_role("zhangsan", "admin")
    account = app.account("zhangsan")
    assert account is not None
    assert account.roles == ("officer", "manager", "admin")
    assert account.units == ("450001", "450002")
    assert account.units_for("officer") == ("450001", "450002")
    assert account.units_for("manager") == ("450001",)
    assert account.units_for("admin") == ()
    app.withdraw_role("zhangsan", "officer")
    app.withdraw_role("zhangsan", "manager")
    account = app.account("zhangsan")
    assert account is not None
    assert (account.roles, account.units) == (("admin",), ())


def test_request_ids_make_every_account_command_idempotent(app: Tracker) -> None:
    first = app.add_user("zhangsan", roles=["auditor"], password=PASSWORD, request_id="u1")
    assert app.add_user("zhangsan", roles=["auditor"], password=PASSWORD, request_id="u1") == first
    app.grant_role("zhangsan", "officer", ["450001"], request_id="g1")
    app.grant_role("zhangsan", "officer", ["450001"], request_id="g1")
    app.disable_user("zhangsan", request_id="d1")
    app.disable_user("zhangsan", request_id="d1")
    app.change_password("zhangsan", "a new password 2", request_id="p1")
    app.change_password("zhangsan", "a new password 2", request_id="p1")
    assert [type(e).__name__ for e in events_of(app, "zhangsan")] == [
        "Created",
        "RoleGranted",
        "Disabled",
        "PasswordChanged",
    ]
    refused("请求编号", lambda: app.enable_user("zhangsan", request_id="d1"), DuplicateError)
    refused(
        "请求编号",
        lambda: app.add_user("lisi", roles=["admin"], password=PASSWORD, request_id="u1"),
        DuplicateError,
    )


# -------------------------------------------------------------------- tokens


def test_a_token_signs_its_owner_in_until_revoked(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["officer"], units=["450001"], password=PASSWORD)
    tid, text = app.create_token("zhangsan", label="对账脚本")
    assert text.startswith(f"trk_{tid.hex}_")
    assert app.account_for_token(text) == app.account("zhangsan")
    assert app.tokens("zhangsan") == [TokenInfo(tid, "对账脚本", app.tokens("zhangsan")[0].created_at, False)]
    assert not {f.name for f in fields(TokenInfo)} & {"token_hash", "secret"}
    assert app.revoke_token(str(tid)) == tid
    assert app.account_for_token(text) is None
    assert app.tokens("zhangsan")[0].revoked
    refused("令牌编号", lambda: app.revoke_token(tid))
    refused("令牌编号", lambda: app.revoke_token("not-a-uuid"), NotFoundError)
    refused("令牌编号", lambda: app.revoke_token(UUID(int=7)), NotFoundError)
    refused("用户名", lambda: app.tokens("nobody"), NotFoundError)


def test_a_forged_or_malformed_token_signs_nobody_in(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["auditor"], password=PASSWORD)
    tid, text = app.create_token("zhangsan")
    secret = text[len(f"trk_{tid.hex}_") :]
    forged = f"trk_{tid.hex}_{'A' * len(secret)}"
    other = f"trk_{UUID(int=1).hex}_{secret}"
    for bad in (forged, other, text[:-1], text + "A", "", "Bearer " + text, text.upper(), "trk_"):
        assert app.account_for_token(bad) is None
    assert app.account_for_token(f"  {text}\n") is not None


def test_a_disabled_owner_s_tokens_stop_working_and_none_can_be_created(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["auditor"], password=PASSWORD)
    _, text = app.create_token("zhangsan")
    app.disable_user("zhangsan")
    assert app.account_for_token(text) is None
    refused("用户名", lambda: app.create_token("zhangsan"))
    app.enable_user("zhangsan")
    assert app.account_for_token(text) is not None


def test_a_retried_token_request_creates_no_second_token_and_shows_no_secret(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["auditor"], password=PASSWORD)
    tid, _ = app.create_token("zhangsan", request_id="t1")
    with pytest.raises(DuplicateError) as caught:
        app.create_token("zhangsan", request_id="t1")
    assert caught.value.field == "请求编号"
    assert str(tid) in caught.value.message
    assert [t.id for t in app.tokens("zhangsan")] == [tid]


# ------------------------------------------------------------- secrets, rebuild


def test_no_password_secret_or_hash_is_shown_in_the_history(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["officer"], units=["450001"], password=PASSWORD, request_id="u1")
    app.change_password("zhangsan", "a new password 2")
    tid, text = app.create_token("zhangsan", label="脚本")
    app.revoke_token(tid)
    secret = text[len(f"trk_{tid.hex}_") :]
    hashes = [r["password_hash"] for r in app.read.all("SELECT password_hash FROM rm_users")]
    hashes += [r["token_hash"] for r in app.read.all("SELECT token_hash FROM rm_user_tokens")]
    shown = json.dumps(history_rows(events_of(app, "zhangsan")), ensure_ascii=False, default=str)
    for value in (PASSWORD, "a new password 2", secret, *hashes, "$argon2"):
        assert value not in shown
    # The log itself holds hashes only: never a password or a token's secret.
    log = "\n".join(stored_states(app))
    for value in (PASSWORD, "a new password 2", secret):
        assert value not in log


def test_a_rebuild_keeps_every_account_role_and_token(app: Tracker) -> None:
    app.add_user("zhangsan", roles=["officer"], units=["450002"], password=PASSWORD, request_id="u1")
    app.add_user("lisi", roles=["auditor", "admin"], password=PASSWORD, display_name="李四")
    # The same role granted, withdrawn and granted again: the last one must win.
    app.grant_role("zhangsan", "manager", ["450001"])
    app.withdraw_role("zhangsan", "manager")
    app.grant_role("zhangsan", "manager", ["450002"])
    app.withdraw_role("lisi", "admin")
    app.disable_user("lisi")
    app.enable_user("lisi")
    app.disable_user("lisi")
    app.change_password("zhangsan", "a new password 2")
    t1, text1 = app.create_token("zhangsan")
    _, text2 = app.create_token("zhangsan", label="第二个")
    app.revoke_token(t1)
    before = user_tables(app)
    assert len(before["rm_users"]) == 2
    assert len(before["rm_user_tokens"]) == 2
    app.rebuild_read_model()
    assert user_tables(app) == before
    zhang = app.authenticate("zhangsan", "a new password 2")
    assert zhang is not None
    assert (zhang.roles, zhang.units_for("manager")) == (("officer", "manager"), ("450002",))
    assert app.authenticate("lisi", PASSWORD) is None  # still disabled
    assert app.account_for_token(text1) is None
    assert app.account_for_token(text2) == zhang
    assert app.add_user(
        "zhangsan", roles=["officer"], units=["450002"], password=PASSWORD, request_id="u1"
    ) == (user_id("zhangsan"))
