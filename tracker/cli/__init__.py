"""The ``tracker`` command: a thin door onto the service layer
(``tracker.commands``) and the queries (``tracker.queries``).

Refused commands exit 1 with the reason (naming the field) on stderr; usage errors
exit 2 (click's convention); commands that create something print its id alone on
the last line, so scripts can capture it with ``tail -n1``.
"""

from tracker.cli import (  # noqa: F401 - registers the commands
    alerts,
    commitments,
    demo,
    integrity,
    ledger,
    performance,
    readmodels,
    reallocation,
    users,
    year_end,
)
from tracker.cli.base import Context, cli, main

__all__ = ["Context", "cli", "main"]
