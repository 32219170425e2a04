"""The JSON API: every endpoint for every role, unit isolation, the idempotency key,
and the shape and status of each refusal (401/403/404/409/422/400), with nothing
recorded on any of them.

The world is tests/webdata.py's, seeded once per module into a template database
(hashing five passwords takes seconds) and copied for each test that writes.
``/status`` is compared with the real ``tracker status --format json`` run in a
subprocess on the same database file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from webdata import PASSWORD, TODAY, seed

from web import create_app

ROLES = ("officer1", "manager1", "auditor1", "admin1", "officer3")
READERS_OF = {  # who may read each project
    "P1": {"officer1", "manager1", "auditor1", "admin1"},
    "P2": {"manager1", "auditor1", "admin1"},
    "P3": {"officer3", "auditor1", "admin1"},
}
RECORDERS_OF = {"P1": {"officer1"}, "P2": set(), "P3": {"officer3"}}
PAYMENT = {"project": "P1", "amount": "1000.00", "date": "2024-07-01", "payee": "某印刷厂"}
GRANT = {"project": "P1", "amount": "1000.00", "date": "2024-07-01", "kind": "add"}


def config(db: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "TRACKER_DB": f"sqlite:///{db}",
        "SECRET_KEY": "test-secret",
        "TRACKER_TODAY": TODAY,
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }


@dataclass
class Api:
    """An app on its own database file, its test client, and a token per account."""

    app: Flask
    client: FlaskClient
    tokens: dict[str, str]
    db: Path

    def call(self, method: str, path: str, who: str | None = None, key: str | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    def get(self, path: str, who: str | None = None, **kw: Any) -> Any:
        return self.call("GET", path, who, **kw)

    def post(self, path: str, who: str | None, body: Any, key: str | None = "k-1", **kw: Any) -> Any:
        return self.call("POST", path, who, key, json=body, **kw)

    @property
    def tracker(self) -> Any:
        return self.app.extensions["tracker"]

    def events(self) -> int:
        return int(self.tracker.recorder.max_notification_id() or 0)

    def payments(self, code: str = "P1") -> list[dict[str, Any]]:
        return self.get(f"/projects/2024/{code}/payments", "auditor1").get_json()["data"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The seeded world with one API token per account, closed and ready to copy."""
    db = tmp_path_factory.mktemp("api-template") / "web.db"
    app = create_app(config(db))
    seed(app)
    tracker = app.extensions["tracker"]
    tokens = {name: tracker.create_token(name, label="测试")[1] for name in ROLES}
    tracker.close()
    return db, tokens


def open_copy(template: tuple[Path, dict[str, str]], folder: Path) -> Api:
    source, tokens = template
    db = folder / "web.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{db}{suffix}")
    app = create_app(config(db))
    return Api(app, app.test_client(), tokens, db)


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    """A fresh copy of the world for a test that writes."""
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


@pytest.fixture(scope="module")
def reader(template: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One copy shared by the tests that only read."""
    world = open_copy(template, tmp_path_factory.mktemp("api-reader"))
    yield world
    world.tracker.close()


def cli_json(db: Path, *args: str) -> Any:
    """What the real ``tracker`` command prints as JSON on this database file."""
    env = {**os.environ, "TRACKER_DB": f"sqlite:///{db}"}
    done = subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) <= {"error", "field"}, body
    assert body["error"], body
    return dict(body)


# ------------------------------------------------------------ the document


def test_openapi_document_is_served_without_a_token_and_documents_bearer_auth(reader: Api) -> None:
    response = reader.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"].lower() == "bearer"
    operations = [(m, p) for p, ops in spec["paths"].items() for m in ops]
    assert ("get", "/api/v1/status") in operations
    assert ("post", "/api/v1/payments") in operations
    for method, path in operations:
        op = spec["paths"][path][method]
        assert op["security"] == [{"BearerAuth": []}], path
        assert "401" in op["responses"], path
        for code, answer in op["responses"].items():
            if code.startswith("4"):
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error"), (path, code)
    payment = spec["paths"]["/api/v1/payments"]["post"]
    assert {p["name"]: p["required"] for p in payment["parameters"]} == {"Idempotency-Key": True}
    assert {"201", "400", "403", "404", "409", "422"} <= set(payment["responses"])


def all_operations(api: Api) -> list[tuple[str, str]]:
    spec = api.client.get("/api/v1/openapi.json").get_json()
    out = []
    for path, ops in spec["paths"].items():
        concrete = (
            path.replace("{year}", "2024")
            .replace("{code}", "P1")
            .replace("{payment_id}", "00000000-0000-0000-0000-000000000000")
            .replace("{indicator_id}", "00000000-0000-0000-0000-000000000000")
            .replace("{alert_id}", "00000000-0000-0000-0000-000000000000")
        )
        out += [(method.upper(), concrete.removeprefix("/api/v1")) for method in ops]
    return out


# ------------------------------------------------------------------ 401


def test_every_endpoint_refuses_a_call_without_a_valid_token(reader: Api) -> None:
    before = reader.events()
    for method, path in all_operations(reader):
        for headers in (
            {},
            {"Authorization": "Bearer trk_nonsense"},
            {"Authorization": "Basic b2ZmaWNlcjE6eA=="},
        ):
            response = reader.call(method, path, headers=headers, json=PAYMENT)
            body = error_of(response, 401)
            assert "Bearer" in body["error"], (method, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert reader.events() == before


def test_a_signed_in_browser_session_does_not_open_the_api(api: Api) -> None:
    page = api.client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = api.client.post("/login", data={"name": "officer1", "password": PASSWORD, "csrf_token": csrf})
    assert signed_in.status_code == 302
    error_of(api.get("/status?year=2024"), 401)
    error_of(api.post("/payments", None, PAYMENT), 401)
    assert len(api.payments()) == 2


def test_a_revoked_token_and_a_disabled_account_are_refused(api: Api) -> None:
    token_id, token = api.tracker.create_token("officer1", label="临时")
    api.tokens["temporary"] = token
    assert api.get("/me", "temporary").status_code == 200
    api.tracker.revoke_token(token_id)
    error_of(api.get("/me", "temporary"), 401)
    assert api.get("/me", "officer3").status_code == 200
    api.tracker.disable_user("officer3")
    error_of(api.get("/me", "officer3"), 401)


# ---------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("who", "args"),
    [
        ("auditor1", []),
        ("admin1", ["--unit", "450003"]),
        ("manager1", ["--unit", "450001"]),
        ("officer1", ["--unit", "450002"]),
        ("officer3", ["--unit", "450003"]),
    ],
)
def test_status_is_exactly_what_the_cli_prints_for_the_same_arguments(
    reader: Api, who: str, args: list[str]
) -> None:
    printed = cli_json(
        reader.db, "status", "--format", "json", "--year", "2024", "--as-of", "2024-06-30", *args
    )
    query = "year=2024&as_of=2024-06-30" + (f"&unit={args[1]}" if args else "")
    response = reader.get(f"/status?{query}", who)
    assert response.status_code == 200
    assert response.get_json() == {"data": printed}


def test_status_without_a_unit_keeps_only_the_callers_projects_and_recomputes_the_total(reader: Api) -> None:
    own = cli_json(
        reader.db, "status", "--format", "json", "--year", "2024", "--as-of", "2024-06-30", "--unit", "450002"
    )
    data = reader.get("/status?year=2024&as_of=2024-06-30", "officer1").get_json()["data"]
    assert [p["code"] for p in data["projects"]] == ["P1"]
    assert data["unit"] is None
    assert data["projects"] == own["projects"]
    assert data["total"] == own["total"]
    manager = reader.get("/status?year=2024&as_of=2024-06-30", "manager1").get_json()["data"]
    assert sorted(p["code"] for p in manager["projects"]) == ["P1", "P2"]
    assert manager["total"]["budget"] == "700000.00"
    everything = reader.get("/status?year=2024&as_of=2024-06-30", "auditor1").get_json()["data"]
    assert everything["total"]["budget"] == "780000.00"


def test_status_defaults_to_the_pinned_today_and_answers_refusals_by_field(reader: Api) -> None:
    data = reader.get("/status", "auditor1").get_json()["data"]
    assert (data["year"], data["as_of"]) == (2024, "2024-07-15")
    assert reader.get("/status?as_of=2023-12-31", "auditor1").get_json()["data"]["year"] == 2023
    assert error_of(reader.get("/status?unit=450003", "officer1"), 403)["field"] == "单位编码"
    assert error_of(reader.get("/status?unit=450003", "manager1"), 403)["field"] == "单位编码"
    assert error_of(reader.get("/status?unit=999999", "auditor1"), 404)["field"] == "单位编码"
    assert error_of(reader.get("/status?as_of=2024-02-30", "auditor1"), 422)["field"] == "截至日期"
    assert error_of(reader.get("/status?year=1999", "auditor1"), 422)["field"] == "年度"
    assert error_of(reader.get("/status?year=abc", "auditor1"), 422) == {
        "error": "年度应为整数",
        "field": "年度",
    }
    misspelt = error_of(reader.get("/status?asof=2024-06-30", "auditor1"), 422)
    assert misspelt == {"error": "不接受参数“asof”，请检查拼写", "field": "asof"}


# ------------------------------------------------------------- projects


@pytest.mark.parametrize("who", ROLES)
def test_each_role_reads_exactly_the_projects_of_its_units(reader: Api, who: str) -> None:
    listed = reader.get("/projects?year=2024", who).get_json()["data"]
    assert sorted(p["code"] for p in listed) == sorted(
        c for c, readers in READERS_OF.items() if who in readers
    )
    for code, readers in READERS_OF.items():
        for path in (
            f"/projects/2024/{code}",
            f"/projects/2024/{code}/payments",
            f"/projects/2024/{code}/indicators",
        ):
            response = reader.get(path, who)
            if who in readers:
                assert response.status_code == 200, (who, path)
            else:
                assert error_of(response, 403)["field"] == "单位编码", (who, path)


def test_a_project_answers_its_figures_checkpoints_appropriations_and_history(reader: Api) -> None:
    data = reader.get("/projects/2024/P1?as_of=2024-06-30", "officer1").get_json()["data"]
    assert (data["code"], data["unit"], data["unit_name"], data["owner"]) == (
        "P1",
        "450002",
        "满城区医保中心",
        "王五",
    )
    assert (data["budget"], data["disbursed"], data["as_of"]) == ("200000.00", "50000.50", "2024-06-30")
    assert [(c["date"], c["met"]) for c in data["checkpoints"]] == [
        ("2024-03-31", False),
        ("2024-06-30", False),
    ]
    assert data["next_checkpoint"] == "2024-09-30"
    assert [a["amount"] for a in data["appropriations"]] == ["200000.00"]
    assert [h["event"] for h in data["history"]][:2] == ["Registered", "PlanSet"]
    assert any(h["amount"] == "20000.50" and h["user"] == "种子" for h in data["history"])
    march = reader.get("/projects/2024/P1/payments?as_of=2024-03-31", "officer1").get_json()["data"]
    assert [(p["date"], p["amount"], p["net"]) for p in march] == [("2024-03-20", "30000.00", "30000.00")]


def test_project_filters_and_unknown_projects(reader: Api) -> None:
    by_source = reader.get("/projects?year=2024&source=上级补助", "auditor1").get_json()["data"]
    assert [p["code"] for p in by_source] == ["P3"]
    by_class = reader.get("/projects?year=2024&functional=21015", "auditor1").get_json()["data"]
    assert sorted(p["code"] for p in by_class) == ["P1", "P2", "P3"]
    assert reader.get("/projects?year=2024&unit=450001", "manager1").status_code == 200
    assert error_of(reader.get("/projects?year=2024&unit=450003", "manager1"), 403)["field"] == "单位编码"
    assert error_of(reader.get("/projects/2024/NOPE", "auditor1"), 404)["field"] == "项目编码"
    assert error_of(reader.get("/projects/2023/P1", "auditor1"), 404)["field"] == "项目编码"
    assert error_of(reader.get("/projects/99999999999999999999/P1", "auditor1"), 404)["field"] == "年度"


# ---------------------------------------------------------- roll-ups, series


def test_rollups_are_what_the_cli_prints_within_the_callers_units(reader: Api) -> None:
    printed = cli_json(
        reader.db,
        "rollup",
        "--year",
        "2024",
        "--by",
        "functional,type",
        "--as-of",
        "2024-06-30",
        "--format",
        "json",
    )
    response = reader.get("/rollups?year=2024&by=functional,type&as_of=2024-06-30", "auditor1")
    assert response.get_json() == {"data": printed}
    own = reader.get("/rollups?year=2024&by=unit&as_of=2024-06-30", "manager1").get_json()["data"]
    assert own["unit"] == "450001"
    assert [row["key"] for row in own["rows"]] == [["450001"], ["450002"]]
    assert (
        error_of(reader.get("/rollups?year=2024&by=unit&unit=450003", "officer1"), 403)["field"] == "单位编码"
    )
    assert error_of(reader.get("/rollups?year=2024&by=colour", "auditor1"), 422)["field"] == "汇总维度"
    assert error_of(reader.get("/rollups?year=2024", "auditor1"), 422) == {
        "error": "汇总维度必须填写",
        "field": "汇总维度",
    }


def test_series_is_what_the_cli_prints_for_a_project_or_a_unit(reader: Api) -> None:
    printed = cli_json(reader.db, "series", "P1", "--as-of", "2024-02-01")
    assert reader.get("/series?code=P1&as_of=2024-02-01", "officer1").get_json() == {"data": printed}
    printed = cli_json(reader.db, "series", "450001", "--unit", "--year", "2024", "--as-of", "2024-01-05")
    assert reader.get("/series?unit=450001&year=2024&as_of=2024-01-05", "manager1").get_json() == {
        "data": printed
    }
    assert error_of(reader.get("/series?code=P3", "officer1"), 403)["field"] == "单位编码"
    assert error_of(reader.get("/series?unit=450003", "manager1"), 403)["field"] == "单位编码"
    assert error_of(reader.get("/series?code=NOPE", "auditor1"), 404)["field"] == "项目编码"


@pytest.mark.parametrize(
    ("who", "units", "recordable", "managed"),
    [
        ("officer1", ["450002"], ["450002"], []),
        ("manager1", ["450001", "450002"], [], ["450001", "450002"]),
        ("auditor1", ["450001", "450002", "450003"], [], []),
        ("admin1", ["450001", "450002", "450003"], [], []),
        ("officer3", ["450003"], ["450003"], []),
    ],
)
def test_me_and_units_say_what_each_role_may_reach(
    reader: Api, who: str, units: list[str], recordable: list[str], managed: list[str]
) -> None:
    me = reader.get("/me", who).get_json()["data"]
    assert (me["name"], me["recordable"], me["managed"]) == (who, recordable, managed)
    listed = reader.get("/units", who).get_json()["data"]
    assert [u["code"] for u in listed] == units


# -------------------------------------------------------------- payments


def test_an_officer_records_a_payment_and_a_repeated_key_records_it_once(api: Api) -> None:
    first = api.post("/payments", "officer1", {**PAYMENT, "voucher": "记-0701"}, key="pay-1")
    assert first.status_code == 201, first.get_json()
    data = first.get_json()["data"]
    assert data["id"]
    assert {k: data[k] for k in ("project", "year", "amount", "date", "payee", "voucher", "economic")} == {
        "project": "P1",
        "year": 2024,
        "amount": "1000.00",
        "date": "2024-07-01",
        "payee": "某印刷厂",
        "voucher": "记-0701",
        "economic": "30201",
    }
    events = api.events()
    again = api.post("/payments", "officer1", {**PAYMENT, "voucher": "记-0701"}, key="pay-1")
    assert (again.status_code, again.get_json()) == (201, first.get_json())
    assert api.events() == events
    recorded = [p for p in api.payments() if p["id"] == data["id"]]
    assert [(p["amount"], p["voucher"]) for p in recorded] == [("1000.00", "记-0701")]
    history = api.get("/projects/2024/P1", "auditor1").get_json()["data"]["history"]
    assert history[-1]["user"] == "officer1"


def test_the_same_key_with_another_body_is_409_and_records_nothing(api: Api) -> None:
    assert api.post("/payments", "officer1", PAYMENT, key="pay-2").status_code == 201
    events = api.events()
    clash = error_of(api.post("/payments", "officer1", {**PAYMENT, "amount": "999.00"}, key="pay-2"), 409)
    assert clash == {"error": "请求编号 pay-2 已用于另一条不同的命令，不能重复使用", "field": "请求编号"}
    other_command = api.post("/appropriations", "officer1", GRANT, key="pay-2")
    assert error_of(other_command, 409)["field"] == "请求编号"
    assert api.events() == events
    assert len(api.payments()) == 3


def test_two_callers_choosing_the_same_key_do_not_collide(api: Api) -> None:
    one = api.post("/payments", "officer1", PAYMENT, key="shared")
    three = api.post("/payments", "officer3", {**PAYMENT, "project": "P3", "amount": "10"}, key="shared")
    assert (one.status_code, three.status_code) == (201, 201)
    assert one.get_json()["data"]["id"] != three.get_json()["data"]["id"]


def test_an_overspend_is_422_naming_the_amount_and_records_no_payment(api: Api) -> None:
    refused = error_of(api.post("/payments", "officer1", {**PAYMENT, "amount": "150000.00"}, key="big"), 422)
    assert refused["field"] == "金额"
    assert "可用余额为 149,999.50 元" in refused["error"]
    assert len(api.payments()) == 2
    status = api.get("/status?unit=450002", "auditor1").get_json()["data"]
    assert status["total"]["disbursed"] == "50000.50"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "abc"}, "金额"),
        ({"amount": "1_000"}, "金额"),
        ({"amount": "٣"}, "金额"),
        ({"amount": "-5"}, "金额"),
        ({"amount": "1.234"}, "金额"),
        ({"amount": 1000}, "金额"),
        ({"date": "2023-12-31"}, "日期"),
        ({"date": "2024-13-01"}, "日期"),
        ({"payee": ""}, "收款人"),
        ({"payee": "某\x07公司"}, "收款人"),
        ({"payee": "某\u202e公司"}, "收款人"),
        ({"note": "备注\x00"}, "备注"),
        ({"economic": "99"}, "经济分类科目"),
        ({"source": "天上掉的"}, "资金来源"),
        ({"year": 1900}, "年度"),
        ({"ammount": "1"}, "ammount"),
        ({"payee": None}, "收款人"),
    ],
)
def test_a_bad_field_is_422_naming_it_and_records_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    events = api.events()
    body = error_of(api.post("/payments", "officer1", {**PAYMENT, **change}, key="bad"), 422)
    assert body["field"] == field, body
    assert api.events() == events


def test_full_width_digits_typed_by_an_input_method_are_read(api: Api) -> None:
    done = api.post("/payments", "officer1", {**PAYMENT, "amount": "１，２３４.５０"}, key="full-width")
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["data"]["amount"] == "1234.50"


def test_missing_fields_a_missing_key_and_malformed_json_are_named(api: Api) -> None:
    events = api.events()
    missing = error_of(api.post("/payments", "officer1", {"project": "P1"}), 422)
    assert missing == {"error": "金额必须填写；日期必须填写；收款人必须填写", "field": "金额"}
    no_key = error_of(api.post("/payments", "officer1", PAYMENT, key=None), 422)
    assert no_key == {"error": "请求编号必须在请求头 Idempotency-Key 中提供", "field": "请求编号"}
    broken = api.call(
        "POST", "/payments", "officer1", "k", data='{"project": ', content_type="application/json"
    )
    assert error_of(broken, 400) == {"error": "请求体不是有效的 JSON", "field": "请求体"}
    not_object = error_of(api.post("/payments", "officer1", ["P1"]), 422)
    assert not_object["field"] == "请求体"
    assert api.events() == events


@pytest.mark.parametrize("who", ["manager1", "auditor1", "admin1"])
def test_roles_that_record_nothing_get_403_before_their_body_is_read(api: Api, who: str) -> None:
    events = api.events()
    assert "财务人员" in error_of(api.post("/payments", who, PAYMENT), 403)["error"]
    assert error_of(api.post("/payments", who, {"nonsense": True}), 403)
    assert error_of(api.post("/appropriations", who, GRANT), 403)
    assert error_of(api.call("PUT", "/projects/2024/P1/plan", who, "k", json={"plan": "12-31:100%"}), 403)
    assert api.events() == events


def test_an_officer_cannot_record_for_another_units_project(api: Api) -> None:
    events = api.events()
    for who, code in (("officer1", "P3"), ("officer1", "P2"), ("officer3", "P1")):
        refused = error_of(api.post("/payments", who, {**PAYMENT, "project": code}), 403)
        assert refused["field"] == "项目编码"
    assert (
        error_of(api.post("/payments", "officer1", {**PAYMENT, "project": "NOPE"}), 404)["field"]
        == "项目编码"
    )
    assert api.events() == events


# --------------------------------------------------- appropriations, reversals


def test_appropriations_follow_the_same_rules(api: Api) -> None:
    added = api.post("/appropriations", "officer1", {**GRANT, "amount": "5000", "doc": "财【2024】9号"})
    assert added.status_code == 201
    assert {k: added.get_json()["data"][k] for k in ("kind", "kind_label", "amount", "doc")} == {
        "kind": "add",
        "kind_label": "追加",
        "amount": "5000.00",
        "doc": "财【2024】9号",
    }
    events = api.events()
    cut = {**GRANT, "amount": "200000", "kind": "reduce"}
    assert error_of(api.post("/appropriations", "officer1", cut, key="cut"), 422)["field"] == "金额"
    assert (
        error_of(api.post("/appropriations", "officer1", {**GRANT, "kind": "gift"}, key="g"), 422)["field"]
        == "类型"
    )
    assert error_of(api.post("/appropriations", "officer3", GRANT, key="x"), 403)
    assert api.events() == events
    budget = api.get("/projects/2024/P1", "auditor1").get_json()["data"]["budget"]
    assert budget == "205000.00"


def test_a_reversal_is_recorded_once_and_only_on_the_projects_own_payment(api: Api) -> None:
    first = api.payments("P1")[0]
    url = f"/projects/2024/P1/payments/{first['id']}/reversals"
    done = api.post(
        url, "officer1", {"amount": "500", "date": "2024-07-02", "reason": "金额录入有误"}, key="rev"
    )
    assert done.status_code == 201, done.get_json()
    assert {k: done.get_json()["data"][k] for k in ("payment", "amount", "date")} == {
        "payment": first["id"],
        "amount": "500.00",
        "date": "2024-07-02",
    }
    again = api.post(
        url, "officer1", {"amount": "500", "date": "2024-07-02", "reason": "金额录入有误"}, key="rev"
    )
    assert again.get_json() == done.get_json()
    assert api.payments("P1")[0]["reversed"] == "500.00"
    events = api.events()
    p3_payment = api.payments("P3")[0]["id"]
    borrowed = f"/projects/2024/P1/payments/{p3_payment}/reversals"
    body = {"date": "2024-07-02", "reason": "借道冲销"}
    assert error_of(api.post(borrowed, "officer1", body, key="steal"), 404)["field"] == "支付编号"
    assert error_of(api.post(url, "officer3", body, key="other"), 403)
    assert error_of(api.post(url, "auditor1", body, key="other"), 403)
    early = {"date": "2024-03-01", "reason": "早于支付"}
    assert error_of(api.post(url, "officer1", early, key="early"), 422)["field"] == "日期"
    assert error_of(api.post(url, "officer1", {"date": "2024-07-02"}, key="why"), 422)["field"] == "原因"
    bad_id = "/projects/2024/P1/payments/not-a-uuid/reversals"
    assert error_of(api.post(bad_id, "officer1", body, key="bad"), 404)["field"] == "支付编号"
    assert api.payments("P3")[0]["reversed"] == "0.00"
    assert api.events() == events
    full = api.post(url, "officer1", {"date": "2024-07-03", "reason": "全部退回"}, key="rest")
    assert full.get_json()["data"]["amount"] == "29500.00"


# ------------------------------------------------------------------ plans


def test_an_officer_replaces_a_plan_and_a_bad_plan_is_refused_by_name(api: Api) -> None:
    plan = "03-31:20%,06-30:40%,09-30:70%,12-31:100%"
    done = api.call("PUT", "/projects/2024/P1/plan", "officer1", "plan-1", json={"plan": plan})
    assert done.status_code == 200
    assert done.get_json() == {"data": {"project": "P1", "year": 2024, "plan": plan, "plan_warnings": []}}
    events = api.events()
    again = api.call("PUT", "/projects/2024/P1/plan", "officer1", "plan-1", json={"plan": plan})
    assert (again.status_code, again.get_json()) == (200, done.get_json())
    bad = api.call("PUT", "/projects/2024/P1/plan", "officer1", "plan-2", json={"plan": "bad"})
    assert error_of(bad, 422)["field"] == "资金支出计划"
    other = api.call("PUT", "/projects/2024/P3/plan", "officer1", "plan-3", json={"plan": plan})
    assert error_of(other, 403)["field"] == "项目编码"
    assert api.events() == events
    assert api.get("/projects?year=2024", "officer1").get_json()["data"][0]["plan"] == plan


def test_a_plan_put_in_wan_is_kept_in_yuan_and_its_warnings_come_back(api: Api) -> None:
    body = {"plan": "03-31:,06-30:7.00,12-31:50.00", "wan": True}
    done = api.call("PUT", "/projects/2024/P1/plan", "officer1", "plan-wan", json=body)
    assert done.status_code == 200
    data = done.get_json()["data"]
    assert data["plan"] == "03-31:,06-30:70000.00,12-31:500000.00"
    assert any("计划合计 500,000.00 元 ≠ 全年预算" in w for w in data["plan_warnings"])
    assert any("第一个检查点 03-31 为空" in w for w in data["plan_warnings"])


# ------------------------------------------------------------- indicators


def add_indicator(api: Api, code: str) -> str:
    return str(
        api.tracker.add_indicator(
            code,
            level1="产出指标",
            level2="数量指标",
            name="宣传场次",
            target="≥20场",
            weight="20",
            user="种子",
        )
    )


def test_indicators_are_listed_and_their_progress_recorded_by_the_units_officer(api: Api) -> None:
    p1, p3 = add_indicator(api, "P1"), add_indicator(api, "P3")
    listed = api.get("/projects/2024/P1/indicators", "manager1").get_json()["data"]
    assert [(i["id"], i["name"], i["weight"]) for i in listed] == [(p1, "宣传场次", "20")]
    url = f"/projects/2024/P1/indicators/{p1}/progress"
    done = api.post(url, "officer1", {"value": "10场", "date": "2024-07-01", "note": "上半年"}, key="ind")
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["data"]["actual_text"], done.get_json()["data"]["completion"]) == ("10场", 50.0)
    events = api.events()
    assert error_of(api.post(url, "officer3", {"value": "1场", "date": "2024-07-01"}, key="i2"), 403)
    assert error_of(api.post(url, "manager1", {"value": "1场", "date": "2024-07-01"}, key="i3"), 403)
    wrong = f"/projects/2024/P1/indicators/{p3}/progress"
    assert error_of(api.post(wrong, "officer1", {"value": "1场", "date": "2024-07-01"}, key="i4"), 404)
    assert error_of(api.post(url, "officer1", {"date": "2024-07-01"}, key="i5"), 422)["field"] == "实际完成值"
    assert api.events() == events


# ------------------------------------------------------------------ alerts


def raise_alerts(api: Api) -> None:
    """Lag alerts of the day, and an overspend refused on P3 (an alert of 450003)."""
    api.tracker.check_alerts(TODAY, year=2024, user="预警检查")
    refused = api.post("/payments", "officer3", {**PAYMENT, "project": "P3", "amount": "999999"}, key="over")
    assert refused.status_code == 422


def test_alerts_are_listed_by_unit_and_acknowledged_only_by_their_manager(api: Api) -> None:
    raise_alerts(api)
    everything = api.get("/alerts", "auditor1").get_json()["data"]
    assert {a["unit"] for a in everything} >= {"450002", "450003"}
    for who, units in (
        ("manager1", {"450001", "450002"}),
        ("officer1", {"450002"}),
        ("officer3", {"450003"}),
    ):
        seen = {a["unit"] for a in api.get("/alerts", who).get_json()["data"]}
        assert seen, who
        assert seen <= units, who
    error_of(api.get("/alerts?unit=450003", "manager1"), 403)
    own = next(a for a in everything if a["unit"] == "450002")
    other = next(a for a in everything if a["unit"] == "450003")
    events = api.events()
    for who in ("officer1", "auditor1", "admin1", "officer3"):
        assert (
            "管理人员"
            in error_of(api.post(f"/alerts/{own['id']}/acknowledge", who, {}, key="a"), 403)["error"]
        )
    assert error_of(api.post(f"/alerts/{other['id']}/acknowledge", "manager1", {}, key="a"), 403)["field"]
    assert error_of(api.post("/alerts/nope/acknowledge", "manager1", {}, key="a"), 404)["field"] == "预警编号"
    assert api.events() == events
    done = api.post(f"/alerts/{own['id']}/acknowledge", "manager1", {"comment": "已督促"}, key="ack")
    assert done.status_code == 200
    assert (done.get_json()["data"]["acknowledged_by"], done.get_json()["data"]["ack_comment"]) == (
        "manager1",
        "已督促",
    )
    open_only = api.get("/alerts?open=true", "manager1").get_json()["data"]
    assert all(a["resolved_on"] is None for a in open_only)


# ------------------------------------------------------------ the role matrix

OWN_UNIT = {
    "officer1": "450002",
    "manager1": "450001",
    "auditor1": "450001",
    "admin1": "450003",
    "officer3": "450003",
}
FOREIGN_UNIT = {"officer1": "450003", "manager1": "450003", "officer3": "450001"}


@pytest.mark.parametrize("who", ROLES)
def test_every_read_endpoint_answers_each_role_within_its_units(reader: Api, who: str) -> None:
    own = OWN_UNIT[who]
    for path in (
        "/status",
        f"/status?unit={own}",
        "/projects",
        f"/projects?unit={own}",
        "/rollups?by=unit",
        f"/rollups?by=type&unit={own}",
        f"/series?unit={own}&as_of=2024-01-31",
        "/alerts",
        f"/alerts?unit={own}",
        "/units",
        "/me",
    ):
        assert reader.get(path, who).status_code == 200, (who, path)
    foreign = FOREIGN_UNIT.get(who)
    if foreign is None:
        return
    for path in (
        f"/status?unit={foreign}",
        f"/projects?unit={foreign}",
        f"/rollups?by=unit&unit={foreign}",
        f"/series?unit={foreign}",
        f"/alerts?unit={foreign}",
    ):
        assert error_of(reader.get(path, who), 403)["field"] == "单位编码", (who, path)


@pytest.mark.parametrize("who", ROLES)
def test_every_write_endpoint_for_every_role(api: Api, who: str) -> None:
    """Each write on P1 (unit 450002) and P3 (450003): only the unit's officer records;
    only the manager of the unit acknowledges its alerts; everyone else gets 403."""
    indicators = {"P1": add_indicator(api, "P1"), "P3": add_indicator(api, "P3")}
    raise_alerts(api)
    for code, indicator in indicators.items():
        payment = api.payments(code)[0]["id"]
        writes = [
            ("POST", "/payments", {**PAYMENT, "project": code, "amount": "1"}),
            ("POST", "/appropriations", {**GRANT, "project": code}),
            (
                "POST",
                f"/projects/2024/{code}/payments/{payment}/reversals",
                {"amount": "1", "date": "2024-07-02", "reason": "测试"},
            ),
            ("PUT", f"/projects/2024/{code}/plan", {"plan": "03-31:25%,06-30:50%,09-30:75%,12-31:100%"}),
            (
                "POST",
                f"/projects/2024/{code}/indicators/{indicator}/progress",
                {"value": "1场", "date": "2024-07-01"},
            ),
        ]
        for i, (method, path, body) in enumerate(writes):
            events = api.events()
            response = api.call(method, path, who, f"{code}-{i}", json=body)
            if who in RECORDERS_OF[code]:
                assert response.status_code in (200, 201), (who, path, response.get_json())
                assert api.events() > events
            else:
                error_of(response, 403)
                assert api.events() == events, (who, path)
    for alert in api.get("/alerts", "auditor1").get_json()["data"]:
        events = api.events()
        response = api.post(
            f"/alerts/{alert['id']}/acknowledge", who, {"comment": "已阅"}, key=f"ack-{alert['id']}"
        )
        if who == "manager1" and alert["unit"] in ("450001", "450002"):
            assert response.status_code == 200, response.get_json()
        else:
            error_of(response, 403)
            assert api.events() == events


def test_a_wan_written_on_a_plan_value_is_read_through_the_api_too(api: Api) -> None:
    body = {"plan": "03-31:,06-30:7.00万,12-31:50万元"}
    done = api.call("PUT", "/projects/2024/P1/plan", "officer1", "plan-wan-word", json=body)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["data"]["plan"] == "03-31:,06-30:70000.00,12-31:500000.00"
