"""An error that names the field to fix, shared by configuration and message checks."""

from __future__ import annotations

from typing import Any


class FieldError(ValueError):
    """A value the channels cannot use; ``field`` names the key (for forms and the CLI)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        """Picklable despite the extra argument (Celery stores task exceptions)."""
        return (type(self), (self.message, self.field))
