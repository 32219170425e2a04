"""Accounts and API tokens as the read tables hold them (``rm_users``, ``rm_user_tokens``).

Signing in and checking a token happen on every request, so they read these rows and
never replay a user's events. Each role is its own column of ``rm_users``: NULL when
not held, else its units joined by commas (empty for auditor and admin). A column per
role lets every role event set one column with one statement, which a rebuild may
batch without changing the outcome.

The hashes are read only by the functions named ``..._secret_row``; what leaves
this module for pages, listings and the CLI (``Account``, ``TokenInfo``) holds none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tracker.domain.user import ROLES, UNIT_ROLES
from tracker.store.readstore import ReadStore

ROLE_COLUMNS = {role: f"role_{role}" for role in ROLES}
_PUBLIC = "id, name, display_name, disabled, created_at, " + ", ".join(ROLE_COLUMNS.values())


@dataclass(frozen=True)
class Account:
    """Who a signed-in user or a token's owner is and what they may reach.

    ``units`` joins the units of every unit-bound role; ``role_units`` keeps them
    per role, for a caller that must tell an officer's units from a manager's.
    """

    id: UUID
    name: str
    display_name: str
    roles: tuple[str, ...]
    units: tuple[str, ...]
    disabled: bool
    created_at: str
    role_units: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def units_for(self, role: str) -> tuple[str, ...]:
        """The units one role of this account is bound to (none for auditor and admin)."""
        return dict(self.role_units).get(role, ())


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed: never its hash, never its secret."""

    id: UUID
    label: str
    created_at: str
    revoked: bool


def role_column(units: Iterable[str] | None) -> str | None:
    """The stored form of one role: NULL when not held, else its units joined."""
    return None if units is None else ",".join(units)


def to_account(row: dict[str, Any]) -> Account:
    per_role: list[tuple[str, tuple[str, ...]]] = []
    for role, column in ROLE_COLUMNS.items():
        value = row[column]
        if value is not None:
            per_role.append((role, tuple(u for u in value.split(",") if u)))
    units = sorted({u for role, us in per_role if role in UNIT_ROLES for u in us})
    return Account(
        id=UUID(str(row["id"])),
        name=row["name"],
        display_name=row["display_name"],
        roles=tuple(r for r, _ in per_role),
        units=tuple(units),
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        role_units=tuple(per_role),
    )


def account(read: ReadStore, name: str) -> Account | None:
    row = read.one(f"SELECT {_PUBLIC} FROM rm_users WHERE name = ?", (name,))
    return None if row is None else to_account(row)


def accounts(read: ReadStore) -> list[Account]:
    """Every account, disabled ones included, by name."""
    return [to_account(r) for r in read.all(f"SELECT {_PUBLIC} FROM rm_users ORDER BY name")]


def password_secret_row(read: ReadStore, name: str) -> dict[str, Any] | None:
    """The account's row with its password hash: for signing in only."""
    return read.one(f"SELECT {_PUBLIC}, password_hash FROM rm_users WHERE name = ?", (name,))


def token_secret_row(read: ReadStore, token_id: UUID) -> dict[str, Any] | None:
    """A token's hash and state with its owner's row: for checking a token only."""
    return read.one(
        f"SELECT t.token_hash, t.revoked, {', '.join('u.' + c for c in _PUBLIC.split(', '))} "
        "FROM rm_user_tokens t JOIN rm_users u ON u.id = t.user_id WHERE t.id = ?",
        (str(token_id),),
    )


def token_owner(read: ReadStore, token_id: UUID) -> dict[str, Any] | None:
    """Which account a token belongs to (id and name), and whether it is revoked."""
    return read.one(
        "SELECT t.id, t.user_id, u.name, t.revoked FROM rm_user_tokens t "
        "JOIN rm_users u ON u.id = t.user_id WHERE t.id = ?",
        (str(token_id),),
    )


def tokens(read: ReadStore, name: str) -> list[TokenInfo]:
    """The account's tokens, oldest first, revoked ones included."""
    rows = read.all(
        "SELECT t.id, t.label, t.created_at, t.revoked FROM rm_user_tokens t "
        "JOIN rm_users u ON u.id = t.user_id WHERE u.name = ? ORDER BY t.created_at, t.id",
        (name,),
    )
    return [
        TokenInfo(
            id=UUID(str(r["id"])), label=r["label"], created_at=r["created_at"], revoked=bool(r["revoked"])
        )
        for r in rows
    ]


def missing_units(read: ReadStore, codes: Iterable[str]) -> list[str]:
    """The codes among ``codes`` that name no registered unit, in the order given."""
    wanted = list(codes)
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    found = {r["code"] for r in read.all(f"SELECT code FROM rm_units WHERE code IN ({marks})", wanted)}
    return [c for c in wanted if c not in found]
