"""Performance indicators (绩效指标): levels, and target texts understood.

A target (指标值) is written as text (``≥2400人次``, ``≤60分钟``, ``2024年12月``,
``逐步提高``, ``/``); it is kept as written and parsed into a kind with a number and
a unit, so progress can be scored at year end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

AT_LEAST, AT_MOST, EQUAL = "at_least", "at_most", "equal"
DEADLINE, QUALITATIVE, NOT_APPLICABLE = "deadline", "qualitative", "not_applicable"
KINDS = (AT_LEAST, AT_MOST, EQUAL, DEADLINE, QUALITATIVE, NOT_APPLICABLE)


@dataclass(frozen=True)
class Target:
    """A parsed target. ``value`` is in base units (万 multiplied out: ``≥31万人`` gives
    310000 人); ``deadline`` is set for the deadline kind; ``text`` is as written."""

    kind: str
    value: Decimal | None
    unit: str | None
    text: str
    deadline: dt.date | None = None


def parse_target(text: str, year: int | None = None) -> Target:
    """Understand a written target; never fails (unknown forms are qualitative)."""
    raise NotImplementedError  # written by the indicators work
