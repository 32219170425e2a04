"""The service layer's shape (issue 10): typed parts over one base, no SQL of its own,
and an import that saves through the front door."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tracker.commands
from tracker.commands.base import CommandBase
from tracker.commands.tracker import BudgetTracker

SQL = re.compile(r"\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b")
COMMANDS = Path(tracker.commands.__file__).parent
IMPORTING = COMMANDS.parent / "importing"


def part_classes() -> list[type]:
    return [c for c in BudgetTracker.__mro__[1:] if c.__module__.startswith("tracker.commands.")]


def test_every_part_of_the_tracker_is_built_on_the_command_base() -> None:
    parts = [c for c in part_classes() if c is not CommandBase]
    assert parts
    for part in parts:
        assert issubclass(part, CommandBase), part


@pytest.mark.parametrize("part", part_classes(), ids=lambda c: c.__name__)
def test_no_part_declares_a_shared_attribute_as_any(part: type) -> None:
    """A part borrows the base's attributes by inheriting them, typed, not by
    declaring ``read: Any`` for a class it is mixed into."""
    declared = {k: v for k, v in vars(part).get("__annotations__", {}).items() if "Any" in str(v)}
    assert declared == {}


def test_the_service_layer_writes_no_read_table_sql() -> None:
    for path in sorted(COMMANDS.glob("*.py")):
        assert not SQL.search(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize(
    "private",
    [r"\brecorder\.insert_events\b", r"\._user\(", r"\._lock_for\(", r"\._evict\(", r"snapshots\.recorder\b"],
)
def test_the_import_saves_through_public_methods_only(private: str) -> None:
    for path in sorted(IMPORTING.glob("*.py")):
        assert not re.search(private, path.read_text(encoding="utf-8")), path.name
