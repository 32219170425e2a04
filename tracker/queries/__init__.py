"""Every read of the read tables: status, roll-ups, series, project views and the
report model of the public tables. Frozen dataclasses or plain data out; no writes."""

from tracker.queries.status import (
    DIMENSIONS,
    SHANGHAI,
    Figures,
    ProjectStatus,
    Queries,
    default_as_of,
    today,
)

__all__ = ["DIMENSIONS", "SHANGHAI", "Figures", "ProjectStatus", "Queries", "default_as_of", "today"]
