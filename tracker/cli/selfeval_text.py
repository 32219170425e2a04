"""Text and JSON renderings of the self-evaluation form for the CLI."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tracker.cli.formatting import table
from tracker.domain.money import fmt_yuan, fmt_yuan_grouped, to_wan
from tracker.domain.selfeval import Evaluation, show_points


def _pts(value: Decimal | None) -> str | None:
    return None if value is None else show_points(value)


def selfeval_json(form: dict[str, Any]) -> dict[str, Any]:
    ev: Evaluation = form["evaluation"]
    rows = {r["id"]: r for r in form["indicators"]}
    signed = form["signed"]
    return {
        "code": form["code"],
        "year": form["year"],
        "owner_kind": form["owner_kind"],
        "budget_initial": fmt_yuan(form["budget_initial"]),
        "budget": fmt_yuan(form["budget"]),
        "disbursed": fmt_yuan(form["disbursed"]),
        "execution_rate": _pts(ev.execution_rate),
        "execution_points": show_points(ev.execution_points),
        "indicator_points": show_points(ev.indicator_points),
        "total": show_points(ev.total),
        "grade": ev.grade,
        "scale": f"{ev.scale}",
        "scale_note": ev.scale_note,
        "indicators": [
            {
                "id": line.id,
                "level1": rows[line.id]["level1"],
                "level2": rows[line.id]["level2"],
                "name": line.name,
                "kind": line.kind,
                "target": line.target_text,
                "actual": rows[line.id]["actual_text"],
                "weight": show_points(line.weight),
                "scaled_weight": show_points(line.scaled_weight),
                "completion": _pts(line.completion),
                "points": _pts(line.points),
                "band": line.band,
                "cause": rows[line.id]["cause"],
                "action": rows[line.id]["action"],
            }
            for line in ev.lines
        ],
        "shortfalls": [
            {"id": s.id, "name": s.name, "completion": show_points(s.completion), "explained": s.explained}
            for s in ev.shortfalls
        ],
        "finalised": bool(signed and signed["finalised"]),
        "signed_by": signed["signed_by"] if signed else None,
    }


def selfeval_text(form: dict[str, Any]) -> str:
    j = selfeval_json(form)
    state = f"（已定稿，签字：{j['signed_by']}）" if j["finalised"] else "（草稿）"
    head = [
        f"{j['year']} 年 {j['code']} 绩效自评{state}",
        f"年初预算数 {to_wan(Decimal(j['budget_initial']))} 万元，全年预算数 "
        f"{to_wan(Decimal(j['budget']))} 万元，全年执行数 {to_wan(Decimal(j['disbursed']))} 万元，"
        f"执行率 {j['execution_rate'] or '—'}%，得分 {j['execution_points']} / 10",
        f"指标得分 {j['indicator_points']} / 90    总分 {j['total']}    等级 {j['grade']}",
    ]
    if j["scale_note"]:
        head.append(j["scale_note"])
    body = table(
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标值",
            "实际完成",
            "分值",
            "完成率%",
            "得分",
            "偏差原因",
            "改进措施",
        ],
        [
            [
                i["level1"],
                i["level2"],
                i["name"],
                i["target"],
                i["actual"] or "",
                i["scaled_weight"],
                i["completion"] or "待填",
                i["points"] or "",
                i["cause"] or "",
                i["action"] or "",
            ]
            for i in j["indicators"]
        ],
        right=(5, 6, 7),
    )
    missing = [s["name"] for s in j["shortfalls"] if not s["explained"]]
    tail = [f"须说明偏差原因及改进措施：{'、'.join(missing)}"] if missing else []
    return "\n".join([*head, "", body, *tail]) + ("\n" if tail else "")


__all__ = ["fmt_yuan_grouped", "selfeval_json", "selfeval_text"]
