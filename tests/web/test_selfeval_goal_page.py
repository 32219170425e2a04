"""The 年度总体目标 form on the self-evaluation page: the unit's officer writes the 预期目标
and 实际完成情况; both blank is refused beside 预期目标 in Chinese with nothing recorded;
a reader without the right to record sees the texts but no form."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

P1 = "/selfeval/2024/P1"


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def fields(html: str) -> dict[str, str]:
    form = re.search(r'<form id="goal-form".*?</form>', html, re.S)
    assert form, "no goal form"
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0))
    rid = re.search(r'name="request_id" value="([^"]+)"', form.group(0))
    assert token
    assert rid
    return {"csrf_token": token.group(1), "request_id": rid.group(1)}


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def test_the_officer_writes_the_goal_and_the_page_shows_it(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    data = {**fields(text(client.get(P1))), "goal": "完成宣传二十场", "outcome": "完成二十五场"}
    answer = client.post(f"{P1}/goal", data=data)
    assert answer.status_code == 302
    html = text(client.get(answer.headers["Location"]))
    assert "已保存年度总体目标" in html
    assert "完成宣传二十场" in html
    assert "完成二十五场" in html
    assert app.extensions["tracker"].self_evaluation("P1", 2024)["goal"]["outcome"] == "完成二十五场"


def test_both_boxes_blank_is_refused_beside_the_goal(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    before = events(app)
    refused = client.post(f"{P1}/goal", data={**fields(text(client.get(P1))), "goal": "", "outcome": ""})
    assert refused.status_code == 422
    html = text(refused)
    assert 'id="goal-error"' in html
    assert "预期目标与实际完成情况至少填写一项" in html
    assert events(app) == before


def test_a_reader_sees_the_texts_without_a_form(app: Flask, as_user: Any) -> None:
    app.extensions["tracker"].set_evaluation_goal("P1", 2024, goal="完成宣传二十场")
    html = text(as_user("auditor1").get(P1))
    assert "完成宣传二十场" in html
    assert 'id="goal-form"' not in html
