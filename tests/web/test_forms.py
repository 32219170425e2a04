"""The recording forms: who may use them, what they refuse and where they say so, and
that a double submit records once. "Nothing recorded" is checked by counting stored
events (and the project's figures) before and after."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

P1_PAYMENT = "/projects/2024/P1/payments/new"
P1_APPROPRIATION = "/projects/2024/P1/appropriations/new"
P1_PLAN = "/projects/2024/P1/plan"


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def figures(app: Flask, code: str) -> tuple[Decimal, Decimal]:
    row = next(p for p in app.extensions["tracker"].projects(2024) if p["code"] == code)
    return Decimal(row["budget_fen"]) / 100, Decimal(row["disbursed_fen"]) / 100


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of the page's form (csrf token and request id)."""
    return {
        "csrf_token": csrf_from(html),
        "request_id": re.search(r'name="request_id" value="([^"]+)"', html).group(1),  # type: ignore[union-attr]
    }


def post_form(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**form_fields(page.get_data(as_text=True)), **data})


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


GOOD_PAYMENT = {"amount": "30000", "date": "2024-07-10", "payee": "某公司", "voucher": "记-0712"}


def indicator_id(app: Flask) -> str:
    t = app.extensions["tracker"]
    return str(
        t.add_indicator(
            "P1",
            level1="产出指标",
            level2="数量指标",
            name="宣传场次",
            target="≥20场",
            weight="30",
            year=2024,
        )
    )


def p3_payment(app: Flask) -> str:
    return str(app.extensions["tracker"].pay("P3", "100", date="2024-05-01", payee="某药房"))


def p1_payment(app: Flask) -> str:
    return str(app.extensions["tracker"].pay("P1", "5000", date="2024-05-01", payee="某宣传公司"))


def all_form_urls(app: Flask) -> list[str]:
    pid = p1_payment(app)
    return [
        P1_PAYMENT,
        P1_APPROPRIATION,
        f"/projects/2024/P1/payments/{pid}/reverse",
        P1_PLAN,
        f"/projects/2024/P1/indicators/{indicator_id(app)}/progress",
    ]


# ------------------------------------------------------------------ access


def test_the_officer_of_the_unit_sees_every_form(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    for url in all_form_urls(app):
        page = client.get(url)
        assert page.status_code == 200, url
        html = text(page)
        assert 'name="csrf_token"' in html
        assert re.search(r'name="request_id" value="[0-9a-f-]{36}"', html), url


@pytest.mark.parametrize("name", ["officer3", "manager1", "auditor1", "admin1"])
def test_every_other_role_and_unit_gets_403_and_records_nothing(app: Flask, as_user: Any, name: str) -> None:
    urls = all_form_urls(app)
    client = as_user(name)
    before = events(app)
    for url in urls:
        assert client.get(url).status_code == 403, url
        page_token = csrf_from(text(client.get("/login")))  # any page's token will do
        answer = client.post(url, data={**GOOD_PAYMENT, "csrf_token": page_token, "request_id": "x"})
        assert answer.status_code == 403, url
    assert events(app) == before


def test_the_officer_of_another_branch_gets_403_on_the_first_branchs_project(
    app: Flask, as_user: Any
) -> None:
    client = as_user("officer1")
    assert client.get("/projects/2024/P3/payments/new").status_code == 403
    assert client.get("/projects/2024/P2/payments/new").status_code == 403  # the parent unit's project


def test_anonymous_users_are_sent_to_the_login_page(app: Flask, client: FlaskClient) -> None:
    for url in all_form_urls(app):
        answer = client.get(url)
        assert answer.status_code == 302
        assert "/login" in answer.headers["Location"]


def test_anonymous_posts_are_sent_to_the_login_page_and_record_nothing(
    app: Flask, client: FlaskClient
) -> None:
    urls = all_form_urls(app)
    token = csrf_from(text(client.get("/login")))
    before = events(app)
    for url in urls:
        answer = client.post(url, data={**GOOD_PAYMENT, "csrf_token": token, "request_id": "x"})
        assert answer.status_code == 302, url
        assert "/login" in answer.headers["Location"]
    assert events(app) == before


def test_unknown_project_payment_or_indicator_is_404(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    assert client.get("/projects/2024/NOPE/payments/new").status_code == 404
    assert client.get("/projects/2023/P1/payments/new").status_code == 404
    assert client.get(f"/projects/2024/P1/payments/{p3_payment(app)}/reverse").status_code == 404
    assert client.get("/projects/2024/P1/payments/not-a-uuid/reverse").status_code == 404
    assert (
        client.get("/projects/2024/P1/indicators/00000000-0000-0000-0000-000000000000/progress").status_code
        == 404
    )


# ----------------------------------------------------------------- payment


def test_the_payment_form_defaults_to_today_within_the_year(as_user: Any) -> None:
    html = text(as_user("officer1").get(P1_PAYMENT))
    assert 'name="date" type="date" value="2024-07-15"' in html
    assert "登记支付" in html
    assert "149,999.50" in html  # available: 200,000.00 - 50,000.50


def test_a_payment_is_recorded_and_the_project_page_says_what_with_a_link_to_reverse(
    app: Flask, as_user: Any
) -> None:
    client = as_user("officer1")
    before = events(app)
    answer = post_form(client, P1_PAYMENT, GOOD_PAYMENT)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/projects/2024/P1")
    assert events(app) == before + 1
    assert figures(app, "P1")[1] == Decimal("80000.50")
    banner = text(client.get(answer.headers["Location"]))
    assert "已登记支付 30,000.00 元，收款人 某公司" in banner
    assert re.search(r'href="/projects/2024/P1/payments/[0-9a-f-]{36}/reverse"', banner)


def test_full_width_digits_and_the_wan_box_are_read_as_the_cli_reads_them(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    assert post_form(client, P1_PAYMENT, {**GOOD_PAYMENT, "amount": "１，０００．５０"}).status_code == 302
    assert figures(app, "P1")[1] == Decimal("51001.00")
    assert post_form(client, P1_PAYMENT, {**GOOD_PAYMENT, "amount": "1.5", "wan": "1"}).status_code == 302
    assert figures(app, "P1")[1] == Decimal("66001.00")


@pytest.mark.parametrize(
    ("change", "name", "words"),
    [
        ({"amount": "abc"}, "amount", "不是有效的金额"),
        ({"amount": "1_000"}, "amount", "下划线"),
        ({"amount": "٣"}, "amount", "非阿拉伯数字"),
        ({"amount": "-5"}, "amount", "金额必须大于零"),
        ({"amount": "0"}, "amount", "金额必须大于零"),
        ({"amount": "10.005"}, "amount", "最多两位小数"),
        ({"amount": ""}, "amount", "不是有效的金额"),
        ({"date": "2023-12-31"}, "date", "不在项目 P1 的预算年度 2024 年内"),
        ({"date": "2025-01-01"}, "date", "不在项目 P1 的预算年度 2024 年内"),
        ({"date": "15/07/2024"}, "date", "不是有效日期"),
        ({"payee": ""}, "payee", "请填写收款人"),
        ({"payee": "   "}, "payee", "请填写收款人"),
        ({"payee": "某\x07公司"}, "payee", "控制字符"),
        ({"payee": "某\u202e公司"}, "payee", "控制字符"),
        ({"economic": "3020"}, "economic", "部门经济分类"),
        ({"source": "自筹"}, "source", "不是有效的资金来源"),
    ],
)
def test_a_bad_value_is_refused_beside_its_field_keeping_what_was_typed(
    app: Flask, as_user: Any, change: dict[str, str], name: str, words: str
) -> None:
    client = as_user("officer1")
    before, spent = events(app), figures(app, "P1")
    answer = post_form(client, P1_PAYMENT, {**GOOD_PAYMENT, **change})
    html = text(answer)
    assert answer.status_code == 422
    assert "有 1 处需要修改" in html
    beside = re.search(rf'<p class="error-message" id="{name}-error">([^<]*)</p>', html)
    assert beside, html[:2000]
    assert words in beside.group(1)
    assert f'href="#{name}"' in html  # the summary links to the field
    assert "某公司" in html or name == "payee"  # the rest of what was typed is kept
    assert 'value="记-0712"' in html
    assert events(app) == before
    assert figures(app, "P1") == spent


def test_several_bad_values_are_all_named_at_once(app: Flask, as_user: Any) -> None:
    before = events(app)
    answer = post_form(as_user("officer1"), P1_PAYMENT, {"amount": "abc", "date": "2023-01-01", "payee": ""})
    html = text(answer)
    assert answer.status_code == 422
    assert "有 3 处需要修改" in html
    for name in ("amount", "date", "payee"):
        assert f'id="{name}-error"' in html
    assert 'value="abc"' in html
    assert events(app) == before


def test_an_overspend_says_what_is_available_beside_the_amount(app: Flask, as_user: Any) -> None:
    spent = figures(app, "P1")
    answer = post_form(as_user("officer1"), P1_PAYMENT, {**GOOD_PAYMENT, "amount": "150000"})
    html = text(answer)
    assert answer.status_code == 422
    beside = re.search(r'<p class="error-message" id="amount-error">([^<]*)</p>', html)
    assert beside
    assert "可用余额为 149,999.50 元，请减少金额或先追加预算" in beside.group(1)
    assert 'value="150000"' in html
    assert figures(app, "P1") == spent


def test_a_form_without_its_csrf_token_is_refused_with_400(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    html = text(client.get(P1_PAYMENT))
    before = events(app)
    rid = form_fields(html)["request_id"]
    answer = client.post(P1_PAYMENT, data={**GOOD_PAYMENT, "request_id": rid})
    assert answer.status_code == 400
    assert events(app) == before


def test_a_double_submit_records_once(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    data = {**form_fields(text(client.get(P1_PAYMENT))), **GOOD_PAYMENT}
    before = events(app)
    first = client.post(P1_PAYMENT, data=data)
    second = client.post(P1_PAYMENT, data=data)
    assert first.status_code == second.status_code == 302
    assert events(app) == before + 1
    assert figures(app, "P1")[1] == Decimal("80000.50")


def test_a_refused_form_keeps_its_request_id_and_then_records_once(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    data = {**form_fields(text(client.get(P1_PAYMENT))), **GOOD_PAYMENT, "amount": "abc"}
    refused = client.post(P1_PAYMENT, data=data)
    assert f'value="{data["request_id"]}"' in text(refused)
    fixed = {**data, "amount": "100"}
    assert client.post(P1_PAYMENT, data=fixed).status_code == 302
    assert client.post(P1_PAYMENT, data=fixed).status_code == 302
    assert figures(app, "P1")[1] == Decimal("50100.50")


def test_the_same_request_id_with_other_contents_asks_again_instead_of_recording(
    app: Flask, as_user: Any
) -> None:
    client = as_user("officer1")
    data = {**form_fields(text(client.get(P1_PAYMENT))), **GOOD_PAYMENT}
    assert client.post(P1_PAYMENT, data=data).status_code == 302
    changed = client.post(P1_PAYMENT, data={**data, "amount": "100"})
    html = text(changed)
    assert changed.status_code == 422
    assert "这张表单已提交过" in html
    assert f'value="{data["request_id"]}"' not in html  # a new id: a second submit records
    assert figures(app, "P1")[1] == Decimal("80000.50")


# ------------------------------------------------------------ appropriation


def test_an_appropriation_of_each_kind_is_recorded_with_its_document_number(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    answer = post_form(
        client,
        P1_APPROPRIATION,
        {"kind": "add", "amount": "50000", "date": "2024-07-01", "doc": "保财社【2024】9号"},
    )
    assert answer.status_code == 302
    assert "已登记追加 50,000.00 元（文号 保财社【2024】9号）" in text(client.get(answer.headers["Location"]))
    assert figures(app, "P1")[0] == Decimal("250000.00")
    assert (
        post_form(
            client, P1_APPROPRIATION, {"kind": "recall", "amount": "1", "date": "2024-07-02"}
        ).status_code
        == 302
    )
    assert figures(app, "P1")[0] == Decimal("249999.00")


def test_the_appropriation_form_offers_the_kinds_in_chinese(as_user: Any) -> None:
    html = text(as_user("officer1").get(P1_APPROPRIATION))
    for label in ("年初预算", "追加", "调减", "上年结转", "收回"):
        assert label in html
    assert '<option value="add" selected>' in html  # P1 already has its initial budget


def test_a_reduction_below_spending_is_refused_beside_the_amount(app: Flask, as_user: Any) -> None:
    before = events(app)
    answer = post_form(
        as_user("officer1"), P1_APPROPRIATION, {"kind": "reduce", "amount": "160000", "date": "2024-07-01"}
    )
    html = text(answer)
    assert answer.status_code == 422
    assert re.search(r'id="amount-error">[^<]*最多可调减 149,999.50 元', html)
    assert events(app) == before


def test_an_unknown_appropriation_kind_is_refused(app: Flask, as_user: Any) -> None:
    before = events(app)
    answer = post_form(
        as_user("officer1"), P1_APPROPRIATION, {"kind": "gift", "amount": "1", "date": "2024-07-01"}
    )
    assert answer.status_code == 422
    assert 'id="kind-error"' in text(answer)
    assert events(app) == before


# ---------------------------------------------------------------- reversal


def test_a_payment_is_reversed_in_part_then_in_full(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    url = f"/projects/2024/P1/payments/{p1_payment(app)}/reverse"
    page = text(client.get(url))
    assert "某宣传公司" in page
    assert "5,000.00" in page
    answer = post_form(client, url, {"amount": "1000", "date": "2024-07-15", "reason": "多付退回"})
    assert answer.status_code == 302
    assert "已冲销支付 1,000.00 元" in text(client.get(answer.headers["Location"]))
    assert figures(app, "P1")[1] == Decimal("54000.50")
    assert (
        post_form(client, url, {"amount": "", "date": "2024-07-15", "reason": "收款人退回"}).status_code
        == 302
    )
    assert figures(app, "P1")[1] == Decimal("50000.50")
    assert "已全部冲销" in text(client.get(url))


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"amount": "6000"}, "amount"),
        ({"amount": "1_0"}, "amount"),
        ({"date": "2024-04-30"}, "date"),
        ({"date": "2025-01-02"}, "date"),
        ({"reason": ""}, "reason"),
        ({"reason": "退\x00回"}, "reason"),
    ],
)
def test_a_bad_reversal_is_refused_beside_its_field(
    app: Flask, as_user: Any, change: dict[str, str], name: str
) -> None:
    client = as_user("officer1")
    url = f"/projects/2024/P1/payments/{p1_payment(app)}/reverse"
    before = events(app)
    answer = post_form(client, url, {"amount": "100", "date": "2024-07-15", "reason": "退回", **change})
    assert answer.status_code == 422
    assert f'id="{name}-error"' in text(answer)
    assert events(app) == before


# -------------------------------------------------------------------- plan


def test_the_plan_form_shows_the_current_plan_as_rows(as_user: Any) -> None:
    html = text(as_user("officer1").get(P1_PLAN))
    assert 'name="cp_date_0" value="2024-03-31"' in html
    assert 'name="cp_value_3" value="100"' in html
    assert '<option value="percent" selected>' in html


def test_a_plan_of_amounts_with_a_blank_checkpoint_is_recorded(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    rows = {
        "mode": "wan",
        "cp_date_0": "2024-03-31",
        "cp_value_0": "",
        "cp_date_1": "2024-06-30",
        "cp_value_1": "７",
        "cp_date_2": "2024-12-31",
        "cp_value_2": "20",
        "cp_date_3": "",
        "cp_value_3": "",
    }
    answer = post_form(client, P1_PLAN, rows)
    assert answer.status_code == 302
    banner = text(client.get(answer.headers["Location"]))
    assert "已设定资金支出计划：03-31 空、06-30 70,000.00 元、12-31 200,000.00 元" in banner
    html = text(client.get(P1_PLAN))
    assert 'name="cp_value_1" value="70000.00"' in html
    assert '<option value="yuan" selected>' in html


@pytest.mark.parametrize(
    ("rows", "name", "words"),
    [
        ({"cp_date_0": "2024-06-30", "cp_value_0": "50"}, "checkpoints", "最后一个检查点必须是年末"),
        ({"cp_date_0": "2024-12-31", "cp_value_0": "abc"}, "cp_value_0", "不是有效的数值"),
        ({"cp_date_0": "2024-12-31", "cp_value_0": "1_00"}, "cp_value_0", "下划线"),
        ({"cp_date_0": "2023-12-31", "cp_value_0": "100"}, "cp_date_0", "2024 年内"),
        ({"cp_date_0": "", "cp_value_0": "100"}, "cp_date_0", "请填写检查点日期"),
        ({"cp_date_0": "2024-12-31", "cp_value_0": "120"}, "checkpoints", "不能超过 100%"),
        ({}, "checkpoints", "请至少填写一个检查点"),
    ],
)
def test_a_bad_plan_is_refused_where_the_fault_is(
    app: Flask, as_user: Any, rows: dict[str, str], name: str, words: str
) -> None:
    before = events(app)
    answer = post_form(as_user("officer1"), P1_PLAN, {"mode": "percent", **rows})
    html = text(answer)
    assert answer.status_code == 422
    beside = re.search(rf'class="error-message"( id="{name}-error")?>([^<]*)</p>', html)
    assert beside, html[:3000]
    assert words in html
    assert f'href="#{name}"' in html
    assert events(app) == before


# --------------------------------------------------------------- indicator


def test_indicator_progress_is_recorded(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    url = f"/projects/2024/P1/indicators/{indicator_id(app)}/progress"
    assert "≥20场" in text(client.get(url))
    answer = post_form(client, url, {"value": "25场", "date": "2024-07-15", "note": "宣传记录"})
    assert answer.status_code == 302
    assert "已登记指标“宣传场次”的完成情况：25场" in text(client.get(answer.headers["Location"]))
    assert "25场" in text(client.get(url))


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ({"value": "", "completion": ""}, "value"),
        ({"value": "", "completion": "120"}, "completion"),
        ({"value": "", "completion": "８0_0"}, "completion"),
        ({"value": "25场", "date": "2022-01-01"}, "date"),
        ({"value": "2\x085场"}, "value"),
    ],
)
def test_bad_indicator_progress_is_refused(app: Flask, as_user: Any, data: dict[str, str], name: str) -> None:
    client = as_user("officer1")
    url = f"/projects/2024/P1/indicators/{indicator_id(app)}/progress"
    before = events(app)
    answer = post_form(client, url, {"date": "2024-07-15", **data})
    assert answer.status_code == 422
    assert f'id="{name}-error"' in text(answer)
    assert events(app) == before
