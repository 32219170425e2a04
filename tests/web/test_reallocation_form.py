"""The 预算调剂 form: linked from the giving project's page, lists only the projects
this officer may receive into, refuses by field with an error summary (nothing
recorded), records once on a double submit, and comes back with a banner."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ledger_event_count

URL = "/projects/2024/P1/transfers/new"
DOC = "满财预调【2024】5号"


@pytest.fixture
def officer(app: Flask, as_user: Callable[[str], FlaskClient]) -> FlaskClient:
    """officer1 of 450002, where P1 is; P4 is added there to receive."""
    t = app.extensions["tracker"]
    t.add_project(year=2024, unit="450002", code="P4", name="医保稽核", user="种子")
    t.appropriate("P4", "10000", date="2024-01-10", doc="财【2024】1号", user="种子")
    return as_user("officer1")


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def ledger_events(app: Flask) -> int:
    """Events other than alerts': a refused overspend is kept in an alert, on purpose."""
    return ledger_event_count(app.extensions["tracker"])


def budget(app: Flask, code: str) -> Decimal:
    row = next(p for p in app.extensions["tracker"].projects(2024) if p["code"] == code)
    return Decimal(row["budget_fen"]) / 100


def hidden(html: str) -> dict[str, str]:
    found = {
        name: re.search(rf'name="{name}" value="([^"]+)"', html) for name in ("csrf_token", "request_id")
    }
    return {k: v.group(1) for k, v in found.items() if v}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def submit(client: FlaskClient, data: dict[str, str], url: str = URL) -> Any:
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={**hidden(text(page)), **data})


GOOD = {"to": "P4", "amount": "5000", "date": "2024-07-01", "doc": DOC}


def test_the_project_page_links_to_the_form(officer: FlaskClient) -> None:
    page = text(officer.get("/projects/2024/P1"))
    assert "预算调剂" in page
    assert URL in page


def test_the_form_lists_only_projects_the_officer_may_receive_into(officer: FlaskClient) -> None:
    page = text(officer.get(URL))
    assert 'value="P4"' in page
    assert 'value="P2"' not in page  # the parent unit's project: not officer1's to record
    assert 'value="P1"' not in page  # not itself
    assert 'name="request_id"' in page
    assert "确认调剂" in page


def test_a_transfer_goes_back_with_a_banner_and_moves_both_budgets(app: Flask, officer: FlaskClient) -> None:
    r = submit(officer, GOOD)
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/projects/2024/P1")
    page = text(officer.get("/projects/2024/P1"))
    assert "已调剂 5,000.00 元至 P4" in page
    assert "调剂调出" in page
    assert "/projects/2024/P4/transfers/new?to=P1" in page
    assert (budget(app, "P1"), budget(app, "P4")) == (Decimal("195000.00"), Decimal("15000.00"))
    assert "由 P1 调入" in text(officer.get("/projects/2024/P4"))


def test_a_double_submit_records_once(app: Flask, officer: FlaskClient) -> None:
    page = text(officer.get(URL))
    data = {**hidden(page), **GOOD}
    assert officer.post(URL, data=data).status_code == 302
    count = events(app)
    assert officer.post(URL, data=data).status_code == 302
    assert events(app) == count
    assert budget(app, "P4") == Decimal("15000.00")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"amount": "160000"}, "amount", "最多可调出 149,999.50 元"),
        ({"amount": "abc"}, "amount", ""),
        ({"to": ""}, "to", "请选择调入项目"),
        ({"to": "P2"}, "to", "请选择调入项目"),
        ({"doc": ""}, "doc", "请填写文号"),
        ({"date": "2025-01-01"}, "date", "不在项目"),
    ],
)
def test_refuses_with_the_message_beside_the_field_and_records_nothing(
    app: Flask, officer: FlaskClient, change: dict[str, str], field: str, words: str
) -> None:
    count = ledger_events(app)
    r = submit(officer, {**GOOD, **change})
    page = text(r)
    assert r.status_code == 422
    assert "处需要修改" in page
    assert f'id="{field}-error"' in page
    assert words in page
    assert ledger_events(app) == count


def test_an_officer_of_another_unit_gets_403(app: Flask, as_user: Callable[[str], FlaskClient]) -> None:
    assert as_user("officer3").get(URL).status_code == 403
