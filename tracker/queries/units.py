"""Budget units (部门 → 单位) as the read tables hold them, and their tree.

A selection "of a unit" always means the unit and every unit below it; these helpers
say which units that is and which rule colours their projects.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tracker.domain import lag
from tracker.domain.errors import NotFoundError
from tracker.store.readstore import ReadStore

Units = dict[str, dict[str, Any]]  # code → row: code, name, parent_code, status_rule, yellow, red


def units(read: ReadStore) -> Units:
    """Every unit by code."""
    rows = read.all("SELECT code, name, parent_code, status_rule, yellow, red FROM rm_units")
    return {r["code"]: r for r in rows}


def subtree(code: str, all_units: Units) -> list[str]:
    """A unit and every unit below it (部门 → 单位), parents first, siblings by code."""
    if code not in all_units:
        raise NotFoundError(f"单位 {code} 不存在", "单位编码")
    children: dict[str | None, list[str]] = {}
    for c, u in all_units.items():
        children.setdefault(u["parent_code"], []).append(c)
    out, stack = [], [code]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(sorted(children.get(current, []), reverse=True))
    return out


def ancestors(code: str, all_units: Units, root: str | None) -> list[str]:
    """The unit and those above it, up to ``root`` (a roll-up by unit counts a project
    for each of them)."""
    chain = []
    current: str | None = code
    while current is not None and current in all_units:
        chain.append(current)
        if current == root:
            break
        current = all_units[current]["parent_code"]
    return chain or [code]


def rule_of(unit_row: dict[str, Any] | None) -> lag.StatusRule:
    """The unit's status rule, or the default one for no unit."""
    if unit_row is None:
        return lag.DEFAULT_RULE
    return lag.StatusRule(unit_row["status_rule"], Decimal(unit_row["yellow"]), Decimal(unit_row["red"]))
