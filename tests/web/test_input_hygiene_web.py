"""The forms and the API refuse bad typing by the domain's rules (issue 11, point 3):
422 naming the field, nothing recorded, for what the CLI and the import refuse too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.test_forms import GOOD_PAYMENT, P1_APPROPRIATION, P1_PAYMENT, events, post_form

PAYMENT = {"project": "P1", "amount": "10.00", "date": "2024-07-01", "payee": "某印刷厂"}


@pytest.mark.parametrize(
    ("url", "fields", "name", "words"),
    [
        (P1_PAYMENT, {**GOOD_PAYMENT, "amount": "١٠٠"}, "amount", "非阿拉伯数字"),
        (P1_PAYMENT, {**GOOD_PAYMENT, "amount": "1_0"}, "amount", "下划线"),
        (P1_PAYMENT, {**GOOD_PAYMENT, "payee": "\x1b[31m某公司"}, "payee", "U+001B"),
        (P1_PAYMENT, {**GOOD_PAYMENT, "voucher": "记\x9b-1"}, "voucher", "U+009B"),
        (P1_PAYMENT, {**GOOD_PAYMENT, "note": "备注\x7f"}, "note", "U+007F"),
        (
            P1_APPROPRIATION,
            {"kind": "add", "amount": "1", "date": "2024-07-01", "doc": "文\u2066号"},
            "doc",
            "U+2066",
        ),
    ],
)
def test_a_form_refuses_bad_typing_beside_its_field_and_records_nothing(
    app: Flask, as_user: Any, url: str, fields: dict[str, str], name: str, words: str
) -> None:
    before = events(app)
    answer = post_form(as_user("officer1"), url, fields)
    assert answer.status_code == 422
    beside = re.search(
        rf'<p class="error-message" id="{name}-error">([^<]*)</p>', answer.get_data(as_text=True)
    )
    assert beside
    assert words in beside.group(1)
    assert events(app) == before


def test_a_form_reads_full_width_and_shorthand_amounts(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    before = events(app)
    assert (
        post_form(client, P1_PAYMENT, {**GOOD_PAYMENT, "amount": ".5", "voucher": "记-1"}).status_code == 302
    )
    assert (
        post_form(client, P1_PAYMENT, {**GOOD_PAYMENT, "amount": "＋５", "voucher": "记-2"}).status_code
        == 302
    )
    assert events(app) == before + 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "１_０００"}, "金额"),
        ({"amount": "١٠"}, "金额"),
        ({"voucher": "记\x1b-1"}, "凭证号"),
        ({"note": "备注\x9b"}, "备注"),
        ({"payee": "某公司\n"}, "收款人"),
        ({"project": " P1"}, "项目编码"),
    ],
)
def test_the_api_refuses_bad_typing_with_422_naming_the_field(
    app: Flask, client: FlaskClient, change: dict[str, str], field: str
) -> None:
    token = app.extensions["tracker"].create_token("officer1", label="测试")[1]
    before = events(app)
    answer = client.post(
        "/api/v1/payments",
        json={**PAYMENT, **change},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "bad-typing"},
    )
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.get_json()["field"] == field
    assert events(app) == before
