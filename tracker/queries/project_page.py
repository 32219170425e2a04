"""What the project page shows beside its chart: the register entry, the ledger's
entries as of a business date, the indicators with their completion, and the event
history of the project's indicators.

Everything is read from the read tables (``rm_projects``, ``rm_payments``,
``rm_reversals``, ``rm_appropriations``, ``rm_indicators``), never by replaying the
aggregate: a page request costs a few indexed selects, whatever the project's length.
"As of d" keeps the entries dated on or before d (payments, reversals and
appropriations by their business date) and counts the ones it leaves out, so the page
can say that later entries exist. Amounts come back as Decimal 元.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tracker.domain import lag
from tracker.domain.catalogue import ECONOMIC_CLASSES, FUNCTIONAL_CLASSES
from tracker.domain.errors import TrackerError
from tracker.domain.indicator import Target
from tracker.domain.money import ZERO, fmt_yuan, from_fen
from tracker.domain.plan import Checkpoint
from tracker.domain.project import KIND_LABELS
from tracker.domain.selfeval import IndicatorResult, indicator_completion
from tracker.queries.project_view import SHANGHAI
from tracker.store.readstore import ReadStore


@dataclass(frozen=True)
class ProjectFacts:
    """The project's register entry with the names of its unit and classes."""

    id: str
    year: int
    code: str
    name: str
    unit_code: str
    unit_name: str
    expenditure_type: str
    functional: str | None
    functional_name: str
    economic: str | None
    economic_name: str
    source: str
    owner: str
    plan: str | None  # the stored spec; None means the default quarterly plan

    @property
    def checkpoints(self) -> tuple[Checkpoint, ...]:
        return lag.checkpoints_for(self.plan, self.year)


@dataclass(frozen=True)
class Reversal:
    id: str
    payment_id: str
    date: dt.date
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class Payment:
    """A payment with the reversals dated up to the as-of day."""

    id: str
    date: dt.date
    amount: Decimal
    payee: str
    economic: str | None
    economic_name: str
    voucher: str
    source: str
    reversals: tuple[Reversal, ...]

    @property
    def reversed(self) -> Decimal:
        return sum((r.amount for r in self.reversals), ZERO)

    @property
    def net(self) -> Decimal:
        return self.amount - self.reversed

    @property
    def fully_reversed(self) -> bool:
        return self.net == 0


@dataclass(frozen=True)
class Appropriation:
    """One appropriation; ``amount`` is signed (调减 and 收回 are negative)."""

    id: str
    date: dt.date
    kind: str
    kind_label: str
    amount: Decimal
    doc: str
    running_total: Decimal


@dataclass(frozen=True)
class Ledger:
    """The project's entries dated on or before ``as_of``, oldest first."""

    as_of: dt.date
    payments: tuple[Payment, ...]
    appropriations: tuple[Appropriation, ...]
    later_entries: int  # payments, reversals and appropriations dated after as_of

    @property
    def budget(self) -> Decimal:
        return sum((a.amount for a in self.appropriations), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def reversed(self) -> Decimal:
        return sum((p.reversed for p in self.payments), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return self.paid - self.reversed


@dataclass(frozen=True)
class IndicatorProgress:
    """An indicator with its latest recorded progress and the completion it scores.

    ``completion`` is None when nothing scorable is recorded yet (or the indicator is
    not applicable); ``after_as_of`` flags progress recorded with a later date than the
    page's as-of day (the read table keeps only the latest progress).
    """

    id: str
    seq: int
    level1: str
    level2: str
    name: str
    target_text: str
    kind: str
    weight: Decimal | None
    actual_text: str
    completion: Decimal | None
    progress_date: dt.date | None
    progress_note: str
    cause: str
    action: str
    after_as_of: bool


class ProjectPageQueries:
    """Reads for one project's page; construct per request from the app's read store."""

    def __init__(self, read: ReadStore) -> None:
        self.read = read

    def facts(self, year: int, code: str) -> ProjectFacts | None:
        row = self.read.one(
            "SELECT p.id, p.year, p.code, p.name, p.unit_code, u.name AS unit_name, p.expenditure_type, "
            "p.functional, p.economic, p.source, p.owner, p.plan FROM rm_projects p "
            "LEFT JOIN rm_units u ON u.code = p.unit_code WHERE p.year = ? AND p.code = ?",
            (year, code),
        )
        if row is None:
            return None
        return ProjectFacts(
            id=row["id"],
            year=int(row["year"]),
            code=row["code"],
            name=row["name"],
            unit_code=row["unit_code"],
            unit_name=row["unit_name"] or "",
            expenditure_type=row["expenditure_type"],
            functional=row["functional"],
            functional_name=FUNCTIONAL_CLASSES.get(row["functional"] or "", ""),
            economic=row["economic"],
            economic_name=ECONOMIC_CLASSES.get(row["economic"] or "", ""),
            source=row["source"],
            owner=row["owner"],
            plan=row["plan"],
        )

    def ledger(self, project_id: str, as_of: dt.date) -> Ledger:
        day = as_of.isoformat()
        pays = self.read.all(
            "SELECT id, date, amount_fen, payee, economic, voucher, source FROM rm_payments "
            "WHERE project_id = ? ORDER BY date, id",
            (project_id,),
        )
        revs = self.read.all(
            "SELECT id, payment_id, date, amount_fen, reason FROM rm_reversals "
            "WHERE project_id = ? ORDER BY date, id",
            (project_id,),
        )
        apps = self.read.all(
            "SELECT id, date, kind, amount_fen, doc FROM rm_appropriations "
            "WHERE project_id = ? ORDER BY date, id",
            (project_id,),
        )
        later = sum(1 for r in (*pays, *revs, *apps) if r["date"] > day)
        by_payment: dict[str, list[Reversal]] = {}
        for r in revs:
            if r["date"] <= day:
                by_payment.setdefault(r["payment_id"], []).append(
                    Reversal(
                        r["id"],
                        r["payment_id"],
                        _date(r["date"]),
                        from_fen(int(r["amount_fen"])),
                        r["reason"],
                    )
                )
        payments = tuple(
            Payment(
                id=r["id"],
                date=_date(r["date"]),
                amount=from_fen(int(r["amount_fen"])),
                payee=r["payee"],
                economic=r["economic"],
                economic_name=ECONOMIC_CLASSES.get(r["economic"] or "", ""),
                voucher=r["voucher"],
                source=r["source"],
                reversals=tuple(by_payment.get(r["id"], ())),
            )
            for r in pays
            if r["date"] <= day
        )
        running = ZERO
        appropriations = []
        for r in apps:
            if r["date"] > day:
                continue
            amount = from_fen(int(r["amount_fen"]))
            running += amount
            appropriations.append(
                Appropriation(
                    r["id"],
                    _date(r["date"]),
                    r["kind"],
                    KIND_LABELS.get(r["kind"]) or str(r["kind"]),
                    amount,
                    r["doc"],
                    running,
                )
            )
        return Ledger(as_of, payments, tuple(appropriations), later)

    def indicators(self, year: int, code: str, as_of: dt.date) -> tuple[IndicatorProgress, ...]:
        rows = self.read.all(
            "SELECT * FROM rm_indicators WHERE owner_kind = 'project' AND owner_code = ? AND year = ? "
            "ORDER BY seq",
            (code, year),
        )
        return tuple(_indicator(r, as_of) for r in rows)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _indicator(row: dict[str, Any], as_of: dt.date) -> IndicatorProgress:
    progress_date = _date(row["progress_date"]) if row["progress_date"] else None
    deadline = _date(row["deadline"]) if row["deadline"] else None
    achieved = progress_date if row["kind"] == "deadline" and row["actual_text"] else None
    result = IndicatorResult(
        id=row["id"],
        level1=row["level1"],
        level2=row["level2"],
        name=row["name"],
        target=Target(row["kind"], _dec(row["value"]), row["unit"], row["target_text"], deadline),
        weight=_dec(row["weight"]) or Decimal(0),
        actual_value=_dec(row["actual_value"]),
        completion=_dec(row["completion"]),
        achieved_on=achieved,
    )
    try:
        completion = indicator_completion(result)
    except TrackerError:  # a recorded value the scoring refuses: shown as text, not scored
        completion = None
    return IndicatorProgress(
        id=row["id"],
        seq=int(row["seq"]),
        level1=row["level1"],
        level2=row["level2"],
        name=row["name"],
        target_text=row["target_text"],
        kind=row["kind"],
        weight=_dec(row["weight"]),
        actual_text=row["actual_text"] or "",
        completion=completion,
        progress_date=progress_date,
        progress_note=row["progress_note"] or "",
        cause=row["cause"] or "",
        action=row["action"] or "",
        after_as_of=progress_date is not None and progress_date > as_of,
    )


INDICATOR_EVENT_LABELS = {
    "Added": "添加绩效指标",
    "ProgressRecorded": "记录指标进展",
    "DeviationExplained": "说明偏差原因",
}


def indicator_history(events: Iterable[Any], name: str) -> list[dict[str, Any]]:
    """An indicator's stored events as rows shaped like ``project_view.history_rows``.

    The project's own stream does not hold its indicators' events; the page merges
    these in so its history shows everything recorded for the project.
    """
    rows = []
    for e in events:
        kind = type(e).__name__
        if kind == "Added":
            details = f"指标“{name}”，指标值 {e.target_text}"
        elif kind == "ProgressRecorded":
            done = f"，完成程度 {fmt_yuan(e.completion)}%" if e.completion is not None else ""
            details = f"指标“{name}”实际完成值 {e.actual_text or '—'}{done}"
        elif kind == "DeviationExplained":
            details = f"指标“{name}”偏差原因：{e.cause}；改进措施：{e.action}"
        else:
            details = f"指标“{name}”"
        rows.append(
            {
                "version": e.originator_version,
                "event": kind,
                "label": INDICATOR_EVENT_LABELS.get(kind, kind),
                "recorded_at": e.timestamp.astimezone(SHANGHAI).isoformat(timespec="seconds"),
                "user": getattr(e, "user", ""),
                "date": e.date.isoformat() if hasattr(e, "date") else None,
                "amount": None,
                "details": details,
                "note": getattr(e, "note", "") or "",
                "request_id": (getattr(e, "request", None) or {}).get("id"),
            }
        )
    return rows


def split_history(rows: Iterable[dict[str, Any]], as_of: dt.date) -> tuple[list[dict[str, Any]], int]:
    """History rows newest first, without entries whose business date is after ``as_of``
    (and how many were left out): the page shows the world as it stood that day."""
    day = as_of.isoformat()
    shown, later = [], 0
    for row in rows:
        if row.get("date") and row["date"] > day:
            later += 1
        else:
            shown.append(row)
    shown.sort(key=lambda r: (r["recorded_at"], r["version"]), reverse=True)
    return shown, later
