"""The 年度总体目标 of a self-evaluation (预期目标 / 实际完成情况), from its read table."""

from __future__ import annotations

from typing import Any

from tracker.store.readstore import ReadStore


def goal_of(read: ReadStore, goal_id: str) -> dict[str, Any]:
    """The goal and outcome as last written ("" when never written)."""
    row = read.one("SELECT goal, outcome FROM rm_selfeval_goals WHERE id = ?", (goal_id,))
    return {"goal": row["goal"] if row else "", "outcome": row["outcome"] if row else ""}
