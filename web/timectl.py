"""The site's one time control: 截至 (as of) a business date and 依据 (as known on) a
moment, carried in the URL.

``?as_of=2024-06-30`` travels with every link, and ``&known_on=2024-07-05T17:00``
with it when given (only what was recorded by then counts), so a link in an alert or
a 通报 shows exactly what its sender saw. The fiscal year defaults to the as-of date's year; a bad
date is refused with a Chinese message naming the field, not silently replaced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Flask, abort, current_app, g, request

from tracker.domain.errors import InvalidInputError
from tracker.domain.inputs import parse_date
from tracker.queries import default_as_of, today
from tracker.queries.known import KnownOn, known_on
from tracker.queries.years import default_year


@dataclass(frozen=True)
class TimeView:
    year: int
    as_of: dt.date
    today: dt.date
    explicit: bool  # the URL named the date (a page of the past says so in a band)
    known: KnownOn | None = None  # 依据: only what was recorded by this moment counts

    @property
    def is_past(self) -> bool:
        return self.as_of < self.today

    @property
    def band(self) -> str | None:
        """显示 2024-06-30 的数据（依据 2024-07-05 17:00 的登记）, or None on today's page."""
        if self.known is not None:
            return f"显示 {self.as_of.isoformat()} 的数据（{self.known.caption}）"
        if self.explicit and self.is_past:
            return f"显示 {self.as_of.isoformat()} 的数据"
        return None


def the_day() -> dt.date:
    pinned = current_app.config.get("TRACKER_TODAY")
    return pinned if isinstance(pinned, dt.date) else today()


def opening_year(this_year: int) -> int:
    """The year a page opens on when the URL names none (once per request)."""
    if "opening_year" not in g:
        g.opening_year = default_year(current_app.extensions["tracker"].read, this_year)
    return int(g.opening_year)


def current() -> TimeView:
    """The year and as-of date this request asks for (400 on a malformed date)."""
    now = the_day()
    text = (request.args.get("as_of") or "").strip()
    year_text = (request.args.get("year") or "").strip()
    try:
        as_of = parse_date(text, "截至日期") if text else None
    except InvalidInputError:
        abort(400, description="截至日期格式不正确，应为 YYYY-MM-DD")
    if year_text:
        if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            abort(400, description="预算年度应为 2000–2100 之间的年份")
        year = int(year_text)
    else:
        year = as_of.year if as_of else opening_year(now.year)
    if as_of is None:
        as_of = default_as_of(year, now)
    try:
        known = known_on(request.args.get("known_on"))
    except InvalidInputError:
        abort(400, description="依据时点格式不正确，应为 2024-07-05T17:00（北京时间）")
    return TimeView(year=year, as_of=as_of, today=now, explicit=bool(text), known=known)


def init_app(app: Flask) -> None:
    @app.context_processor
    def time_view() -> dict[str, Any]:
        if request.endpoint in (None, "static") or request.path.startswith("/api/"):
            return {}
        try:
            return {"tv": current()}
        except Exception:  # a bad date: the page's own handler says so
            return {}
