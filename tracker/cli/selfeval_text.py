"""Text and JSON renderings of the self-evaluation form for the CLI."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tracker.cli.formatting import table
from tracker.domain.money import fmt_yuan, fmt_yuan_grouped, to_wan
from tracker.domain.selfeval import Evaluation, show_points
from tracker.domain.signature import STALE
from tracker.domain.weights import TEMPLATE

TEMPLATE_NOTE = (
    "未填分值的指标按默认模板分配：产出指标（含成本指标）50、效益指标30、满意度指标10，同一级内平均"
)


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
        "funds": [
            {k: (fmt_yuan(v) if k != "label" else v) for k, v in line.items()}
            for line in form.get("funds") or []
        ],
        "goal": (form.get("goal") or {}).get("goal", ""),
        "outcome": (form.get("goal") or {}).get("outcome", ""),
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
                "weight_source": line.weight_source if line.applicable else None,
                "completion": _pts(line.completion),
                "actual_shown": form["rows"][line.id].actual,
                "completion_shown": form["rows"][line.id].completion,
                "points": _pts(line.points),
                "band": line.band,
                "cause": rows[line.id]["cause"],
                "action": rows[line.id]["action"],
            }
            for line in ev.lines
        ],
        "rounding_note": form["rounding_note"],
        "combined_note": form.get("combined_note"),
        "shortfalls": [
            {"id": s.id, "name": s.name, "completion": show_points(s.completion), "explained": s.explained}
            for s in ev.shortfalls
        ],
        "finalised": bool(signed and signed["finalised"]),
        "signed_by": signed["signed_by"] if signed else None,
        "signed_total": _signed_total(signed),
        "signature_note": STALE if signed and signed.get("stale") else None,
    }


def _signed_total(signed: dict[str, Any] | None) -> str | None:
    """The total as signed (two decimals), whatever the ledger says today."""
    if not signed:
        return None
    scores = signed.get("scores") or {}
    return show_points(Decimal(str(scores.get("total", signed["total"]))))


def _signed_version(form: dict[str, Any], j: dict[str, Any]) -> list[str]:
    """The signed and the current figures side by side, when they differ."""
    signed = form["signed"]
    if not signed or not signed.get("stale"):
        return []
    before = signed["scores"]
    names = {line["id"]: line["name"] for line in j["indicators"]}
    lines = {str(line["id"]): line for line in before.get("lines", [])}
    rows = [
        ["全年预算数（万元）", _wan(before.get("budget")), f"{to_wan(form['budget'])}"],
        ["全年执行数（万元）", _wan(before.get("disbursed")), f"{to_wan(form['disbursed'])}"],
        ["总分", j["signed_total"], j["total"]],
        ["等级", before.get("grade", signed["grade"]), j["grade"]],
    ]
    for key in signed["changed"]:
        if key in names or key in lines:
            old = lines.get(key, {})
            now: dict[str, Any] = next((i for i in j["indicators"] if i["id"] == key), {})
            name = names.get(key) or old.get("name", key)
            rows.append([f"{name} 得分", _pts(_dec(old.get("points"))) or "", now.get("points") or ""])
    who = f"{signed['signed_by']}签字时"
    return [f"{STALE}（签字人：{signed['signed_by']}）", table(["项目", who, "当前"], rows, right=(1, 2)), ""]


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _wan(value: Any) -> str:
    return "" if value in (None, "") else f"{to_wan(Decimal(str(value)))}"


def _fund_parts(j: dict[str, Any]) -> list[str]:
    """其中：当年财政拨款 / 上年结转资金 / 其他资金, the parts that hold money."""
    return [
        f"  {f['label']}：全年预算数 {_wan(f['budget'])} 万元，全年执行数 {_wan(f['spent'])} 万元"
        for f in j["funds"][1:]
        if Decimal(f["budget"]) or Decimal(f["spent"])
    ]


def selfeval_text(form: dict[str, Any]) -> str:
    j = selfeval_json(form)
    state = f"（已定稿，签字：{j['signed_by']}）" if j["finalised"] else "（草稿）"
    if j["signature_note"]:
        state = f"（{j['signature_note']}）"
    elif form["signed"] and not j["finalised"]:
        state = f"（已退回修改，待重新定稿；原签字：{j['signed_by']}）"
    head = [
        f"{j['year']} 年 {j['code']} 绩效自评{state}",
        f"年初预算数 {to_wan(Decimal(j['budget_initial']))} 万元，全年预算数 "
        f"{to_wan(Decimal(j['budget']))} 万元，全年执行数 {to_wan(Decimal(j['disbursed']))} 万元，"
        f"执行率 {j['execution_rate'] or '—'}%，得分 {j['execution_points']} / 10",
        *_fund_parts(j),
        f"指标得分 {j['indicator_points']} / 90    总分 {j['total']}    等级 {j['grade']}",
        *(
            f"{label}：{j[key]}"
            for label, key in (("预期目标", "goal"), ("实际完成情况", "outcome"))
            if j[key]
        ),
    ]
    if j["combined_note"]:
        head.append(j["combined_note"])
    if j["scale_note"]:
        head.append(j["scale_note"])
    if any(i["weight_source"] == TEMPLATE for i in j["indicators"]):
        head.append(TEMPLATE_NOTE)
    head = [head[0], *_signed_version(form, j), *head[1:]]
    body = table(
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标值",
            "实际完成",
            "分值",
            "分值来源",
            "完成率%",
            "评定档次",
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
                i["actual_shown"],
                i["scaled_weight"] if i["kind"] != "not_applicable" else "不适用",
                i["weight_source"] or "",
                i["completion_shown"],
                form["rows"][i["id"]].band,
                i["points"] or "",
                i["cause"] or "",
                i["action"] or "",
            ]
            for i in j["indicators"]
        ],
        right=(5, 7, 9),
    )
    missing = [s["name"] for s in j["shortfalls"] if not s["explained"]]
    tail = [j["rounding_note"]] if j["rounding_note"] else []
    if missing:
        tail.append(f"须说明偏差原因及改进措施：{'、'.join(missing)}")
    return "\n".join([*head, "", body, *tail]) + ("\n" if tail else "")


__all__ = ["fmt_yuan_grouped", "selfeval_json", "selfeval_text"]


def combined_text(form: dict[str, Any]) -> str:
    """``indicator combine``: the funds summed, then each combined indicator with its
    combined target and value (two decimals; 元 in 万元) and how many projects it joins."""
    j = selfeval_json(form)
    funds = (
        f"{j['year']} 年 {j['code']} 汇总：年初预算数 {to_wan(form['budget_initial'])} 万元，"
        f"全年预算数 {to_wan(form['budget'])} 万元，全年执行数 {to_wan(form['disbursed'])} 万元，"
        f"执行率 {j['execution_rate'] or '—'}%"
    )
    rows = {r["id"]: r for r in form["indicators"]}
    body = table(
        ["一级指标", "三级指标", "指标值", "汇总完成值", "完成率%", "项目数", "编号"],
        [
            [
                i["level1"],
                i["name"],
                i["target"],
                i["actual_shown"],
                i["completion_shown"],
                len(rows[i["id"]]["projects"]),
                ",".join(rows[i["id"]]["parts"]),
            ]
            for i in j["indicators"]
        ],
        right=(4, 5),
    )
    return "\n".join([funds, *([j["combined_note"]] if j["combined_note"] else []), "", body])
