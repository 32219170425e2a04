"""The self-evaluation pages: the list with scores, one project's 自评表 on screen,
causes and actions by the unit's officer, sign-off and reopening by its manager."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

P1 = "/selfeval/2024/P1"


@pytest.fixture
def indicators(app: Flask) -> dict[str, str]:
    """P1's indicators: one met, one short (80% of ≥90%), one not yet recorded."""
    t = app.extensions["tracker"]
    ids = {}
    for key, level1, level2, name, target in (
        ("met", "产出指标", "数量指标", "宣传场次", "≥20场"),
        ("short", "效益指标", "社会效益指标", "政策知晓率", "≥90%"),
        ("pending", "满意度指标", "服务对象满意度指标", "群众满意度", "≥85%"),
    ):
        ids[key] = str(
            t.add_indicator(
                "P1", level1=level1, level2=level2, name=name, target=target, weight="30", year=2024
            )
        )
    t.record_indicator("P1", ids["met"], "25场", date="2024-07-01")
    t.record_indicator("P1", ids["short"], "80%", date="2024-07-01")
    return ids


def events(app: Flask) -> int:
    return int(app.extensions["tracker"].recorder.max_notification_id() or 0)


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def form_fields(html: str, form_id: str) -> dict[str, str]:
    form = re.search(rf'<form id="{form_id}".*?</form>', html, re.S)
    assert form, f"no form {form_id}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0))
    rid = re.search(r'name="request_id" value="([^"]+)"', form.group(0))
    assert token
    assert rid
    return {"csrf_token": token.group(1), "request_id": rid.group(1)}


def post(client: FlaskClient, form_id: str, action: str, data: dict[str, str]) -> Any:
    fields = form_fields(text(client.get(P1)), form_id)
    return client.post(f"{P1}/{action}", data={**fields, **data})


def explained(
    ids: dict[str, str], cause: str = "宣传覆盖不足", action: str = "增加社区宣传"
) -> dict[str, str]:
    return {f"cause_{ids['short']}": cause, f"action_{ids['short']}": action}


# -------------------------------------------------------------------- list


@pytest.mark.parametrize(
    ("name", "sees", "hidden"),
    [
        ("officer1", ["P1"], ["P2", "P3"]),
        ("manager1", ["P1", "P2"], ["P3"]),
        ("officer3", ["P3"], ["P1", "P2"]),
        ("auditor1", ["P1", "P2", "P3"], []),
        ("admin1", ["P1", "P2", "P3"], []),
    ],
)
def test_the_list_shows_the_readable_projects_with_their_score(
    indicators: dict[str, str], as_user: Any, name: str, sees: list[str], hidden: list[str]
) -> None:
    page = as_user(name).get("/selfeval")
    assert page.status_code == 200
    html = text(page)
    for code in sees:
        assert f'href="/selfeval/2024/{code}"' in html
    for code in hidden:
        assert f'href="/selfeval/2024/{code}"' not in html
    if "P1" in sees:
        row = re.search(r'<tr>\s*<td><a href="/selfeval/2024/P1">.*?</tr>', html, re.S)
        assert row
        assert "59.17" in row.group(0)  # 2.50 execution + 30 + 26.67 + pending 0
        assert "差" in row.group(0)
        assert "草稿" in row.group(0)


def test_anonymous_users_are_sent_to_the_login_page(client: FlaskClient) -> None:
    for url in ("/selfeval", P1):
        answer = client.get(url)
        assert answer.status_code == 302
        assert "/login" in answer.headers["Location"]


def test_anonymous_posts_are_sent_to_the_login_page(
    app: Flask, indicators: dict[str, str], client: FlaskClient
) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/login")))
    assert token
    before = events(app)
    for action in ("explain", "sign", "reopen"):
        answer = client.post(
            f"{P1}/{action}", data={"csrf_token": token.group(1), "signed_by": "x", "reason": "y"}
        )
        assert answer.status_code == 302
        assert "/login" in answer.headers["Location"]
    assert events(app) == before


# -------------------------------------------------------------------- form


def test_the_form_shows_targets_actuals_points_and_the_grade(
    indicators: dict[str, str], as_user: Any
) -> None:
    html = text(as_user("officer1").get(P1))
    for words in ("项目支出绩效自评表", "城乡居民医保宣传", "宣传场次", "≥20场", "25场", "政策知晓率", "80%"):
        assert words in html, words
    assert "88.89%" in html  # 80 / 90
    assert "26.67" in html  # 30 × 88.89%
    assert "待填" in html
    assert "25.00%" in html  # execution rate
    assert "2.50" in html  # execution points
    assert "200,000.00" in html
    assert re.search(r"等级：<span[^>]*>差</span>", html)


@pytest.mark.parametrize(("name", "status"), [("officer3", 403), ("auditor1", 200), ("admin1", 200)])
def test_another_units_form_is_403_unless_the_role_reads_everything(
    indicators: dict[str, str], as_user: Any, name: str, status: int
) -> None:
    assert as_user(name).get(P1).status_code == status


def test_the_form_links_to_its_xlsx_download(indicators: dict[str, str], as_user: Any) -> None:
    client = as_user("officer1")
    link = re.search(r'<a href="([^"]+)">下载自评表（xlsx）</a>', text(client.get(P1)))
    assert link
    answer = client.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200
    assert answer.data[:2] == b"PK"  # an xlsx is a zip


def test_unknown_project_is_404(as_user: Any) -> None:
    assert as_user("auditor1").get("/selfeval/2024/NOPE").status_code == 404


def test_the_officer_gets_the_explanation_form_and_not_the_sign_off(
    indicators: dict[str, str], as_user: Any
) -> None:
    html = text(as_user("officer1").get(P1))
    assert '<form id="explain-form"' in html
    assert f'name="cause_{indicators["short"]}"' in html
    assert f'name="cause_{indicators["met"]}"' not in html
    assert '<form id="sign-form"' not in html
    assert f'href="/projects/2024/P1/indicators/{indicators["pending"]}/progress"' in html


def test_the_manager_gets_the_sign_off_form_and_not_the_explanation_form(
    indicators: dict[str, str], as_user: Any
) -> None:
    html = text(as_user("manager1").get(P1))
    assert '<form id="sign-form"' in html
    assert '<form id="explain-form"' not in html
    assert 'name="execution_cause"' in html  # execution is short of 100%


# ----------------------------------------------------------------- explain


def test_the_officer_explains_a_shortfall_once(app: Flask, indicators: dict[str, str], as_user: Any) -> None:
    client = as_user("officer1")
    fields = form_fields(text(client.get(P1)), "explain-form")
    before = events(app)
    first = client.post(f"{P1}/explain", data={**fields, **explained(indicators)})
    second = client.post(f"{P1}/explain", data={**fields, **explained(indicators)})
    assert first.status_code == second.status_code == 302
    assert events(app) == before + 1
    html = text(client.get(first.headers["Location"]))
    assert "已保存 1 项偏差原因及改进措施" in html
    assert "原因：宣传覆盖不足" in html


@pytest.mark.parametrize(
    ("cause", "action", "field"),
    [("宣传覆盖不足", "", "action"), ("", "增加宣传", "cause"), ("宣传\x00不足", "增加宣传", "cause")],
)
def test_a_half_or_bad_explanation_is_refused_beside_its_field(
    app: Flask, indicators: dict[str, str], as_user: Any, cause: str, action: str, field: str
) -> None:
    before = events(app)
    answer = post(as_user("officer1"), "explain-form", "explain", explained(indicators, cause, action))
    assert answer.status_code == 422
    html = text(answer)
    assert "有 1 处需要修改" in html
    assert f'id="{field}_{indicators["short"]}-error"' in html
    assert events(app) == before


@pytest.mark.parametrize("name", ["manager1", "auditor1", "admin1", "officer3"])
def test_no_other_role_may_explain(app: Flask, indicators: dict[str, str], as_user: Any, name: str) -> None:
    client = as_user(name)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/selfeval")))
    assert token
    before = events(app)
    data = {"csrf_token": token.group(1), "request_id": "00000000-0000-4000-8000-000000000002"}
    answer = client.post(f"{P1}/explain", data={**data, **explained(indicators)})
    assert answer.status_code == 403
    assert events(app) == before


def test_an_explanation_without_its_csrf_token_is_refused(
    app: Flask, indicators: dict[str, str], as_user: Any
) -> None:
    client = as_user("officer1")
    fields = form_fields(text(client.get(P1)), "explain-form")
    before = events(app)
    answer = client.post(f"{P1}/explain", data={"request_id": fields["request_id"], **explained(indicators)})
    assert answer.status_code == 400
    assert events(app) == before


# -------------------------------------------------------------------- sign


def complete(app: Flask, ids: dict[str, str]) -> None:
    t = app.extensions["tracker"]
    t.record_indicator("P1", ids["pending"], "90%", date="2024-07-01")
    t.explain_deviation(ids["short"], cause="宣传覆盖不足", action="增加社区宣传")


def test_an_incomplete_form_cannot_be_signed(app: Flask, indicators: dict[str, str], as_user: Any) -> None:
    client = as_user("manager1")
    html = text(client.get(P1))
    assert "尚不能定稿" in html
    before = events(app)
    answer = post(
        client, "sign-form", "sign", {"signed_by": "张局长", "execution_cause": "a", "execution_action": "b"}
    )
    assert answer.status_code == 422
    assert "群众满意度" in text(answer)
    assert events(app) == before


def test_the_manager_signs_off_once_with_the_execution_shortfall_explained(
    app: Flask, indicators: dict[str, str], as_user: Any
) -> None:
    complete(app, indicators)
    client = as_user("manager1")
    fields = form_fields(text(client.get(P1)), "sign-form")
    data = {
        **fields,
        "signed_by": "张局长",
        "execution_cause": "项目下半年集中支付",
        "execution_action": "按月督办",
    }
    before = events(app)
    first = client.post(f"{P1}/sign", data=data)
    second = client.post(f"{P1}/sign", data=data)
    assert first.status_code == second.status_code == 302
    assert events(app) == before + 1
    html = text(client.get(first.headers["Location"]))
    assert "已定稿：总分 89.17，等级 良，签字人 张局长" in html
    assert "<strong>已定稿</strong>：张局长" in html
    assert '<form id="sign-form"' not in html
    assert '<form id="reopen-form"' in html


def test_a_missing_execution_explanation_is_refused_beside_it(
    app: Flask, indicators: dict[str, str], as_user: Any
) -> None:
    complete(app, indicators)
    before = events(app)
    answer = post(as_user("manager1"), "sign-form", "sign", {"signed_by": "张局长"})
    assert answer.status_code == 422
    assert 'id="execution_cause-error"' in text(answer)
    assert events(app) == before


def test_a_signer_is_required(app: Flask, indicators: dict[str, str], as_user: Any) -> None:
    complete(app, indicators)
    answer = post(
        as_user("manager1"),
        "sign-form",
        "sign",
        {"signed_by": " ", "execution_cause": "a", "execution_action": "b"},
    )
    assert answer.status_code == 422
    assert 'id="signed_by-error"' in text(answer)


@pytest.mark.parametrize("name", ["officer1", "auditor1", "admin1", "officer3"])
def test_no_other_role_may_sign_or_reopen(
    app: Flask, indicators: dict[str, str], as_user: Any, name: str
) -> None:
    complete(app, indicators)
    client = as_user(name)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/selfeval")))
    assert token
    assert '<form id="sign-form"' not in text(client.get(P1)) or name == "officer3"
    before = events(app)
    data = {"csrf_token": token.group(1), "request_id": "00000000-0000-4000-8000-000000000003"}
    for action in ("sign", "reopen"):
        answer = client.post(f"{P1}/{action}", data={**data, "signed_by": "x", "reason": "y"})
        assert answer.status_code == 403
    assert events(app) == before


def test_the_manager_reopens_a_signed_form_with_a_reason(
    app: Flask, indicators: dict[str, str], as_user: Any
) -> None:
    complete(app, indicators)
    app.extensions["tracker"].finalise_evaluation(
        "P1", 2024, signed_by="张局长", execution_cause="集中支付", execution_action="按月督办"
    )
    client = as_user("manager1")
    refused = post(client, "reopen-form", "reopen", {"reason": ""})
    assert refused.status_code == 422
    assert 'id="reason-error"' in text(refused)
    answer = post(client, "reopen-form", "reopen", {"reason": "执行数更正"})
    assert answer.status_code == 302
    html = text(client.get(answer.headers["Location"]))
    assert "已退回修改" in html
    assert '<form id="sign-form"' in html


def test_figures_changed_after_signing_show_both_versions_and_offer_a_new_sign_off(
    app: Flask, indicators: dict[str, str], as_user: Any
) -> None:
    complete(app, indicators)
    t = app.extensions["tracker"]
    t.finalise_evaluation(
        "P1", 2024, signed_by="张局长", execution_cause="下半年支付", execution_action="按月督办"
    )
    t.record_indicator("P1", indicators["met"], "15场", date="2024-12-31")
    t.explain_deviation(indicators["met"], cause="场地受限", action="增加线上宣传")
    client = as_user("manager1")
    html = text(client.get(P1))
    assert "签字后数据有变动，需重新签字" in html
    assert "<strong>已定稿</strong>" not in html
    assert 'class="data selfeval-signed"' in html
    assert '<form id="sign-form"' in html
    listing = text(client.get("/selfeval"))
    assert "签字后数据有变动，需重新签字" in listing
