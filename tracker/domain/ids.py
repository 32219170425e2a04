"""Deterministic ids.

Codes are the users' names for things, ids are the store's. Deriving ids from codes
(uuid5) makes "create" idempotent and lets two concurrent creators collide in the
store instead of creating twins.
"""

from __future__ import annotations

from uuid import UUID, uuid4, uuid5

NAMESPACE = UUID("0b1d7c9e-6f0a-4d3c-9a55-3f2a8f1e6b42")


def unit_id(code: str) -> UUID:
    return uuid5(NAMESPACE, f"unit:{code}")


def project_id(year: int, code: str) -> UUID:
    return uuid5(NAMESPACE, f"project:{year}:{code}")


def entry_id(kind: str, request_id: str | None) -> UUID:
    """Id of a payment, reversal or appropriation: fixed by the request id if given."""
    if request_id:
        return uuid5(NAMESPACE, f"{kind}:{request_id}")
    return uuid4()


def user_id(name: str) -> UUID:
    """A user's id, fixed by the login name: a name can be registered once."""
    return uuid5(NAMESPACE, f"user:{name}")
