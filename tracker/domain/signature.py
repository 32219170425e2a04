"""What a signature on the self-evaluation form (自评表签字) holds.

A manager signs figures, not a form that keeps changing underneath: the sign-off event
keeps the figures it signed (``scores``). When the ledger or the indicators later give
other figures, the form is no longer final and needs a new sign-off; these pure
functions decide that, so the aggregate, the CLI, the pages and the exports agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

STALE = "签字后数据有变动，需重新签字"
# The figures a signature vouches for; names, wording and layout are not figures.
FORM_FIGURES = ("budget_initial", "budget", "disbursed", "execution_points", "indicator_points", "total")
LINE_FIGURES = ("scaled_weight", "completion", "points")


def _figure(value: Any) -> Decimal | None:
    """Exact decimals compare by value (``10`` equals ``10.00``); anything else is absent."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def signed_figures(scores: Mapping[str, Any]) -> dict[str, Any]:
    """The comparable figures of a signed (or about to be signed) form."""
    lines = scores.get("lines") or []
    return {
        **{key: _figure(scores.get(key)) for key in FORM_FIGURES},
        "lines": {
            str(line.get("id")): tuple(_figure(line.get(key)) for key in LINE_FIGURES) for line in lines
        },
    }


def same_figures(signed: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when the current form shows exactly the figures that were signed."""
    return signed_figures(signed) == signed_figures(current)


def changed_figures(signed: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Which figures moved since the signature (keys of the form, or indicator ids),
    so the form can show the signed and the current version side by side."""
    before, after = signed_figures(signed), signed_figures(current)
    moved = [key for key in FORM_FIGURES if before[key] != after[key]]
    ids = sorted(set(before["lines"]) | set(after["lines"]))
    moved += [i for i in ids if before["lines"].get(i) != after["lines"].get(i)]
    return moved
