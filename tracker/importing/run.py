"""``import_file``: read, validate everything, then record — or record nothing.

Order of work:

1. read every sheet (``readers``) and recognise each one's layout (``layouts``);
2. parse every row, load the database state the file refers to (``state``), and check
   the rows against it (``validate``); if anything is wrong, raise ``ImportRefused``
   listing every problem (sheet, 第N行, column, reason) — nothing has been recorded;
3. record, in this order: units, projects (with their plans), 年初预算
   appropriations, indicators, payments (``payments``: the fast path for the
   100,000-row case). Every command carries a request id derived from the file's kind
   and the row's content (see ``validate``), so importing the same file again — or a
   later cumulative export that repeats earlier rows — records nothing twice.

Step 3 (``recording``) is one database transaction, on SQLite and PostgreSQL alike:
killed or stopped at any moment it leaves nothing recorded.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tracker.commands.base import request_of
from tracker.commands.observers import DUPLICATE, RECORDED
from tracker.domain.errors import TrackerError
from tracker.domain.inputs import parse_year
from tracker.importing.errors import ImportInterrupted, ImportRefused
from tracker.importing.layouts import Table, Unrecognised, detect
from tracker.importing.parsing import parse_tables
from tracker.importing.readers import read_table_file
from tracker.importing.recording import counts, record
from tracker.importing.records import PaymentRow, Problem
from tracker.importing.report import ImportReport, Progress, SheetReport, text_progress
from tracker.importing.request_ids import request_ids
from tracker.importing.state import load_state, load_vouchers
from tracker.importing.validate import check
from tracker.queries import lookups

if TYPE_CHECKING:
    from tracker.commands.tracker import BudgetTracker

__all__ = ["ImportInterrupted", "ImportRefused", "ImportReport", "import_file", "text_progress"]


def import_file(
    app: BudgetTracker,
    path: str | Path,
    *,
    year: int | str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a projects, indicators or payments table (``.xlsx``, several sheets
    allowed, or ``.csv``). Raises ``ImportRefused`` (nothing recorded) if any row is bad.

    The cyclic garbage collector is paused meanwhile: a large file keeps hundreds of
    thousands of objects alive, and every collection would walk them all again (a
    quarter of the time of a 100,000-row import); cycles made meanwhile are collected
    afterwards. (The switch is process-wide: another thread's garbage waits too.)"""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _import(app, path, year=year, dry_run=dry_run, user=user, progress=progress)
    finally:
        if paused:
            gc.enable()


def _import(
    app: BudgetTracker,
    path: str | Path,
    *,
    year: int | str | None,
    dry_run: bool,
    user: str | None,
    progress: Progress | None,
) -> ImportReport:
    started = time.perf_counter()
    fiscal = parse_year(year, "--year") if year is not None else None
    report = ImportReport(str(path), dry_run)
    notify = progress or (lambda stage, done, total: None)
    notify("读取", 0, 1)
    try:
        sheets = read_table_file(path)
    except TrackerError as e:
        raise ImportRefused([Problem(None, e.field, e.message)]) from None
    notify("读取", 1, 1)
    tables, problems = _recognise(sheets, report)
    problems += _without_rows(tables, report, csv=Path(path).suffix.lower() == ".csv")
    parsed = parse_tables(tables, year=fiscal)
    parsed.problems[:0] = problems
    rows = sum(len(t.rows) for t in tables)
    notify("校验", 0, rows)
    db = load_state(app, parsed)
    db.requests = lookups.request_hashes(app.read, request_ids(parsed, db))
    load_vouchers(app, parsed, db)
    validated = check(parsed, db, fingerprinter())
    notify("校验", rows, rows)
    if validated.problems:
        raise ImportRefused(validated.problems)
    report.warnings += validated.warnings
    report.present = dict(validated.present)
    if dry_run:
        report.created = counts(validated)
    else:
        record(app, validated, user, report, notify)  # returns once the one commit is done
        _count_payments(app, report)
    report.seconds = time.perf_counter() - started
    return report


def _count_payments(app: BudgetTracker, report: ImportReport) -> None:
    """Payments are saved in batches, not through ``pay``: count them as that command
    for the doors' observers (metrics), recorded and already present alike."""
    app.observers.tell("command", "pay", RECORDED, report.created.get("payments", 0))
    app.observers.tell("command", "pay", DUPLICATE, report.present.get("payments", 0))


def _recognise(sheets: list[Any], report: ImportReport) -> tuple[list[Table], list[Problem]]:
    tables: list[Table] = []
    problems: list[Problem] = []
    for sheet in sheets:
        found = detect(sheet)
        if isinstance(found, Table):
            tables.append(found)
            report.sheets.append(SheetReport(sheet.name, found.kind, found.header_row, len(found.rows)))
            continue
        report.sheets.append(SheetReport(sheet.name, None, None, len(sheet.rows)))
        if isinstance(found, Unrecognised):
            # A sheet laid out as a table (three or more filled cells in a row) that is
            # none of ours is refused, not skipped: its headers are probably wrong.
            tabular = any(sum(v is not None for v in cells) >= 3 for _, cells in sheet.rows[:30])
            if tabular and not sheet.hidden:
                problems.append(
                    Problem(
                        found.row,
                        None,
                        found.reason + "：请检查列名（如 项目编码、金额(元)、三级指标）",
                        sheet.name,
                    )
                )
            else:
                report.warnings.append(f"工作表“{sheet.name}”不是可导入的表格，已跳过")
    if not tables and not problems:
        problems.append(Problem(None, None, "文件中没有可导入的表格（项目表、绩效指标表或支付明细表）"))
    return tables, problems


def _without_rows(tables: list[Table], report: ImportReport, *, csv: bool) -> list[Problem]:
    """A file whose tables have a header and no rows is refused (an export cut short,
    the wrong file picked): 文件中没有数据行, per sheet for a workbook. An empty table
    beside ones with rows is only mentioned."""
    empty = [t for t in tables if not t.rows]
    if not tables or len(empty) < len(tables):
        report.warnings += [f"工作表“{t.sheet}”只有表头，没有数据行，已跳过" for t in empty]
        return []
    if csv:
        return [Problem(None, None, "文件中没有数据行")]
    return [Problem(t.header_row, None, "文件中没有数据行（只有表头）", t.sheet) for t in empty]


def service_fingerprint(command: str, args: dict[str, Any], request_id: str, result: UUID) -> str:
    """The service layer's own request hash (``tracker.commands.base.request_of``)."""
    request = request_of(command, args, request_id, result)
    assert request is not None
    return str(request["hash"])


def fingerprinter() -> Callable[[PaymentRow], str]:
    """Each payment row's request hash as the service layer computes it, by the row's
    own spelled-out ``PaymentRow.request_hash`` (a fifth of the cost) once the two have
    agreed on the first row; if they ever disagree (the service layer's spelling or the
    command's arguments changed), by the service layer itself for every row.

    Equal hashes matter: they make an imported row and ``tracker pay --id`` with the
    same request id one request, and a re-import recognise what it recorded."""
    fast: list[bool] = []

    def fingerprint(p: PaymentRow) -> str:
        if not fast:
            fast.append(_spelled_hash(p) == _service_hash(p))
        return (_spelled_hash(p) if fast[0] else None) or _service_hash(p)

    return fingerprint


def _spelled_hash(p: PaymentRow) -> str | None:
    try:
        return p.request_hash()
    except TypeError:  # a value that is not text where text was expected
        return None


def _service_hash(p: PaymentRow) -> str:
    return service_fingerprint("pay", p.command_args(), p.request_id, p.payment_id)
