"""The service layer: every door (CLI, web, API, import, workers) calls these methods.

Commands validate input, load an aggregate, let it decide, and save its events with
the read-model rows in one transaction. Each command accepts a client request id:
repeating it records nothing and returns the first result; reusing it for a different
command is refused. Optimistic-concurrency conflicts are retried with a fresh load,
so concurrent writers are never lost and never double-counted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Recording

from tracker.commands.alerts import AlertCommands
from tracker.commands.indicators import IndicatorCommands
from tracker.commands.selfeval import SelfEvaluationCommands
from tracker.commands.users import UserCommands
from tracker.domain import classification as cls
from tracker.domain.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    OverspendError,
    TrackerError,
)
from tracker.domain.ids import entry_id, project_id, unit_id
from tracker.domain.inputs import parse_code, parse_date, parse_status_rule, parse_text, parse_year
from tracker.domain.money import fmt_yuan, parse_amount
from tracker.domain.plan import Checkpoint, parse_plan
from tracker.domain.project import KIND_SIGN, Project
from tracker.domain.unit import Unit
from tracker.projections.projector import statements_for
from tracker.projections.rebuild import rebuild
from tracker.queries import Queries
from tracker.queries.project_view import history_rows, project_view
from tracker.store.config import Settings, eventsourcing_env, schema_lock
from tracker.store.payment_encoding import TrackerMapper
from tracker.store.readstore import ReadStore
from tracker.store.transcodings import CheckpointAsDict, DateAsISO

T = TypeVar("T")
MAX_ATTEMPTS = 100
CACHE_SIZE = 500  # aggregates kept in memory; fast-forwarded from the store on use
Request = dict[str, Any] | None


def snapshot_due(interval: int, before: int, after: int) -> bool:
    """Whether moving from version ``before`` to ``after`` passes a snapshot point.

    Points lie every ``interval`` versions up to 10 x interval, then every power of ten
    below the version (every 1,000 from 1,000, every 10,000 from 10,000). A project's
    state holds all its payments, so a snapshot's size grows with the version: a fixed
    interval would make each payment of a busy project pay for ever larger snapshots
    (at 5,000 payments a snapshot took ~50 ms, every 100 payments). With this schedule
    each event pays a bounded share of snapshot work. A load replays fewer events after
    its snapshot than the version's power of ten (under 1,000 below version 10,000),
    which costs about as much as decoding that snapshot in the first place.
    """
    step = max(interval, 10 ** (len(str(max(after, 1))) - 1))
    return after // step != before // step


class BudgetTracker(
    UserCommands, IndicatorCommands, SelfEvaluationCommands, AlertCommands, Application[UUID]
):
    """Budget execution tracker: units, projects, appropriations, payments, plans."""

    name = "BudgetTracker"
    snapshotting_intervals = {Project: 100}  # noqa: RUF012 - the library's class variable

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        env = {
            **eventsourcing_env(self.settings.db_url),
            "AGGREGATE_CACHE_MAXSIZE": str(CACHE_SIZE),
            # No read before each command: a stale cached aggregate cannot save (its
            # next version already exists), so the clash is caught and retried fresh.
            "AGGREGATE_CACHE_FASTFORWARD": "n",
        }
        with schema_lock(self.settings.db_url):
            super().__init__(env=env)
        self._locks: dict[UUID, threading.Lock] = {}
        self._code_cache: dict[tuple[str, int], UUID] = {}
        self.read = ReadStore(self.recorder)
        self.queries = Queries(self.read)

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper with payments and snapshots spelled out (same bytes)."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=TrackerMapper)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(CheckpointAsDict())

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save, without its per-object runtime-Protocol checks.

        ``isinstance(obj, DomainEventProtocol)`` walks the Protocol's members on every
        call, about a tenth of a command's own time; our commands save aggregates.
        """
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot from the aggregate in hand when a save crosses a snapshot point.

        The library rebuilds the aggregate from the store for every snapshot; the saved
        aggregate is already at that version, so this costs an encode, not a replay.
        The points thin out as a project grows (see ``snapshot_due``).
        """
        if self.snapshots is None or not self.snapshotting_intervals:
            return
        saved: dict[UUID, int] = {}
        for e in processing_event.events:
            saved[e.originator_id] = saved.get(e.originator_id, 0) + 1
        for aggregate_id, count in saved.items():
            aggregate: Any = processing_event.aggregates.get(aggregate_id)
            interval = self.snapshotting_intervals.get(type(aggregate)) if aggregate else None
            if not interval or not snapshot_due(interval, aggregate.version - count, aggregate.version):
                continue
            snapshot_class: Any = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
            self.snapshots.put([snapshot_class.take(aggregate)])

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Attach the read-model row changes so they commit with the events."""
        processing_event.saved_kwargs["projection"] = statements_for(processing_event.events)
        return super()._record(processing_event)

    # ------------------------------------------------------------------ units

    def add_unit(
        self,
        code: str,
        name: str,
        parent: str | None = None,
        *,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Register a budget unit under an optional parent unit."""
        code = parse_code(code, "单位编码")
        name = parse_text(name, "单位名称", limit=200)
        parent = parse_code(parent, "上级单位") if parent else None
        args = {"code": code, "name": name, "parent": parent, "note": note}

        def create(request: Request) -> tuple[Unit, UUID]:
            if parent and self.read.one("SELECT 1 AS x FROM rm_units WHERE code = ?", (parent,)) is None:
                raise NotFoundError(f"上级单位 {parent} 不存在", "上级单位")
            if parent == code:
                raise InvalidInputError("单位不能是自己的上级", "上级单位")
            unit = Unit(
                code=code, name=name, parent_code=parent, user=self._user(user), note=note, request=request
            )
            return unit, unit.id

        return self._create(
            "unit.add", args, request_id, unit_id(code), create, f"单位编码 {code} 已存在", "单位编码"
        )

    def change_unit_settings(
        self,
        code: str,
        *,
        rule: str,
        yellow: Decimal | str | None = None,
        red: Decimal | str | None = None,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Choose the unit's lag rule and thresholds (see ``tracker.lag.StatusRule``)."""
        code = parse_code(code, "单位编码")
        status_rule = parse_status_rule(rule, yellow, red)
        uid = unit_id(code)
        if self.read.one("SELECT 1 AS x FROM rm_units WHERE code = ?", (code,)) is None:
            raise NotFoundError(f"单位 {code} 不存在", "单位编码")
        args = {
            "note": note,
            "unit": code,
            "rule": status_rule.kind,
            "yellow": str(status_rule.yellow),
            "red": str(status_rule.red),
        }

        def act(unit: Unit, request: Request) -> UUID:
            unit.change_settings(
                status_rule.kind,
                status_rule.yellow,
                status_rule.red,
                user=self._user(user),
                note=note,
                request=request,
            )
            return uid

        return self._update("unit.settings", args, request_id, uid, uid, act)

    # --------------------------------------------------------------- projects

    def add_project(
        self,
        *,
        year: int | str,
        unit: str,
        code: str,
        name: str,
        expenditure_type: str = cls.PROJECT_SPENDING,
        functional: str | None = None,
        economic: str | None = None,
        source: str | None = None,
        owner: str = "",
        plan: str | list[Checkpoint] | None = None,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Register a project of one fiscal year, optionally with its spending plan."""
        year = parse_year(year)
        fields: dict[str, Any] = {
            "year": year,
            "unit_code": parse_code(unit, "预算单位"),
            "code": parse_code(code, "项目编码"),
            "name": parse_text(name, "项目名称", limit=200),
            "expenditure_type": cls.expenditure_type(expenditure_type),
            "functional": cls.functional_code(functional) if functional else None,
            "economic": cls.economic_code(economic) if economic else None,
            "source": cls.funding_source(source) if source else cls.DEFAULT_SOURCE,
            "owner": parse_text(owner, "负责人", required=False, limit=100),
        }
        checkpoints = parse_plan(plan, year) if isinstance(plan, str) else plan
        args = {**fields, "plan": [c.spec() for c in checkpoints or []], "note": note}

        def create(request: Request) -> tuple[Project, UUID]:
            if self.read.one("SELECT 1 AS x FROM rm_units WHERE code = ?", (fields["unit_code"],)) is None:
                raise NotFoundError(f"预算单位 {fields['unit_code']} 不存在，请先添加单位", "预算单位")
            who = self._user(user)
            project = Project(**fields, user=who, note=note, request=request)
            if checkpoints:
                project.set_plan(checkpoints, user=who)
            return project, project.id

        return self._create(
            "project.add",
            args,
            request_id,
            project_id(year, fields["code"]),
            create,
            f"{year} 年已有编码为 {fields['code']} 的项目",
            "项目编码",
        )

    def set_plan(
        self,
        code: str,
        plan: str | list[Checkpoint],
        *,
        year: int | str | None = None,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Replace a project's spending plan (a new event; old versions stay)."""
        pid = self.find_project(code, year)

        def act(project: Project, request: Request) -> UUID:
            checkpoints = parse_plan(plan, project.year) if isinstance(plan, str) else plan
            project.set_plan(checkpoints, user=self._user(user), note=note, request=request)
            return pid

        spec = plan if isinstance(plan, str) else ",".join(c.spec() for c in plan)
        args = {"project": str(pid), "plan": spec, "note": note}
        return self._update("plan.set", args, request_id, pid, pid, act)

    # ------------------------------------------------------------ money moves

    def appropriate(
        self,
        code: str,
        amount: Decimal | str,
        *,
        date: dt.date | str,
        kind: str = "initial",
        doc: str = "",
        year: int | str | None = None,
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Record an appropriation (预算批复/指标下达) of the given kind."""
        value = parse_amount(amount, wan=wan)
        day = parse_date(date)
        if kind not in KIND_SIGN:
            raise InvalidInputError(f"“{kind}”不是有效的预算类型，可选：{'、'.join(KIND_SIGN)}", "类型")
        doc = parse_text(doc, "文号", required=False, limit=200)
        pid = self.find_project(code, year)
        new_id = entry_id("appropriation", request_id)
        args = {
            "note": note,
            "project": str(pid),
            "amount": str(value),
            "date": day.isoformat(),
            "kind": kind,
            "doc": doc,
        }

        def act(project: Project, request: Request) -> UUID:
            project.appropriate(new_id, kind, value, day, doc, self._user(user), note, request)
            return new_id

        return self._update("budget", args, request_id, pid, new_id, act)

    def pay(
        self,
        code: str,
        amount: Decimal | str,
        *,
        date: dt.date | str,
        payee: str,
        economic: str | None = None,
        voucher: str = "",
        source: str | None = None,
        year: int | str | None = None,
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Record a payment; refused if it would take spending above the budget."""
        value = parse_amount(amount, wan=wan)
        day = parse_date(date)
        payee = parse_text(payee, "收款人", limit=200)
        economic = cls.economic_code(economic) if economic else None
        source = cls.funding_source(source) if source else None
        voucher = parse_text(voucher, "凭证号", required=False, limit=100)
        pid = self.find_project(code, year)
        new_id = entry_id("payment", request_id)
        args = {
            "note": note,
            "project": str(pid),
            "amount": str(value),
            "date": day.isoformat(),
            "payee": payee,
            "economic": economic,
            "voucher": voucher,
            "source": source,
        }

        def act(project: Project, request: Request) -> UUID:
            project.pay(new_id, value, day, payee, economic, voucher, source, self._user(user), note, request)
            return new_id

        try:
            return self._update("pay", args, request_id, pid, new_id, act)
        except OverspendError:
            self._note_overspend(pid, value, day, user)
            raise

    def _note_overspend(self, pid: UUID, amount: Decimal, day: dt.date, user: str | None) -> None:
        """Keep the refused attempt in an alert's history (the ledger stays untouched)."""
        row = self.read.one("SELECT code, unit_code, year FROM rm_projects WHERE id = ?", (str(pid),))
        project: Any = self.repository.get(pid)
        available = fmt_yuan(project.available_from(day))
        self.record_overspend_attempt(
            row["code"], row["unit_code"], row["year"], day, amount, available, self._user(user)
        )

    def reverse(
        self,
        payment_id: str | UUID,
        amount: Decimal | str | None = None,
        *,
        date: dt.date | str,
        reason: str,
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Reverse (冲销/退回) a payment in full or in part, as a new event."""
        value = parse_amount(amount) if amount is not None else None
        day = parse_date(date)
        reason = parse_text(reason, "原因")
        payment = self._payment_row(payment_id)
        pid = UUID(payment["project_id"])
        new_id = entry_id("reversal", request_id)
        args = {
            "payment": payment["id"],
            "amount": None if value is None else str(value),
            "date": day.isoformat(),
            "reason": reason,
        }

        def act(project: Project, request: Request) -> UUID:
            project.reverse(new_id, UUID(payment["id"]), value, day, reason, self._user(user), request)
            return new_id

        return self._update("reverse", args, request_id, pid, new_id, act)

    # ---------------------------------------------------------------- lookups

    def find_project(self, code: str, year: int | str | None = None) -> UUID:
        """The id of the project with this code (in this year, if given).

        With a year the answer is remembered: a busy import asks the same question
        thousands of times, and a project, once registered, never moves. Without one
        the store is asked every time, since another year's project may appear.
        """
        code = parse_code(code, "项目编码")
        if year is None:
            return self._find_project(code, None)
        key = (code, parse_year(year))
        found = self._code_cache.get(key)
        if found is None:
            found = self._code_cache[key] = self._find_project(code, key[1])
        return found

    def _find_project(self, code: str, year: int | None) -> UUID:
        if year is not None:
            y = parse_year(year)
            row = self.read.one("SELECT id FROM rm_projects WHERE code = ? AND year = ?", (code, y))
            if row is None:
                raise NotFoundError(f"{y} 年没有编码为 {code} 的项目", "项目编码")
            return UUID(row["id"])
        rows = self.read.all("SELECT id, year FROM rm_projects WHERE code = ? ORDER BY year", (code,))
        if not rows:
            raise NotFoundError(f"没有编码为 {code} 的项目", "项目编码")
        if len(rows) > 1:
            years = "、".join(str(r["year"]) for r in rows)
            raise InvalidInputError(f"编码 {code} 在多个年度存在（{years}），请用 --year 指定", "年度")
        return UUID(rows[0]["id"])

    def project_year(self, project_id: UUID) -> int:
        row = self.read.one("SELECT year FROM rm_projects WHERE id = ?", (str(project_id),))
        if row is None:
            raise NotFoundError(f"项目 {project_id} 不存在", "项目")
        return int(row["year"])

    def get_project(self, code: str, year: int | str | None = None) -> Project:
        """A fresh copy of the project (another process may have written since)."""
        pid = self.find_project(code, year)
        self._evict(pid)
        project: Any = self.repository.get(pid)
        assert isinstance(project, Project)
        return project

    def show(self, code: str, year: int | str | None = None) -> dict[str, Any]:
        """Current state of one project, as plain data."""
        return project_view(self.get_project(code, year))

    def history(self, code: str, year: int | str | None = None) -> list[dict[str, Any]]:
        """The project's events, oldest first, each with who and when."""
        return history_rows(list(self.events.get(self.find_project(code, year))))

    def units(self) -> list[dict[str, Any]]:
        return self.read.all("SELECT code, name, parent_code FROM rm_units ORDER BY code")

    def projects(self, year: int | None = None, unit: str | None = None) -> list[dict[str, Any]]:
        """Registered projects (read model), optionally of one year and one unit, with
        their whole-year budget and spending so far (from the monthly sums)."""
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
            params.append(parse_year(year))
        if unit is not None:
            sql += " AND unit_code = ?"
            params.append(unit)
        return self.read.all(sql + " ORDER BY year, unit_code, code", params)

    def _payment_row(self, payment_id: str | UUID) -> dict[str, Any]:
        try:
            key = str(UUID(str(payment_id).strip()))
        except ValueError:
            raise NotFoundError(f"支付编号 {payment_id} 格式无效", "支付编号") from None
        row = self.read.one("SELECT id, project_id FROM rm_payments WHERE id = ?", (key,))
        if row is None:
            raise NotFoundError(f"支付 {payment_id} 不存在", "支付编号")
        return row

    # ------------------------------------------------------ command machinery

    def _user(self, user: str | None) -> str:
        return parse_text(user or self.settings.user, "操作人", limit=100)

    def _create(
        self,
        command: str,
        args: dict[str, Any],
        request_id: str | None,
        new_id: UUID,
        create: Callable[[Request], tuple[Any, UUID]],
        exists_message: str,
        field: str,
    ) -> UUID:
        """Create an aggregate whose id is fixed by its code: a clash means it exists."""
        request = self._request(command, args, request_id, new_id)
        if request and (done := self._replay(request)) is not None:
            return done
        aggregate, result = create(request)
        try:
            self.save(aggregate)
        except IntegrityError:
            if request and (done := self._replay(request)) is not None:
                return done
            raise DuplicateError(exists_message, field) from None
        return result

    def _update(
        self,
        command: str,
        args: dict[str, Any],
        request_id: str | None,
        aggregate_id: UUID,
        result_id: UUID,
        act: Callable[[Any, Request], UUID],
    ) -> UUID:
        """Load, decide, save; on a version clash reload and decide again."""
        request = self._request(command, args, request_id, result_id)
        if request and (done := self._replay(request)) is not None:
            return done
        second_opinion = False
        for attempt in range(MAX_ATTEMPTS):
            with self._lock_for(aggregate_id):
                try:
                    return self._decide_and_save(aggregate_id, request, act)
                except IntegrityError:
                    if request and (done := self._replay(request)) is not None:
                        return done
                except TrackerError:
                    # A refusal may rest on a cached copy that another process has since
                    # moved on, or on this very request having succeeded meanwhile:
                    # ask the store once more before saying no.
                    if request and (done := self._replay(request)) is not None:
                        return done
                    if second_opinion:
                        raise
                    second_opinion = True
                    continue
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise ConcurrencyError("并发写入过多，请稍后重试（未记录任何内容）")

    def _decide_and_save(
        self, aggregate_id: UUID, request: Request, act: Callable[[Any, Request], UUID]
    ) -> UUID:
        """Work on the cached aggregate itself (no copy: the hot path); if anything
        goes wrong after it may have changed, evict it so the next load is clean.
        """
        try:
            aggregate: Any = self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise NotFoundError(f"对象 {aggregate_id} 不存在", "编号") from None
        try:
            result = act(aggregate, request)
            self.save(aggregate)
        except BaseException:
            self._evict(aggregate_id)
            raise
        return result

    def _evict(self, aggregate_id: UUID) -> None:
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def _lock_for(self, aggregate_id: UUID) -> threading.Lock:
        """One writer per aggregate per process, since the cached object is shared."""
        return self._locks.setdefault(aggregate_id, threading.Lock())

    @staticmethod
    def _request(command: str, args: dict[str, Any], request_id: str | None, result_id: UUID) -> Request:
        """The request's id and a fingerprint of what it asks (the note included).

        The acting user is left out on purpose: the same file re-imported by a
        colleague, or a request retried by another worker, is the same request.
        """
        if request_id is None:
            return None
        rid = parse_text(request_id, "请求编号", limit=200)
        blob = json.dumps([command, args], sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(blob.encode()).hexdigest()
        return {"id": rid, "hash": digest, "result": str(result_id)}

    def _replay(self, request: dict[str, Any]) -> UUID | None:
        """The first result of an already-executed request, or None if it is new."""
        row = self.read.one(
            "SELECT request_hash, result_id FROM rm_requests WHERE request_id = ?", (request["id"],)
        )
        if row is None:
            return None
        if row["request_hash"] != request["hash"]:
            raise DuplicateError(f"请求编号 {request['id']} 已用于另一条不同的命令，不能重复使用", "请求编号")
        return UUID(row["result_id"])

    # ----------------------------------------------------------------- misc

    def rebuild_read_model(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild every read table from the event log; returns events replayed."""
        transcoder = self.mapper.transcoder
        assert isinstance(transcoder, JSONTranscoder)

        def fallback(name: str, data: Any) -> Any:
            return transcoder.names[name].decode(data)

        return rebuild(self.read, fallback, progress)

    def aggregate_exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True
