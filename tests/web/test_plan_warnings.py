"""Issue 12, points 7, 9 and 10 on the pages: a 万 after an amount in the plan form,
the warnings about a plan where the officer sees them (after saving, on the plan form
and on the project page), and the rule the dashboard's total used.

P1 (seed data of the web tests) has a budget of 200,000.00 元.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

P1_PLAN = "/projects/2024/P1/plan"
P1_PAGE = "/projects/2024/P1"


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def post_plan(client: FlaskClient, rows: dict[str, str]) -> Any:
    page = text(client.get(P1_PLAN))
    hidden = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        for name in ("csrf_token", "request_id")
    }
    return client.post(P1_PLAN, data={**hidden, **rows})


def rows(mode: str, *values: tuple[str, str]) -> dict[str, str]:
    out = {"mode": mode}
    for i, (day, value) in enumerate(values):
        out[f"cp_date_{i}"], out[f"cp_value_{i}"] = day, value
    return out


def test_a_wan_after_an_amount_in_the_yuan_form_counts_as_wan(as_user: Any) -> None:
    client = as_user("officer1")
    answer = post_plan(client, rows("yuan", ("2024-06-30", "7万"), ("2024-12-31", "200000")))
    assert answer.status_code == 302
    page = text(client.get(answer.headers["Location"]))
    assert "已设定资金支出计划：06-30 70,000.00 元、12-31 200,000.00 元" in page
    assert "计划提示" not in page  # it reaches the budget: nothing to say


def test_a_plan_short_of_the_budget_is_warned_about_after_saving_on_the_form_and_page(as_user: Any) -> None:
    client = as_user("officer1")
    answer = post_plan(client, rows("yuan", ("2024-03-31", ""), ("2024-06-30", "7"), ("2024-12-31", "50")))
    assert answer.status_code == 302
    differs = "计划合计 50.00 元 ≠ 全年预算 200,000.00 元"
    after = text(client.get(answer.headers["Location"]))
    assert "banner-warn" in after
    assert f"计划提示：{differs}" in after
    assert "第一个检查点 03-31 为空" in after
    assert "现行计划提示" in text(client.get(P1_PLAN))
    assert differs in text(client.get(P1_PLAN))
    page = text(client.get(P1_PAGE))
    assert 'class="banner banner-warn plan-warning"' in page
    assert differs in page


def test_a_year_end_below_100_percent_is_shown_on_the_project_page(app: Flask, as_user: Any) -> None:
    app.extensions["tracker"].set_plan("P1", "06-30:50%,12-31:90%")
    page = text(as_user("officer1").get(P1_PAGE))
    assert "年末检查点为 90%，不到 100%" in page


def test_an_ordinary_plan_shows_no_warning_on_the_project_page(as_user: Any) -> None:
    assert "plan-warning" not in text(as_user("officer1").get(P1_PAGE))


def test_the_dashboard_total_says_which_rule_it_used(app: Flask, as_user: Any) -> None:
    app.extensions["tracker"].change_unit_settings("450001", rule="points")
    client = as_user("admin1")
    one = text(client.get("/?unit=450001"))
    assert "合计状态规则（单位 450001）：百分点规则" in one
    every = text(client.get("/?unit=all"))
    assert "合计状态规则（2 个单位规则不同，用默认规则）：比例规则" in every
