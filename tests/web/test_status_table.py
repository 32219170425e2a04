"""The dashboard's and the project list's table: sorted and paged on the server, from
the URL, with the total, the KPIs and the export still over every row."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from tracker.domain import lag
from tracker.queries import Figures, ProjectStatus
from tracker.queries.figures import ProjectRef
from web.views.status_table import PAGE_SIZE, Paging, Sorting

EXTRA = PAGE_SIZE + 5  # projects added to 450002, so its table has two pages


@pytest.fixture
def many(app: Flask) -> Flask:
    t = app.extensions["tracker"]
    for i in range(EXTRA):
        code = f"Q{i:03d}"
        t.add_project(
            year=2024, unit="450002", code=code, name=f"批量项目{i}", functional="2101501", user="种子"
        )
        t.appropriate(code, str(1000 + i), date="2024-01-10", user="种子")
        if i % 2:
            t.pay(code, str(10 + i), date="2024-02-01", payee="某公司", user="种子")
    return app


def codes(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr data-code="([^"]+)"', body)


@pytest.mark.parametrize(("path", "table"), [("/", "status-table"), ("/projects", "project-table")])
def test_a_long_table_shows_one_page_and_a_pager(many: Flask, as_user: Any, path: str, table: str) -> None:
    client = as_user("officer1")
    html = client.get(f"{path}?unit=450002").get_data(as_text=True)
    assert len(codes(html, table)) == PAGE_SIZE
    assert f"第 1–{PAGE_SIZE} 个，共 {EXTRA + 1} 个项目" in html
    assert f"合计（{EXTRA + 1} 个项目）" in html
    second = client.get(f"{path}?unit=450002&page=2").get_data(as_text=True)
    assert len(codes(second, table)) == EXTRA + 1 - PAGE_SIZE
    assert not set(codes(html, table)) & set(codes(second, table))


def test_the_total_row_and_kpis_cover_every_page(many: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    first = client.get("/?unit=450002").get_data(as_text=True)
    second = client.get("/?unit=450002&page=2").get_data(as_text=True)

    def kpi(html: str) -> str:
        return html.split('id="kpi-budget">', 1)[1].split("<", 1)[0]

    assert kpi(first) == kpi(second)
    budget = 200000 + sum(1000 + i for i in range(EXTRA))
    assert kpi(first) == f"{budget:,}.00"


def test_sorting_by_lag_puts_the_most_behind_first_on_every_page(many: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    html = client.get("/?unit=450002&sort=lag").get_data(as_text=True)
    shown = codes(html, "status-table")
    t = many.extensions["tracker"]
    report = t.queries.status_report(2024, None, "450002")
    expected = [p.code for p in sorted(report["projects"], key=lambda p: p.figures.lag_points, reverse=True)]
    assert shown == expected[:PAGE_SIZE]
    assert 'aria-sort="descending"' in html
    # the header's link now asks for the other order, from the first page
    assert re.search(r'href="/\?[^"]*order=asc[^"]*sort=lag|href="/\?[^"]*sort=lag[^"]*order=asc', html)


def test_the_sort_and_page_links_keep_the_filters_and_the_date(many: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    html = client.get("/projects?unit=450002&functional=210&as_of=2024-03-01").get_data(as_text=True)
    links = re.findall(r'href="(/projects\?[^"]*page=2[^"]*)"', html)
    assert links
    assert all("functional=210" in u and "as_of=2024-03-01" in u for u in links)


@pytest.mark.parametrize("query", ["sort=nonsense", "sort=lag&order=up", "page=0", "page=abc", "page=٣"])
def test_a_mistyped_sort_or_page_is_a_bad_request_in_chinese(as_user: Any, query: str) -> None:
    response = as_user("manager1").get(f"/?{query}")
    assert response.status_code == 400
    assert "请求无效" in response.get_data(as_text=True)


def test_a_page_past_the_end_shows_the_last_page(many: Flask, as_user: Any) -> None:
    html = as_user("officer1").get("/projects?unit=450002&page=99").get_data(as_text=True)
    assert len(codes(html, "project-table")) == EXTRA + 1 - PAGE_SIZE


def test_a_short_table_has_no_pager(as_user: Any) -> None:
    html = as_user("manager1").get("/").get_data(as_text=True)
    assert 'class="pager' not in html


def status(code: str, budget: str, disbursed: str) -> ProjectStatus:
    ref = ProjectRef(
        "id-" + code, 2024, code, code, "U", "项目支出", None, None, "一般公共预算财政拨款", None
    )
    return ProjectStatus.of(
        ref, Figures(budget=Decimal(budget), disbursed=Decimal(disbursed)), lag.DEFAULT_RULE
    )


def test_sorting_is_stable_and_each_key_has_its_first_click_order() -> None:
    rows = [status("A", "100", "10"), status("B", "100", "50"), status("C", "100", "10")]
    assert [p.code for p in Sorting("execution", "asc").apply(rows)] == ["A", "C", "B"]
    assert [p.code for p in Sorting("execution", "desc").apply(rows)] == ["B", "A", "C"]
    assert Sorting().link_args("budget") == {"sort": "budget", "order": "desc"}
    assert Sorting("budget", "desc").link_args("budget") == {"sort": "budget", "order": "asc"}


def test_paging_counts_pages_and_cuts_the_rows() -> None:
    assert Paging.from_args({}, 0).count == 1
    p = Paging.from_args({"page": "3"}, 250, size=100)
    assert (p.number, p.count, p.first, p.last) == (3, 3, 200, 250)
