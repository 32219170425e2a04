"""Signing in and out, the login rate limit, CSRF, security headers, the secret key,
and scopes that follow each role's own units."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from webdata import csrf_from, login

from tracker.commands.users import UserCommands
from web import create_app
from web.settings import instance_secret


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        UserCommands, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def test_anonymous_pages_send_to_the_login_form(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_wrong_password_is_refused_in_chinese(client: FlaskClient) -> None:
    response = login(client, "officer1", "wrong-password-1")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(app: Flask, as_user: Any) -> None:
    client = as_user("officer1")
    assert client.get("/").status_code == 200
    app.extensions["tracker"].disable_user("officer1", user="admin1")
    assert client.get("/").status_code == 302
    assert login(app.test_client(), "officer1").status_code == 401


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"name": "officer1", "password": "x" * 12})
    assert response.status_code == 400
    assert "请求无效" in response.get_data(as_text=True)


def test_next_never_leaves_the_site(client: FlaskClient) -> None:
    page = client.get("/login")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            "/login?next=" + target,
            data={"name": "officer1", "password": "correct-horse-1", "csrf_token": csrf_from(page.text)},
        )
        assert response.headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
        page = client.get("/login")


def test_logout_ends_the_session(as_user: Any) -> None:
    client = as_user("manager1")
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_login_attempts_are_rate_limited(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "TRACKER_DB": f"sqlite:///{tmp_path / 'rl.db'}",
            "SECRET_KEY": "k",
            "LOGIN_RATE_LIMIT": "3 per minute",
        }
    )
    client = app.test_client()
    codes = [login(client, "nobody", "wrong-password-1").status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    assert "尝试次数过多" in login(client, "nobody", "x").get_data(as_text=True)
    app.extensions["tracker"].close()


def test_every_page_carries_security_headers_and_session_cookie_flags(client: FlaskClient) -> None:
    response = login(client, "officer1")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"


def test_secure_cookies_behind_tls(tmp_path: Path) -> None:
    app = create_app(
        {"TRACKER_DB": f"sqlite:///{tmp_path / 's.db'}", "SECRET_KEY": "k", "PREFERRED_URL_SCHEME": "https"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["tracker"].close()


def test_the_secret_key_is_generated_once_into_the_instance_folder(tmp_path: Path) -> None:
    first = instance_secret(tmp_path / "instance")
    assert len(first) == 64
    assert instance_secret(tmp_path / "instance") == first
    mode = stat.S_IMODE(os.stat(tmp_path / "instance" / "secret_key").st_mode)
    assert mode == 0o600


def test_a_role_counts_only_for_the_units_it_was_granted_with(app: Flask, client: FlaskClient) -> None:
    t = app.extensions["tracker"]
    t.add_user("mixed1", roles=["officer"], units=["450003"], password="correct-horse-1", user="admin1")
    t.grant_role("mixed1", "manager", units=["450001"], user="admin1")
    assert login(client, "mixed1").status_code == 302
    with app.test_request_context():
        from flask_login import login_user

        from web.auth import WebUser, scope

        login_user(WebUser(t.account("mixed1")))
        s = scope()
        assert s.can_record("450003")
        assert not s.can_record("450001")
        assert not s.can_record("450002")
        assert s.can_manage("450002")
        assert not s.can_manage("450003")
        assert s.can_read("450001")
        assert s.can_read("450003")


def test_plotly_is_served_from_our_own_files_with_a_long_cache(client: FlaskClient) -> None:
    login(client, "officer1")
    page = client.get("/").get_data(as_text=True)
    assert "cdn" not in page.lower()
    response = client.get("/vendor/plotly-4.1.1.min.js")
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    response.close()
    assert client.get("/vendor/other.js").status_code == 404
