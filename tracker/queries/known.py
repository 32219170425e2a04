""" "As known on" a moment (依据时点): the one value every read takes to count only what
had been recorded by then.

Without it a read counts everything recorded (the monthly and daily sums, as fast as
ever); with it the read asks ``rm_recorded`` (each ledger row with the UTC moment its
event was stored) and ``rm_plan_versions``, so a report sent on that day comes out
again exactly as it was: later corrections and back-dated payments left out, projects
registered later absent, the plan then in force applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.domain.moments import FIELD, SHANGHAI, beijing_label, parse_moment, url_value, utc_stamp


@dataclass(frozen=True)
class KnownOn:
    """A moment (aware) and the UTC text the read tables compare with."""

    moment: dt.datetime

    @property
    def stamp(self) -> str:
        return utc_stamp(self.moment)

    @property
    def label(self) -> str:
        """``2024-07-05 17:00`` in Beijing time."""
        return beijing_label(self.moment)

    @property
    def url(self) -> str:
        return url_value(self.moment)

    @property
    def input_value(self) -> str:
        """The value of an ``<input type="datetime-local" step="1">`` (Beijing time)."""
        return self.moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")

    @property
    def caption(self) -> str:
        """What a report printed as known on this moment says: 依据 … 的登记."""
        return f"依据 {self.label} 的登记"


def known_on(value: str | dt.datetime | KnownOn | None, field: str = FIELD) -> KnownOn | None:
    """The moment asked for (None or blank: everything recorded); a moment in the
    future simply counts everything recorded so far."""
    if value is None or isinstance(value, KnownOn):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    return KnownOn(parse_moment(value, field))
