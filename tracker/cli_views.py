"""Text rendering of ``tracker show`` (kept apart so cli.py stays a thin door)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tracker.domain.money import fmt_yuan_grouped
from tracker.formatting import table


def _g(text: str) -> str:
    return fmt_yuan_grouped(Decimal(text))


def show_text(v: dict[str, Any]) -> str:
    lines = [
        f"{v['year']} 年  {v['code']}  {v['name']}",
        f"预算单位：{v['unit']}    支出类型：{v['expenditure_type']}    负责人：{v['owner'] or '—'}",
        f"功能分类：{v['functional'] or '—'}    经济分类：{v['economic'] or '—'}    资金来源：{v['source']}",
        f"全年预算数：{_g(v['budget'])} 元    执行数：{_g(v['disbursed'])} 元    "
        f"可用余额：{_g(v['available'])} 元    执行率：{v['execution_rate']}%",
        f"资金支出计划：{v['plan'] or '未设定（默认 25/50/75/100%）'}",
        "",
        "预算批复：",
        table(["日期", "类型", "金额(元)", "文号"],
              [[a["date"], a["kind_label"], _g(a["amount"]), a["doc"]] for a in v["appropriations"]],
              right=(2,)),
        "",
        "支付：",
        table(["日期", "金额(元)", "已冲销(元)", "收款人", "经济分类", "凭证号", "支付编号"],
              [[p["date"], _g(p["amount"]), _g(p["reversed"]), p["payee"], p["economic"] or "",
                p["voucher"], p["id"]] for p in v["payments"]],
              right=(1, 2)),
    ]
    return "\n".join(lines)
