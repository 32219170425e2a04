"""Budget units (部门 → 单位) as the read tables hold them, and their tree.

A selection "of a unit" always means the unit and every unit below it; these helpers
say which units that is and which rule colours their projects.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from tracker.domain import lag
from tracker.domain.errors import NotFoundError
from tracker.queries.known import KnownOn
from tracker.store.readstore import ReadStore

Units = dict[str, dict[str, Any]]  # code → row: code, name, parent_code, status_rule, yellow, red, min_points

# Every unit with its rule; min_points is NULL where the unit never set it (the default).
UNITS_SQL = (
    "SELECT u.code, u.name, u.parent_code, u.status_rule, u.yellow, u.red, m.min_points "
    "FROM rm_units u LEFT JOIN rm_unit_min_points m ON m.id = u.id"
)


# Each unit's status rules with their recording moments, oldest first.
RULES_SQL = (
    "SELECT u.code, r.status_rule, r.yellow, r.red, r.min_points FROM rm_unit_rules r "
    "JOIN rm_units u ON u.id = r.unit_id WHERE r.recorded_at <= ? ORDER BY u.code, r.recorded_at"
)
DEFAULT_RULE_ROW = {"status_rule": "ratio", "yellow": "80", "red": "60", "min_points": None}


def units(read: ReadStore, known: KnownOn | None = None) -> Units:
    """Every unit by code; as known on ``known``, each with the status rule in force
    then (the last one recorded by that moment; the defaults for a unit registered
    later), so a report sent that day is coloured as it was."""
    found = {r["code"]: r for r in read.all(UNITS_SQL)}
    if known is None:
        return found
    rules: dict[str, dict[str, Any]] = {}
    for r in read.all(RULES_SQL, (known.stamp,)):
        rules[r.pop("code")] = r
    return {code: {**row, **rules.get(code, DEFAULT_RULE_ROW)} for code, row in found.items()}


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
    least = unit_row.get("min_points")
    return lag.StatusRule(
        unit_row["status_rule"],
        Decimal(unit_row["yellow"]),
        Decimal(unit_row["red"]),
        lag.DEFAULT_MIN_POINTS if least is None else Decimal(least),
    )


def total_rule(
    all_units: Units, unit: str | None, project_units: Iterable[str]
) -> tuple[lag.StatusRule, str]:
    """The rule that colours a total, and where it comes from (said beside the total).

    A total over one unit's subtree (the unit asked for, or the one top unit every
    project sits under) uses that unit's rule; over several top units, their rule when
    they share one, else the default rule.
    """
    if unit is not None:
        return rule_of(all_units.get(unit)), f"单位 {unit}"
    roots = sorted({_root(code, all_units) for code in project_units})
    if not roots:
        return lag.DEFAULT_RULE, "无项目，默认规则"
    if len(roots) == 1:
        return rule_of(all_units.get(roots[0])), f"单位 {roots[0]}"
    rules = {rule_of(all_units.get(code)) for code in roots}
    if len(rules) == 1:
        return rules.pop(), f"{len(roots)} 个单位共用"
    return lag.DEFAULT_RULE, f"{len(roots)} 个单位规则不同，用默认规则"


def _root(code: str, all_units: Units) -> str:
    seen = {code}
    while (parent := (all_units.get(code) or {}).get("parent_code")) and parent not in seen:
        seen.add(parent)
        code = parent
    return code
