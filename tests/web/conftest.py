"""Web fixtures: an app on a fresh SQLite file with two unit branches, projects, and
one account per role (plus an officer of the other branch, to prove isolation).

    450001 满城区医疗保障局 (manager1 reads it all)
      └─ 450002 满城区医保中心 (officer1 records here)
    450003 易县医疗保障局 (officer3 records here; nobody above may see it but
                          auditor1 and admin1)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from webdata import ACCOUNTS, PASSWORD, TODAY, csrf_from, login, seed  # noqa: F401 - re-exported

from tracker.commands.users import UserCommands
from web import create_app


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its real cost takes about half a second a hash on this machine; the
    rules are the same at the lowest cost, and the web tests hash a lot."""
    monkeypatch.setattr(
        UserCommands, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "TRACKER_DB": f"sqlite:///{tmp_path / 'web.db'}",
            "SECRET_KEY": "test-secret",
            "TRACKER_TODAY": TODAY,
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    seed(app)
    yield app
    app.extensions["tracker"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def as_user(client: FlaskClient):  # type: ignore[no-untyped-def]
    """``as_user("officer1")`` signs the test client in and returns it."""

    def sign_in(name: str) -> FlaskClient:
        response = login(client, name)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return sign_in
