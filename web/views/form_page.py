"""What every project form page shares: the project it records for (if this officer
may), its default date, the page shown again with its refusals, and the way back.

The forms themselves are in ``web.views.forms``; they differ in fields and command,
not in how a page is found, shown or left.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from markupsafe import Markup

from tracker.domain.errors import InvalidInputError
from tracker.queries.project_page import ProjectFacts, ProjectPageQueries
from web.auth import require_record
from web.extensions import tracker
from web.form_errors import Submission
from web.templating import keep_time
from web.timectl import the_day


def recordable(year: int, code: str) -> ProjectFacts:
    """The project, if this officer may record for its unit (else 403; unknown: 404)."""
    facts = ProjectPageQueries(tracker().read).facts(year, code)
    if facts is None:
        abort(404)
    require_record(facts.unit_code)
    return facts


def default_day(year: int, not_before: dt.date | None = None) -> str:
    """Today, within the fiscal year (and not before ``not_before``)."""
    day = min(max(the_day(), dt.date(year, 1, 1)), dt.date(year, 12, 31))
    return max(day, not_before or day).isoformat()


def link(endpoint: str, **values: Any) -> str:
    """A URL that keeps the page's time control (``?as_of=``)."""
    return url_for(endpoint, **{**values, **keep_time()})


def project_url(facts: ProjectFacts) -> str:
    if "projects.show" in current_app.view_functions:
        return link("projects.show", year=facts.year, code=facts.code)
    return f"/projects/{facts.year}/{facts.code}"


def standing(facts: ProjectFacts) -> Any:
    """Budget, disbursed and available over the whole year (every entry counted)."""
    _, found = tracker().queries.statuses(
        facts.year, dt.date(facts.year, 12, 31), facts.unit_code, [facts.code]
    )
    return found[0].figures if found else None


def show(template: str, facts: ProjectFacts, sub: Submission, **extra: Any) -> Any:
    status = 422 if sub.errors else 200
    page = render_template(
        template,
        facts=facts,
        values=sub.values,
        errors=sub.errors.messages,
        summary=sub.errors.summary(),
        request_id=sub.request_id,
        back=project_url(facts),
        **extra,
    )
    return page, status


def in_year(day: dt.date, facts: ProjectFacts) -> dt.date:
    """The aggregate refuses a date outside the year too; said here beside the other
    refusals, so one round trip shows them all."""
    if day.year != facts.year:
        raise InvalidInputError(f"日期 {day} 不在项目 {facts.code} 的预算年度 {facts.year} 年内", "日期")
    return day


def done(message: Markup | str, facts: ProjectFacts) -> Any:
    flash(message, "ok")
    return redirect(project_url(facts))
