"""Plain-data views of one project (``tracker show`` and ``tracker history``).

These read one aggregate or its own event stream: they answer "what exactly is on this
project's ledger", not the roll-up questions the read models answer.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tracker.domain import lag
from tracker.domain.commitment import open_total
from tracker.domain.money import fmt_yuan
from tracker.domain.plan import plan_spec
from tracker.domain.plan_warnings import plan_warnings
from tracker.domain.project import KIND_LABELS, LEDGER_KIND_LABELS, Project

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rate(part: Decimal, whole: Decimal) -> Decimal:
    """Percent with two decimals, half-up (the wire rounding); 0 when the whole is 0."""
    return lag.rate(part, whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def project_view(p: Project) -> dict[str, Any]:
    """Current state of one project with its entries, amounts as strings in 元."""
    payments = [
        {
            "id": pid,
            "date": v["date"].isoformat(),
            "amount": fmt_yuan(v["amount"]),
            "reversed": fmt_yuan(v["reversed"]),
            "payee": v["payee"],
            "economic": v["economic"],
            "voucher": v["voucher"],
            "source": v["source"],
        }
        for pid, v in sorted(p.payments.items(), key=lambda kv: kv[1]["date"])
    ]
    return {
        "year": p.year,
        "code": p.code,
        "name": p.name,
        "unit": p.unit_code,
        "expenditure_type": p.expenditure_type,
        "functional": p.functional,
        "economic": p.economic,
        "source": p.source,
        "owner": p.owner,
        "budget": fmt_yuan(p.budget),
        "disbursed": fmt_yuan(p.disbursed),
        "available": fmt_yuan(p.budget - p.disbursed),
        "execution_rate": fmt_yuan(rate(p.disbursed, p.budget)),
        "plan": plan_spec(p.plan) if p.plan else None,
        "plan_warnings": plan_warnings(p.plan, p.budget) if p.plan else [],
        "appropriations": [
            {
                "id": a["id"],
                "kind": a["kind"],
                "kind_label": LEDGER_KIND_LABELS[a["kind"]],
                "date": a["date"].isoformat(),
                "amount": fmt_yuan(a["amount"]),
                "doc": a["doc"],
            }
            for a in sorted(p.appropriations, key=lambda a: a["date"])
        ],
        "payments": payments,
        "committed": fmt_yuan(p.committed),
        "uncommitted": fmt_yuan(p.budget - p.disbursed - p.committed),
        "commitments": [
            {
                "id": cid,
                "date": c["date"].isoformat(),
                "contract": c["contract"],
                "supplier": c["supplier"],
                "amount": fmt_yuan(c["amount"]),
                "drawn": fmt_yuan(c["drawn"]),
                "released": fmt_yuan(c["released"]),
                "open": fmt_yuan(open_total(c)),
            }
            for cid, c in sorted(p.commitments.items(), key=lambda kv: kv[1]["date"])
        ],
        "version": p.version,
    }


EVENT_LABELS = {
    "Registered": "登记",
    "Renamed": "更名",
    "BudgetAppropriated": "预算批复",
    "BudgetTransferredOut": "预算调剂调出",
    "BudgetTransferredIn": "预算调剂调入",
    "PaymentRecorded": "支付",
    "PaymentReversed": "冲销",
    "PlanSet": "设定支出计划",
    "CommitmentRecorded": "签订合同",
    "CommitmentReleased": "解除合同占用",
    "CommitmentDrawn": "按合同支付",
    "CommitmentRestored": "冲销退回合同",
    "SettingsChanged": "修改预警规则",
}


def history_rows(events: list[Any]) -> list[dict[str, Any]]:
    """Every event, oldest first, with who recorded it and when (Beijing time)."""
    return [_history_row(e) for e in events]


def _history_row(e: Any) -> dict[str, Any]:
    kind = type(e).__name__
    row: dict[str, Any] = {
        "version": e.originator_version,
        "event": kind,
        "label": EVENT_LABELS.get(kind, kind),
        "recorded_at": e.timestamp.astimezone(SHANGHAI).isoformat(timespec="seconds"),
        "user": getattr(e, "user", ""),
        "date": e.date.isoformat() if hasattr(e, "date") else None,
        "amount": fmt_yuan(e.amount) if hasattr(e, "amount") else None,
        "details": _details(e),
        "note": getattr(e, "note", "") or "",
        "request_id": (getattr(e, "request", None) or {}).get("id"),
    }
    return row


def _details(e: Any) -> str:
    kind = type(e).__qualname__
    if kind == "Project.Registered":
        return f"{e.year} 年 {e.code} {e.name}（单位 {e.unit_code}，{e.expenditure_type}）"
    if kind == "Unit.Registered":
        return f"{e.code} {e.name}" + (f"（上级 {e.parent_code}）" if e.parent_code else "")
    if kind == "Project.BudgetAppropriated":
        doc = f"，文号 {e.doc}" if e.doc else ""
        return f"{KIND_LABELS[e.kind]}{doc}"
    if kind == "Project.BudgetTransferredOut":
        return f"调剂至 {e.to_code}，文号 {e.doc}，调剂编号 {e.transfer_id}"
    if kind == "Project.BudgetTransferredIn":
        return f"由 {e.from_code} 调入，文号 {e.doc}，调剂编号 {e.transfer_id}"
    if kind == "Project.PaymentRecorded":
        voucher = f"，凭证号 {e.voucher}" if e.voucher else ""
        return f"支付编号 {e.payment_id}，收款人 {e.payee}{voucher}"
    if kind == "Project.PaymentReversed":
        return f"冲销支付 {e.payment_id}，原因：{e.reason}"
    if kind.startswith("Project.Commitment"):
        return _commitment_details(e, kind)
    if kind == "Project.PlanSet":
        return plan_spec(e.checkpoints)
    if kind == "Unit.SettingsChanged":
        return f"预警规则 {e.status_rule}，黄色阈值 {e.yellow}，红色阈值 {e.red}"
    return ""


def _commitment_details(e: Any, kind: str) -> str:
    """The history's words for a commitment's events (合同/采购)."""
    if kind == "Project.CommitmentRecorded":
        supplier = f"，供应商 {e.supplier}" if e.supplier else ""
        return f"合同 {e.contract}{supplier}，合同编号 {e.commitment_id}"
    if kind == "Project.CommitmentReleased":
        return f"解除合同 {e.commitment_id}，原因：{e.reason}"
    if kind == "Project.CommitmentDrawn":
        return f"支付 {e.payment_id} 使用合同 {e.commitment_id}"
    return f"冲销支付 {e.payment_id}，退回合同 {e.commitment_id}"
