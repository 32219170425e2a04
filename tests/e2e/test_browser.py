"""The site in a real headless Chromium, as an officer and a manager would use it.

Sign in, record a payment in the form, see the dashboard's figures and chart change,
open the project page, look at an earlier day with the as-of picker, upload a
spreadsheet with a bad row and see the row named. No request may leave 127.0.0.1.
Screenshots (desktop and 375 px) are saved for people to look at
(``TRACKER_SCREENSHOTS=docs/screenshots`` keeps the README's pictures).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from browser import DESKTOP, PHONE, launch, open_page, screenshots_dir, serve, sign_in
from webdata import TODAY, seed

from tracker.commands.users import UserCommands
from web import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(
        UserCommands, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    app = create_app(
        {
            "TRACKER_DB": f"sqlite:///{tmp_path / 'site.db'}",
            "SECRET_KEY": "browser-test",
            "TRACKER_TODAY": TODAY,
            "TRACKER_UPLOADS": str(tmp_path / "uploads"),
        }
    )
    seed(app)
    yield from serve(app)
    app.extensions["tracker"].close()


@pytest.fixture
def browser() -> Iterator[Any]:
    yield from launch()


def figure(page: Any, name_part: str) -> dict[str, Any]:
    """The JSON of the first inlined figure whose text mentions ``name_part``."""
    for text in page.locator('script[type="application/json"]').all_text_contents():
        if name_part in text:
            return json.loads(text)
    raise AssertionError(f"no figure mentions {name_part}")


def row_text(page: Any, code: str) -> str:
    return page.locator("table.data tbody tr", has_text=f"{code} ").first.inner_text()


def test_an_officer_records_a_payment_and_sees_the_dashboard_and_chart_change(
    site: Any, browser: Any, tmp_path: Path
) -> None:
    shots = screenshots_dir(tmp_path)
    page, guard = open_page(browser, DESKTOP)
    page.goto(site.url + "/login")
    page.screenshot(path=str(shots / "login-desktop.png"))
    sign_in(page, site.url, "officer1")
    assert "50,000.50" in row_text(page, "P1")
    before = json.dumps(figure(page, "P1"), ensure_ascii=False)

    page.goto(site.url + "/projects/2024/P1/payments/new")
    page.fill("#amount", "10000")
    page.fill("#date", "2024-07-10")
    page.fill("#payee", "某会展公司")
    page.screenshot(path=str(shots / "payment-form-desktop.png"), full_page=True)
    page.click("main form button.btn[type=submit]")
    page.wait_for_url(lambda url: "/payments/new" not in url)
    assert "已登记支付 10,000.00 元" in page.inner_text("main")
    page.wait_for_selector("[data-figure][data-rendered='1']")
    page.screenshot(path=str(shots / "project-desktop.png"), full_page=True)

    page.goto(site.url + "/")
    page.wait_for_selector("[data-figure][data-rendered='1']")
    assert "60,000.50" in row_text(page, "P1")
    assert json.dumps(figure(page, "P1"), ensure_ascii=False) != before
    page.screenshot(path=str(shots / "dashboard-officer-desktop.png"), full_page=True)
    assert guard.foreign == []


def test_the_as_of_picker_shows_an_earlier_day(site: Any, browser: Any) -> None:
    page, guard = open_page(browser, DESKTOP)
    sign_in(page, site.url, "manager1")
    page.fill("#as_of", "2024-03-31")
    page.click("form.timectl button[type=submit]")
    page.wait_for_url("**as_of=2024-03-31**")
    assert "显示 2024-03-31 的数据" in page.inner_text("body")
    assert "30,000.00" in row_text(page, "P1")
    page.click("a[href*='/projects/2024/P1']")
    page.wait_for_url("**/projects/2024/P1**as_of=2024-03-31**")
    assert "显示 2024-03-31 的数据" in page.inner_text("body")
    assert guard.foreign == []


def test_an_upload_with_a_bad_row_names_the_row_and_records_nothing(
    site: Any, browser: Any, tmp_path: Path
) -> None:
    shots = screenshots_dir(tmp_path)
    bad = tmp_path / "支付明细.csv"
    bad.write_text(
        "日期,项目编码,金额(元),收款人\n2024-07-01,P1,1000.00,某文印店\n2024-07-03,P1,一千,某店\n",
        encoding="utf-8-sig",
    )
    tracker = site.app.extensions["tracker"]
    count = tracker.read.one("SELECT COUNT(*) AS n FROM rm_payments")["n"]
    page, guard = open_page(browser, DESKTOP)
    sign_in(page, site.url, "officer1")
    page.goto(site.url + "/transfer")
    page.set_input_files("#file", str(bad))
    page.fill("#year", "2024")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("text=未导入任何内容")
    problems = page.inner_text("main")
    assert "第3行" in problems
    assert "金额(元)" in problems
    page.screenshot(path=str(shots / "import-error-desktop.png"), full_page=True)
    assert tracker.read.one("SELECT COUNT(*) AS n FROM rm_payments")["n"] == count
    assert guard.foreign == []


@pytest.mark.parametrize("path", ["/", "/projects/2024/P1"])
def test_the_dashboard_and_project_page_fit_a_phone(
    site: Any, browser: Any, tmp_path: Path, path: str
) -> None:
    shots = screenshots_dir(tmp_path)
    page, guard = open_page(browser, PHONE)
    sign_in(page, site.url, "manager1")
    page.goto(site.url + path)
    page.wait_for_selector("[data-figure][data-rendered='1']")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page itself must not scroll sideways on a phone"
    name = "dashboard" if path == "/" else "project"
    page.screenshot(path=str(shots / f"{name}-phone.png"), full_page=True)
    assert guard.foreign == []


def test_the_dashboard_prints_without_navigation(site: Any, browser: Any, tmp_path: Path) -> None:
    page, _ = open_page(browser, DESKTOP)
    sign_in(page, site.url, "manager1")
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert page.locator(".print-header").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_a_long_table_sorts_and_pages_by_its_links_on_desktop_and_phone(
    site: Any, browser: Any, tmp_path: Path
) -> None:
    t = site.app.extensions["tracker"]
    for i in range(105):  # with P1 and P2, 107 projects a manager of 450001 sees: two pages
        code = f"Q{i:03d}"
        t.add_project(year=2024, unit="450002", code=code, name=f"批量项目{i}", user="种子")
        t.appropriate(code, str(1000 + i), date="2024-01-10", user="种子")
    shots = screenshots_dir(tmp_path)
    page, guard = open_page(browser, DESKTOP)
    sign_in(page, site.url, "manager1")
    page.click("#status-table thead >> text=全年预算")
    page.wait_for_url("**sort=budget**")
    first = page.locator("#status-table tbody tr").first.get_attribute("data-code")
    assert first == "P2"  # 500,000 元, the largest budget
    assert page.locator("#status-table tbody tr").count() == 100
    page.click(".pager >> text=下一页")
    page.wait_for_url("**page=2**")
    assert page.locator("#status-table tbody tr").count() == 7
    assert "sort=budget" in page.url
    page.screenshot(path=str(shots / "dashboard-pages-desktop.png"), full_page=True)
    phone, _ = open_page(browser, PHONE)
    sign_in(phone, site.url, "manager1")
    phone.goto(site.url + "/projects?sort=lag")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the pager must not make the page scroll sideways"
    phone.screenshot(path=str(shots / "projects-pages-phone.png"), full_page=True)
    assert guard.foreign == []
