"""Spreadsheet import (``tracker import FILE [--dry-run]``): projects, indicators and
payments tables in the layouts of the official forms, from ``.xlsx`` or ``.csv``.

The whole file is validated first; any bad row refuses the import (``ImportRefused``
lists every problem with its row, column and reason) and nothing is recorded.
Importing the same file again records nothing twice.
"""

from tracker.importing.records import Problem
from tracker.importing.run import (
    ImportInterrupted,
    ImportRefused,
    ImportReport,
    import_file,
    text_progress,
)

__all__ = ["ImportInterrupted", "ImportRefused", "ImportReport", "Problem", "import_file", "text_progress"]
