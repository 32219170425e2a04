"""Text rendering of ``tracker show`` (kept apart so cli.py stays a thin door)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tracker.cli.formatting import table
from tracker.domain.lag import STATUS_LABELS
from tracker.domain.money import fmt_yuan_grouped


def _g(text: str) -> str:
    return fmt_yuan_grouped(Decimal(text))


def show_text(v: dict[str, Any]) -> str:
    lines = [
        f"{v['year']} 年  {v['code']}  {v['name']}"
        + (f"（依据 {v['known_on']} 的登记）" if v.get("known_on") else ""),
        f"预算单位：{v['unit']}    支出类型：{v['expenditure_type']}    负责人：{v['owner'] or '—'}",
        f"功能分类：{v['functional'] or '—'}    经济分类：{v['economic'] or '—'}    资金来源：{v['source']}",
        f"全年预算数：{_g(v['budget'])} 元    执行数：{_g(v['disbursed'])} 元    "
        f"可用余额：{_g(v['available'])} 元    执行率：{v['execution_rate']}%",
        *(
            [f"已签合同未支付：{_g(v['committed'])} 元    未被合同占用的余额：{_g(v['uncommitted'])} 元"]
            if v.get("commitments")
            else []
        ),
        f"资金支出计划：{v['plan'] or '未设定（默认 25/50/75/100%）'}",
        *[f"计划提示：{w}" for w in v["plan_warnings"]],
        "",
        "预算批复：",
        table(
            ["日期", "类型", "金额(元)", "文号"],
            [[a["date"], a["kind_label"], _g(a["amount"]), a["doc"]] for a in v["appropriations"]],
            right=(2,),
        ),
        "",
        "支付：",
        table(
            ["日期", "金额(元)", "已冲销(元)", "收款人", "经济分类", "凭证号", "支付编号"],
            [
                [
                    p["date"],
                    _g(p["amount"]),
                    _g(p["reversed"]),
                    p["payee"],
                    p["economic"] or "",
                    p["voucher"],
                    p["id"],
                ]
                for p in v["payments"]
            ],
            right=(1, 2),
        ),
    ]
    return "\n".join(lines)


def progress_json(d: dict[str, Any]) -> dict[str, Any]:
    from tracker.queries.wire import known_json, pct, project

    return {
        "as_of": d["as_of"].isoformat(),
        **known_json(d.get("known_on")),
        **project(d["project"]),
        "checkpoints": [
            {
                "date": c["date"].isoformat(),
                "target_rate": pct(c["target_rate"]),
                "actual_rate": pct(c["actual_rate"]),
                "met": c["met"],
                "shortfall_points": pct(c["shortfall_points"]),
            }
            for c in d["checkpoints"]
        ],
        "next_checkpoint": d["next_checkpoint"].isoformat() if d["next_checkpoint"] else None,
        "next_target_rate": None if d["next_target_rate"] is None else pct(d["next_target_rate"]),
        "daily_needed": f"{d['daily_needed'].quantize(Decimal('0.01'))}",
        "plan_warnings": d["plan_warnings"],
    }


def progress_text(d: dict[str, Any]) -> str:
    j = progress_json(d)
    known = f"，{j['known_on_caption']}" if "known_on_caption" in j else ""
    lines = [
        f"{j['code']} {j['name']}（截至 {j['as_of']}{known}）",
        f"全年预算 {_g(j['budget'])} 元，执行 {_g(j['disbursed'])} 元，执行率 {j['execution_rate']}%，"
        f"序时进度 {j['planned_rate']}%，差距 {j['lag_points']} 个百分点，状态 {STATUS_LABELS[j['status']]}",
        f"按目前进度预计年末执行率 {j['forecast_rate']}%",
    ]
    lines += [f"计划提示：{w}" for w in j["plan_warnings"]]
    if j["next_checkpoint"]:
        lines.append(
            f"下一检查点 {j['next_checkpoint']}（目标 {j['next_target_rate']}%），"
            f"此后每日需支出 {_g(j['daily_needed'])} 元"
        )
    lines.append("")
    lines.append(
        table(
            ["检查点", "目标%", "实际%", "完成情况", "差距(百分点)"],
            [
                [
                    c["date"],
                    c["target_rate"],
                    c["actual_rate"],
                    "达成" if c["met"] else "未达成",
                    c["shortfall_points"],
                ]
                for c in j["checkpoints"]
            ],
            right=(1, 2, 4),
        )
    )
    return "\n".join(lines)
