"""The typing rules of every door, applied to a JSON body before the service layer.

DOMAIN.md: full-width digits and separators read as their ASCII forms; digits of
other scripts, ``_`` inside numbers and control characters in any text are refused.
The rules are the domain's (``tracker.domain.characters``), which its parsers apply
too; checking the body first names the field even where the API reads a value itself,
so a body is refused exactly as the same text typed into a form would be.
"""

from __future__ import annotations

from typing import Any

from tracker.domain.characters import refuse_controls, typed_number

NUMBERS = {"amount": "金额", "completion": "完成程度", "plan": "资金支出计划"}
TEXTS = {"payee": "收款人", "voucher": "凭证号", "doc": "文号", "reason": "原因", "value": "实际完成值"}
NOTES = {"note": "备注", "comment": "备注"}  # several lines allowed


def typed(body: dict[str, Any]) -> dict[str, Any]:
    """The body with its numbers in ASCII, or an ``InvalidInputError`` naming the field."""
    out = dict(body)
    for key, field in NUMBERS.items():
        if isinstance(out.get(key), str):
            out[key] = typed_number(out[key], field, units="万" if key == "plan" else "")
    for key, field in TEXTS.items():
        if isinstance(out.get(key), str):
            refuse_controls(out[key], field)
    for key, field in NOTES.items():
        if isinstance(out.get(key), str):
            refuse_controls(out[key], field, lines=True)
    return out


def typed_with(
    body: dict[str, Any],
    *,
    numbers: dict[str, str] | None = None,
    texts: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``typed`` for a body of other fields (a unit, a project, an account...): the
    numbers folded to ASCII, control characters refused by the field's Chinese name."""
    out = dict(body)
    for key, field in (numbers or {}).items():
        if isinstance(out.get(key), str):
            out[key] = typed_number(out[key], field)
    for key, field in (texts or {}).items():
        if isinstance(out.get(key), str):
            refuse_controls(out[key], field)
    for key, field in (notes or {}).items():
        if isinstance(out.get(key), str):
            refuse_controls(out[key], field, lines=True)
    return out
