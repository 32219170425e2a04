"""合同/采购 on the pages: 登记合同 and 解除占用 from the project page, paying against a
commitment from the payment form, and what the project page and the dashboard show
(the commitments table, 已签合同未支付, the S-curve's band, the stacked bar).

P1 (officer1's unit 450002) has a budget of 200,000.00 元 and 50,000.50 paid, so
149,999.50 is neither paid nor committed before anything here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

NEW = "/projects/2024/P1/commitments/new"
PAY = "/projects/2024/P1/payments/new"
CONTRACT = "满医保采〔2024〕3号 信息系统运维合同"


@pytest.fixture
def officer(as_user: Callable[[str], FlaskClient]) -> FlaskClient:
    return as_user("officer1")


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def hidden(html: str) -> dict[str, str]:
    found = {n: re.search(rf'name="{n}" value="([^"]+)"', html) for n in ("csrf_token", "request_id")}
    return {k: v.group(1) for k, v in found.items() if v}


def submit(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    assert page.status_code == 200, text(page)[:300]
    return client.post(url, data={**hidden(text(page)), **data})


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def commit(app: Flask, amount: str = "60000", **extra: str) -> str:
    cid = app.extensions["tracker"].commit(
        "P1", amount, date="2024-05-06", contract=CONTRACT, supplier="某软件公司", user="种子", **extra
    )
    return str(cid)


def figure(html: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S)
    assert found is not None, f"no figure {name}"
    return dict(json.loads(found.group(1)))


GOOD = {"contract": CONTRACT, "supplier": "某软件公司", "amount": "60000", "date": "2024-05-06"}


def test_the_project_page_links_to_the_commitment_form(officer: FlaskClient) -> None:
    page = text(officer.get("/projects/2024/P1"))
    assert "登记合同" in page
    assert NEW in page
    assert 'id="commitment-table"' not in page  # no commitment yet: no empty table either


def test_a_commitment_goes_back_with_a_banner_and_shows_on_the_project_page(
    app: Flask, officer: FlaskClient
) -> None:
    r = submit(officer, NEW, GOOD)
    assert r.status_code == 302
    page = text(officer.get("/projects/2024/P1"))
    assert f"已登记合同“{CONTRACT}”，金额 60,000.00 元" in page
    assert 'id="commitment-table"' in page
    assert "某软件公司" in page
    assert "其中已签合同未支付 60,000.00 · 未占用 89,999.50" in page
    assert "按合同支付" in page
    assert "解除占用" in page


def test_a_commitment_beyond_what_is_free_is_refused_beside_its_field(
    app: Flask, officer: FlaskClient
) -> None:
    before = events(app)
    r = submit(officer, NEW, {**GOOD, "amount": "150000"})
    page = text(r)
    assert r.status_code == 422
    assert "有 1 处需要修改" in page
    assert "149,999.50" in page
    assert "请减少合同金额或先追加预算" in page
    assert CONTRACT in page  # everything typed comes back
    # Nothing is recorded in the ledger (the refused attempt goes to an alert's history).
    assert app.extensions["tracker"].commitments("P1", year=2024)[1] == []
    assert events(app) >= before


def test_a_commitment_without_a_contract_or_amount_names_each_field(officer: FlaskClient) -> None:
    r = submit(officer, NEW, {"contract": "", "amount": "1_000", "date": "2024-05-06"})
    page = text(r)
    assert r.status_code == 422
    assert "有 2 处需要修改" in page
    assert 'href="#contract"' in page
    assert 'href="#amount"' in page


def test_a_double_submit_records_one_commitment(app: Flask, officer: FlaskClient) -> None:
    page = text(officer.get(NEW))
    data = {**hidden(page), **GOOD}
    assert officer.post(NEW, data=data).status_code == 302
    assert officer.post(NEW, data=data).status_code == 302
    assert len(app.extensions["tracker"].commitments("P1", year=2024)[1]) == 1


def test_the_payment_form_pays_against_a_commitment(app: Flask, officer: FlaskClient) -> None:
    cid = commit(app)
    form = text(officer.get(f"{PAY}?commitment={cid}"))
    assert "按合同支付（选填）" in form
    assert f'<option value="{cid}" selected' in form
    data = {"commitment": cid, "amount": "25000", "date": "2024-07-01", "payee": "某软件公司"}
    r = submit(officer, PAY, data)
    assert r.status_code == 302
    rows = app.extensions["tracker"].commitments("P1", year=2024, as_of=None)[1]
    assert [str(row.open) for row in rows] == ["35000.00"]


def test_a_payment_against_a_commitment_may_use_its_remainder_but_no_more(
    app: Flask, officer: FlaskClient
) -> None:
    cid = commit(app, "149999.50")  # everything free is now committed
    plain = submit(officer, PAY, {"amount": "1", "date": "2024-07-01", "payee": "某公司"})
    assert plain.status_code == 422
    assert "另有已签合同未支付 149,999.50 元" in text(plain)
    too_much = submit(
        officer, PAY, {"commitment": cid, "amount": "150000", "date": "2024-07-01", "payee": "某公司"}
    )
    assert too_much.status_code == 422
    fits = submit(
        officer, PAY, {"commitment": cid, "amount": "149999.50", "date": "2024-07-01", "payee": "某公司"}
    )
    assert fits.status_code == 302


def test_the_payment_form_refuses_a_commitment_it_did_not_offer(app: Flask, officer: FlaskClient) -> None:
    commit(app)
    r = submit(
        officer, PAY, {"commitment": "not-one", "amount": "10", "date": "2024-07-01", "payee": "某公司"}
    )
    assert r.status_code == 422
    assert "请选择本项目仍有未支付余额的合同" in text(r)


def test_release_frees_part_then_refuses_beyond_the_remainder(app: Flask, officer: FlaskClient) -> None:
    cid = commit(app)
    url = f"/projects/2024/P1/commitments/{cid}/release"
    form = text(officer.get(url))
    assert "未支付余额" in form
    assert 'value="60000.00"' in form  # all that is open, offered
    r = submit(officer, url, {"amount": "10000", "date": "2024-07-01", "reason": "结算核减"})
    assert r.status_code == 302
    assert "已解除合同" in text(officer.get("/projects/2024/P1"))
    again = submit(officer, url, {"amount": "50000.01", "date": "2024-07-02", "reason": "合同终止"})
    assert again.status_code == 422
    assert "超过该合同自 2024-07-02 起未支付的 50,000.00 元" in text(again)
    no_reason = submit(officer, url, {"amount": "", "date": "2024-07-02", "reason": ""})
    assert no_reason.status_code == 422
    assert 'href="#reason"' in text(no_reason)


def test_an_unknown_commitment_has_no_release_page(officer: FlaskClient) -> None:
    assert (
        officer.get("/projects/2024/P1/commitments/00000000-0000-0000-0000-000000000001/release").status_code
        == 404
    )


def test_a_manager_sees_commitments_but_may_not_record_them(
    app: Flask, as_user: Callable[[str], FlaskClient]
) -> None:
    commit(app)
    manager = as_user("manager1")
    page = text(manager.get("/projects/2024/P1"))
    assert 'id="commitment-table"' in page
    assert "解除占用" not in page
    assert manager.get(NEW).status_code == 403


def test_the_s_curve_draws_the_committed_band_above_disbursed(app: Flask, officer: FlaskClient) -> None:
    commit(app)
    chart = figure(text(officer.get("/projects/2024/P1")), "scurve")
    names = [t["name"] for t in chart["data"]]
    band = chart["data"][names.index("已签合同未支付")]
    lower = chart["data"][names.index("已签合同未支付") - 1]  # its unseen lower edge, on its days
    assert lower["showlegend"] is False
    assert lower["x"] == band["x"]
    assert lower["y"][0] == pytest.approx(30000)  # disbursed on the first commitment's day
    assert band["fill"] == "tonexty"
    assert band["x"][0] == "2024-05-06"
    assert band["y"][0] == pytest.approx(30000 + 60000)  # paid by 05-06, plus the contract
    assert band["y"][-1] == pytest.approx(50000.50 + 60000)


def test_the_s_curve_has_no_band_without_commitments(officer: FlaskClient) -> None:
    chart = figure(text(officer.get("/projects/2024/P1")), "scurve")
    assert "已签合同未支付" not in [t["name"] for t in chart["data"]]


def test_the_dashboard_stacks_paid_committed_and_free_when_there_are_commitments(
    app: Flask, as_user: Callable[[str], FlaskClient]
) -> None:
    manager = as_user("manager1")
    assert 'id="commitment-chart"' not in text(manager.get("/"))
    commit(app)
    page = text(manager.get("/"))
    assert 'id="commitment-chart"' in page
    assert "已签合同未支付" in page  # the table's column and the KPI
    chart = figure(page, "commitment-stack")
    parts = {t["name"]: dict(zip(t["customdata"], t["x"], strict=True)) for t in chart["data"]}
    assert parts["已支付"]["P1"] == pytest.approx(25.0)  # 50,000.50 of 200,000
    assert parts["已签合同未支付"]["P1"] == pytest.approx(30.0)
    assert parts["未占用余额"]["P1"] == pytest.approx(45.0)


def test_the_alerts_page_names_a_refused_commitment_and_the_committed_money() -> None:
    from web.views.alerts import figure_lines

    refused = {
        "rule": "overspend_refused",
        "attempts": 2,
        "figures": {"kind": "commitment", "date": "2024-05-06", "amount": "160000", "available": "149999.50"},
    }
    assert ("拟登记合同", "160,000.00 元") in figure_lines(refused)
    lag = {
        "rule": "lag",
        "figures": {"execution_rate": "25.00", "planned_rate": "54.08", "lag_points": "29.08",
                    "available": "89999.50", "committed": "60000.00"},
    }  # fmt: skip
    assert ("已签合同未支付", "60,000.00 元") in figure_lines(lag)
