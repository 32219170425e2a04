"""合同/采购 commitments through the JSON API: POST /commitments (201, the same key again
records nothing), POST /commitments/<id>/release, GET /projects/<y>/<code>/commitments,
``commitment_id`` on POST /payments, committed/uncommitted in /status and the project,
403 by role and unit like payments, 422 naming the field in Chinese, nothing recorded
on a refusal, and the OpenAPI document describing it all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import Api, error_of, make_template, open_copy

CONTRACT = "满医保采〔2024〕3号"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-commitments"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    """The world: P1 in officer1's unit 450002 (200,000.00 of which 50,000.50 paid)."""
    api = open_copy(template, tmp_path)
    yield api
    api.tracker.close()


def body(**change: Any) -> dict[str, Any]:
    return {"project": "P1", "amount": "100000.00", "date": "2024-04-01", "contract": CONTRACT, **change}


def committed(api: Api) -> str:
    return str(api.tracker.show("P1")["committed"])


def test_a_commitment_answers_201_and_shows_in_status_and_the_project(api: Api) -> None:
    r = api.post("/commitments", "officer1", body(supplier="某装修公司"))
    assert r.status_code == 201, r.get_json()
    data = r.get_json()["data"]
    assert (data["project"], data["year"], data["contract"], data["supplier"]) == (
        "P1",
        2024,
        CONTRACT,
        "某装修公司",
    )
    assert (data["amount"], data["drawn"], data["released"], data["open"]) == (
        "100000.00",
        "0.00",
        "0.00",
        "100000.00",
    )
    status = api.get("/status?year=2024&as_of=2024-12-31", "officer1").get_json()["data"]
    p1 = next(p for p in status["projects"] if p["code"] == "P1")
    assert (p1["committed"], p1["uncommitted"]) == ("100000.00", "49999.50")
    assert status["total"]["committed"] == "100000.00"
    project = api.get("/projects/2024/P1?as_of=2024-12-31", "officer1").get_json()["data"]
    assert (project["committed"], project["uncommitted"]) == ("100000.00", "49999.50")
    listed = api.get("/projects/2024/P1/commitments?as_of=2024-12-31", "officer1").get_json()["data"]
    assert listed["committed"] == "100000.00"
    assert [c["id"] for c in listed["commitments"]] == [data["id"]]
    assert api.tracker.history("P1")[-1]["user"] == "officer1"


def test_the_same_key_again_records_nothing_and_answers_the_same_id(api: Api) -> None:
    first = api.post("/commitments", "officer1", body(), key="c-1").get_json()["data"]["id"]
    events = api.events()
    again = api.post("/commitments", "officer1", body(), key="c-1")
    assert again.status_code == 201
    assert again.get_json()["data"]["id"] == first
    assert api.events() == events
    error_of(api.post("/commitments", "officer1", body(amount="1.00"), key="c-1"), 409)


def test_a_payment_against_the_commitment_and_its_release(api: Api) -> None:
    cid = api.post("/commitments", "officer1", body()).get_json()["data"]["id"]
    pay = {
        "project": "P1",
        "amount": "30000.00",
        "date": "2024-05-01",
        "payee": "某公司",
        "commitment_id": cid,
    }
    r = api.post("/payments", "officer1", pay, key="p-1")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["data"]["commitment_id"] == cid
    assert committed(api) == "70000.00"
    plain = api.post("/payments", "officer1", {**pay, "commitment_id": None}, key="p-2")
    assert plain.get_json()["data"]["commitment_id"] is None
    released = api.post(
        "/commitments/" + cid + "/release",
        "officer1",
        {"date": "2024-06-01", "reason": "合同终止"},
        key="r-1",
    )
    assert released.status_code == 201, released.get_json()
    data = released.get_json()["data"]
    assert (data["commitment"]["released"], data["commitment"]["open"]) == ("70000.00", "0.00")
    assert committed(api) == "0.00"


def test_a_plain_payment_may_not_use_committed_money(api: Api) -> None:
    api.post("/commitments", "officer1", body(), key="c-2")
    pay = {"project": "P1", "amount": "50000.00", "date": "2024-05-01", "payee": "某公司"}
    err = error_of(api.post("/payments", "officer1", pay, key="p-3"), 422)
    assert err["field"] == "金额"
    assert "另有已签合同未支付 100,000.00 元" in err["error"]


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"amount": "149999.51"}, "金额", 422),  # 149,999.50 is neither paid nor committed
        ({"amount": "0"}, "金额", 422),
        ({"amount": "1.234"}, "金额", 422),
        ({"date": "2025-01-01"}, "日期", 422),
        ({"contract": " "}, "合同", 422),
        ({"project": "P99"}, "项目编码", 404),
    ],
)
def test_refuses_bad_commitments_naming_the_field(
    api: Api, change: dict[str, str], field: str, status: int
) -> None:
    err = error_of(api.post("/commitments", "officer1", body(**change)), status)
    assert err["field"] == field, err
    assert committed(api) == "0.00"


@pytest.mark.parametrize("who", ["officer3", "manager1"])
def test_refuses_403_unless_the_caller_may_record_for_the_unit(api: Api, who: str) -> None:
    events = api.events()
    error_of(api.post("/commitments", who, body()), 403)
    assert api.events() == events


def test_release_refusals(api: Api) -> None:
    cid = api.post("/commitments", "officer1", body(), key="c-9").get_json()["data"]["id"]
    events = api.events()
    err = error_of(
        api.post(
            f"/commitments/{cid}/release",
            "officer1",
            {"amount": "100000.01", "date": "2024-06-01", "reason": "x"},
        ),
        422,
    )
    assert err["field"] == "金额"
    err = error_of(
        api.post(f"/commitments/{cid}/release", "officer1", {"date": "2024-03-01", "reason": "x"}), 422
    )
    assert err["field"] == "日期"
    err = error_of(
        api.post("/commitments/not-an-id/release", "officer1", {"date": "2024-06-01", "reason": "x"}), 404
    )
    assert err["field"] == "合同"
    error_of(api.post(f"/commitments/{cid}/release", "officer3", {"date": "2024-06-01", "reason": "x"}), 403)
    assert api.events() == events


def test_paying_against_an_unknown_commitment_is_refused_naming_it(api: Api) -> None:
    pay = {"project": "P1", "amount": "10.00", "date": "2024-05-01", "payee": "某公司"}
    err = error_of(
        api.post("/payments", "officer1", {**pay, "commitment_id": "00000000-0000-0000-0000-000000000000"}),
        404,
    )
    assert err["field"] == "合同"


def test_the_openapi_document_describes_the_commitments(api: Api) -> None:
    spec = api.get("/openapi.json").get_json()
    paths = spec["paths"]
    assert "post" in paths["/api/v1/commitments"]
    assert "post" in paths["/api/v1/commitments/{commitment_id}/release"]
    assert "get" in paths["/api/v1/projects/{year}/{code}/commitments"]
    schemas = spec["components"]["schemas"]
    assert "commitment_id" in schemas["PaymentIn"]["properties"]
    assert "committed" in schemas["StatusProjectOut"]["properties"]
