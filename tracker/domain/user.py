"""A user account (用户) and its roles, recorded as events like everything else.

Who may do what is part of the record: a role granted or withdrawn, a password
changed, an account disabled, an API token issued or revoked, each with who did it and
when. Secrets never enter an event: a password travels as its argon2 hash, an API
token as the SHA-256 of its random part; hashing happens in the service layer, so the
domain stays plain Python.

Roles and their reach:

- ``officer`` (财务人员) records for the units given to them and their subtrees;
- ``manager`` (管理人员) reads their units' subtrees, acknowledges alerts, signs off;
- ``auditor`` (审计人员) reads everything and changes nothing;
- ``admin`` (系统管理员) manages units, users, channels and settings.

Officer and manager are bound to units (at least one each); auditor and admin see
every unit and take none. Each unit-bound role keeps its own list, so an officer of
one unit can be the manager of another; granting a role again replaces its list.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.ids import user_id
from tracker.domain.inputs import parse_code, parse_text

OFFICER, MANAGER, AUDITOR, ADMIN = "officer", "manager", "auditor", "admin"
ROLES = (OFFICER, MANAGER, AUDITOR, ADMIN)
ROLE_LABELS = {OFFICER: "财务人员", MANAGER: "管理人员", AUDITOR: "审计人员", ADMIN: "系统管理员"}
UNIT_ROLES = (OFFICER, MANAGER)  # roles that reach only their units' subtrees
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing cost grows with length: refuse absurd input
NAME_MIN, NAME_MAX = 2, 50

Request = dict[str, Any] | None


# ------------------------------------------------------------------- input


def parse_user_name(value: str | None, field: str = "用户名") -> str:
    """A login name: 2–50 characters, no spaces or control characters.

    Chinese names are welcome (财务张三); spaces are not, because a name is typed at
    a login prompt and in shell commands, where a space or an invisible character
    makes two accounts look alike.
    """
    name = (value or "").strip()
    if not name:
        raise InvalidInputError("不能为空", field)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InvalidInputError(f"长度应为 {NAME_MIN}–{NAME_MAX} 个字符", field)
    for ch in name:
        if ch.isspace() or unicodedata.category(ch)[0] in "CZ":
            raise InvalidInputError("不能包含空格或控制字符", field)
    return name


def parse_role(value: str | None) -> str:
    """One of ROLES (the English key, or its Chinese label)."""
    text = (value or "").strip()
    key = text.lower()
    if key in ROLES:
        return key
    for role, label in ROLE_LABELS.items():
        if text == label:
            return role
    choices = "、".join(f"{r}（{label}）" for r, label in ROLE_LABELS.items())
    raise InvalidInputError(f"“{value}”不是有效角色，可选：{choices}", "角色")


def parse_roles(values: list[str] | tuple[str, ...] | None) -> list[str]:
    """At least one role, each once, in the order of ROLES."""
    chosen = {parse_role(v) for v in values or ()}
    if not chosen:
        raise InvalidInputError("至少需要一个角色", "角色")
    return [r for r in ROLES if r in chosen]


def parse_units(values: list[str] | tuple[str, ...] | None) -> list[str]:
    """Unit codes, each once, in the order given (existence is the service's check)."""
    out: list[str] = []
    for v in values or ():
        code = parse_code(str(v).strip(" "), "单位")  # spaces after a list's commas
        if code not in out:
            out.append(code)
    return out


def check_scope(roles: list[str], units: list[str]) -> None:
    """Officer and manager need a unit; auditor and admin see every unit and take none."""
    bound = [r for r in roles if r in UNIT_ROLES]
    if bound and not units:
        labels = "、".join(ROLE_LABELS[r] for r in bound)
        raise InvalidInputError(f"{labels}至少需要指定一个单位", "单位")
    if units and not bound:
        labels = "、".join(ROLE_LABELS[r] for r in roles)
        raise InvalidInputError(f"{labels}可查看全部单位，不需要指定单位", "单位")


def check_password(password: str | None) -> str:
    """A new password: at least 10 characters (kept as typed: spaces count)."""
    text = password or ""
    if len(text) < MIN_PASSWORD:
        raise InvalidInputError(f"密码至少 {MIN_PASSWORD} 个字符", "密码")
    if len(text) > MAX_PASSWORD:
        raise InvalidInputError(f"密码不能超过 {MAX_PASSWORD} 个字符", "密码")
    return text


def parse_display_name(value: str | None) -> str:
    return parse_text(value, "姓名", required=False, limit=100)


def scope_text(role: str, units: list[str]) -> str:
    """``财务人员（450001、450002）`` or ``审计人员``: a role as people read it."""
    label = ROLE_LABELS.get(role, role)
    return f"{label}（{'、'.join(units)}）" if units else label


# --------------------------------------------------------------- aggregate


class User(Aggregate):
    """An account; its id comes from its name, so a name can be registered once.

    ``roles`` maps each role held to its units (empty for auditor and admin).
    Public methods refuse with a ``TrackerError`` before anything is recorded; the
    private ``@event`` methods only apply.
    """

    @staticmethod
    def create_id(name: str) -> UUID:
        return user_id(name)

    @event("Created")
    def __init__(
        self,
        name: str,
        roles: list[str],
        units: list[str],
        password_hash: str,
        display_name: str,
        user: str,
        note: str = "",
        request: Request = None,
    ) -> None:
        self.name = name
        self.display_name = display_name
        self.roles: dict[str, list[str]] = {r: list(units) if r in UNIT_ROLES else [] for r in roles}
        self.password_hash = password_hash
        self.disabled = False
        self.tokens: dict[str, bool] = {}  # token id -> revoked

    @property
    def units(self) -> list[str]:
        """Every unit any of the user's roles is bound to."""
        return sorted({u for units in self.roles.values() for u in units})

    # ---------------------------------------------------------------- roles

    def grant_role(
        self, role: str, units: list[str], user: str, note: str = "", request: Request = None
    ) -> None:
        """Give a role (or, for a role held, replace its units)."""
        role = parse_role(role)
        check_scope([role], units)
        if role in self.roles and self.roles[role] == list(units):
            raise InvalidInputError(f"用户 {self.name} 已是{scope_text(role, units)}", "角色")
        self._role_granted(role, list(units), user, note, request)

    def withdraw_role(self, role: str, user: str, note: str = "", request: Request = None) -> None:
        """Take a role away; the last one stays (disable the account instead)."""
        role = parse_role(role)
        if role not in self.roles:
            raise InvalidInputError(f"用户 {self.name} 没有{ROLE_LABELS[role]}角色", "角色")
        if len(self.roles) == 1:
            raise InvalidInputError("不能撤销用户的最后一个角色；如需禁止登录，请停用该用户", "角色")
        self._role_withdrawn(role, user, note, request)

    @event("RoleGranted")
    def _role_granted(self, role: str, units: list[str], user: str, note: str, request: Request) -> None:
        self.roles = {**self.roles, role: list(units)}

    @event("RoleWithdrawn")
    def _role_withdrawn(self, role: str, user: str, note: str, request: Request) -> None:
        self.roles = {r: u for r, u in self.roles.items() if r != role}

    # ------------------------------------------------------------- password

    def change_password(self, password_hash: str, user: str, note: str = "", request: Request = None) -> None:
        """Record a new password's hash (the password itself never reaches here)."""
        if not password_hash:
            raise InvalidInputError("不能为空", "密码")
        self._password_changed(password_hash, user, note, request)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, user: str, note: str, request: Request) -> None:
        self.password_hash = password_hash

    # -------------------------------------------------------------- access

    def disable(self, user: str, note: str = "", request: Request = None) -> None:
        """Stop the account from signing in or using its tokens (history stays)."""
        if self.disabled:
            raise InvalidInputError(f"用户 {self.name} 已停用", "用户名")
        self._disabled(user, note, request)

    def enable(self, user: str, note: str = "", request: Request = None) -> None:
        if not self.disabled:
            raise InvalidInputError(f"用户 {self.name} 未停用", "用户名")
        self._enabled(user, note, request)

    @event("Disabled")
    def _disabled(self, user: str, note: str, request: Request) -> None:
        self.disabled = True

    @event("Enabled")
    def _enabled(self, user: str, note: str, request: Request) -> None:
        self.disabled = False

    # -------------------------------------------------------------- tokens

    def create_token(
        self, token_id: UUID, label: str, token_hash: str, user: str, note: str = "", request: Request = None
    ) -> None:
        """Issue an API token (its hash only); a disabled account gets none."""
        if self.disabled:
            raise InvalidInputError(f"用户 {self.name} 已停用，不能创建令牌", "用户名")
        if str(token_id) in self.tokens:
            raise InvalidInputError(f"令牌 {token_id} 已存在", "令牌编号")
        if not token_hash:
            raise InvalidInputError("不能为空", "令牌")
        self._token_created(token_id, label, token_hash, user, note, request)

    def revoke_token(self, token_id: UUID, user: str, note: str = "", request: Request = None) -> None:
        key = str(token_id)
        if key not in self.tokens:
            raise NotFoundError(f"令牌 {token_id} 不存在", "令牌编号")
        if self.tokens[key]:
            raise InvalidInputError(f"令牌 {token_id} 已撤销", "令牌编号")
        self._token_revoked(token_id, user, note, request)

    @event("TokenCreated")
    def _token_created(
        self, token_id: UUID, label: str, token_hash: str, user: str, note: str, request: Request
    ) -> None:
        self.tokens = {**self.tokens, str(token_id): False}

    @event("TokenRevoked")
    def _token_revoked(self, token_id: UUID, user: str, note: str, request: Request) -> None:
        self.tokens = {**self.tokens, str(token_id): True}
