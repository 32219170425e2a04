"""What the project page shows: the register entry, the project's standing (status,
checkpoints, forecast) as of a business date, the ledger's entries up to that date,
and the indicators with their completion (its history: ``project_history``).

Everything is read from the read tables (``rm_projects``, ``rm_daily``, ``rm_payments``,
``rm_reversals``, ``rm_appropriations``, ``rm_indicators``), never by replaying the
aggregate: a page request costs a few indexed selects, whatever the project's length.
"As of d" keeps the entries dated on or before d (payments, reversals and
appropriations by their business date) and counts the ones it leaves out, so the page
can say that later entries exist. Amounts come back as Decimal 元.

"As known on T" (``known``) also keeps only the entries recorded by T (a join on
``rm_recorded``): a payment back-dated after T, a reversal or an appropriation recorded
later are neither listed nor counted as later entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tracker.domain import lag
from tracker.domain.catalogue import ECONOMIC_CLASSES, FUNCTIONAL_CLASSES
from tracker.domain.errors import TrackerError
from tracker.domain.indicator import Target
from tracker.domain.money import ZERO, from_fen
from tracker.domain.plan import HUNDRED, Checkpoint
from tracker.domain.plan_warnings import plan_warnings
from tracker.domain.project import LEDGER_KIND_LABELS
from tracker.domain.selfeval import IndicatorResult, indicator_completion
from tracker.queries import commitments
from tracker.queries.known import KnownOn
from tracker.queries.status import Figures, ProjectStatus, Queries
from tracker.queries.sums_known import recorded_by
from tracker.queries.units import UNITS_SQL
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
    """The project's entries dated on or before ``as_of``, oldest first.

    ``payments`` may be only the latest ones (a limit asked for); the totals and the
    count always cover every payment and reversal up to ``as_of``.
    """

    as_of: dt.date
    payments: tuple[Payment, ...]
    appropriations: tuple[Appropriation, ...]
    later_entries: int  # payments, reversals and appropriations dated after as_of
    payment_count: int
    paid: Decimal
    reversed: Decimal

    @property
    def budget(self) -> Decimal:
        return sum((a.amount for a in self.appropriations), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return self.paid - self.reversed

    @property
    def complete(self) -> bool:
        return len(self.payments) == self.payment_count


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

    def ledger(
        self, project_id: str, as_of: dt.date, limit: int | None = None, known: KnownOn | None = None
    ) -> Ledger:
        """Entries up to ``as_of`` (recorded by ``known`` when given); with ``limit``,
        only the latest payments are listed (a project of a thousand payments still
        reads and renders a page quickly)."""
        day = as_of.isoformat()
        key = (project_id, day)
        pay_join, jp = recorded_by("x", known)  # the same join (and parameter) for each table

        def count(table: str, cmp: str, what: str = "COUNT(*)") -> str:
            return f"(SELECT {what} FROM {table} x{pay_join} WHERE x.project_id = ? AND x.date {cmp} ?)"

        totals = self.read.one(
            f"SELECT {count('rm_payments', '<=')} AS n, "
            f"{count('rm_payments', '<=', 'COALESCE(SUM(x.amount_fen), 0)')} AS paid, "
            f"{count('rm_reversals', '<=', 'COALESCE(SUM(x.amount_fen), 0)')} AS rev, "
            f"{count('rm_payments', '>')} + {count('rm_reversals', '>')} "
            f"+ {count('rm_appropriations', '>')} AS later",
            (*jp, *key) * 6,
        )
        assert totals is not None
        pays = self.read.all(
            f"SELECT x.id, x.date, x.amount_fen, x.payee, x.economic, x.voucher, x.source FROM rm_payments x"
            f"{pay_join} WHERE x.project_id = ? AND x.date <= ? ORDER BY x.date DESC, x.id DESC"
            + (" LIMIT ?" if limit else ""),
            (*jp, *key, limit) if limit else (*jp, *key),
        )[::-1]
        revs = self.read.all(
            f"SELECT x.id, x.payment_id, x.date, x.amount_fen, x.reason FROM rm_reversals x{pay_join} "
            "WHERE x.project_id = ? AND x.date <= ? ORDER BY x.date, x.id",
            (*jp, *key),
        )
        apps = self.read.all(
            f"SELECT x.id, x.date, x.kind, x.amount_fen, x.doc FROM rm_appropriations x{pay_join} "
            "WHERE x.project_id = ? AND x.date <= ? ORDER BY x.date, x.id",
            (*jp, *key),
        )
        by_payment: dict[str, list[Reversal]] = {}
        for r in revs:
            reversal = Reversal(
                r["id"], r["payment_id"], _date(r["date"]), _yuan(r["amount_fen"]), r["reason"]
            )
            by_payment.setdefault(r["payment_id"], []).append(reversal)
        payments = tuple(
            Payment(
                id=r["id"],
                date=_date(r["date"]),
                amount=_yuan(r["amount_fen"]),
                payee=r["payee"],
                economic=r["economic"],
                economic_name=ECONOMIC_CLASSES.get(r["economic"] or "", ""),
                voucher=r["voucher"],
                source=r["source"],
                reversals=tuple(by_payment.get(r["id"], ())),
            )
            for r in pays
        )
        running = ZERO
        appropriations = []
        for r in apps:
            amount = _yuan(r["amount_fen"])
            running += amount
            appropriations.append(
                Appropriation(
                    r["id"],
                    _date(r["date"]),
                    r["kind"],
                    LEDGER_KIND_LABELS.get(r["kind"]) or str(r["kind"]),
                    amount,
                    r["doc"],
                    running,
                )
            )
        return Ledger(
            as_of=as_of,
            payments=payments,
            appropriations=tuple(appropriations),
            later_entries=int(totals["later"]),
            payment_count=int(totals["n"]),
            paid=_yuan(totals["paid"]),
            reversed=_yuan(totals["rev"]),
        )

    def progress(self, facts: ProjectFacts, as_of: dt.date) -> dict[str, Any]:
        """``Queries.progress`` of one project (same answer, same shape), from its own
        daily sums only: ``Queries.statuses`` sums every project of the year before
        keeping one, most of a page's time at a thousand projects."""
        year, day = facts.year, as_of
        rows = [
            (r["date"], int(r["budget_fen"]), int(r["spent_fen"]))
            for r in self.read.all(
                "SELECT date, budget_fen, spent_fen FROM rm_daily WHERE project_id = ? AND date >= ? "
                "AND date <= ? ORDER BY date",
                (facts.id, f"{year}-01-01", f"{year}-12-31"),
            )
        ]
        unit = self.read.one(f"{UNITS_SQL} WHERE u.code = ?", (facts.unit_code,))

        def amounts(upto: dt.date) -> tuple[Decimal, Decimal]:
            cut = upto.isoformat()
            return _yuan(sum(b for d, b, _ in rows if d <= cut)), _yuan(
                sum(s for d, _, s in rows if d <= cut)
            )

        budget, disbursed = amounts(day)
        checkpoints = facts.checkpoints
        planned = lag.planned_rate(checkpoints, year, day, budget)
        project = ProjectStatus(
            facts.id, year, facts.code, facts.name, facts.unit_code, facts.expenditure_type, facts.functional,
            facts.economic, facts.source, facts.plan, Queries.rule_of(unit),
            Figures(
                budget=budget,
                disbursed=disbursed,
                planned_amount=planned * budget / HUNDRED,
                forecast_amount=lag.forecast_rate(disbursed, budget, year, day) * budget / HUNDRED,
                planned=planned,
                committed=_yuan(commitments.committed_on(self.read, facts.id, day)),
            ),
        )  # fmt: skip
        reached = []
        for cp in checkpoints:
            if cp.is_blank or cp.date > day:
                continue
            b, s = amounts(cp.date)
            target, actual = lag.checkpoint_rate(cp, b), lag.rate(s, b)
            reached.append(
                {
                    "date": cp.date,
                    "target_rate": target,
                    "actual_rate": actual,
                    "met": actual >= target,
                    "shortfall_points": max(target - actual, ZERO),
                }
            )
        nxt, per_day = lag.daily_needed(checkpoints, day, budget, disbursed)
        return {
            "project": project,
            "as_of": day,
            "checkpoints": reached,
            "next_checkpoint": None if nxt is None else nxt.date,
            "next_target_rate": None if nxt is None else lag.checkpoint_rate(nxt, budget),
            "daily_needed": per_day,
            "plan_warnings": plan_warnings(checkpoints, amounts(dt.date(year, 12, 31))[0])
            if facts.plan
            else [],
        }

    def indicators(
        self, year: int, code: str, as_of: dt.date, as_known: Callable[[list[Any]], list[Any]] | None = None
    ) -> tuple[IndicatorProgress, ...]:
        """The project's indicators with their latest progress; ``as_known`` turns the
        rows into those of a known-on moment (``BudgetTracker.known_indicator_rows``,
        which reads the indicators' events: this class reads only the read tables)."""
        rows = self.read.all(
            "SELECT * FROM rm_indicators WHERE owner_kind = 'project' AND owner_code = ? AND year = ? "
            "ORDER BY seq",
            (code, year),
        )
        if as_known is not None:
            rows = as_known(rows)
        return tuple(_indicator(r, as_of) for r in rows)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _yuan(fen: Any) -> Decimal:
    return from_fen(int(fen))


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
