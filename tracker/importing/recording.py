"""Step 3 of ``import_file``: record what was validated, in one database transaction.

The commands (units, projects with their plans, 年初预算, indicators) and the payment
batches all write through ``tracker.commands.batch.one_transaction``, which commits
once at the end: a refusal found while recording (a payment that no longer fits
because someone else paid meanwhile), an error or a ``kill -9`` at any moment leaves
nothing recorded, and importing the file again records everything once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.commands.batch import one_transaction
from tracker.domain.errors import ConcurrencyError, DuplicateError, TrackerError
from tracker.domain.project import INITIAL
from tracker.importing.errors import ImportInterrupted, interrupted
from tracker.importing.payments import record_payments
from tracker.importing.records import IMPORT_NOTE, Validated
from tracker.importing.report import ImportReport, Progress
from tracker.queries import lookups

if TYPE_CHECKING:
    from tracker.commands.tracker import BudgetTracker


def counts(v: Validated) -> dict[str, int]:
    """How many of each kind the file adds (what a dry run reports)."""
    return {
        "units": len(v.units),
        "projects": len(v.projects),
        "appropriations": len(v.appropriations),
        "indicators": len(v.indicators),
        "payments": len(v.payments),
    }


def record(
    app: BudgetTracker, v: Validated, user: str | None, report: ImportReport, notify: Progress
) -> None:
    """Everything in one transaction: written rows are counted as they are sent, and
    become recorded only at the commit ("提交"), all at once. Too busy a database (the
    transaction could not begin, or a write gave up) is an interruption like any other:
    the doors tell the user that nothing was recorded."""
    try:
        with one_transaction(app) as tx:
            _execute(app, v, user, report, notify)
            notify("提交", 0, 1)
            tx.commit()
    except ConcurrencyError as e:
        raise ImportInterrupted(e.message, e.field) from None
    notify("提交", 1, 1)


def _execute(
    app: BudgetTracker, v: Validated, user: str | None, report: ImportReport, notify: Progress
) -> None:
    total = sum(counts(v).values())
    done = 0

    def step(kind: str, created: bool) -> None:
        nonlocal done
        done += 1
        report.created[kind] += created
        report.present[kind] += not created
        if done % 50 == 0 or done == total:
            notify("写入", done, total)

    for u in v.units:
        try:
            app.add_unit(u.code, u.name, user=user, note=IMPORT_NOTE, request_id=f"import:unit:{u.code}")
            step("units", True)
        except DuplicateError:  # registered meanwhile by someone else
            step("units", False)
    for p in v.projects:
        try:
            app.add_project(
                year=p.year,
                unit=p.unit_code or "",
                code=p.code,
                name=p.name,
                expenditure_type=p.expenditure_type,
                functional=p.functional,
                economic=p.economic,
                source=p.source,
                owner=p.owner or "",
                plan=p.plan,
                user=user,
                note=IMPORT_NOTE,
                request_id=p.request_id,
            )
            step("projects", True)
        except DuplicateError as e:
            if lookups.project_in_year(app.read, p.code, p.year) is None:
                raise interrupted(p.sheet, p.row, e) from None
            step("projects", False)
    for p in v.appropriations:
        assert p.budget is not None
        try:
            app.appropriate(
                p.code,
                p.budget,
                date=p.approved,
                kind=INITIAL,
                doc=p.doc,
                year=p.year,
                user=user,
                note=IMPORT_NOTE,
                request_id=p.budget_request_id,
            )
        except TrackerError as e:
            raise interrupted(p.sheet, p.row, e) from None
        step("appropriations", True)
    for i in v.indicators:
        try:
            app.add_indicator(
                i.code,
                level1=i.level1,
                level2=i.level2,
                name=i.name,
                target=i.target,
                weight=i.weight,
                description=i.description,
                year=i.year,
                user=user,
                note=IMPORT_NOTE,
                request_id=i.request_id,
            )
        except TrackerError as e:
            raise interrupted(i.sheet, i.row, e) from None
        step("indicators", True)
    if v.payments:
        _execute_payments(app, v, user, report, notify, done, total)


def _execute_payments(
    app: BudgetTracker,
    v: Validated,
    user: str | None,
    report: ImportReport,
    notify: Progress,
    done: int,
    total: int,
) -> None:
    counted = [0, 0]

    def progress(created: int, present: int) -> None:
        report.created["payments"] += created - counted[0]
        report.present["payments"] += present - counted[1]
        counted[:] = [created, present]
        notify("写入", done + created + present, total)

    record_payments(app, v.payments, user=user, progress=progress)
