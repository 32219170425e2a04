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


class BrokenLogError(TrackerError):
    """An aggregate's events are not contiguous: one was removed from the store.

    Nothing can be decided or shown from such a history (the figures would silently
    omit what is missing), so every command and read naming it stops here, and the
    officer is told what to do. A server-side fault, not the user's input: 500.
    """

    http_status = 500

    def __init__(self, what: str, missing: int) -> None:
        super().__init__(f"{what} 的事件记录不连续：缺少第 {missing} 条，请运行 tracker verify 并从备份恢复")
        self.what = what
        self.missing = missing
