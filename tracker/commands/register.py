"""Units and projects in the service layer (a part of BudgetTracker): register
them, choose a unit's lag rule, and the reads the doors make of them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from tracker.commands.base import CommandBase, Request
from tracker.domain import classification as cls
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.domain.ids import project_id, unit_id
from tracker.domain.inputs import parse_code, parse_status_rule, parse_text, parse_year
from tracker.domain.plan import Checkpoint, parse_plan
from tracker.domain.project import Project
from tracker.domain.unit import Unit
from tracker.queries import lookups
from tracker.queries.known import KnownOn
from tracker.queries.known import known_on as known_on_of
from tracker.queries.known_views import known_state, mark_later
from tracker.queries.project_view import history_rows, project_view


class RegisterCommands(CommandBase):
    """Register units and projects; list and show them."""

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
            if parent and not lookups.unit_exists(self.read, parent):
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
        min_points: Decimal | str | None = None,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Choose the unit's lag rule and thresholds (see ``tracker.lag.StatusRule``)."""
        code = parse_code(code, "单位编码")
        status_rule = parse_status_rule(rule, yellow, red, min_points)
        uid = unit_id(code)
        if not lookups.unit_exists(self.read, code):
            raise NotFoundError(f"单位 {code} 不存在", "单位编码")
        args = {
            "note": note,
            "unit": code,
            "rule": status_rule.kind,
            "yellow": str(status_rule.yellow),
            "red": str(status_rule.red),
        }
        if min_points is not None:  # absent from older requests: a retry of one still matches
            args["min_points"] = str(status_rule.min_points)

        def act(unit: Unit, request: Request) -> UUID:
            unit.change_settings(
                status_rule.kind,
                status_rule.yellow,
                status_rule.red,
                user=self._user(user),
                note=note,
                request=request,
                min_points=status_rule.min_points,
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
        wan: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Register a project of one fiscal year, optionally with its spending plan
        (amounts in 万元 with ``wan``)."""
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
        checkpoints = parse_plan(plan, year, wan=wan) if isinstance(plan, str) else plan
        args = {**fields, "plan": [c.spec() for c in checkpoints or []], "note": note}

        def create(request: Request) -> tuple[Project, UUID]:
            if not lookups.unit_exists(self.read, fields["unit_code"]):
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

    # ------------------------------------------------------------------ reads

    def get_project(self, code: str, year: int | str | None = None) -> Project:
        """A fresh copy of the project (another process may have written since)."""
        pid = self.find_project(code, year)
        self.evict(pid)
        project: Aggregate = self.repository.get(pid)
        assert isinstance(project, Project)
        return project

    def show(
        self, code: str, year: int | str | None = None, known_on: str | dt.datetime | KnownOn | None = None
    ) -> dict[str, Any]:
        """Current state of one project, as plain data; as known on a moment, the
        state its events recorded by then give (``known_state``)."""
        known = known_on_of(known_on)
        if known is None:
            return project_view(self.get_project(code, year))
        events = self.contiguous_events(self.find_project(code, year))
        return {**project_view(known_state(events, known, code)), "known_on": known.label}

    def history(
        self, code: str, year: int | str | None = None, known_on: str | dt.datetime | KnownOn | None = None
    ) -> list[dict[str, Any]]:
        """The project's events, oldest first, each with who and when; as known on a
        moment, those recorded after it are marked (not hidden)."""
        events = self.contiguous_events(self.find_project(code, year))
        return mark_later(events, history_rows(events), known_on_of(known_on))

    def units(self) -> list[dict[str, Any]]:
        return lookups.unit_rows(self.read)

    def projects(self, year: int | str | None = None, unit: str | None = None) -> list[dict[str, Any]]:
        """Registered projects (read model), optionally of one year and one unit, with
        their whole-year budget and spending so far (from the monthly sums)."""
        return lookups.project_rows(self.read, None if year is None else parse_year(year), unit)
