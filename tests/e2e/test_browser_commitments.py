"""合同/采购 in a real headless Chromium: an officer records a contract from the project
page, pays part of it from the payment form, and a manager sees the stacked bar on the
dashboard and the band on the S-curve; both pages fit a phone. No request may leave
127.0.0.1. Screenshots (1366 and 375 px) are saved for people to look at.
"""

from __future__ import annotations

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

CONTRACT = "满医保采〔2024〕3号 运维合同"


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
        }
    )
    seed(app)
    yield from serve(app)
    app.extensions["tracker"].close()


@pytest.fixture
def browser() -> Iterator[Any]:
    yield from launch()


def test_an_officer_records_a_contract_pays_part_of_it_and_a_manager_sees_it(
    site: Any, browser: Any, tmp_path: Path
) -> None:
    shots = screenshots_dir(tmp_path)
    page, guard = open_page(browser, DESKTOP)
    sign_in(page, site.url, "officer1")
    page.goto(site.url + "/projects/2024/P1")
    page.click("nav.actions a:has-text('登记合同')")
    page.wait_for_url("**/commitments/new**")
    page.fill("#contract", CONTRACT)
    page.fill("#supplier", "某软件公司")
    page.fill("#amount", "160000")  # more than the 149,999.50 free
    page.fill("#date", "2024-05-06")
    page.click("main form button.btn[type=submit]")
    page.wait_for_selector(".error-summary")
    assert "149,999.50" in page.inner_text(".error-summary")
    assert page.input_value("#contract") == CONTRACT  # everything typed comes back
    page.screenshot(path=str(shots / "commitment-form-error-desktop.png"), full_page=True)

    page.fill("#amount", "60000")
    page.click("main form button.btn[type=submit]")
    page.wait_for_url(lambda url: "/commitments/new" not in url)
    assert "已登记合同" in page.inner_text("main")
    page.click("main a:has-text('按此合同登记支付')")
    page.wait_for_url("**/payments/new?**commitment=**")
    page.fill("#amount", "25000")
    page.fill("#date", "2024-07-10")
    page.fill("#payee", "某软件公司")
    page.click("main form button.btn[type=submit]")
    page.wait_for_url(lambda url: "/payments/new" not in url)
    page.wait_for_selector("[data-figure][data-rendered='1']")
    table = page.inner_text("#commitment-table")
    assert "35,000.00" in table  # 60,000 less the 25,000 paid against it
    page.screenshot(path=str(shots / "commitments-project-desktop.png"), full_page=True)

    manager, guard2 = open_page(browser, DESKTOP)
    sign_in(manager, site.url, "manager1")
    manager.wait_for_selector("#commitment-stack-chart[data-rendered='1']")
    assert "已签合同未支付" in manager.inner_text("#status-table thead")
    manager.screenshot(path=str(shots / "commitments-dashboard-desktop.png"), full_page=True)
    assert guard.foreign == []
    assert guard2.foreign == []


@pytest.mark.parametrize("path", ["/", "/projects/2024/P1"])
def test_the_pages_with_commitments_fit_a_phone(site: Any, browser: Any, tmp_path: Path, path: str) -> None:
    site.app.extensions["tracker"].commit(
        "P1", "60000", date="2024-05-06", contract=CONTRACT, supplier="某软件公司", user="种子"
    )
    shots = screenshots_dir(tmp_path)
    page, guard = open_page(browser, PHONE)
    sign_in(page, site.url, "manager1")
    page.goto(site.url + path)
    page.wait_for_selector("[data-figure][data-rendered='1']")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page itself must not scroll sideways on a phone"
    name = "dashboard" if path == "/" else "project"
    page.screenshot(path=str(shots / f"commitments-{name}-phone.png"), full_page=True)
    assert guard.foreign == []
