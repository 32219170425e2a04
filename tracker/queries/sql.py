"""Small helpers for the queries' SQL: ``IN (...)`` lists and the chunks they are sent in.

Both databases limit the parameters of one statement, so a long list of ids or codes
goes in chunks of ``IN_CHUNK``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

IN_CHUNK = 500  # values per IN (...) list
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(n: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``n`` values."""
    return ", ".join(["?"] * n)
