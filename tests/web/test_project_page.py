"""The project page ``/projects/<year>/<code>``: who may open it, what it shows as of a
day (figures, S-curve, payments with their reversals, appropriations, indicators, the
event history), the 万元 toggle and the action links by role.

Seeded world: see tests/webdata.py (P1 of 450002: 200,000.00 from 01-10; paid
30,000.00 on 03-20 and 20,000.50 on 06-10; today 2024-07-15).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from tracker.commands.users import UserCommands

P1 = "/projects/2024/P1"
ALLOWED = {
    # project: roles that may open its page (the others get 403)
    "P1": {"officer1", "manager1", "auditor1", "admin1"},
    "P2": {"manager1", "auditor1", "admin1"},
    "P3": {"officer3", "auditor1", "admin1"},
}
ROLES = ("officer1", "manager1", "auditor1", "admin1", "officer3")


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its real cost takes half a second a hash; the rules are the same."""
    monkeypatch.setattr(
        UserCommands, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def figure(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="scurve">(.*?)</script>', page, re.S)
    assert found, "no S-curve on the page"
    return dict(json.loads(found.group(1)))


def trace(fig: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in fig["data"] if t["name"] == name)


def section(page: str, table_id: str) -> str:
    found = re.search(rf'<table class="data[^"]*" id="{table_id}">(.*?)</table>', page, re.S)
    assert found, f"no table {table_id}"
    return found.group(1)


def tracker(app: Flask) -> Any:
    return app.extensions["tracker"]


# ------------------------------------------------------------------ access


def test_anonymous_is_sent_to_the_login_page(client: FlaskClient) -> None:
    response = client.get(P1)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize("code", ["P1", "P2", "P3"])
def test_each_role_opens_exactly_the_pages_of_its_units(as_user: Any, name: str, code: str) -> None:
    response = as_user(name).get(f"/projects/2024/{code}")
    if name in ALLOWED[code]:
        assert response.status_code == 200
        assert f"<h1>{code} " in html(response)
    else:
        assert response.status_code == 403
        page = html(response)
        assert "无权访问" in page
        assert "易县慢特病审核" not in page
        assert "办公室整修" not in page


@pytest.mark.parametrize("path", ["/projects/2024/NOPE", "/projects/2023/P1", "/projects/1999/P1"])
def test_an_unknown_project_is_not_found(as_user: Any, path: str) -> None:
    response = as_user("auditor1").get(path)
    assert response.status_code == 404
    assert "页面不存在" in html(response)


# ------------------------------------------------------------------ figures


def test_header_facts_and_figures(as_user: Any) -> None:
    page = html(as_user("officer1").get(P1))
    assert "<h1>P1 城乡居民医保宣传</h1>" in page
    for fact in (
        "450002 满城区医保中心",
        "项目支出",
        "2101501 行政运行",
        "30201 办公费",
        "一般公共预算财政拨款",
        "王五",
    ):
        assert fact in page
    assert "03-31 25.00%" in page  # the plan
    assert re.search(r'id="kpi-budget">200,000.00<', page)
    assert re.search(r'id="kpi-disbursed">50,000.50<', page)
    assert "25.00%" in page
    assert "54.08%" in page
    assert '<span class="status status-red">严重滞后</span>' in page


def test_as_of_a_past_day_shows_that_days_world(as_user: Any) -> None:
    page = html(as_user("officer1").get(P1 + "?as_of=2024-03-31"))
    assert re.search(r'id="kpi-disbursed">30,000.00<', page)
    payments = section(page, "payment-table")
    assert "2024-03-20" in payments
    assert "2024-06-10" not in payments  # paid after the day asked
    assert "另有 1 笔业务日期晚于 2024-03-31" in page
    history = section(page, "history-table")
    assert "某广告公司" in history
    assert "某印刷厂" not in history
    fig = figure(page)
    assert fig["layout"]["shapes"][0]["x0"] == "2024-03-31"
    assert trace(fig, "累计支付")["y"][-1] == 30000
    assert "显示 2024-03-31 的数据" in page


def test_the_s_curve_is_inlined_with_its_text_alternative(as_user: Any) -> None:
    page = html(as_user("officer1").get(P1))
    fig = figure(page)
    assert trace(fig, "累计支付")["x"] == ["2024-01-01", "2024-03-20", "2024-06-10", "2024-07-15"]
    assert trace(fig, "计划进度")["line"]["dash"] == "dash"
    assert trace(fig, "年末预计")["line"]["dash"] == "dot"
    assert trace(fig, "检查点（未达标）")["x"] == ["2024-03-31", "2024-06-30"]
    assert fig["layout"]["shapes"][0]["x0"] == "2024-07-15"
    text = re.search(r'<p class="chart-text" id="scurve-text">(.*?)</p>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "累计支付 50,000.50 元" in text
    assert "落后计划 29.08 个百分点" in text
    checkpoints = section(page, "checkpoint-table")
    assert "2024-03-31" in checkpoints
    assert "未达标" in checkpoints
    assert "未到期" in checkpoints
    assert "/vendor/plotly-" in page


def test_wan_toggle_changes_the_figures_and_the_chart(as_user: Any) -> None:
    client = as_user("officer1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html(client.get(P1))).group(1)  # type: ignore[union-attr]
    client.post("/preferences/money-unit", data={"csrf_token": token, "unit": "wan", "next": P1})
    page = html(client.get(P1))
    assert re.search(r'id="kpi-budget">20.00<', page)
    assert re.search(r'id="kpi-disbursed">5.00<', page)
    fig = figure(page)
    assert fig["layout"]["yaxis"]["title"]["text"] == "金额（万元）"
    assert trace(fig, "累计支付")["y"] == [0, 3, 5, 5]
    assert "3.00 万元" in trace(fig, "累计支付")["hovertext"][1]
    assert "3.00" in section(page, "payment-table")


# ------------------------------------------------------------------ ledger


def test_payments_with_their_reversals(app: Flask, as_user: Any) -> None:
    t = tracker(app)
    pid = next(p["id"] for p in t.show("P1", 2024)["payments"] if p["payee"] == "某广告公司")
    t.reverse(pid, "1000", date="2024-04-02", reason="多付退回", user="officer1")
    page = html(as_user("manager1").get(P1))
    payments = section(page, "payment-table")
    assert "冲销：多付退回" in payments
    assert "2024-04-02" in payments
    assert "−1,000.00" in payments
    assert "29,000.00" in payments  # net of the reversal
    assert "49,000.50" in payments  # total net
    assert re.search(r'id="kpi-disbursed">49,000.50<', page)
    history = section(page, "history-table")
    assert "officer1" in history
    assert "冲销" in history


def test_appropriation_history(app: Flask, as_user: Any) -> None:
    tracker(app).appropriate("P1", "50000", date="2024-06-01", kind="add", doc="财【2024】9号", user="种子")
    page = html(as_user("auditor1").get(P1))
    rows = section(page, "appropriation-table")
    assert "年初预算" in rows
    assert "财【2024】1号" in rows
    assert "追加" in rows
    assert "财【2024】9号" in rows
    assert "250,000.00" in rows  # running total


def test_indicators_and_their_completion(app: Flask, as_user: Any) -> None:
    t = tracker(app)
    iid = t.add_indicator(
        "P1", level1="产出指标", level2="数量指标", name="宣传场次", target="≥10场", user="种子"
    )
    t.record_indicator("P1", iid, "6场", date="2024-06-30", user="officer1")
    page = html(as_user("officer1").get(P1))
    rows = section(page, "indicator-table")
    assert "宣传场次" in rows
    assert "≥10场" in rows
    assert "6场" in rows
    assert "60.00%" in rows
    history = section(page, "history-table")
    assert "记录指标进展" in history


def test_the_history_says_who_did_what_and_when(as_user: Any) -> None:
    history = section(html(as_user("auditor1").get(P1)), "history-table")
    assert history.count("<td>种子</td>") >= 4
    for label in ("登记", "设定支出计划", "预算批复", "支付"):
        assert f"<td>{label}</td>" in history
    assert "2024-06-10" in history


def test_empty_project_says_what_to_do_next(app: Flask, as_user: Any) -> None:
    tracker(app).add_project(year=2024, unit="450002", code="P9", name="新项目", user="种子")
    page = html(as_user("officer1").get("/projects/2024/P9"))
    assert "尚无支付记录。点击“登记支付”或导入 Excel。" in page
    assert "尚无预算批复" in page
    assert "尚无绩效指标" in page


# ----------------------------------------------------------- action links


def test_an_officer_of_the_unit_gets_the_recording_links(app: Flask, as_user: Any) -> None:
    page = html(as_user("officer1").get(P1))
    if "forms.payment" not in app.view_functions:
        pytest.skip("the forms area is not served yet")
    assert 'href="/projects/2024/P1/payments/new"' in page
    assert ">登记支付<" in page
    assert re.search(r'href="/projects/2024/P1/payments/[0-9a-f-]+/reverse"', page)


@pytest.mark.parametrize("name", ["manager1", "auditor1", "admin1"])
def test_readers_get_no_recording_links(as_user: Any, name: str) -> None:
    page = html(as_user(name).get(P1))
    assert "/payments/new" not in page
    assert "/reverse" not in page
    assert ">登记支付<" not in page


def test_the_links_keep_the_as_of_day(app: Flask, as_user: Any) -> None:
    page = html(as_user("officer1").get(P1 + "?as_of=2024-06-30"))
    assert 'href="/projects?as_of=2024-06-30"' in page
    if "forms.payment" in app.view_functions:
        assert 'href="/projects/2024/P1/payments/new?as_of=2024-06-30"' in page


def test_print_header_names_the_unit_the_project_and_the_day(as_user: Any) -> None:
    page = html(as_user("officer1").get(P1 + "?as_of=2024-06-30"))
    assert re.search(
        r'<div class="print-header">\s*450002 满城区医保中心 · 2024 年 P1 城乡居民医保宣传 · 截至 2024-06-30',
        page,
    )


def test_a_long_ledger_lists_the_latest_entries_with_a_link_to_all(
    as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.views import projects

    monkeypatch.setattr(projects, "PAYMENT_LIMIT", 1)
    monkeypatch.setattr(projects, "HISTORY_LIMIT", 2)
    client = as_user("officer1")
    page = html(client.get(P1))
    payments = section(page, "payment-table")
    assert "2024-06-10" in payments
    assert "2024-03-20" not in payments
    assert "合计（2 笔）" in payments
    assert "50,000.50" in payments  # the totals still count every payment
    assert "显示最近 1 笔，共 2 笔" in page
    assert "项目共有 5 条记录，这里显示最近记录的 2 条" in page
    assert section(page, "history-table").count("<tr>") == 3  # header and two rows
    page = html(client.get(P1 + "?all=1"))
    assert "2024-03-20" in section(page, "payment-table")
    assert "显示最近" not in page
    assert "<td>登记</td>" in section(page, "history-table")
