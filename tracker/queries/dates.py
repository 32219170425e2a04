"""Business dates: today in Beijing, and the date a fiscal year's figures default to.

Every query answers "as of" a business date; these say which one when none is given,
so the CLI, the web app and the workers default alike.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """The business day in Beijing, whatever the server's time zone."""
    return dt.datetime.now(SHANGHAI).date()


def default_as_of(year: int, now: dt.date | None = None) -> dt.date:
    """Today (Beijing time), or 31 December once the fiscal year is over."""
    return min(now or today(), dt.date(year, 12, 31))
