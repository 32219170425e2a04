"""Indicator commands and queries of the service layer (a part of BudgetTracker).

Kept apart from the ledger commands so each file stays readable; they share the
command machinery (request ids, retries) of ``CommandBase``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from tracker.commands.base import CommandBase, Request
from tracker.domain.characters import typed_number
from tracker.domain.errors import DuplicateError, InvalidInputError, NotFoundError
from tracker.domain.ids import entry_id
from tracker.domain.indicator import parse_target
from tracker.domain.indicator_actual import TargetFacts, check_progress
from tracker.domain.inputs import parse_date, parse_text
from tracker.domain.performance import Indicator, WeightShares, shares_id
from tracker.domain.weights import parse_shares
from tracker.queries import lookups


def parse_weight(value: Decimal | str | None) -> Decimal | None:
    """分值: a number from 0 to 100, or none."""
    if value is None or str(value).strip() == "":
        return None
    try:
        weight = Decimal(typed_number(str(value), "分值"))
    except InvalidOperation:
        raise InvalidInputError(f"“{value}”不是有效的分值", "分值") from None
    if not weight.is_finite() or not 0 <= weight <= 100:
        raise InvalidInputError("分值必须在 0 到 100 之间", "分值")
    return weight


def parse_completion(value: Decimal | str) -> Decimal:
    """A completion chosen by the officer, ``86.67%`` or ``86.67``, 0–100."""
    text = typed_number(str(value), "完成程度").rstrip("%").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidInputError(f"“{value}”不是有效的完成程度", "完成程度") from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise InvalidInputError("完成程度必须在 0%–100% 之间", "完成程度")
    return number


def facts_of(row: dict[str, Any]) -> TargetFacts:
    """An indicator's read-model row as the progress check takes it."""
    number = None if row["value"] is None else Decimal(row["value"])
    done = None if row["completion"] is None else Decimal(row["completion"])
    return TargetFacts(row["kind"], number, row["unit"], row["target_text"], done)


def same_name(name: str) -> str:
    """Names compared as officers see them: full-width forms and spaces do not count."""
    return unicodedata.normalize("NFKC", name or "").replace(" ", "").replace("\u3000", "")


class IndicatorCommands(CommandBase):
    """Add indicators, record their progress and explain deviations."""

    def add_indicator(
        self,
        code: str,
        *,
        level1: str,
        level2: str,
        name: str,
        target: str,
        weight: Decimal | str | None = None,
        description: str = "",
        year: int | str | None = None,
        unit_level: bool = False,
        user: str | None = None,
        note: str = "",
        request_id: str | None = None,
    ) -> UUID:
        """Add a 三级 indicator to a project (or, with ``unit_level``, to a unit)."""
        owner_kind, owner_code, fiscal_year = self._owner(code, year, unit_level)
        fields: dict[str, Any] = {
            "level1": parse_text(level1, "一级指标", limit=50),
            "level2": parse_text(level2, "二级指标", limit=50),
            "name": parse_text(name, "三级指标", limit=200),
            "target_text": parse_text(target, "指标值", limit=200),
            "weight": parse_weight(weight),
            "description": parse_text(description, "指标描述", required=False, limit=500, lines=True),
        }
        parsed = parse_target(fields["target_text"], fiscal_year)
        new_id = entry_id("indicator", request_id)
        self._refuse_duplicate(owner_kind, owner_code, fiscal_year, fields["name"], new_id)
        args = {**fields, "owner": [owner_kind, owner_code, fiscal_year], "note": note}

        def create(request: Request) -> tuple[Indicator, UUID]:
            indicator = Indicator(
                indicator_id=new_id,
                year=fiscal_year,
                owner_kind=owner_kind,
                owner_code=owner_code,
                kind=parsed.kind,
                value=parsed.value,
                unit=parsed.unit,
                deadline=parsed.deadline,
                user=self._user(user),
                note=note,
                request=request,
                **fields,
            )
            return indicator, new_id

        return self._create("indicator.add", args, request_id, new_id, create, "指标已存在", "指标")

    def record_indicator(
        self,
        code: str,
        indicator_id: str | UUID,
        value: str | None = None,
        *,
        completion: Decimal | str | None = None,
        date: dt.date | str,
        note: str = "",
        year: int | str | None = None,
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Record 实际完成值, or the completion chosen for a qualitative indicator."""
        row = self._indicator_row(indicator_id)
        if row["owner_code"] != code.strip():
            raise InvalidInputError(f"指标 {indicator_id} 不属于 {code}", "指标编号")
        if (value is None or not str(value).strip()) and completion is None:
            raise InvalidInputError("需要实际完成值或 --completion", "实际完成值")
        actual_text = (value or "").strip()
        chosen = parse_completion(completion) if completion is not None else None
        actual_value = check_progress(facts_of(row), actual_text, chosen)
        day = parse_date(date)
        iid = UUID(row["id"])
        args = {
            "indicator": row["id"],
            "value": actual_text,
            "completion": str(chosen),
            "date": day.isoformat(),
            "note": note,
        }

        def act(indicator: Indicator, request: Request) -> UUID:
            indicator.record(day, actual_text, actual_value, chosen, self._user(user), note, request)
            return iid

        return self._update("indicator.record", args, request_id, iid, iid, act)

    def set_indicator_weight(
        self,
        indicator_id: str | UUID,
        weight: Decimal | str | None,
        *,
        note: str = "",
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """Set or change an indicator's 分值 later (a target table printed without one);
        an empty weight returns the indicator to the national template."""
        row = self._indicator_row(indicator_id)
        value = parse_weight(weight)
        iid = UUID(row["id"])

        def act(indicator: Indicator, request: Request) -> UUID:
            indicator.set_weight(value, self._user(user), note, request)
            return iid

        args = {"indicator": row["id"], "weight": None if value is None else str(value), "note": note}
        return self._update("indicator.weight", args, request_id, iid, iid, act)

    def set_weight_shares(
        self,
        unit: str,
        shares: str,
        *,
        note: str = "",
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """A unit's own 一级 shares for indicators printed without 分值 (its subtree
        uses them instead of the national template)."""
        code = unit.strip()
        if not lookups.unit_exists(self.read, code):
            raise NotFoundError(f"单位 {code} 不存在", "单位")
        parsed = {name: str(value) for name, value in parse_shares(shares).items()}
        sid = shares_id(code)
        args = {"unit": code, "shares": parsed, "note": note}
        if not self.aggregate_exists(sid):

            def create(request: Request) -> tuple[WeightShares, UUID]:
                made = WeightShares(
                    unit_code=code, shares=parsed, user=self._user(user), note=note, request=request
                )
                return made, sid

            return self._create(
                "indicator.shares", args, request_id, sid, create, "一级分值已设置", "一级分值"
            )

        def act(aggregate: WeightShares, request: Request) -> UUID:
            aggregate.change(parsed, self._user(user), note, request)
            return sid

        return self._update("indicator.shares", args, request_id, sid, sid, act)

    def explain_deviation(
        self,
        indicator_id: str | UUID,
        *,
        cause: str,
        action: str,
        user: str | None = None,
        request_id: str | None = None,
    ) -> UUID:
        """偏差原因分析及改进措施 for an indicator that fell short."""
        row = self._indicator_row(indicator_id)
        why = parse_text(cause, "偏差原因", limit=1000, lines=True)
        fix = parse_text(action, "改进措施", limit=1000, lines=True)
        iid = UUID(row["id"])

        def act(indicator: Indicator, request: Request) -> UUID:
            indicator.explain(why, fix, self._user(user), request=request)
            return iid

        return self._update(
            "indicator.explain",
            {"indicator": row["id"], "cause": why, "action": fix},
            request_id,
            iid,
            iid,
            act,
        )

    def indicators(
        self, code: str, year: int | str | None = None, unit_level: bool = False
    ) -> list[dict[str, Any]]:
        """The indicators of a project or unit, in the order they were added."""
        owner_kind, owner_code, fiscal_year = self._owner(code, year, unit_level)
        return lookups.indicator_rows(self.read, owner_kind, owner_code, fiscal_year)

    def _refuse_duplicate(self, owner_kind: str, owner_code: str, year: int, name: str, new_id: UUID) -> None:
        """One 三级 name once per project (or unit) and year: a second ``indicator add``
        would be scored twice. The same request again (``--id``) is left to replay."""
        wanted = same_name(name)
        for row in lookups.indicator_rows(self.read, owner_kind, owner_code, year):
            if same_name(row["name"]) == wanted and row["id"] != str(new_id):
                raise DuplicateError(
                    f"{owner_code} 已有三级指标“{row['name']}”（编号 {row['id']}），未重复添加", "三级指标"
                )

    def _indicator_row(self, indicator_id: str | UUID) -> dict[str, Any]:
        try:
            key = UUID(str(indicator_id).strip())
        except ValueError:
            raise NotFoundError(f"指标编号 {indicator_id} 格式无效", "指标编号") from None
        row = lookups.indicator_row(self.read, key)
        if row is None:
            raise NotFoundError(f"指标 {indicator_id} 不存在", "指标编号")
        return dict(row)
