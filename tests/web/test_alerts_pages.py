"""The alerts page: who sees which alerts, filters, acknowledgement by the unit's
manager only (CSRF, request id, once), history, and the as-of date."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

DAY = dt.date(2024, 7, 15)


@pytest.fixture
def alerts(app: Flask) -> dict[str, str]:
    """P1 (450002) lags its plan; P3 (450003) is made to lag by a large addition.
    Returns the id of each project's lag alert."""
    t = app.extensions["tracker"]
    t.appropriate("P3", "1000000", date="2024-07-01", kind="add", doc="追加")
    t.check_alerts(DAY, year=2024)
    rows = t.alerts()
    return {
        code: next(r["id"] for r in rows if r["project"] == code and r["rule"] == "lag")
        for code in ("P1", "P3")
    }


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def ack_fields(html: str, alert_id: str) -> dict[str, str]:
    form = re.search(rf'<form id="ack-{alert_id}".*?</form>', html, re.S)
    assert form, "no acknowledgement form for this alert"
    rid = re.search(r'name="request_id" value="([^"]+)"', form.group(0))
    assert rid
    return {"csrf_token": csrf_from(form.group(0)), "request_id": rid.group(1)}


def acknowledge(client: FlaskClient, alert_id: str, comment: str = "已督促") -> Any:
    fields = ack_fields(text(client.get("/alerts")), alert_id)
    return client.post(f"/alerts/{alert_id}/acknowledge", data={**fields, "comment": comment})


# ------------------------------------------------------------------ seeing


@pytest.mark.parametrize(
    ("name", "sees", "hidden"),
    [
        ("officer1", ["P1"], ["P3"]),
        ("manager1", ["P1"], ["P3"]),
        ("officer3", ["P3"], ["P1"]),
        ("auditor1", ["P1", "P3"], []),
        ("admin1", ["P1", "P3"], []),
    ],
)
def test_each_role_sees_the_alerts_of_the_units_it_may_read(
    alerts: dict[str, str], as_user: Any, name: str, sees: list[str], hidden: list[str]
) -> None:
    page = as_user(name).get("/alerts")
    assert page.status_code == 200
    html = text(page)
    for code in sees:
        assert f'id="alert-{alerts[code]}"' in html
    for code in hidden:
        assert f'id="alert-{alerts[code]}"' not in html
        assert f">{code}</a>" not in html


def test_an_alert_shows_its_figures_and_links_to_its_project(alerts: dict[str, str], as_user: Any) -> None:
    html = text(as_user("officer1").get("/alerts"))
    row = re.search(rf'<tr id="alert-{alerts["P1"]}">.*?</tr>', html, re.S)
    assert row
    for words in (
        "红色预警",
        "执行进度滞后",
        "执行率",
        "25.00%",
        "序时进度",
        "百分点",
        "可用余额",
        "149,999.50 元",
    ):
        assert words in row.group(0), words
    assert 'href="/projects/2024/P1' in row.group(0)


def test_anonymous_users_are_sent_to_the_login_page(client: FlaskClient) -> None:
    answer = client.get("/alerts")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


def test_an_anonymous_acknowledgement_is_sent_to_the_login_page(
    app: Flask, alerts: dict[str, str], client: FlaskClient
) -> None:
    token = csrf_from(text(client.get("/login")))
    before = events(app)
    answer = client.post(f"/alerts/{alerts['P1']}/acknowledge", data={"csrf_token": token, "comment": "x"})
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]
    assert events(app) == before


def test_filters_narrow_the_list_and_a_foreign_unit_is_refused(alerts: dict[str, str], as_user: Any) -> None:
    client = as_user("auditor1")
    html = text(client.get("/alerts?unit=450003"))
    assert f'id="alert-{alerts["P3"]}"' in html
    assert f'id="alert-{alerts["P1"]}"' not in html
    html = text(client.get("/alerts?unit=450001"))  # a unit includes its subtree
    assert f'id="alert-{alerts["P1"]}"' in html
    html = text(client.get("/alerts?rule=checkpoint_missed"))
    assert f'id="alert-{alerts["P1"]}"' not in html
    assert "未达检查点目标" in html
    assert as_user("officer1").get("/alerts?unit=450003").status_code == 403


def test_the_page_shows_the_alerts_as_they_stood_on_the_as_of_date(
    alerts: dict[str, str], as_user: Any
) -> None:
    html = text(as_user("officer1").get("/alerts?as_of=2024-07-01"))
    assert f'id="alert-{alerts["P1"]}"' not in html
    assert "没有未解除的预警" in html


# ----------------------------------------------------------- acknowledging


def test_only_the_manager_of_the_unit_gets_the_acknowledgement_form(
    alerts: dict[str, str], as_user: Any
) -> None:
    client = as_user("manager1")
    html = text(client.get("/alerts"))
    assert f'<form id="ack-{alerts["P1"]}"' in html


@pytest.mark.parametrize("name", ["officer1", "officer3", "auditor1", "admin1"])
def test_no_other_role_gets_the_form_or_may_acknowledge(
    app: Flask, alerts: dict[str, str], as_user: Any, name: str
) -> None:
    client = as_user(name)
    html = text(client.get("/alerts"))
    assert '<form id="ack-' not in html
    before = events(app)
    for code in ("P1", "P3"):
        answer = client.post(
            f"/alerts/{alerts[code]}/acknowledge",
            data={"csrf_token": csrf_from(html), "request_id": "00000000-0000-4000-8000-000000000001"},
        )
        assert answer.status_code == 403
    assert events(app) == before


def test_the_manager_acknowledges_with_a_comment_once(
    app: Flask, alerts: dict[str, str], as_user: Any
) -> None:
    client = as_user("manager1")
    fields = ack_fields(text(client.get("/alerts")), alerts["P1"])
    before = events(app)
    url = f"/alerts/{alerts['P1']}/acknowledge"
    first = client.post(url, data={**fields, "comment": "已督促加快支付"})
    second = client.post(url, data={**fields, "comment": "已督促加快支付"})
    assert first.status_code == second.status_code == 302
    assert events(app) == before + 1
    html = text(client.get(first.headers["Location"]))
    assert "已确认预警：P1" in html
    row = re.search(rf'<tr id="alert-{alerts["P1"]}">.*?</tr>', html, re.S)
    assert row
    assert "已确认：manager1" in row.group(0)
    assert "已督促加快支付" in row.group(0)
    assert f'<form id="ack-{alerts["P1"]}"' not in html


def test_an_acknowledgement_without_its_csrf_token_is_refused(
    app: Flask, alerts: dict[str, str], as_user: Any
) -> None:
    client = as_user("manager1")
    fields = ack_fields(text(client.get("/alerts")), alerts["P1"])
    before = events(app)
    answer = client.post(f"/alerts/{alerts['P1']}/acknowledge", data={"request_id": fields["request_id"]})
    assert answer.status_code == 400
    assert events(app) == before


def test_a_comment_with_a_control_character_is_refused_beside_it(
    app: Flask, alerts: dict[str, str], as_user: Any
) -> None:
    before = events(app)
    answer = acknowledge(as_user("manager1"), alerts["P1"], "已\x1b督促")
    html = text(answer)
    assert answer.status_code == 422
    assert "有 1 处需要修改" in html
    assert f'id="comment-{alerts["P1"]}-error"' in html
    assert events(app) == before


def test_a_second_acknowledgement_is_refused_and_says_why(
    app: Flask, alerts: dict[str, str], as_user: Any
) -> None:
    client = as_user("manager1")
    fields = ack_fields(text(client.get("/alerts")), alerts["P1"])
    assert acknowledge(client, alerts["P1"]).status_code == 302
    before = events(app)
    again = client.post(f"/alerts/{alerts['P1']}/acknowledge", data={**fields, "comment": "再次"})
    assert again.status_code == 422
    assert "该预警已确认" in text(again)
    assert events(app) == before


def test_an_unknown_alert_is_404(alerts: dict[str, str], as_user: Any) -> None:
    client = as_user("manager1")
    token = csrf_from(text(client.get("/alerts")))
    answer = client.post(
        "/alerts/00000000-0000-0000-0000-000000000000/acknowledge", data={"csrf_token": token}
    )
    assert answer.status_code == 404


# ----------------------------------------------------------------- history


def test_a_resolved_alert_moves_to_the_history(app: Flask, alerts: dict[str, str], as_user: Any) -> None:
    t = app.extensions["tracker"]
    t.pay("P1", "60000", date="2024-07-15", payee="某广告公司")  # back on plan
    t.check_alerts(DAY, year=2024)
    html = text(as_user("manager1").get("/alerts"))
    history = html[html.index("历史：已解除的预警") :]
    assert "2024-07-15" in history
    assert ">P1</a>" in history
    assert f'id="alert-{alerts["P1"]}"' not in html


def test_a_refused_transfer_shows_as_a_refused_transfer(app: Flask, as_user: Any) -> None:
    from tracker.domain.errors import OverspendError

    t = app.extensions["tracker"]
    with pytest.raises(OverspendError):
        t.transfer("P1", "P2", "150000", date="2024-07-01", doc="满财预调【2024】7号")
    from tracker.queries.dates import today

    html = text(as_user("officer1").get(f"/alerts?year=2024&as_of={today().isoformat()}"))  # raised today
    [alert] = [a for a in t.alerts() if a["rule"] == "overspend_refused"]
    row = re.search(rf'<tr id="alert-{alert["id"]}">.*?</tr>', html, re.S)
    assert row
    for words in (
        "超预算支付被拒绝",
        "拟调出",
        "150,000.00 元",
        "调入项目",
        "P2",
        "满财预调【2024】7号",
        "149,999.50 元",
    ):
        assert words in row.group(0), words
    assert "拟支付" not in row.group(0)
