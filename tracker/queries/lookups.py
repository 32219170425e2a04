"""The reads the service layer makes before it decides: does this unit exist, which
project has this code, which request id was used for what, how is a unit's alerting set.

``tracker.commands`` asks here and never writes SQL of its own: the read tables are
written by ``tracker.projections`` and read by ``tracker.queries`` only. Identifiers
come back as ``UUID``, small answers as frozen dataclasses; listings that the service
layer hands on to its doors unchanged stay plain rows (``Row``), the shape those doors
already take.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tracker.queries.known import KnownOn
from tracker.queries.sums_known import recorded_by
from tracker.store.readstore import ReadStore, Row

IN_CHUNK = 500  # values per IN (...) list: both databases limit a statement's parameters


@dataclass(frozen=True)
class RecordedRequest:
    """What a request id was first used for: its fingerprint and its result."""

    request_hash: str
    result_id: UUID


@dataclass(frozen=True)
class ProjectKey:
    """A registered project's code, unit and fiscal year."""

    code: str
    unit_code: str
    year: int


@dataclass(frozen=True)
class PaymentRef:
    """A recorded payment and the project it belongs to."""

    payment_id: UUID
    project_id: UUID


@dataclass(frozen=True)
class AlertSettings:
    """A unit's alerting as last set (``change_alert_settings``)."""

    rules: tuple[str, ...]
    escalation_days: int
    managers: str


# ------------------------------------------------------------------ requests


def recorded_request(read: ReadStore, request_id: str) -> RecordedRequest | None:
    """The first use of a request id, if any (the replay of a repeated command)."""
    row = read.one("SELECT request_hash, result_id FROM rm_requests WHERE request_id = ?", (request_id,))
    return None if row is None else RecordedRequest(row["request_hash"], UUID(row["result_id"]))


def request_hashes(read: ReadStore, request_ids: Sequence[str]) -> dict[str, str]:
    """The recorded fingerprint of each of these request ids already used."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(request_ids))
    for start in range(0, len(unique), IN_CHUNK):
        chunk = unique[start : start + IN_CHUNK]
        marks = ", ".join(["?"] * len(chunk))
        for r in read.all(
            f"SELECT request_id, request_hash FROM rm_requests WHERE request_id IN ({marks})", chunk
        ):
            found[r["request_id"]] = r["request_hash"]
    return found


# ------------------------------------------------------------- units, projects


def unit_exists(read: ReadStore, code: str) -> bool:
    return read.one("SELECT 1 AS x FROM rm_units WHERE code = ?", (code,)) is not None


def unit_rows(read: ReadStore) -> list[Row]:
    """Every unit: code, name, parent_code, by code."""
    return read.all("SELECT code, name, parent_code FROM rm_units ORDER BY code")


def project_in_year(read: ReadStore, code: str, year: int) -> UUID | None:
    """The id of the project with this code in this year, if registered."""
    row = read.one("SELECT id FROM rm_projects WHERE code = ? AND year = ?", (code, year))
    return None if row is None else UUID(row["id"])


def project_years(read: ReadStore, code: str) -> list[tuple[UUID, int]]:
    """Every project with this code, oldest year first: (id, year)."""
    rows = read.all("SELECT id, year FROM rm_projects WHERE code = ? ORDER BY year", (code,))
    return [(UUID(r["id"]), int(r["year"])) for r in rows]


def project_key(read: ReadStore, project_id: UUID) -> ProjectKey | None:
    row = read.one("SELECT code, unit_code, year FROM rm_projects WHERE id = ?", (str(project_id),))
    return None if row is None else ProjectKey(row["code"], row["unit_code"], int(row["year"]))


def project_name(read: ReadStore, code: str, year: int) -> str | None:
    row = read.one("SELECT name FROM rm_projects WHERE code = ? AND year = ?", (code, year))
    return None if row is None else str(row["name"])


def project_rows(read: ReadStore, year: int | None = None, unit: str | None = None) -> list[Row]:
    """Registered projects (of one year, of one unit), with their whole-year budget and
    spending so far from the monthly sums: the listing behind ``tracker projects``."""
    sql = (
        "SELECT year, code, name, unit_code, expenditure_type, functional, economic, "
        "source, owner, plan, CAST(COALESCE(t.b, 0) AS BIGINT) AS budget_fen, "
        "CAST(COALESCE(t.s, 0) AS BIGINT) AS disbursed_fen FROM rm_projects p "
        "LEFT JOIN (SELECT project_id, SUM(budget_fen) AS b, SUM(spent_fen) AS s "
        "FROM rm_monthly GROUP BY project_id) t ON t.project_id = p.id WHERE 1 = 1"
    )
    params: list[Any] = []
    if year is not None:
        sql += " AND year = ?"
        params.append(year)
    if unit is not None:
        sql += " AND unit_code = ?"
        params.append(unit)
    return read.all(sql + " ORDER BY year, unit_code, code", params)


def payment_ref(read: ReadStore, payment_id: UUID) -> PaymentRef | None:
    row = read.one("SELECT id, project_id FROM rm_payments WHERE id = ?", (str(payment_id),))
    return None if row is None else PaymentRef(UUID(row["id"]), UUID(row["project_id"]))


# ------------------------------------------------------------------- alerts


def alert_settings(read: ReadStore, unit: str) -> AlertSettings | None:
    """A unit's alerting, or None when it was never set (the defaults apply)."""
    row = read.one(
        "SELECT rules, escalation_days, managers FROM rm_alert_settings WHERE unit_code = ?", (unit,)
    )
    if row is None:
        return None
    rules = tuple(r for r in row["rules"].split(",") if r)
    return AlertSettings(rules, int(row["escalation_days"]), row["managers"])


def channel_rows(read: ReadStore, unit: str | None = None, purpose: str | None = None) -> list[Row]:
    """Delivery channels (of a unit, for a purpose), their configuration decoded."""
    sql, params = "SELECT * FROM rm_channels WHERE 1 = 1", []
    if unit:
        sql += " AND unit_code = ?"
        params.append(unit)
    if purpose:
        sql += " AND purpose = ?"
        params.append(purpose)
    rows = read.all(sql + " ORDER BY unit_code, name", params)
    return [{**r, "config": json.loads(r["config"])} for r in rows]


def alert_rows(read: ReadStore, *, open_only: bool = False, unit: str | None = None) -> list[Row]:
    """Alerts, newest first, their figures decoded."""
    sql, params = "SELECT * FROM rm_alerts WHERE 1 = 1", []
    if open_only:
        sql += " AND resolved_on IS NULL"
    if unit:
        sql += " AND unit_code = ?"
        params.append(unit)
    # rule, period and id break ties, so both engines list the same day's alerts alike
    rows = read.all(sql + " ORDER BY raised_on DESC, project, rule, period, id", params)
    return [{**r, "figures": json.loads(r["figures"])} for r in rows]


def open_alert_rows(read: ReadStore) -> list[Row]:
    """Alerts not yet resolved, as stored (figures still JSON text)."""
    return read.all("SELECT * FROM rm_alerts WHERE resolved_on IS NULL")


def alert_row(read: ReadStore, alert_id: UUID) -> Row | None:
    return read.one("SELECT * FROM rm_alerts WHERE id = ?", (str(alert_id),))


def delivered(read: ReadStore, alert_id: str, channel: str) -> bool:
    """Whether a channel has already delivered this alert."""
    row = read.one(
        "SELECT 1 AS x FROM rm_deliveries WHERE alert_id = ? AND channel = ? AND outcome = 'delivered'",
        (alert_id, channel),
    )
    return row is not None


# -------------------------------------------------- indicators, self-evaluation


def indicator_rows(read: ReadStore, owner_kind: str, owner_code: str, year: int) -> list[Row]:
    """The indicators of a project or unit, in the order they were added."""
    return read.all(
        "SELECT * FROM rm_indicators WHERE owner_kind = ? AND owner_code = ? AND year = ? ORDER BY seq",
        (owner_kind, owner_code, year),
    )


def year_indicator_rows(read: ReadStore, year: int) -> list[Row]:
    """Every indicator of a fiscal year (the deadline rule checks them all)."""
    return read.all("SELECT * FROM rm_indicators WHERE year = ?", (year,))


def indicator_row(read: ReadStore, indicator_id: UUID) -> Row | None:
    return read.one("SELECT * FROM rm_indicators WHERE id = ?", (str(indicator_id),))


def project_actuals(read: ReadStore, code: str, year: int) -> list[Row]:
    """A project's indicators with an actual value recorded: name, actual_value, unit."""
    return read.all(
        "SELECT name, actual_value, unit FROM rm_indicators WHERE owner_kind = "
        "'project' AND owner_code = ? AND year = ? AND actual_value IS NOT NULL",
        (code, year),
    )


def initial_budget_fen(read: ReadStore, project_ids: Sequence[str], known: KnownOn | None = None) -> int:
    """The 年初预算 (initial appropriations) of these projects together, in 分 (of those
    recorded by ``known`` when given)."""
    join, params = recorded_by("a", known)
    total = 0
    for start in range(0, len(project_ids), IN_CHUNK):
        chunk = project_ids[start : start + IN_CHUNK]
        row = read.one(
            f"SELECT COALESCE(SUM(a.amount_fen), 0) AS s FROM rm_appropriations a{join} WHERE a.kind = "
            f"'initial' AND a.project_id IN ({', '.join('?' * len(chunk))})",
            [*params, *chunk],
        )
        total += int(row["s"]) if row else 0
    return total


def evaluation_row(read: ReadStore, evaluation_id: UUID) -> Row | None:
    """A self-evaluation as signed (or reopened), if it ever was."""
    return read.one("SELECT * FROM rm_evaluations WHERE id = ?", (str(evaluation_id),))
