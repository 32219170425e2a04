"""The blocks of the 自评表 (``selfeval_form``): funds, indicators, total and signature.

Kept apart from the form's frame and its writers so each file stays readable. The
funds block follows seed 001 (年度资金总额 and its three parts); the indicator block
prints each row as the form shows it (不适用 /, 待填, 逾期，待评定, the officer's words).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tracker.domain import indicator as standard
from tracker.domain.money import to_wan
from tracker.domain.selfeval import EXECUTION, Evaluation, show_points
from tracker.domain.signature import STALE
from tracker.exporting.forms import Cell, Form, Row

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")
EXECUTION_WEIGHT = Decimal(10)
TOTAL_FUNDS = "年度资金总额"
PENDING, NOT_APPLICABLE, UNEXPLAINED = "待填", "/", "待说明"  # 待说明: a shortfall not yet explained
HEAD = "head"  # a Row.style for the sub-header lines inside the body
STANDARD_LEVEL1 = (*standard.LEVEL1, *standard.UNIT_LEVEL1)


def add(form: Form, cells: list[Cell], style: str = "body", merges: Iterable[tuple[int, int]] = ()) -> None:
    form.rows.append(Row(cells, style))
    form.row_merges.extend((len(form.rows) - 1, c0, c1) for c0, c1 in merges)


def points(value: Decimal | None) -> Decimal | None:
    """Two decimals, half-up (show_points), as a Decimal cell."""
    return None if value is None else Decimal(show_points(value))


def budget_block(out: Form, form: Mapping[str, Any], ev: Evaluation) -> None:
    """项目资金: 年度资金总额 (分值 10, 执行率, 得分) and, as seed 001 prints them, its
    parts 其中：当年财政拨款 / 上年结转资金 / 其他资金 (执行率 only; 分值 and 得分 —)."""
    label = "部门资金（万元）" if form["owner_kind"] == "unit" else "项目资金（万元）"
    add(
        out,
        [
            label,
            "",
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率（%）",
            "得分",
            "偏差原因分析及改进措施",
            "",
            "",
        ],
        HEAD,
        [(0, 1), (8, 10)],
    )
    execution = next((s for s in ev.shortfalls if s.id == EXECUTION), None)
    why = ""
    if execution is not None:
        why = explanation(execution.cause, execution.action) or UNEXPLAINED
    rate: Cell = points(ev.execution_rate) if ev.execution_rate is not None else "—"
    add(
        out,
        [
            TOTAL_FUNDS,
            "",
            to_wan(form["budget_initial"]),
            to_wan(form["budget"]),
            to_wan(form["disbursed"]),
            points(EXECUTION_WEIGHT),
            rate,
            points(ev.execution_points),
            why,
            "",
            "",
        ],
        merges=[(0, 1), (8, 10)],
    )
    for part in (form.get("funds") or [])[1:]:
        budget, spent = part["budget"], part["spent"]
        part_rate: Cell = points(min(spent / budget, Decimal(1)) * 100) if budget else ""
        add(
            out,
            [
                part["label"],
                "",
                to_wan(part["initial"]),
                to_wan(budget),
                to_wan(spent),
                "—",
                part_rate,
                "—",
                "",
                "",
                "",
            ],
            merges=[(0, 1), (8, 10)],
        )


def goal_block(out: Form, form: Mapping[str, Any]) -> None:
    """年度总体目标: 预期目标 beside 实际完成情况, as seed 001 prints them (blank until written)."""
    goal = form.get("goal") or {}
    spans = [(0, 1), (2, 5), (6, 10)]
    add(out, ["年度总体目标", "", "预期目标", "", "", "", "实际完成情况", "", "", "", ""], HEAD, spans)
    add(
        out, ["", "", goal.get("goal", ""), "", "", "", goal.get("outcome", ""), "", "", "", ""], merges=spans
    )


GOAL_ROWS = 2  # the rows goal_block adds


WRITTEN_NUMBER = re.compile(r"^\s*[≥≤=><]*\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万?)")
NATURES = {standard.AT_LEAST: "≥", standard.AT_MOST: "≤", standard.EQUAL: "="}


def target_cells(kind: str, text: str, value: str | None, unit: str | None) -> list[Cell]:
    """年度指标值 as seed 001 splits it: 指标性质 (≥ ≤ =), 指标值 and 度量单位 as written
    (``≥50万元`` is ≥ | 50 | 万元). A target without a number (deadline, qualitative, not
    applicable) is printed in all three cells, as the seed prints 按时按要求落实和执行."""
    written = WRITTEN_NUMBER.match(unicodedata.normalize("NFKC", text))
    if kind in NATURES and value is not None and written:
        return [NATURES[kind], written.group(1).replace(",", ""), written.group(2) + (unit or "")]
    return [text, text, text]


def explanation(cause: str | None, action: str | None) -> str:
    """偏差原因分析及改进措施 in one cell: ``原因：…；措施：…``."""
    parts = [
        f"原因：{cause.strip()}" if cause and cause.strip() else "",
        f"措施：{action.strip()}" if action and action.strip() else "",
    ]
    return "；".join(p for p in parts if p)


def ordered(items: Sequence[T], key_of: Callable[[T], tuple[str, str]]) -> list[T]:
    """Grouped by 一级 then 二级, so that each group is one run of rows as the printed
    form shows it: the standard levels in their standard order (产出 / 效益 / 满意度 /
    成本, 数量 / 质量 / 时效 / 成本 …; the unit-level sets likewise), other texts after
    them in order of first appearance; within a group, in the order added."""
    first1: dict[str, int] = {}
    first2: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        key = key_of(item)
        first1.setdefault(key[0], i)
        first2.setdefault(key, i)

    def rank(pair: tuple[int, T]) -> tuple[int, int, int, int, int]:
        i, item = pair
        l1, l2 = key_of(item)
        known2 = standard.LEVEL2.get(l1) or standard.UNIT_LEVEL2.get(l1) or ()
        return (_position(STANDARD_LEVEL1, l1, first1[l1]), 0, _position(known2, l2, first2[(l1, l2)]), 0, i)

    return [item for _, item in sorted(enumerate(items), key=rank)]


def _position(standard: Sequence[str], text: str, first_seen: int) -> int:
    return standard.index(text) if text in standard else len(standard) + first_seen


def indicator_block(out: Form, form: Mapping[str, Any], ev: Evaluation) -> None:
    add(
        out,
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "指标值",
            "度量单位",
            "实际完成值",
            "分值",
            "完成率（%）",
            "得分",
            "偏差原因分析及改进措施",
        ],
        HEAD,
    )
    rows = {r["id"]: r for r in form["indicators"]}
    said = form.get("rows") or {}
    for line in ordered(ev.lines, lambda line: (rows[line.id]["level1"], rows[line.id]["level2"])):
        row = rows[line.id]
        actual = row["actual_text"] or ""
        weight: Cell
        completion: Cell
        score: Cell
        if not line.applicable:
            weight = completion = score = NOT_APPLICABLE
            actual = actual or NOT_APPLICABLE
        elif line.completion is None:
            weight, completion, score = points(line.scaled_weight), PENDING, None
            if line.id in said:  # 逾期，待评定 / the date a late deadline was met
                actual, completion = said[line.id].actual or PENDING, said[line.id].completion
            actual = actual or PENDING
        else:
            weight, completion, score = (
                points(line.scaled_weight),
                points(line.completion),
                points(line.points),
            )
            shown = said[line.id].actual if line.id in said else ""
            actual = shown or actual or line.band or ""
        why = explanation(row["cause"], row["action"])
        if not why and line.completion is not None and line.completion < 100:
            why = UNEXPLAINED
        add(
            out,
            [
                row["level1"],
                row["level2"],
                line.name,
                *target_cells(line.kind, line.target_text, row["value"], row["unit"]),
                actual,
                weight,
                completion,
                score,
                why,
            ],
        )
    if not ev.lines:
        add(out, ["（未设置绩效指标）", *[""] * 10], merges=[(0, 10)])


def total_and_signature(out: Form, form: Mapping[str, Any], ev: Evaluation) -> None:
    weights = EXECUTION_WEIGHT + sum((line.scaled_weight for line in ev.lines if line.applicable), Decimal(0))
    add(
        out,
        ["总分", "", "", "", "", "", "", points(weights), "", points(ev.total), f"等级：{ev.grade}"],
        "total",
        [(0, 6)],
    )
    signed = form.get("signed")
    if signed and signed["finalised"]:
        add(
            out,
            ["签字", "", signed["signed_by"], "", "", "", "签字日期", "", signed_date(signed), "", ""],
            merges=[(0, 1), (2, 5), (6, 7), (8, 10)],
        )
        return
    state = "未定稿"
    if signed and signed.get("stale"):  # never a signature beside figures nobody signed
        state += f"（{signed['signed_by']}于 {signed_date(signed)} 签字；{STALE}）"
    elif signed:
        state += f"（{signed['signed_by']}于 {signed_date(signed)} 签字后已重新打开）"
    add(out, ["签字", "", state, *[""] * 8], merges=[(0, 1), (2, 10)])


def signed_date(signed: Mapping[str, Any]) -> str:
    """The signing day in Beijing time, from the recorded timestamp."""
    text = str(signed["signed_at"])
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return text[:10]
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(SHANGHAI)
    return stamp.date().isoformat()
