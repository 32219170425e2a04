"""Request ids of an import's rows: what makes importing the same file again record
nothing. Derived from content, never from the file name."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from tracker.domain.ids import NAMESPACE, entry_id, project_id
from tracker.importing.records import DbState, Parsed


def assign_payment_ids(parsed: Parsed, db: DbState) -> list[str]:
    """Give each payment its unit and request id; returns the ids (to look up in the db).

    With a 凭证号: ``import:payment:{year}:{unit}:v:{凭证号}``. Without: a digest of the
    row's content and its occurrence number among identical rows, so two identical rows
    are two payments and a later export holding the same rows finds them again.
    """
    units = _project_units(parsed, db)
    make_id = _payment_id if _payment_id("probe") == entry_id("payment", "probe") else _entry_payment_id
    seen: dict[tuple[Any, ...], int] = {}
    pids: dict[tuple[int, str], tuple[UUID, str]] = {}
    ids = []
    for p in parsed.payments:
        key = (p.year, p.code)
        p.unit_code = units.get(key, "")
        found = pids.get(key)
        if found is None:
            pid = project_id(p.year, p.code)
            found = pids[key] = (pid, str(pid))
        p.project_id, p.project_key = found
        if p.voucher:
            p.request_id = f"import:payment:{p.year}:{p.unit_code}:v:{p.voucher}"
        else:
            content = (
                p.year,
                p.code,
                p.date.isoformat(),
                str(p.amount),
                p.payee,
                p.economic or "",
                p.source or "",
            )
            seen[content] = seen.get(content, 0) + 1
            digest = hashlib.sha256(repr(content).encode()).hexdigest()[:24]
            p.request_id = f"import:payment:{p.year}:{p.unit_code}:h:{digest}:{seen[content]}"
        p.payment_id = make_id(p.request_id)
        p.payment_key = str(p.payment_id)
        ids.append(p.request_id)
    return ids


_NAMESPACE = NAMESPACE.bytes
_UUID5_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))  # the variant and version bits
_UUID5_SET = (0x8000 << 48) | (5 << 76)  # RFC 4122 variant, version 5


def _payment_id(request_id: str) -> UUID:
    """``entry_id("payment", request_id)`` (uuid5) in a third of the time: the standard
    library's ``uuid5`` imports ``hashlib`` and builds the UUID from bytes on every call.
    ``assign_payment_ids`` checks the two agree before using this one."""
    digest = hashlib.sha1(_NAMESPACE + f"payment:{request_id}".encode()).digest()
    return UUID(int=(int.from_bytes(digest[:16]) & _UUID5_CLEAR) | _UUID5_SET)


def _entry_payment_id(request_id: str) -> UUID:
    return entry_id("payment", request_id)


def request_ids(parsed: Parsed, db: DbState) -> list[str]:
    """Every request id the file would use (the caller fetches their fingerprints)."""
    ids = [p.request_id for p in parsed.projects] + [p.budget_request_id for p in parsed.projects]
    ids += [i.request_id for i in parsed.indicators]
    return ids + assign_payment_ids(parsed, db)


def _project_units(parsed: Parsed, db: DbState) -> dict[tuple[int, str], str]:
    units = {key: state.unit_code for key, state in db.projects.items()}
    for p in parsed.projects:
        if p.unit_code and (p.year, p.code) not in units:
            units[(p.year, p.code)] = p.unit_code
    return units
