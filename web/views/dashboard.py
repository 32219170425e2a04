"""总览: the unit's totals, a bullet bar per project and the traffic-light table.

The figures are ``tracker.queries.statuses`` (what ``tracker status`` prints, without
the plan warnings, which only the project and plan pages show),
limited to the units the user may read, narrowed by the filters in the URL
(functional class, funding source, expenditure type) and the unit switcher. The
selection logic is plain functions of query results, so the project list
(``web.views.projects``) shares it and tests can call it without a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from tracker.domain import lag
from tracker.domain.catalogue import FUNCTIONAL_CLASSES
from tracker.domain.classification import EXPENDITURE_TYPES
from tracker.domain.errors import NotFoundError
from tracker.queries import Figures, ProjectStatus, Queries
from web import charts
from web.auth import Scope, WebUser, scope
from web.extensions import tracker
from web.formatting import money_unit
from web.templating import keep_time
from web.timectl import current
from web.views.status_table import STATUS_ORDER, status_table

bp = Blueprint("dashboard", __name__)

BULLET_LIMIT = 40  # more bars than this would not be read; the table holds them all
ALL_UNITS = "all"
UNCLASSIFIED = "未分类"  # the roll-ups' key for projects without a functional class


@dataclass(frozen=True)
class Filters:
    """The table's filters as they travel in the URL (empty: not filtered)."""

    functional: str = ""
    source: str = ""
    type: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        return cls(
            functional=(args.get("functional") or "").strip(),
            source=(args.get("source") or "").strip(),
            type=(args.get("type") or "").strip(),
        )

    @property
    def active(self) -> bool:
        return bool(self.functional or self.source or self.type)

    def as_args(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (("functional", self.functional), ("source", self.source), ("type", self.type))
            if v
        }

    def keeps(self, p: ProjectStatus) -> bool:
        """A functional class filter keeps its whole branch (类 keeps its 款 and 项)."""
        if self.functional == UNCLASSIFIED:
            if p.functional:
                return False
        elif self.functional and not (p.functional or "").startswith(self.functional):
            return False
        if self.source and p.source != self.source:
            return False
        return not (self.type and p.expenditure_type != self.type)

    def apply(self, projects: Iterable[ProjectStatus]) -> list[ProjectStatus]:
        return [p for p in projects if self.keeps(p)]


@dataclass
class Options:
    """What the filter boxes offer: only values that occur among the readable projects."""

    functional: list[tuple[str, str]] = field(default_factory=list)
    source: list[tuple[str, str]] = field(default_factory=list)
    type: list[tuple[str, str]] = field(default_factory=list)


def filter_options(projects: Sequence[ProjectStatus]) -> Options:
    classes: set[str] = set()
    for p in projects:
        code = p.functional or ""
        classes.update(code[:n] for n in (3, 5, 7) if len(code) >= n)
    functional = [(c, _class_label(c)) for c in sorted(classes)]
    if any(not p.functional for p in projects):
        functional.append((UNCLASSIFIED, UNCLASSIFIED))
    sources = sorted({p.source for p in projects})
    present = {p.expenditure_type for p in projects}
    types = [t for t in EXPENDITURE_TYPES if t in present] + sorted(present - set(EXPENDITURE_TYPES))
    return Options(functional, [(s, s) for s in sources], [(t, t) for t in types])


def _class_label(code: str) -> str:
    depth = {3: 0, 5: 1, 7: 2}.get(len(code), 0)
    name = FUNCTIONAL_CLASSES.get(code, "")
    return "\u3000" * depth + f"{code} {name}".strip()


def total_of(projects: Iterable[ProjectStatus]) -> Figures:
    """The selection's total: amounts summed, so its rates are budget-weighted."""
    total = Figures()
    for p in projects:
        total.add(p.figures)
    return total


def unit_tree(units: Sequence[Mapping[str, Any]], readable: frozenset[str] | None) -> list[tuple[str, str]]:
    """(code, label) of the readable units, parents before children, indented by depth."""
    known = {u["code"] for u in units}
    children: dict[str | None, list[Mapping[str, Any]]] = {}
    for u in units:
        parent = u["parent_code"] if u["parent_code"] in known else None
        children.setdefault(parent, []).append(u)
    out: list[tuple[str, str]] = []

    def walk(parent: str | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda u: u["code"]):
            shown = readable is None or u["code"] in readable
            if shown:
                out.append((u["code"], "\u3000" * depth + f"{u['code']} {u['name']}"))
            walk(u["code"], depth + 1 if shown else depth)

    walk(None, 0)
    return out


def default_unit(own: Sequence[str], readable: frozenset[str] | None, units: Mapping[str, Any]) -> str | None:
    """The user's own unit when there is one top unit among theirs; else every readable unit."""
    if readable is None:
        return None
    tops = [c for c in own if c in units and not _has_ancestor_in(c, set(own), units)]
    return tops[0] if len(set(tops)) == 1 else None


def _has_ancestor_in(code: str, others: set[str], units: Mapping[str, Any]) -> bool:
    parent = units[code]["parent_code"]
    seen: set[str] = set()
    while parent is not None and parent in units and parent not in seen:
        if parent in others:
            return True
        seen.add(parent)
        parent = units[parent]["parent_code"]
    return False


@dataclass
class Selection:
    """Everything the dashboard and the project list show for one request."""

    year: int
    as_of: Any
    unit: str | None
    unit_name: str
    units: list[tuple[str, str]]
    filters: Filters
    options: Options
    readable_count: int
    projects: list[ProjectStatus]
    total: Figures
    total_status: str
    rule: lag.StatusRule  # the total's: the chosen unit's, or said in ``rule_source``
    rule_source: str = ""  # where the total's rule comes from (several units: which one)


def select(sc: Scope, user_units: Sequence[str], args: Mapping[str, str]) -> Selection:
    """The projects of the chosen unit (``?unit=``; 403 outside the user's scope) that
    pass the filters, with their total, as of the request's time control."""
    tv = current()
    queries: Queries = tracker().queries
    units = queries.units(tv.known)
    asked = args.get("unit")
    if asked is None:
        unit = default_unit(user_units, sc.readable, units)
    elif asked.strip() in ("", ALL_UNITS):
        unit = None
    else:
        unit = asked.strip()
        if not sc.can_read(unit):
            abort(403)
        if unit not in units:
            abort(404)
    try:
        as_of, found = queries.statuses(tv.year, tv.as_of, unit, known=tv.known, all_units=units)
    except NotFoundError:
        abort(404)
    readable = sc.filter(found, key="unit")
    filters = Filters.from_args(args)
    shown = filters.apply(readable)
    total = total_of(shown)
    rule, rule_source = Queries.total_rule(units, unit, {p.unit for p in shown})
    return Selection(
        year=tv.year,
        as_of=as_of,
        unit=unit,
        unit_name=str(units[unit]["name"]) if unit else "",
        units=unit_tree(list(units.values()), sc.readable),
        filters=filters,
        options=filter_options(readable),
        readable_count=len(readable),
        projects=shown,
        total=total,
        total_status=lag.status(total.execution_rate, total.planned_rate, rule),
        rule=rule,
        rule_source=rule_source,
    )


CODE_MARK = "__CODE__"  # a valid code, replaced per row: one url_for for a whole table


def project_url(year: int, code: str) -> str:
    values: dict[str, Any] = {"year": year, "code": code, **keep_time()}
    return url_for("projects.show", **values)


@bp.route("/")
@login_required
def index() -> Any:
    user = cast(WebUser, current_user)
    sel = select(scope(), user.units, request.args)
    figure = charts.bullet_bars(
        sel.projects, link=lambda code: project_url(sel.year, code), limit=BULLET_LIMIT
    )
    stack = None
    if sel.total.committed or any(p.figures.committed for p in sel.projects):
        link = lambda code: project_url(sel.year, code)  # noqa: E731
        stack = charts.commitment_bars(sel.projects, link=link, limit=BULLET_LIMIT, unit=money_unit())
    table = status_table(sel.projects, sel.total, sel.rule, money_unit(), request.args.to_dict())
    return render_template(
        "dashboard/index.html",
        sel=sel,
        table=table,
        chart=figure,
        stack=stack,
        bullet_limit=BULLET_LIMIT,
        status_order=STATUS_ORDER,
        link_base=project_url(sel.year, CODE_MARK),
        code_mark=CODE_MARK,
        unit_arg=request.args.get("unit"),
    )
