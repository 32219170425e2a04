"""Every read of the read tables: status, roll-ups, series, progress, project views,
indicators and the report model of the public tables. Frozen dataclasses or plain
data out; no writes, and nothing here imports a door (CLI, web, workers).

Modules are named after what they read: ``units``, ``projects``, ``sums`` (budget and
spending as of a date), ``indicators``, ``payments``, ``lookups`` (what the service layer reads before it
decides); and after what
they answer: ``status``, ``rollups``, ``series``, ``progress``. ``figures`` holds the
one shape of a project and its figures; ``wire`` turns them into JSON and CSV.
"""

from tracker.queries.dates import SHANGHAI, default_as_of, today
from tracker.queries.facade import Queries
from tracker.queries.figures import Figures, ProjectRef, ProjectStatus
from tracker.queries.rollups import DIMENSIONS

__all__ = [
    "DIMENSIONS",
    "SHANGHAI",
    "Figures",
    "ProjectRef",
    "ProjectStatus",
    "Queries",
    "default_as_of",
    "today",
]
