"""A broken event log in the web app: the Chinese message, never a traceback.

One payment event of P1 is deleted by SQL (and the server's cached copy forgotten, as a
restart would); recording on P1 through the API is a 500 with the message, the payment
form shows it, and a page that meets the error gets the error page with it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tracker.domain.errors import BrokenLogError

GAP = "2024 年项目 P1 的事件记录不连续：缺少第"
PAYMENT = {"project": "P1", "amount": "10.00", "date": "2024-07-01", "payee": "某印刷厂"}


def break_p1(app: Flask) -> int:
    """Delete the event of a payment just recorded on P1 (not the last event); return
    the events stored afterwards."""
    tracker = app.extensions["tracker"]
    tracker.pay("P1", "100.00", date="2024-07-01", payee="某公司", user="种子")
    tracker.pay("P1", "100.00", date="2024-07-02", payee="某公司", user="种子")
    pid = tracker.find_project("P1")
    table = tracker.read.events_table
    with tracker.read.datastore.transaction(commit=True) as c:
        c.execute(f"SELECT MAX(originator_version) AS v FROM {table} WHERE originator_id = ?", (pid.hex,))
        last = int(c.fetchone()["v"])
        c.execute(
            f"DELETE FROM {table} WHERE originator_id = ? AND originator_version = ?", (pid.hex, last - 1)
        )
    tracker.evict(pid)
    return stored(app)


def stored(app: Flask) -> int:
    tracker = app.extensions["tracker"]
    return int(tracker.read.one(f"SELECT COUNT(*) AS n FROM {tracker.read.events_table}")["n"])


def test_the_api_answers_500_with_the_message_and_records_nothing(app: Flask, client: FlaskClient) -> None:
    token = app.extensions["tracker"].create_token("officer1", label="测试")[1]
    before = break_p1(app)
    answer = client.post(
        "/api/v1/payments",
        json=PAYMENT,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "gap-1"},
    )
    assert answer.status_code == 500
    assert GAP in answer.get_json()["error"]
    assert stored(app) == before


def test_the_payment_form_shows_the_message(app: Flask, as_user: Any) -> None:
    from tests.web.test_forms import P1_PAYMENT, post_form

    before = break_p1(app)
    client = as_user("officer1")
    page = post_form(client, P1_PAYMENT, {"amount": "10", "date": "2024-07-10", "payee": "某公司"})
    html = page.get_data(as_text=True)
    assert GAP in html
    assert "Traceback" not in html
    assert stored(app) == before


def test_a_page_meeting_a_broken_log_gets_the_error_page_with_the_message(app: Flask, as_user: Any) -> None:
    def broken() -> str:
        raise BrokenLogError("2024 年项目 P1", 5)

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    client = as_user("officer1")
    page = client.get("/broken-for-test")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "事件记录不完整" in html
    assert "2024 年项目 P1 的事件记录不连续：缺少第 5 条，请运行 tracker verify 并从备份恢复" in html
