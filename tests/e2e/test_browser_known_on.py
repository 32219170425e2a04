"""The 依据 (as known on) control and the 预算调剂 form in a real headless Chromium.

A payment of P1 dated 2024-06-30 is recorded "in 2030" (a pinned recording clock);
set to a moment before it, the dashboard's band says so, a link to the project page
keeps the moment and both leave that payment out. On P1's page an officer opens the
transfer form: a good transfer comes back with its confirmation, a bad amount comes
back with the error summary and the Chinese message beside the field, and a double
click records once. No request may leave 127.0.0.1. Screenshots at 1280 and 375 px
go to ``TRACKER_SCREENSHOTS`` (else a temporary folder).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from browser import PHONE, launch, open_page, screenshots_dir, serve, sign_in
from webdata import TODAY, seed

from tracker.commands.users import UserCommands
from web import create_app

pytestmark = pytest.mark.slow

WIDE = {"width": 1280, "height": 900}
LATER = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)
MOMENT = "2029-12-31T17:00"
BAND = "显示 2024-07-15 的数据（依据 2029-12-31 17:00 的登记）"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import eventsourcing.domain

    monkeypatch.setattr(
        UserCommands, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    app = create_app(
        {
            "TRACKER_DB": f"sqlite:///{tmp_path / 'site.db'}",
            "SECRET_KEY": "browser-test",
            "TRACKER_TODAY": TODAY,
        }
    )
    seed(app)
    t = app.extensions["tracker"]
    t.add_project(year=2024, unit="450002", code="P4", name="医保稽核", user="种子")
    t.appropriate("P4", "10000", date="2024-01-10", doc="财【2024】1号", user="种子")
    with monkeypatch.context() as later:
        later.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: LATER)
        t.pay("P1", "1000", date="2024-06-30", payee="补录的印刷费", user="种子")
    yield from serve(app)
    t.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    yield from launch()


def row_text(page: Any, code: str) -> str:
    return page.locator("table.data tbody tr", has_text=f"{code} ").first.inner_text()


def events(site: Any) -> int:
    return int(site.app.extensions["tracker"].recorder.max_notification_id() or 0)


def budget(site: Any, code: str) -> str:
    return str(site.app.extensions["tracker"].show(code)["budget"])


def test_the_known_on_control_states_the_moment_and_keeps_it_to_the_project_page(
    site: Any, browser: Any, tmp_path: Path
) -> None:
    shots = screenshots_dir(tmp_path)
    page, guard = open_page(browser, WIDE)
    sign_in(page, site.url, "manager1")
    assert "51,000.50" in row_text(page, "P1")  # every record counts
    page.fill("#known_on", MOMENT)
    page.click("form.timectl button[type=submit]")
    page.wait_for_url("**known_on=**")
    assert BAND in page.inner_text("body")
    assert "50,000.50" in row_text(page, "P1")  # the payment recorded in 2030 is left out
    page.wait_for_selector("[data-figure][data-rendered='1']")
    page.screenshot(path=str(shots / "dashboard-known-on-1280.png"), full_page=True)

    page.click("#status-table a[href*='/projects/2024/P1']")
    page.wait_for_url("**/projects/2024/P1?**known_on=**")
    assert BAND in page.inner_text("body")
    assert page.input_value("#known_on").startswith(MOMENT)
    assert "50,000.50" in page.inner_text("#kpi-disbursed")
    assert "补录的印刷费" not in page.inner_text("#payment-table")
    page.wait_for_selector("[data-figure][data-rendered='1']")
    page.screenshot(path=str(shots / "project-known-on-1280.png"), full_page=True)

    page.goto(f"{site.url}/rollups?unit=all&known_on={MOMENT}")
    assert BAND in page.inner_text("body")
    assert f"known_on={MOMENT}" in (page.get_attribute("#heat-table tbody a", "href") or "")
    page.screenshot(path=str(shots / "rollups-known-on-1280.png"), full_page=True)
    assert guard.foreign == []

    phone, phone_guard = open_page(browser, PHONE)
    sign_in(phone, site.url, "manager1")
    for name, path in (
        ("dashboard", "/"),
        ("project", "/projects/2024/P1"),
        ("rollups", "/rollups?unit=all&"),
    ):
        joiner = "" if path.endswith("&") else "?"
        phone.goto(f"{site.url}{path}{joiner}known_on={MOMENT}")
        assert BAND in phone.inner_text("body")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} scrolls sideways ({width}px)"
        phone.screenshot(path=str(shots / f"{name}-known-on-375.png"), full_page=True)
    assert phone_guard.foreign == []


def test_the_transfer_form_confirms_refuses_by_field_and_records_a_double_click_once(
    site: Any, browser: Any, tmp_path: Path
) -> None:
    shots = screenshots_dir(tmp_path)
    page, guard = open_page(browser, WIDE)
    sign_in(page, site.url, "officer1")
    page.goto(site.url + "/projects/2024/P1")
    page.click("a:text-is('预算调剂')")
    page.wait_for_url("**/projects/2024/P1/transfers/new**")
    page.screenshot(path=str(shots / "transfer-form-1280.png"), full_page=True)

    before = events(site)
    page.select_option("#to", "P4")
    page.fill("#amount", "12.345")
    page.fill("#date", "2024-07-01")
    page.fill("#doc", "满财预调【2024】5号")
    page.click("main form button.btn[type=submit]")
    page.wait_for_selector("#error-summary")
    assert "有 1 处需要修改" in page.inner_text("#error-summary")
    message = page.inner_text("#amount-error")
    assert "金额" in message
    assert "两位小数" in message
    assert page.input_value("#amount") == "12.345"  # everything typed comes back
    assert page.input_value("#doc") == "满财预调【2024】5号"
    assert events(site) == before
    page.screenshot(path=str(shots / "transfer-error-1280.png"), full_page=True)

    page.fill("#amount", "5000")
    page.click("main form button.btn[type=submit]")
    page.wait_for_url(lambda url: "/transfers/new" not in url)
    assert "已调剂 5,000.00 元至 P4（文号 满财预调【2024】5号）" in page.inner_text("main")
    assert (budget(site, "P1"), budget(site, "P4")) == ("195000.00", "15000.00")
    page.screenshot(path=str(shots / "transfer-done-1280.png"), full_page=True)

    page.goto(site.url + "/projects/2024/P1/transfers/new")
    page.select_option("#to", "P4")
    page.fill("#amount", "1000")
    page.fill("#date", "2024-07-02")
    page.fill("#doc", "满财预调【2024】6号")
    before = events(site)
    page.dblclick("main form button.btn[type=submit]")
    page.wait_for_url(lambda url: "/transfers/new" not in url)
    assert "已调剂 1,000.00 元至 P4" in page.inner_text("main")
    assert events(site) == before + 2  # one transfer: its two sides
    assert (budget(site, "P1"), budget(site, "P4")) == ("194000.00", "16000.00")
    assert guard.foreign == []

    phone, phone_guard = open_page(browser, PHONE)
    sign_in(phone, site.url, "officer1")
    phone.goto(site.url + "/projects/2024/P1/transfers/new")
    phone.fill("#amount", "abc")
    phone.click("main form button.btn[type=submit]")
    phone.wait_for_selector("#error-summary")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the transfer form scrolls sideways ({width}px)"
    phone.screenshot(path=str(shots / "transfer-error-375.png"), full_page=True)
    assert phone_guard.foreign == []
