"""``import_file``: read, validate everything, then record — or record nothing.

Order of work:

1. read every sheet (``readers``) and recognise each one's layout (``layouts``);
2. parse every row, load the database state the file refers to, and check the rows
   against it (``validate``); if anything is wrong, raise ``ImportRefused`` listing
   every problem (sheet, 第N行, column, reason) — nothing has been recorded;
3. record, in this order: units, projects (with their plans), 年初预算
   appropriations, indicators, payments. Every command carries a request id derived
   from the file's kind and the row's content (see ``validate``), so importing the same
   file again — or a later cumulative export that repeats earlier rows — records
   nothing twice.

Payments take a faster path than one ``BudgetTracker.pay`` call each (which costs a
transaction, a sorted scan of the year's days for the overspend check, and a snapshot
every 100 events): the payments of one project are applied to its aggregate in memory
with the aggregate's own ``Project.pay`` — so every rule is still decided by the
aggregate — and saved in a few large transactions, with the read-model rows of the
same events (the projector's own statements, merged: one upsert per project-day
instead of one per payment, multi-row inserts) and one snapshot at the end. The
overspend check inside ``Project.pay`` asks ``available_from``; during the batch that
question is answered by ``validate.Headroom``, which gives the same answer in
O(√days) instead of sorting every day again (checked against the aggregate's own
method before saving). The request ids travel in the events exactly as ``pay`` would
write them, so ``rm_requests`` and the replay of a request id work as for ``pay``.

This path saves through ``app.recorder.insert_events`` rather than ``app.save``: it
reproduces what ``BudgetTracker._record`` adds (the projector's statements) and what
``Application.save`` does after storing (cache, snapshot). A hook added to either
later must be added to ``_batches``/``_apply`` too (the tests compare the read model
with a rebuild from the log, which guards the projection part).

The work is not one transaction: a crash half-way leaves what was recorded so far,
and importing the file again completes it (what is recorded is recognised).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, StoredEvent

from tracker.domain.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    TrackerError,
)
from tracker.domain.money import FEN, from_fen, to_fen
from tracker.domain.project import INITIAL, Project
from tracker.importing.layouts import KIND_LABELS, Table, Unrecognised, detect
from tracker.importing.readers import read_table_file
from tracker.importing.validate import (
    IMPORT_NOTE,
    KINDS,
    DbState,
    ExistingPayment,
    Headroom,
    Parsed,
    PaymentRow,
    Problem,
    ProjectState,
    Validated,
    check,
    indicator_key,
    parse_tables,
    request_ids,
)
from tracker.inputs import parse_year
from tracker.projections.projector import ADD_DAILY, ADD_MONTHLY, statements_for

if TYPE_CHECKING:
    from tracker.application import BudgetTracker

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Statement = tuple[str, tuple[Any, ...]]

KIND_NAMES = {"units": "预算单位", "projects": "项目", "appropriations": "年初预算",
              "indicators": "绩效指标", "payments": "支付"}
EVENTS_PER_TRANSACTION = 20_000
MAX_ATTEMPTS = 5
IN_CHUNK = 500  # values per IN (...) list
PARAMS_PER_STATEMENT = 900  # below SQLite's oldest limit of 999 bound parameters
# psycopg caches a parsed query only up to 50 parameters and parses a longer one anew on
# every execution (5 s for 100,000 payments): on PostgreSQL, smaller multi-row inserts.
PG_PARAMS_PER_STATEMENT = 50


class ImportRefused(InvalidInputError):
    """The file has problems; every one is listed and nothing was recorded."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = [f"导入被拒绝：发现 {len(self.problems)} 处问题，未导入任何内容："]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ImportInterrupted(TrackerError):
    """Recording stopped part-way (a concurrent change); what was recorded stays and a
    new import of the same file continues from there."""

    http_status = 409


@dataclass
class SheetReport:
    name: str
    kind: str | None  # None: not imported (unrecognised or empty)
    header_row: int | None
    rows: int


@dataclass
class ImportReport:
    """What the import found and did; ``created`` and ``present`` are per kind."""

    path: str
    dry_run: bool
    sheets: list[SheetReport] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recorded_anything(self) -> bool:
        return not self.dry_run and any(self.created.values())

    def lines(self) -> list[str]:
        """The report as the CLI prints it."""
        out = [f"文件：{self.path}"]
        for s in self.sheets:
            if s.kind is None:
                out.append(f"工作表“{s.name}”：未导入")
            else:
                out.append(f"工作表“{s.name}”：{KIND_LABELS[s.kind]}，表头在第{s.header_row}行，"
                           f"数据 {s.rows} 行")
        verb = "将新增" if self.dry_run else "新增"
        for kind in KINDS:
            if self.created[kind] or self.present[kind]:
                out.append(f"{KIND_NAMES[kind]}：{verb} {self.created[kind]}，已存在 {self.present[kind]}")
        out += [f"提示：{w}" for w in self.warnings]
        if self.dry_run:
            out.append("试运行（--dry-run）：校验通过，未记录任何内容")
        else:
            out.append(f"导入完成，用时 {self.seconds:.1f} 秒")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "dry_run": self.dry_run,
                "sheets": [vars(s) for s in self.sheets],
                "created": dict(self.created), "present": dict(self.present),
                "warnings": list(self.warnings), "seconds": round(self.seconds, 3)}


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


def _import(app: BudgetTracker, path: str | Path, *, year: int | str | None, dry_run: bool,
            user: str | None, progress: Progress | None) -> ImportReport:
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
    parsed = parse_tables(tables, year=fiscal)
    parsed.problems[:0] = problems
    notify("校验", 0, 1)
    db = load_state(app, parsed)
    db.requests = _fingerprints(app, request_ids(parsed, db))
    _load_vouchers(app, parsed, db)
    validated = check(parsed, db, _fingerprint)
    notify("校验", 1, 1)
    if validated.problems:
        raise ImportRefused(validated.problems)
    report.warnings += validated.warnings
    report.present = dict(validated.present)
    if dry_run:
        report.created = _counts(validated)
    else:
        _execute(app, validated, user, report, notify)
    report.seconds = time.perf_counter() - started
    return report


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
                problems.append(Problem(found.row, None, found.reason + "：请检查列名（如 项目编码、"
                                        "金额(元)、三级指标）", sheet.name))
            else:
                report.warnings.append(f"工作表“{sheet.name}”不是可导入的表格，已跳过")
    if not tables and not problems:
        problems.append(Problem(None, None, "文件中没有可导入的表格（项目表、绩效指标表或支付明细表）"))
    return tables, problems


def _counts(v: Validated) -> dict[str, int]:
    return {"units": len(v.units), "projects": len(v.projects), "appropriations": len(v.appropriations),
            "indicators": len(v.indicators), "payments": len(v.payments)}


def _fingerprint(command: str, args: dict[str, Any], request_id: str, result: UUID) -> str:
    from tracker.application import BudgetTracker

    request = BudgetTracker._request(command, args, request_id, result)
    assert request is not None
    return str(request["hash"])


# ------------------------------------------------------------ database state


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _marks(n: int) -> str:
    return ", ".join(["?"] * n)


def load_state(app: BudgetTracker, parsed: Parsed) -> DbState:
    """The units, projects, payments by 凭证号 and indicators the file refers to."""
    db = DbState()
    db.units = {r["code"]: r["name"] for r in app.read.all("SELECT code, name FROM rm_units")}
    keys = {(p.year, p.code) for p in parsed.projects}
    keys |= {(i.year, i.code) for i in parsed.indicators}
    keys |= {(p.year, p.code) for p in parsed.payments}
    by_year: dict[int, list[str]] = {}
    for y, code in sorted(keys):
        by_year.setdefault(y, []).append(code)
    ids: dict[str, tuple[int, str]] = {}
    for y, codes in by_year.items():
        for chunk in _chunks(codes):
            rows = app.read.all(
                "SELECT id, year, code, unit_code, name, expenditure_type, functional, economic, source, "
                f"owner, plan FROM rm_projects WHERE year = ? AND code IN ({_marks(len(chunk))})",
                [y, *chunk])
            for r in rows:
                key = (int(r["year"]), r["code"])
                ids[r["id"]] = key
                db.projects[key] = ProjectState(
                    key[0], r["code"], r["unit_code"], r["name"], r["expenditure_type"], r["functional"],
                    r["economic"], r["source"], r["owner"], r["plan"], None)
    id_list = list(ids)
    paying = {(p.year, p.code) for p in parsed.payments}
    for chunk in _chunks(id_list):
        for r in app.read.all(
                "SELECT project_id, SUM(amount_fen) AS fen FROM rm_appropriations WHERE kind = ? "
                f"AND project_id IN ({_marks(len(chunk))}) GROUP BY project_id", [INITIAL, *chunk]):
            db.projects[ids[r["project_id"]]].initial_fen = int(r["fen"])
        wanted = [i for i in chunk if ids[i] in paying]
        if wanted:
            for r in app.read.all("SELECT project_id, date, budget_fen, spent_fen FROM rm_daily "
                                  f"WHERE project_id IN ({_marks(len(wanted))})", wanted):
                db.projects[ids[r["project_id"]]].daily[r["date"]] = (int(r["budget_fen"]),
                                                                      int(r["spent_fen"]))
    _load_indicators(app, parsed, db)
    return db


def _load_vouchers(app: BudgetTracker, parsed: Parsed, db: DbState) -> None:
    """Payments by 凭证号 of the units concerned, when some row's voucher is not one this
    import recorded before (a payment recorded by hand may carry it)."""
    units: set[tuple[int, str]] = set()
    for p in parsed.payments:
        if p.voucher and p.request_id not in db.requests:
            state = db.projects.get((p.year, p.code))
            unit = state.unit_code if state else next(
                (q.unit_code for q in parsed.projects if (q.year, q.code) == (p.year, p.code)), None)
            if unit:
                units.add((p.year, unit))
    for y, unit in sorted(units):
        for r in app.read.all(
                "SELECT p.voucher, p.date, p.amount_fen, p.payee, r.code FROM rm_payments p "
                "JOIN rm_projects r ON r.id = p.project_id "
                "WHERE r.year = ? AND r.unit_code = ? AND p.voucher <> ''", [y, unit]):
            db.vouchers.setdefault((y, unit, r["voucher"]), []).append(
                ExistingPayment(r["code"], r["date"], int(r["amount_fen"]), r["payee"]))


def _load_indicators(app: BudgetTracker, parsed: Parsed, db: DbState) -> None:
    by_year: dict[int, set[str]] = {}
    for i in parsed.indicators:
        by_year.setdefault(i.year, set()).add(i.code)
    for y, codes in by_year.items():
        for chunk in _chunks(sorted(codes)):
            for r in app.read.all(
                    "SELECT owner_code, level1, level2, name, target_text, weight FROM rm_indicators "
                    f"WHERE owner_kind = 'project' AND year = ? AND owner_code IN ({_marks(len(chunk))})",
                    [y, *chunk]):
                key = (y, r["owner_code"], indicator_key(r["level1"], r["level2"], r["name"]))
                db.indicators[key] = (r["target_text"], r["weight"])


def _fingerprints(app: BudgetTracker, ids: Sequence[str]) -> dict[str, str]:
    """The recorded fingerprint of each request id already used."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(ids))
    for chunk in _chunks(unique):
        for r in app.read.all("SELECT request_id, request_hash FROM rm_requests "
                              f"WHERE request_id IN ({_marks(len(chunk))})", chunk):
            found[r["request_id"]] = r["request_hash"]
    return found


# ------------------------------------------------------------------ recording


def _execute(app: BudgetTracker, v: Validated, user: str | None, report: ImportReport,
             notify: Progress) -> None:
    total = sum(_counts(v).values())
    done = 0

    def step(kind: str, created: bool) -> None:
        nonlocal done
        done += 1
        report.created[kind] += created
        report.present[kind] += not created
        if done % 50 == 0 or done == total:
            notify("导入", done, total)

    for u in v.units:
        try:
            app.add_unit(u.code, u.name, user=user, note=IMPORT_NOTE, request_id=f"import:unit:{u.code}")
            step("units", True)
        except DuplicateError:  # registered meanwhile by someone else
            step("units", False)
    for p in v.projects:
        try:
            app.add_project(year=p.year, unit=p.unit_code or "", code=p.code, name=p.name,
                            expenditure_type=p.expenditure_type, functional=p.functional,
                            economic=p.economic, source=p.source, owner=p.owner or "", plan=p.plan,
                            user=user, note=IMPORT_NOTE, request_id=p.request_id)
            step("projects", True)
        except DuplicateError as e:
            if app.read.one("SELECT 1 AS x FROM rm_projects WHERE year = ? AND code = ?",
                            (p.year, p.code)) is None:
                raise _interrupted(p.sheet, p.row, e) from None
            step("projects", False)
    for p in v.appropriations:
        assert p.budget is not None
        try:
            app.appropriate(p.code, p.budget, date=p.approved, kind=INITIAL, doc=p.doc, year=p.year,
                            user=user, note=IMPORT_NOTE, request_id=p.budget_request_id)
        except TrackerError as e:
            raise _interrupted(p.sheet, p.row, e) from None
        step("appropriations", True)
    for i in v.indicators:
        try:
            app.add_indicator(i.code, level1=i.level1, level2=i.level2, name=i.name, target=i.target,
                              weight=i.weight, description=i.description, year=i.year, user=user,
                              note=IMPORT_NOTE, request_id=i.request_id)
        except TrackerError as e:
            raise _interrupted(i.sheet, i.row, e) from None
        step("indicators", True)
    if v.payments:
        record_payments(app, v.payments, user=user, report=report,
                        progress=lambda n: notify("导入", done + n, total))


def _interrupted(sheet: str, row: int, e: TrackerError) -> ImportInterrupted:
    return ImportInterrupted(
        f"导入在工作表“{sheet}”第{row}行中断：{e}。此前的内容已记录；处理后重新导入同一文件即可继续"
        "（已记录的不会重复）", e.field)


def record_payments(app: BudgetTracker, payments: Sequence[PaymentRow], *, user: str | None,
                    report: ImportReport | None = None,
                    progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Record validated payment rows, grouped by project; returns (created, already present).

    (A writer thread overlapping the saves with the next project's work was tried: the
    per-event Python work of both threads fights over the GIL and it was slower.)
    """
    who = app._user(user)
    by_project: dict[UUID, list[PaymentRow]] = {}
    for p in payments:
        by_project.setdefault(p.project_id, []).append(p)
    created = present = 0
    for pid, rows in by_project.items():
        made, found = _project_payments(app, pid, rows, who)
        created += made
        present += found
        if report is not None:
            report.created["payments"] += made
            report.present["payments"] += found
        if progress is not None:
            progress(created + present)
    return created, present


def _project_payments(app: BudgetTracker, pid: UUID, rows: list[PaymentRow], who: str) -> tuple[int, int]:
    """One project's payments, saved before returning (the careful path)."""
    present = 0
    for _ in range(MAX_ATTEMPTS):
        with app._lock_for(pid):
            try:
                return _apply(app, pid, rows, who), present
            except IntegrityError:
                # Another writer got there first (this project, or these request ids):
                # keep what is now recorded, decide the rest again on fresh state.
                app._evict(pid)
                rows, found = _drop_recorded(app, rows)
                present += found
        time.sleep(0.01)
    raise ConcurrencyError("并发写入过多，请稍后重新导入（已记录的不会重复）")


def _load(app: BudgetTracker, pid: UUID, rows: list[PaymentRow]) -> Project:
    try:
        project: Any = app.repository.get(pid, deepcopy_from_cache=False)
    except AggregateNotFoundError:
        raise NotFoundError(f"项目 {rows[0].code} 不存在", "项目编码") from None
    assert isinstance(project, Project)
    return project


def _apply(app: BudgetTracker, pid: UUID, rows: list[PaymentRow], who: str) -> int:
    project = _load(app, pid, rows)
    start_version = project.version
    pending = [r for r in rows if r.payment_key not in project.payments]
    if not pending:
        return 0
    try:
        with contextlib.closing(_batches(app, project, pending, who)) as batches:
            for stored, statements in batches:
                app.recorder.insert_events(stored, projection=statements)
    except BaseException:
        app._evict(pid)
        raise
    _cache(app, project)
    snapshot = _snapshot_event(app, project, start_version)
    if snapshot is not None and app.snapshots is not None:
        app.snapshots.recorder.insert_events([snapshot])
    return len(pending)


def _batches(app: BudgetTracker, project: Project, pending: list[PaymentRow], who: str
             ) -> Generator[tuple[list[StoredEvent], list[Statement]], None, None]:
    """Let the aggregate decide each payment; yield each chunk's stored events with the
    read-model rows they imply (merged), ready for one transaction."""
    if not pending:
        return
    room = _headroom(project)
    per_statement = PG_PARAMS_PER_STATEMENT if app.read.is_postgres else PARAMS_PER_STATEMENT
    with _answered_by(project, room) if room else contextlib.nullcontext():
        for chunk in _chunks(pending, EVENTS_PER_TRANSACTION):
            for r in chunk:
                try:
                    project.pay(r.payment_id, r.amount, r.date, r.payee, r.economic, r.voucher, r.source,
                                who, IMPORT_NOTE,
                                {"id": r.request_id, "hash": r.fingerprint, "result": r.payment_key})
                except TrackerError as e:
                    raise _interrupted(r.sheet, r.row, e) from None
                if room:
                    room.add(r.date, -r.fen)
            if room:
                _verify(project, room, chunk)
            events = project.collect_events()
            stored = [app.mapper.to_stored_event(e) for e in events]
            yield stored, compact(statements_for(events), per_statement)


def _headroom(project: Project) -> Headroom | None:
    """The aggregate's balances by day; ``None`` (ask the aggregate itself, slowly) for
    a state the oracle does not model (a change dated outside the fiscal year)."""
    deltas: dict[dt.date, int] = {}
    for iso, amount in project.budget_by_day.items():
        day = dt.date.fromisoformat(iso)
        deltas[day] = deltas.get(day, 0) + to_fen(amount)
    for iso, amount in project.spent_by_day.items():
        day = dt.date.fromisoformat(iso)
        deltas[day] = deltas.get(day, 0) - to_fen(amount)
    try:
        return Headroom(project.year, deltas)
    except ValueError:
        return None


@contextlib.contextmanager
def _answered_by(project: Project, room: Headroom) -> Iterator[None]:
    """While recording the batch, ``project.available_from`` is answered by ``room``
    (same answer, much faster); the aggregate itself still decides every payment."""
    state = vars(project)
    state["available_from"] = lambda day: from_fen(room.available_from(day))
    try:
        yield
    finally:
        del state["available_from"]


def _verify(project: Project, room: Headroom, chunk: Sequence[PaymentRow]) -> None:
    """The fast answer must equal the aggregate's own, or nothing is saved."""
    for day in {min(r.date for r in chunk), max(r.date for r in chunk)}:
        mine = from_fen(room.available_from(day))
        theirs = Project.available_from(project, day).quantize(FEN)
        if mine != theirs:
            raise AssertionError(f"headroom mismatch on {day}: {mine} != {theirs}")


def _cache(app: BudgetTracker, project: Project) -> None:
    """As ``Application._record`` does once the events are stored."""
    cache = app.repository.cache
    if cache is not None and not app.repository.fastforward:
        cache.put(project.id, project)


def _snapshot_event(app: BudgetTracker, project: Project, start_version: int) -> StoredEvent | None:
    """One snapshot at the end of the batch (instead of one every 100 events)."""
    interval = app.snapshotting_intervals.get(Project)
    if app.snapshots is None or not interval or project.version // interval <= start_version // interval:
        return None
    snapshot_class: Any = getattr(type(project), "Snapshot", type(app).snapshot_class)
    return app.snapshots.mapper.to_stored_event(snapshot_class.take(project))


def _drop_recorded(app: BudgetTracker, rows: list[PaymentRow]) -> tuple[list[PaymentRow], int]:
    """Rows whose request id is now recorded are done (same content) or a conflict."""
    recorded = _fingerprints(app, [r.request_id for r in rows])
    left = []
    for r in rows:
        found = recorded.get(r.request_id)
        if found is None:
            left.append(r)
        elif found != r.fingerprint:
            raise ImportInterrupted(
                f"工作表“{r.sheet}”第{r.row}行：凭证号 {r.voucher} 刚被另一次导入以不同内容记录；"
                "此前的内容已记录，请核对后重新导入", "凭证号")
    return left, len(rows) - len(left)


# --------------------------------------------------- merged read-model rows

# Statements that only add to one row: (positions of the row's key, positions added).
_ADDITIVE: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    ADD_DAILY: ((0, 1), (2, 3)),
    ADD_MONTHLY: ((0, 1), (2, 3)),
    "UPDATE rm_projects SET disbursed_fen = disbursed_fen + ? WHERE id = ?": ((1,), (0,)),
    "UPDATE rm_projects SET budget_fen = budget_fen + ? WHERE id = ?": ((1,), (0,)),
}
_PLAIN_INSERT = re.compile(r"^INSERT INTO \w+ \([\w, ]+\) VALUES \(\?(?:, \?)*\)$")


def compact(statements: list[Statement], max_params: int = PARAMS_PER_STATEMENT) -> list[Statement]:
    """The same row changes in far fewer statements.

    Additions to one row (a project's running totals, a project-day, a project-month)
    are summed into one; plain inserts become multi-row inserts. Any statement of
    another shape (an update that reads a row inserted before it, say) leaves the list
    exactly as it was, so merging can only be skipped, never wrong.
    """
    sums: dict[tuple[Any, ...], list[Any]] = {}
    inserts: dict[str, list[tuple[Any, ...]]] = {}
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]] | None] = {}
    for sql, params in statements:
        try:
            spec = shapes[sql]
        except KeyError:
            spec = shapes[sql] = _ADDITIVE.get(sql)
            if spec is None and not _PLAIN_INSERT.match(sql):
                return statements
        if spec is None:
            rows = inserts.get(sql)
            if rows is None:
                rows = inserts[sql] = []
            rows.append(params)
            continue
        keys, added = spec
        key = (sql, *[params[i] for i in keys])
        row = sums.get(key)
        if row is None:
            sums[key] = list(params)
        else:
            for i in added:
                row[i] += params[i]
    out: list[Statement] = []
    for sql, rows in inserts.items():
        head, values = sql.split(" VALUES ", 1)
        per = max(1, max_params // max(1, len(rows[0])))
        for chunk in _chunks(rows, per):
            flat: list[Any] = []
            for r in chunk:
                flat.extend(r)
            out.append((f"{head} VALUES {', '.join([values] * len(chunk))}", tuple(flat)))
    out += [(key[0], tuple(row)) for key, row in sums.items()]
    return out


# ------------------------------------------------------------------ progress


def text_progress(stream: TextIO | None = None, *, min_total: int = 2000) -> Progress:
    """A one-line progress bar on stderr for large files (nothing for small ones)."""
    out = stream or sys.stderr
    last = [-1.0]

    def show(stage: str, done: int, total: int) -> None:
        if stage != "导入" or total < min_total:
            return
        now = time.monotonic()
        if done < total and now - last[0] < 0.2:
            return
        last[0] = now
        width = 30
        filled = width * done // max(total, 1)
        out.write(f"\r导入 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            out.write("\n")
        out.flush()

    return show
