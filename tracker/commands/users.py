"""Accounts, roles and API tokens in the service layer (a part of ``BudgetTracker``
built on ``CommandBase``).

Secrets are hashed here, before anything reaches an event: passwords with argon2
(slow on purpose, salted), API tokens with SHA-256 (their 32 random bytes need no
stretching, and a token is checked on every API call). A token reads
``trk_<token id hex>_<secret>``: its id finds the one stored hash, which is then
compared in constant time, so a check costs one indexed read and one hash.

Signing in and checking a token read the read tables only (never a replay), and
answer ``None`` for every kind of failure (unknown name, wrong password, disabled
account, revoked or malformed token) so a caller cannot tell them apart.

Request ids work as for every command, with two consequences of keeping secrets out
of the fingerprint: a retried ``add_user`` or ``change_password`` with the same id is
the same request whatever password it carries, and a retried ``create_token`` records
nothing and is refused, because the token's secret was shown once and is not kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error

from tracker.commands.base import CommandBase, Request
from tracker.domain.errors import DuplicateError, InvalidInputError, NotFoundError
from tracker.domain.ids import entry_id, user_id
from tracker.domain.inputs import parse_text
from tracker.domain.user import (
    MAX_PASSWORD,
    User,
    check_password,
    check_scope,
    parse_display_name,
    parse_role,
    parse_roles,
    parse_units,
    parse_user_name,
)
from tracker.queries import users as q
from tracker.queries.users import Account, TokenInfo

TOKEN_PREFIX = "trk_"
_TOKEN = re.compile(r"^trk_([0-9a-f]{32})_([A-Za-z0-9_-]{20,200})$")


def token_hash(secret: str) -> str:
    """What is stored of an API token's secret part."""
    return hashlib.sha256(secret.encode()).hexdigest()


def format_token(token_id: UUID, secret: str) -> str:
    return f"{TOKEN_PREFIX}{token_id.hex}_{secret}"


def parse_token(text: str | None) -> tuple[UUID, str] | None:
    """The id and secret of a token's text, or None when it is not one of ours."""
    match = _TOKEN.match((text or "").strip())
    if match is None:
        return None
    return UUID(hex=match.group(1)), match.group(2)


class UserCommands(CommandBase):
    """Add accounts, grant and withdraw roles, change passwords, issue API tokens;
    sign in by password or token."""

    # argon2id with the library's defaults (RFC 9106 low-memory profile); a test may
    # put a cheaper hasher on its own subclass.
    password_hasher: PasswordHasher = PasswordHasher()
    _dummy_password_hash: str | None = None

    # ------------------------------------------------------------ commands

    def add_user(
        self,
        name: str,
        *,
        roles: list[str],
        units: list[str] | tuple[str, ...] = (),
        password: str,
        display_name: str = "",
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Create an account; officer and manager need units, which must exist."""
        name = parse_user_name(name)
        chosen = parse_roles(roles)
        codes = parse_units(units)
        check_scope(chosen, codes)
        secret = check_password(password)
        display = parse_display_name(display_name)
        args = {"name": name, "roles": chosen, "units": codes, "display_name": display, "note": note}

        def create(request: Request) -> tuple[User, UUID]:
            if q.account(self.read, name) is not None:  # before the costly hash
                raise DuplicateError(f"用户名 {name} 已存在", "用户名")
            self._check_units_exist(codes)
            account = User(
                name=name,
                roles=chosen,
                units=codes,
                password_hash=self.password_hasher.hash(secret),
                display_name=display,
                user=self._user(user),
                note=note,
                request=request,
            )
            return account, account.id

        return self._create(
            "user.add", args, request_id, user_id(name), create, f"用户名 {name} 已存在", "用户名"
        )

    def grant_role(
        self,
        name: str,
        role: str,
        units: list[str] | tuple[str, ...] = (),
        *,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Give a role; for a role already held, its units become the ones given."""
        uid, name = self._account_id(name)
        chosen = parse_role(role)
        codes = parse_units(units)
        check_scope([chosen], codes)
        self._check_units_exist(codes)

        def act(account: User, request: Request) -> UUID:
            account.grant_role(chosen, codes, self._user(user), note, request)
            return uid

        args = {"name": name, "role": chosen, "units": codes, "note": note}
        return self._update("user.grant", args, request_id, uid, uid, act)

    def withdraw_role(
        self,
        name: str,
        role: str,
        *,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Take a role away (never the account's last one: disable it instead)."""
        uid, name = self._account_id(name)
        chosen = parse_role(role)

        def act(account: User, request: Request) -> UUID:
            account.withdraw_role(chosen, self._user(user), note, request)
            return uid

        args = {"name": name, "role": chosen, "note": note}
        return self._update("user.withdraw", args, request_id, uid, uid, act)

    def change_password(
        self,
        name: str,
        password: str,
        *,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Record a new password's hash; existing sessions are the web layer's affair."""
        uid, name = self._account_id(name)
        secret = check_password(password)

        def act(account: User, request: Request) -> UUID:
            account.change_password(self.password_hasher.hash(secret), self._user(user), note, request)
            return uid

        return self._update("user.passwd", {"name": name, "note": note}, request_id, uid, uid, act)

    def disable_user(
        self, name: str, *, user: str | None = None, note: str = "", request_id: str | None = None
    ) -> UUID:
        """Stop an account signing in and its tokens working; its history stays."""
        uid, name = self._account_id(name)

        def act(account: User, request: Request) -> UUID:
            account.disable(self._user(user), note, request)
            return uid

        return self._update("user.disable", {"name": name, "note": note}, request_id, uid, uid, act)

    def enable_user(
        self, name: str, *, user: str | None = None, note: str = "", request_id: str | None = None
    ) -> UUID:
        """Let a disabled account sign in again (its unrevoked tokens work again too)."""
        uid, name = self._account_id(name)

        def act(account: User, request: Request) -> UUID:
            account.enable(self._user(user), note, request)
            return uid

        return self._update("user.enable", {"name": name, "note": note}, request_id, uid, uid, act)

    def create_token(
        self,
        name: str,
        *,
        label: str = "",
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> tuple[UUID, str]:
        """Issue an API token: its id and its text, which is shown this once only."""
        uid, name = self._account_id(name)
        label = parse_text(label, "标签", required=False, limit=100)
        token_id = entry_id("token", request_id)
        issued: dict[str, str] = {}

        def act(account: User, request: Request) -> UUID:
            secret = secrets.token_urlsafe(32)
            account.create_token(token_id, label, token_hash(secret), self._user(user), note, request)
            issued["secret"] = secret
            return token_id

        args = {"name": name, "label": label, "note": note}
        result = self._update("token.create", args, request_id, uid, token_id, act)
        # A replayed request returns the first token's id without running ``act``, or
        # after a clash with a writer that got there first: either way the secret
        # of the stored token is not ours to show.
        secret = issued.get("secret")
        row = q.token_secret_row(self.read, result)
        if secret is None or row is None or not hmac.compare_digest(row["token_hash"], token_hash(secret)):
            raise DuplicateError(
                f"请求编号 {request_id} 已创建过令牌 {result}；令牌只在创建时显示一次，"
                "如已遗失，请撤销后重新创建",
                "请求编号",
            )
        return result, format_token(result, secret)

    def revoke_token(
        self,
        token_id: str | UUID,
        *,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Stop a token working, for good (issue a new one instead of re-enabling)."""
        try:
            tid = UUID(str(token_id).strip())
        except ValueError:
            raise NotFoundError(f"令牌编号 {token_id} 格式无效", "令牌编号") from None
        owner = q.token_owner(self.read, tid)
        if owner is None:
            raise NotFoundError(f"令牌 {tid} 不存在", "令牌编号")
        uid = UUID(str(owner["user_id"]))

        def act(account: User, request: Request) -> UUID:
            account.revoke_token(tid, self._user(user), note, request)
            return tid

        return self._update("token.revoke", {"token": str(tid), "note": note}, request_id, uid, tid, act)

    # ------------------------------------------------------------- sign in

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account when the password is right and the account enabled, else None.

        An unknown name costs the same argon2 verification as a known one, so the
        time taken does not tell which names exist.
        """
        try:
            key = parse_user_name(name)
        except InvalidInputError:
            key = None
        row = q.password_secret_row(self.read, key) if key else None
        given = password if isinstance(password, str) and len(password) <= MAX_PASSWORD else ""
        stored = row["password_hash"] if row else self._dummy_hash()
        right = self._verify(stored, given) and bool(given)
        if row is None or not right or row["disabled"]:
            return None
        return q.to_account(row)

    def account_for_token(self, token_text: str) -> Account | None:
        """The token owner's account; None when the token is malformed, unknown,
        revoked, wrong, or its owner is disabled."""
        parsed = parse_token(token_text)
        if parsed is None:
            return None
        tid, secret = parsed
        row = q.token_secret_row(self.read, tid)
        if row is None or row["revoked"] or row["disabled"]:
            return None
        if not hmac.compare_digest(str(row["token_hash"]), token_hash(secret)):
            return None
        return q.to_account(row)

    # --------------------------------------------------------------- reads

    def account(self, name: str) -> Account | None:
        return q.account(self.read, (name or "").strip())

    def accounts(self) -> list[Account]:
        return q.accounts(self.read)

    def tokens(self, name: str) -> list[TokenInfo]:
        """The account's tokens (id, label, created, revoked); refused for no such user."""
        _, name = self._account_id(name)
        return q.tokens(self.read, name)

    # ------------------------------------------------------------- helpers

    def _account_id(self, name: str) -> tuple[UUID, str]:
        """The id of an existing account, and its name as stored."""
        key = parse_user_name(name)
        if q.account(self.read, key) is None:
            raise NotFoundError(f"用户 {key} 不存在", "用户名")
        return user_id(key), key

    def _check_units_exist(self, codes: list[str]) -> None:
        missing = q.missing_units(self.read, codes)
        if missing:
            raise NotFoundError(f"单位 {'、'.join(missing)} 不存在，请先添加单位", "单位")

    def _verify(self, stored: str, password: str) -> bool:
        """argon2 verification that never raises: a damaged hash just does not match."""
        try:
            return bool(self.password_hasher.verify(stored, password))
        except (Argon2Error, ValueError, TypeError):
            return False

    def _dummy_hash(self) -> str:
        """A hash of a random password, made once per service, for unknown names."""
        if self._dummy_password_hash is None:
            self._dummy_password_hash = self.password_hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_password_hash
