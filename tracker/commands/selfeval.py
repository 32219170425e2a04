"""Year-end self-evaluation (绩效自评) in the service layer (a part of BudgetTracker).

Figures come from the read models (budget and spending as of 31 December, the initial
budget from the appropriations) and the indicators' recorded progress; scoring is the
pure ``tracker.selfeval``. Signing off is an event of its own ``Evaluation`` aggregate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any
from uuid import UUID

from tracker.commands import combined
from tracker.commands.base import CommandBase, Request
from tracker.domain import indicator_rows, selfeval
from tracker.domain.combine import combine_indicators
from tracker.domain.errors import DuplicateError
from tracker.domain.indicator import Target
from tracker.domain.inputs import parse_text, parse_year
from tracker.domain.money import from_fen
from tracker.domain.performance import Evaluation, evaluation_id
from tracker.domain.signature import changed_figures, same_figures
from tracker.queries import dates, lookups
from tracker.queries import indicators as indicator_queries
from tracker.queries.known import KnownOn
from tracker.queries.known import known_on as known_on_of
from tracker.queries.known_views import evaluation_as_known, indicator_as_known
from tracker.queries.projects import find
from tracker.queries.reports.funds import funds_block


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def result_of(row: dict[str, Any]) -> selfeval.IndicatorResult:
    """An indicator's read-model row as the scoring functions take it."""
    deadline = dt.date.fromisoformat(row["deadline"]) if row["deadline"] else None
    target = Target(row["kind"], _dec(row["value"]), row["unit"], row["target_text"], deadline)
    achieved = row["progress_date"] if row["kind"] == "deadline" and row["actual_text"] else None
    return selfeval.IndicatorResult(
        id=row["id"],
        level1=row["level1"],
        level2=row["level2"],
        name=row["name"],
        target=target,
        weight=_dec(row["weight"]),
        actual_value=_dec(row["actual_value"]),
        completion=_dec(row["completion"]),
        achieved_on=dt.date.fromisoformat(achieved) if achieved else None,
        cause=row["cause"] or "",
        action=row["action"] or "",
    )


class SelfEvaluationCommands(CommandBase):
    """Score, show and sign off the self-evaluation of a project or a unit."""

    def self_evaluation(
        self,
        code: str,
        year: int | str | None = None,
        *,
        unit_level: bool = False,
        final: bool = False,
        execution_cause: str = "",
        execution_action: str = "",
        same: Sequence[Sequence[str]] = (),
        combine: bool = False,
        known_on: str | dt.datetime | KnownOn | None = None,
    ) -> dict[str, Any]:
        """The form's figures and scores (draft unless ``final``). A unit without
        indicators of its own (or with ``combine``) is scored on its projects'
        indicators combined (seed 004 note 2), and the form says so. As known on a
        moment: the figures, indicators, progress and sign-off recorded by then (the
        一级 shares and the 年度总体目标 as they are now)."""
        known = known_on_of(known_on)
        owner_kind, owner_code, fiscal_year = self._owner(code, year, unit_level)
        initial, budget, disbursed = self._budget_figures(owner_kind, owner_code, fiscal_year, known)
        rows = (
            []
            if combine
            else self.known_indicator_rows(
                lookups.indicator_rows(self.read, owner_kind, owner_code, fiscal_year), known
            )
        )
        combined_note = None
        if owner_kind == "unit" and not rows:
            rows = self._combined_rows(owner_code, fiscal_year, same, known)
            if rows:
                count = len({p for r in rows for p in r["projects"]})
                combined_note = f"按下属 {count} 个项目的绩效指标汇总（绝对数相加，比率按资金加权平均）"
                if not combine:
                    combined_note = f"本单位未设部门整体绩效指标，{combined_note}"
        eid = evaluation_id(owner_kind, owner_code, fiscal_year)
        signed = lookups.evaluation_row(self.read, eid)
        signed_scores = None
        if known is not None and signed is not None:
            then = evaluation_as_known(signed, self.contiguous_events(eid), known)
            signed, signed_scores = then if then else (None, None)
        if signed and not execution_cause and not execution_action:
            execution_cause, execution_action = signed["execution_cause"], signed["execution_action"]
        evaluation = selfeval.evaluate(
            initial,
            budget,
            disbursed,
            [result_of(r) for r in rows],
            final=final,
            execution_cause=execution_cause,
            execution_action=execution_action,
            shares=indicator_queries.weight_shares(
                self.read, self._unit_of(owner_kind, owner_code, fiscal_year)
            ),
        )
        form = {
            "owner_kind": owner_kind,
            "code": owner_code,
            "year": fiscal_year,
            "budget_initial": initial,
            "budget": budget,
            "disbursed": disbursed,
            "indicators": rows,
            "evaluation": evaluation,
        }
        form["combined_note"] = combined_note
        form["funds"] = self._funds(owner_kind, owner_code, fiscal_year, known)
        form["goal"] = self.evaluation_goal(owner_kind, owner_code, fiscal_year)  # type: ignore[attr-defined]
        form["signed"] = self._signature(signed, _scores(form), signed_scores)
        form["known_on"] = known
        form["rows"] = _row_texts(rows, evaluation)
        form["rounding_note"] = indicator_rows.rounding_note(evaluation)
        return form

    def known_indicator_rows(self, rows: list[dict[str, Any]], known: KnownOn | None) -> list[dict[str, Any]]:
        """Indicator rows as known on a moment (those added by then, with the progress,
        分值 and 偏差原因 recorded by then); the rows as they are without one."""
        if known is None:
            return rows
        out = []
        for row in rows:
            then = indicator_as_known(row, self.contiguous_events(UUID(row["id"])), known)
            if then is not None:
                out.append(then[0])
        return out

    def _combined_rows(
        self, unit: str, year: int, same: Sequence[Sequence[str]], known: KnownOn | None = None
    ) -> list[dict[str, Any]]:
        """The unit's (and its subtree's) project indicators, combined into form rows."""
        _, projects = self.queries.statuses(year, dt.date(year, 12, 31), unit, known=known)
        by_project = indicator_queries.of_projects(self.read, year, [p.code for p in projects])
        rows: dict[str, dict[str, Any]] = {}
        parts = []
        for p in projects:
            for r in self.known_indicator_rows(by_project.get(p.code, []), known):
                rows[r["id"]] = r
                parts.append(combined.part_of(r, p.code, p.figures.budget))
        joined = combine_indicators(parts, same)
        return [combined.row_of(c, n, rows) for n, c in enumerate(joined, start=1)]

    def _unit_of(self, owner_kind: str, owner_code: str, year: int) -> str:
        """The unit whose 一级 shares apply: the owner itself, or the project's unit."""
        if owner_kind == "unit":
            return owner_code
        return indicator_queries.project_unit(self.read, owner_code, year)

    def _signature(
        self, row: dict[str, Any] | None, current: dict[str, Any], signed_scores: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The sign-off as it stands against the current figures: a signature holds only
        the figures it signed, so when they moved the form is no longer ``finalised``
        (``stale``), and ``scores`` keeps the signed version for showing side by side."""
        if row is None:
            return None
        scores = signed_scores if signed_scores is not None else self._signed_scores(UUID(row["id"]))
        signed = bool(row["finalised"])
        stale = signed and scores is not None and not same_figures(scores, current)
        return {
            **row,
            "finalised": signed and not stale,
            "stale": stale,
            "scores": scores,
            "changed": changed_figures(scores, current) if stale and scores else [],
        }

    def _signed_scores(self, eid: UUID) -> dict[str, Any] | None:
        """The signed figures from the read table; a database written before that table
        existed (and not rebuilt since) has them only in the sign-off event."""
        scores = indicator_queries.signature_scores(self.read, eid)
        if scores is None and self.aggregate_exists(eid):
            scores = getattr(self.repository.get(eid), "scores", None)
        return scores

    def finalise_evaluation(
        self,
        code: str,
        year: int | str | None = None,
        *,
        signed_by: str,
        unit_level: bool = False,
        execution_cause: str = "",
        execution_action: str = "",
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Sign off the form: refused while an indicator is unscored or a shortfall
        has no cause and corrective action."""
        signer = parse_text(signed_by, "签字人", limit=100)
        execution_cause = parse_text(execution_cause, "偏差原因", required=False, limit=1000, lines=True)
        execution_action = parse_text(execution_action, "改进措施", required=False, limit=1000, lines=True)
        form = self.self_evaluation(
            code,
            year,
            unit_level=unit_level,
            final=True,
            execution_cause=execution_cause,
            execution_action=execution_action,
        )
        ev: selfeval.Evaluation = form["evaluation"]
        selfeval.check_can_finalise(ev)
        scores = _scores(form, execution_cause, execution_action)
        eid = evaluation_id(form["owner_kind"], form["code"], form["year"])
        args = {"evaluation": str(eid), "scores": scores, "signed_by": signer}
        signed = form["signed"]
        if signed is not None and signed["finalised"]:  # the same figures are signed already
            request = self._request("selfeval.finalise", args, request_id, eid)
            if request and (done := self._replay(request)) is not None:
                return done
            raise DuplicateError(f"{form['year']} 年 {form['code']} 的自评已定稿", "自评")

        def create(request: Request) -> tuple[Evaluation, UUID]:
            aggregate = Evaluation(
                owner_kind=form["owner_kind"],
                owner_code=form["code"],
                year=form["year"],
                total=ev.total,
                grade=ev.grade,
                scores=scores,
                signed_by=signer,
                user=self._user(user),
                request=request,
            )
            return aggregate, eid

        if signed is None:
            return self._create("selfeval.finalise", args, request_id, eid, create, "自评已定稿", "自评")

        def again(aggregate: Evaluation, request: Request) -> UUID:
            aggregate.refinalise(ev.total, ev.grade, scores, signer, self._user(user), request=request)
            return eid

        return self._update("selfeval.finalise", args, request_id, eid, eid, again)

    def reopen_evaluation(
        self,
        code: str,
        year: int | str | None = None,
        *,
        reason: str,
        unit_level: bool = False,
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Reopen a signed form for corrections (the signature stays in the history)."""
        owner_kind, owner_code, fiscal_year = self._owner(code, year, unit_level)
        eid = evaluation_id(owner_kind, owner_code, fiscal_year)
        why = parse_text(reason, "原因", limit=500, lines=True)

        def act(aggregate: Evaluation, request: Request) -> UUID:
            aggregate.reopen(why, self._user(user), request)
            return eid

        return self._update(
            "selfeval.reopen", {"evaluation": str(eid), "reason": why}, request_id, eid, eid, act
        )

    def combined_actuals(self, unit: str, year: int | str) -> list[dict[str, Any]]:
        """A department's actuals combined from its projects' indicators (seed 004 note 2):
        absolute quantities add up; ratios are averaged weighted by each one's funding."""
        fiscal_year = parse_year(year)
        _, projects = self.queries.statuses(fiscal_year, dt.date(fiscal_year, 12, 31), unit)
        parts = []
        for p in projects:
            values = {
                r["name"]: (Decimal(r["actual_value"]), r["unit"])
                for r in lookups.project_actuals(self.read, p.code, fiscal_year)
            }
            if values:
                parts.append((p.figures.budget, values))
        combined = selfeval.combine_units(parts)
        return [
            {"name": name, "value": value, "unit": unit_of, "projects": sum(1 for _, v in parts if name in v)}
            for name, (value, unit_of) in sorted(combined.items())
        ]

    def _funds(
        self, owner_kind: str, owner_code: str, year: int, known: KnownOn | None = None
    ) -> list[dict[str, Any]]:
        """The funds block's four lines (年度资金总额 and its parts, seed 001)."""
        if owner_kind == "unit":
            return funds_block(self.read, year, owner_code, known=known)
        project = find(self.read, year, owner_code)
        return funds_block(self.read, year, None, [project.id] if project else [], known)

    def _budget_figures(
        self, owner_kind: str, owner_code: str, year: int, known: KnownOn | None = None
    ) -> tuple[Decimal, Decimal, Decimal]:
        """年初预算, 全年预算 A and 全年执行 B as of 31 December (as known on ``known``)."""
        unit = owner_code if owner_kind == "unit" else None
        codes = [] if unit else [owner_code]
        _, projects = self.queries.statuses(year, dt.date(year, 12, 31), unit, codes, known=known)
        ids = [p.id for p in projects]
        initial = from_fen(lookups.initial_budget_fen(self.read, ids, known)) if ids else Decimal(0)
        budget = sum((p.figures.budget for p in projects), Decimal(0))
        disbursed = sum((p.figures.disbursed for p in projects), Decimal(0))
        return initial, budget, disbursed


def _row_texts(rows: list[dict[str, Any]], ev: selfeval.Evaluation) -> dict[str, indicator_rows.RowText]:
    """What each row says (不适用, 逾期，待评定, the officer's words), by indicator id."""
    by_id = {r["id"]: r for r in rows}
    today = dates.today()
    out = {}
    for line in ev.lines:
        row = by_id[line.id]
        done = dt.date.fromisoformat(row["progress_date"]) if row["progress_date"] else None
        due = dt.date.fromisoformat(row["deadline"]) if row["deadline"] else None
        out[line.id] = indicator_rows.row_text(line, row["actual_text"], done, due, today)
    return out


def _scores(form: dict[str, Any], cause: str = "", action: str = "") -> dict[str, Any]:
    """What was signed, as plain JSON-friendly data (kept in the Finalised event)."""
    ev: selfeval.Evaluation = form["evaluation"]
    return {
        "execution_cause": cause,
        "execution_action": action,
        "budget_initial": str(form["budget_initial"]),
        "budget": str(form["budget"]),
        "disbursed": str(form["disbursed"]),
        "execution_points": str(ev.execution_points),
        "indicator_points": str(ev.indicator_points),
        "total": str(ev.total),
        "grade": ev.grade,
        "lines": [
            {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(line).items()}
            for line in ev.lines
        ],
    }
