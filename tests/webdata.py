"""The web tests' world: two unit branches, projects with payments, one account per
role (plus an officer of the other branch, to prove isolation). Shared by the Flask
test-client tests (tests/web) and the real-browser tests (tests/e2e)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

PASSWORD = "correct-horse-1"
TODAY = dt.date(2024, 7, 15)
ACCOUNTS = {
    "officer1": (["officer"], ["450002"]),
    "manager1": (["manager"], ["450001"]),
    "auditor1": (["auditor"], []),
    "admin1": (["admin"], []),
    "officer3": (["officer"], ["450003"]),
}


def seed(app: Flask) -> None:
    t = app.extensions["tracker"]
    t.add_unit("450001", "满城区医疗保障局", user="种子")
    t.add_unit("450002", "满城区医保中心", parent="450001", user="种子")
    t.add_unit("450003", "易县医疗保障局", user="种子")
    plan = "03-31:25%,06-30:50%,09-30:75%,12-31:100%"
    t.add_project(
        year=2024,
        unit="450002",
        code="P1",
        name="城乡居民医保宣传",
        functional="2101501",
        economic="30201",
        plan=plan,
        owner="王五",
        user="种子",
    )
    t.add_project(
        year=2024,
        unit="450001",
        code="P2",
        name="办公室整修",
        functional="2101502",
        economic="30213",
        plan="03-31:,06-30:70000,10-31:100000,12-31:500000",
        user="种子",
    )
    t.add_project(
        year=2024,
        unit="450003",
        code="P3",
        name="易县慢特病审核",
        functional="2101599",
        source="上级补助",
        plan=plan,
        user="种子",
    )
    for code, amount in (("P1", "200000"), ("P2", "500000"), ("P3", "80000")):
        t.appropriate(code, amount, date="2024-01-10", doc="财【2024】1号", user="种子")
    t.pay("P1", "30000", date="2024-03-20", payee="某广告公司", economic="30201", user="种子")
    t.pay("P1", "20000.50", date="2024-06-10", payee="某印刷厂", user="种子")
    t.pay("P2", "60000", date="2024-05-10", payee="某装饰公司", user="种子")
    t.pay("P3", "50000", date="2024-04-01", payee="某医院", user="种子")
    for name, (roles, units) in ACCOUNTS.items():
        t.add_user(name, roles=roles, units=units, password=PASSWORD, user="种子")


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    """Sign in through the real login form (CSRF token included)."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_from(page.get_data(as_text=True))},
    )
