"""``/healthz`` and ``/metrics`` (issue 14): health without login, metrics only for
loopback or the token, latency by URL rule, commands counted by outcome."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from web import create_app

PG_ADMIN_URL = os.environ.get("TRACKER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def samples(client: FlaskClient, **kwargs: object) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_health_answers_200_without_a_login_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def pg_app(pg_url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "TRACKER_DB": pg_url, "SECRET_KEY": "test"})
    yield app
    app.extensions["tracker"].close()


@pytest.mark.postgres
def test_health_answers_503_when_the_database_is_gone(pg_app: Flask, pg_url: str) -> None:
    client = pg_app.test_client()
    assert client.get("/healthz").status_code == 200
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{pg_url.rsplit("/", 1)[1]}" WITH (FORCE)')
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_metrics_time_requests_by_url_rule_not_by_raw_path(as_user, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    as_user("manager1")
    before = value(
        samples(client),
        "tracker_http_request_seconds_count",
        method="GET",
        route="/projects/<int:year>/<code>",
        status="2xx",
    )
    assert client.get("/projects/2024/P1").status_code == 200
    after = samples(client)
    assert (
        value(
            after,
            "tracker_http_request_seconds_count",
            method="GET",
            route="/projects/<int:year>/<code>",
            status="2xx",
        )
        == before + 1
    )
    assert not any("P1" in dict(labels).get("route", "") for _, labels in after)


def test_metrics_count_commands_as_recorded_duplicate_or_refused(app: Flask, client: FlaskClient) -> None:
    t = app.extensions["tracker"]
    t.appropriate("P1", "1000", date="2024-01-02", user="测试")
    before = samples(client)
    t.pay("P1", "10", date="2024-02-01", payee="甲", request_id="m-1")
    t.pay("P1", "10", date="2024-02-01", payee="甲", request_id="m-1")
    with pytest.raises(Exception, match="可用"):
        t.pay("P1", "100000000", date="2024-02-01", payee="甲")
    after = samples(client)
    name = "tracker_commands_total"
    for outcome in ("recorded", "duplicate", "refused"):
        grew = value(after, name, command="pay", outcome=outcome) - value(
            before, name, command="pay", outcome=outcome
        )
        assert grew == 1, outcome


def test_metrics_are_hidden_from_other_addresses_and_from_behind_a_proxy(client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 404


def test_metrics_open_to_the_token_from_anywhere(app: Flask, client: FlaskClient) -> None:
    app.config["TRACKER_METRICS_TOKEN"] = "s3cret-token"
    far = {"REMOTE_ADDR": "10.1.2.3"}
    good = {"Authorization": "Bearer s3cret-token"}
    bad = {"Authorization": "Bearer wrong"}
    assert client.get("/metrics", environ_base=far, headers=good).status_code == 200
    assert client.get("/metrics", environ_base=far, headers=bad).status_code == 404


def test_metrics_count_imported_payments_as_the_pay_command(
    app: Flask, client: FlaskClient, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The import saves payments in batches, not through ``pay``; they count all the same."""
    from tracker.importing import import_file

    t = app.extensions["tracker"]
    t.appropriate("P1", "100000", date="2024-01-02", user="测试")
    path = tmp_path / "pay.csv"
    path.write_text(
        "日期,项目编码,金额(元),收款人,经济分类,凭证号\n"
        "2024-02-01,P1,100.00,甲,30201,记-1\n"
        "2024-02-02,P1,200.00,乙,30201,记-2\n",
        encoding="utf-8",
    )
    name = "tracker_commands_total"
    before = samples(client)
    import_file(t, path, year=2024)
    import_file(t, path, year=2024)
    after = samples(client)
    for outcome in ("recorded", "duplicate"):
        grew = value(after, name, command="pay", outcome=outcome) - value(
            before, name, command="pay", outcome=outcome
        )
        assert grew == 2, outcome
