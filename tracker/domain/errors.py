"""The tracker's own exceptions.

Every refusal names the field it is about, so each door (CLI, web form, JSON API)
can tell the user exactly what to fix. Messages are in Chinese because they are
shown to finance officers as they are.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error a command can refuse with; nothing was recorded."""

    http_status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        if self.field:
            return f"{self.field}：{self.message}"
        return self.message


class InvalidInputError(TrackerError):
    """A value is malformed: wrong format, out of range, not in the list."""

    http_status = 422


class NotFoundError(TrackerError):
    """A unit, project or payment referred to does not exist."""

    http_status = 404


class DuplicateError(TrackerError):
    """Something with this code already exists (or a request id was reused)."""

    http_status = 409


class OverspendError(TrackerError):
    """A payment or reduction would take spending above the budget."""

    http_status = 409


class ConcurrencyError(TrackerError):
    """Too many concurrent writers; the command may be retried safely."""

    http_status = 503
