"""总览 (``/``) and the project list (``/projects``): who sees which projects, the totals,
the filters and the unit switcher in the URL, the as-of date and the 万元 toggle.

The seeded world (tests/webdata.py), as of 2024-07-15 unless a test says otherwise:

    P1 450002 城乡居民医保宣传  budget 200,000.00  paid 30,000.00 (03-20) + 20,000.50 (06-10)
    P2 450001 办公室整修        budget 500,000.00  paid 60,000.00 (05-10)
    P3 450003 易县慢特病审核    budget  80,000.00  paid 50,000.00 (04-01), source 上级补助

officer1 reads 450002 (P1), manager1 450001 and below (P1, P2), officer3 450003 (P3);
auditor1 and admin1 read everything.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from tracker.commands.users import UserCommands
from tracker.domain.lag import DEFAULT_RULE
from tracker.queries import Figures, ProjectStatus
from web.views.dashboard import Filters, default_unit, filter_options, total_of, unit_tree

ROLES = ("officer1", "manager1", "auditor1", "admin1", "officer3")
SEES = {
    "officer1": {"P1"},
    "manager1": {"P1", "P2"},
    "auditor1": {"P1", "P2", "P3"},
    "admin1": {"P1", "P2", "P3"},
    "officer3": {"P3"},
}


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its real cost takes half a second a hash; the rules are the same."""
    monkeypatch.setattr(
        UserCommands, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def listed(page: str) -> set[str]:
    """The project codes in the page's table rows."""
    return set(re.findall(r'<tr data-code="([^"]+)"', page))


def figure(page: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', page, re.S)
    assert found, f"no figure {name}"
    return dict(json.loads(found.group(1)))


def row_of(page: str, code: str) -> str:
    found = re.search(rf'<tr data-code="{code}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {code}"
    return found.group(1)


def total_row(page: str) -> str:
    found = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S)
    assert found
    return found.group(1)


# ------------------------------------------------------------------ access


@pytest.mark.parametrize("path", ["/", "/projects"])
def test_anonymous_is_sent_to_the_login_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize("path", ["/", "/projects"])
def test_every_role_sees_exactly_its_projects(as_user: Any, name: str, path: str) -> None:
    page = html(response := as_user(name).get(path))
    assert response.status_code == 200
    assert listed(page) == SEES[name]
    if "P3" not in SEES[name]:
        assert "/projects/2024/P3" not in page
        assert "易县" not in page  # not in the table, the chart or the unit switcher


@pytest.mark.parametrize(
    ("name", "unit"), [("officer1", "450003"), ("officer1", "450001"), ("manager1", "450003")]
)
@pytest.mark.parametrize("path", ["/", "/projects"])
def test_another_units_dashboard_is_forbidden(as_user: Any, name: str, unit: str, path: str) -> None:
    response = as_user(name).get(f"{path}?unit={unit}")
    assert response.status_code == 403
    assert "无权访问" in html(response)


@pytest.mark.parametrize(("name", "code"), [("auditor1", 404), ("officer1", 403)])
def test_an_unknown_unit_is_not_found_for_the_auditor_and_forbidden_for_others(
    as_user: Any, name: str, code: int
) -> None:
    assert as_user(name).get("/?unit=999999").status_code == code


def test_the_unit_switcher_offers_only_readable_units_as_a_tree(as_user: Any) -> None:
    page = html(as_user("manager1").get("/"))
    switcher = re.search(r'<select id="f-unit" name="unit">(.*?)</select>', page, re.S).group(1)  # type: ignore[union-attr]
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', switcher)
    assert [code for code, _ in options] == ["450001", "450002"]
    assert options[1][1].startswith("\u3000450002")  # indented under its parent
    assert 'value="450001" selected' in switcher  # the manager's own unit by default


def test_the_auditor_sees_every_unit_by_default_and_can_choose_one(as_user: Any) -> None:
    client = as_user("auditor1")
    assert '<option value="all" selected>' in html(client.get("/"))
    page = html(client.get("/?unit=450003"))
    assert listed(page) == {"P3"}
    assert "450003 易县医疗保障局" in page
    assert listed(html(client.get("/?unit=450001"))) == {"P1", "P2"}  # a unit and its subtree


def test_a_manager_may_narrow_to_a_unit_below(as_user: Any) -> None:
    client = as_user("manager1")
    assert listed(html(client.get("/?unit=450002"))) == {"P1"}
    assert listed(html(client.get("/?unit=all"))) == {"P1", "P2"}


# ----------------------------------------------------------------- figures


def test_totals_are_the_three_big_numbers_and_the_total_row(as_user: Any) -> None:
    page = html(as_user("manager1").get("/"))
    assert re.search(r'id="kpi-budget">700,000.00<', page)
    assert re.search(r'id="kpi-disbursed">110,000.50<', page)
    assert "15.71%" in page  # 110,000.50 / 700,000.00
    footer = total_row(page)
    assert "合计（2 个项目）" in footer
    assert "700,000.00" in footer
    assert "110,000.50" in footer
    assert "15.71%" in footer


def test_each_row_has_its_figures_and_a_status_dot_with_its_word(as_user: Any) -> None:
    row = row_of(html(as_user("officer1").get("/")), "P1")
    assert "200,000.00" in row
    assert "50,000.50" in row
    assert "25.00%" in row  # execution
    assert "54.08%" in row  # planned on 07-15
    assert "+29.08" in row  # lag in points
    assert '<span class="status status-red">严重滞后</span>' in row
    assert 'href="/projects/2024/P1"' in row


def test_as_of_shows_the_figures_of_that_day(as_user: Any) -> None:
    client = as_user("officer1")
    page = html(client.get("/?as_of=2024-03-31"))
    row = row_of(page, "P1")
    assert "30,000.00" in row
    assert "50,000.50" not in row
    assert re.search(r'id="kpi-disbursed">30,000.00<', page)
    assert "显示 2024-03-31 的数据" in page  # the band of a page of the past
    assert 'href="/projects/2024/P1?as_of=2024-03-31"' in row  # the link keeps the day
    assert figure(page, "bullet")["links"]["P1"] == "/projects/2024/P1?as_of=2024-03-31"


def test_wan_toggle_shows_amounts_in_wan(as_user: Any) -> None:
    client = as_user("officer1")
    page = html(client.get("/"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/preferences/money-unit", data={"csrf_token": token, "unit": "wan", "next": "/"})
    assert response.status_code == 302
    page = html(client.get("/"))
    assert re.search(r'id="kpi-budget">20.00<', page)
    assert re.search(r'id="kpi-disbursed">5.00<', page)
    assert "全年预算（万元）" in page
    row = row_of(page, "P1")
    assert "20.00" in row
    assert "200,000.00" not in row


def test_the_bullet_chart_has_a_bar_per_project_linking_to_its_page(as_user: Any) -> None:
    page = html(as_user("manager1").get("/"))
    fig = figure(page, "bullet")
    assert fig["links"] == {"P1": "/projects/2024/P1", "P2": "/projects/2024/P2"}
    planned = next(t for t in fig["data"] if t["name"] == "序时进度")
    assert sorted(planned["customdata"]) == ["P1", "P2"]
    assert "/vendor/plotly-" in page  # plotly.js from our own server


# ----------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("functional=2101502", {"P2"}),
        ("functional=21015", {"P1", "P2", "P3"}),
        ("functional=210", {"P1", "P2", "P3"}),
        ("source=上级补助", {"P3"}),
        ("source=一般公共预算财政拨款", {"P1", "P2"}),
        ("type=项目支出", {"P1", "P2", "P3"}),
        ("type=项目支出&source=上级补助&functional=2101599", {"P3"}),
    ],
)
def test_filters_in_the_url_narrow_the_table_and_the_totals(
    as_user: Any, query: str, codes: set[str]
) -> None:
    for path in ("/", "/projects"):
        page = html(as_user("auditor1").get(f"{path}?{query}"))
        assert listed(page) == codes
        assert f"合计（{len(codes)} 个项目）" in total_row(page)


def test_filter_options_are_what_the_readable_projects_hold(as_user: Any) -> None:
    page = html(as_user("officer1").get("/"))
    assert 'value="2101501"' in page
    assert 'value="2101599"' not in page  # P3's class: not readable
    assert 'value="上级补助"' not in page


def test_no_project_passes_the_filter_says_how_to_clear_it(as_user: Any) -> None:
    page = html(as_user("officer1").get("/?source=上级补助"))
    assert listed(page) == set()
    assert "没有符合筛选条件的项目" in page
    assert "清除筛选" in page


def test_a_year_without_projects_says_what_to_do_next(as_user: Any) -> None:
    page = html(as_user("auditor1").get("/?as_of=2023-06-30"))
    assert "2023 年尚无可查看的项目" in page
    assert "导入" in page


def test_a_malformed_date_is_refused_in_chinese(as_user: Any) -> None:
    response = as_user("officer1").get("/?as_of=2024-13-01")
    assert response.status_code == 400


def test_print_header_names_the_unit_and_the_day(as_user: Any) -> None:
    page = html(as_user("officer1").get("/?as_of=2024-06-30"))
    assert re.search(r'<div class="print-header">\s*预算执行总览 · 满城区医保中心 · 截至 2024-06-30', page)


# ------------------------------------------------------------------ export


def sheet(response: Any) -> list[list[Any]]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(response.get_data())).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_the_table_exports_to_excel_exactly_as_shown(as_user: Any) -> None:
    client = as_user("manager1")
    page = html(client.get("/?as_of=2024-06-30&functional=2101502"))
    link = re.search(r'id="export-link" href="([^"]+)"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert "as_of=2024-06-30" in link
    assert "functional=2101502" in link
    rows = sheet(client.get(link))
    assert "截至 2024-06-30" in rows[0][0]
    assert "金额单位：元" in rows[0][0]
    assert rows[1][:3] == ["项目编码", "项目名称", "单位"]
    assert [r[0] for r in rows[2:]] == ["P2", "合计"]
    p2 = rows[2]
    assert p2[6:9] == [500000, 60000, 440000]
    assert p2[9] == 12  # execution 12.00%
    assert p2[13] == "正常"


def test_the_export_keeps_to_the_users_units(as_user: Any) -> None:
    client = as_user("officer1")
    rows = sheet(client.get("/projects/export.xlsx"))
    assert [r[0] for r in rows[2:]] == ["P1", "合计"]
    assert rows[2][7] == Decimal("50000.5")
    assert client.get("/projects/export.xlsx?unit=450003").status_code == 403


# --------------------------------------------------- view-model functions


def status(
    code: str, unit: str, functional: str | None, source: str, kind: str = "项目支出"
) -> ProjectStatus:
    p = ProjectStatus("id", 2024, code, code, unit, kind, functional, None, source, None, DEFAULT_RULE)
    p.figures = Figures(budget=Decimal(100), disbursed=Decimal(10), planned_amount=Decimal(20))
    return p


PROJECTS = [
    status("A", "1", "2101501", "一般公共预算财政拨款"),
    status("B", "1", "2080505", "上级补助", "基本支出-人员经费"),
    status("C", "2", None, "单位资金"),
]


def test_filters_keep_a_class_branch_and_the_unclassified() -> None:
    assert [p.code for p in Filters(functional="210").apply(PROJECTS)] == ["A"]
    assert [p.code for p in Filters(functional="未分类").apply(PROJECTS)] == ["C"]
    assert [p.code for p in Filters(type="基本支出-人员经费").apply(PROJECTS)] == ["B"]
    assert Filters.from_args({"source": " 单位资金 ", "x": "y"}).as_args() == {"source": "单位资金"}


def test_filter_options_list_every_level_of_the_classes_present() -> None:
    opts = filter_options(PROJECTS)
    assert [c for c, _ in opts.functional] == ["208", "20805", "2080505", "210", "21015", "2101501", "未分类"]
    assert dict(opts.functional)["21015"] == "\u300021015 医疗保障管理事务"
    assert [t for t, _ in opts.type] == ["项目支出", "基本支出-人员经费"]


def test_total_rates_come_from_summed_amounts() -> None:
    total = total_of(PROJECTS)
    assert (total.budget, total.disbursed, total.execution_rate) == (Decimal(300), Decimal(30), Decimal(10))


UNITS = [
    {"code": "1", "name": "局", "parent_code": None},
    {"code": "2", "name": "中心", "parent_code": "1"},
    {"code": "3", "name": "所", "parent_code": "2"},
    {"code": "9", "name": "别处", "parent_code": None},
]


def test_unit_tree_indents_children_and_hides_what_is_not_readable() -> None:
    assert unit_tree(UNITS, None) == [
        ("1", "1 局"),
        ("2", "\u30002 中心"),
        ("3", "\u3000\u30003 所"),
        ("9", "9 别处"),
    ]
    assert unit_tree(UNITS, frozenset({"2", "3"})) == [("2", "2 中心"), ("3", "\u30003 所")]


def test_default_unit_is_the_users_one_top_unit() -> None:
    units = {u["code"]: u for u in UNITS}
    assert default_unit(["2"], frozenset({"2", "3"}), units) == "2"
    assert default_unit(["2", "3"], frozenset({"2", "3"}), units) == "2"  # 3 lies under 2
    assert default_unit(["3", "9"], frozenset({"3", "9"}), units) is None  # two branches: all readable
    assert default_unit([], None, units) is None  # auditor and admin
