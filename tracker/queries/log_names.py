"""How a finance officer knows an aggregate of the event log: ``2024 年项目 P001``,
``单位 450001``… (for messages about the log itself, such as a gap in its events)."""

from __future__ import annotations

from uuid import UUID

from tracker.store.readstore import ReadStore

# Aggregate class (the topic's class part) → how the read tables name one of them:
# the row's SQL and a template over its columns, and the noun alone when no row is left.
KINDS: dict[str, tuple[str, str | None, str]] = {
    "Project": ("项目", "SELECT code, year FROM rm_projects WHERE id = ?", "{year} 年项目 {code}"),
    "Unit": ("单位", "SELECT code FROM rm_units WHERE id = ?", "单位 {code}"),
    "User": ("用户", "SELECT name FROM rm_users WHERE id = ?", "用户 {name}"),
    "Indicator": ("绩效指标", "SELECT name FROM rm_indicators WHERE id = ?", "绩效指标“{name}”"),
    "Evaluation": (
        "绩效自评",
        "SELECT owner_code, year FROM rm_evaluations WHERE id = ?",
        "{owner_code} 的 {year} 年绩效自评",
    ),
    "Alert": ("预警", None, ""),
}


def object_label(read: ReadStore, aggregate_id: UUID | str, topic: str | None = None) -> str:
    """``项目 P001（2024 年）``, ``单位 450001``…: the object as a finance officer knows it.

    The kind comes from the topic of the aggregate's first stored event; the name from
    the read tables when they still have it, else the id.
    """
    key = str(UUID(str(aggregate_id)))
    if topic is None:
        found = read.one(
            f"SELECT topic FROM {read.events_table} WHERE originator_id = ? "
            "ORDER BY originator_version LIMIT 1",
            (key if read.is_postgres else UUID(key).hex,),
        )
        topic = str(found["topic"]) if found else ""
    kind = topic.rsplit(":", 1)[-1].split(".", 1)[0]
    noun, sql, template = KINDS.get(kind, ("对象", None, ""))
    row = read.one(sql, (key,)) if sql else None
    return template.format(**row) if row else f"{noun} {key}"
