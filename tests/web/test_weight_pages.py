"""The 设置分值 and 一级分值 pages: the same commands and checks as ``tracker indicator
weight`` / ``shares``, the refusal beside its field in Chinese, nothing recorded then,
and only administrators or officers of the unit may use them."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def hidden(html: str) -> dict[str, str]:
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    rid = re.search(r'name="request_id" value="([^"]+)"', html)
    assert token
    assert rid
    return {"csrf_token": token.group(1), "request_id": rid.group(1)}


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def indicator(app: Flask) -> str:
    t = app.extensions["tracker"]
    return str(
        t.add_indicator(
            "P1", level1="产出指标", level2="数量指标", name="宣传场次", target="≥20场", year=2024
        )
    )


def test_an_officer_sets_a_weight_and_a_bad_one_is_refused_beside_it(app: Flask, as_user: Any) -> None:
    iid = indicator(app)
    url = f"/projects/2024/P1/indicators/{iid}/weight"
    client = as_user("officer1")
    before = events(app)
    refused = client.post(url, data={**hidden(text(client.get(url))), "weight": "120"})
    assert refused.status_code == 422
    assert 'id="weight-error"' in text(refused)
    assert "分值必须在 0 到 100 之间" in text(refused)
    assert events(app) == before
    done = client.post(url, data={**hidden(text(client.get(url))), "weight": "２０"})  # full-width digits
    assert done.status_code == 302
    assert app.extensions["tracker"].indicators("P1", 2024)[0]["weight"] == "20"
    assert as_user("officer3").get(url).status_code == 403


def test_a_units_shares_must_add_up_to_ninety(app: Flask, as_user: Any) -> None:
    url = "/units/450002/weight-shares"
    client = as_user("officer1")
    before = events(app)
    refused = client.post(url, data={**hidden(text(client.get(url))), "shares": "产出指标=40"})
    assert refused.status_code == 422
    assert 'id="shares-error"' in text(refused)
    assert events(app) == before
    done = client.post(
        url, data={**hidden(text(client.get(url))), "shares": "产出指标=40,效益指标=40,满意度指标=10"}
    )
    assert done.status_code == 302
    assert "已设置单位 450002 的一级分值" in text(client.get(done.headers["Location"]))
    assert as_user("officer3").get(url).status_code == 403
    assert as_user("officer1").get("/units/999999/weight-shares").status_code == 404
