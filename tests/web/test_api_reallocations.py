"""POST /api/v1/transfers: 预算调剂 through the JSON API — 201 with both new budgets,
the same key again records nothing, 403 unless the caller may record for both units,
422 naming the field in Chinese, and nothing recorded on any refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import Api, error_of, make_template, open_copy

from tests.conftest import ledger_event_count

DOC = "满财预调【2024】5号"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-transfers"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    """The world plus P4 in officer1's unit 450002 (P1 is there too, P2 is the parent's)."""
    api = open_copy(template, tmp_path)
    api.tracker.add_project(year=2024, unit="450002", code="P4", name="医保稽核", user="种子")
    api.tracker.appropriate("P4", "10000", date="2024-01-10", doc="财【2024】1号", user="种子")
    yield api
    api.tracker.close()


def body(**change: Any) -> dict[str, Any]:
    return {"from": "P1", "to": "P4", "amount": "5000.00", "date": "2024-07-01", "doc": DOC, **change}


def test_a_transfer_answers_201_with_both_new_budgets(api: Api) -> None:
    r = api.post("/transfers", "officer1", body(note="宣传经费调剂"))
    assert r.status_code == 201, r.get_json()
    data = r.get_json()["data"]
    assert data["from"] == {"project": "P1", "unit": "450002", "budget": "195000.00"}
    assert data["to"] == {"project": "P4", "unit": "450002", "budget": "15000.00"}
    assert (data["amount"], data["date"], data["doc"], data["year"]) == ("5000.00", "2024-07-01", DOC, 2024)
    history = api.tracker.history("P4")
    assert history[-1]["details"].startswith(f"由 P1 调入，文号 {DOC}")
    assert history[-1]["user"] == "officer1"


def test_the_same_key_again_records_nothing_and_answers_the_same_id(api: Api) -> None:
    first = api.post("/transfers", "officer1", body(), key="t-1").get_json()["data"]["id"]
    events = api.events()
    again = api.post("/transfers", "officer1", body(), key="t-1")
    assert again.status_code == 201
    assert again.get_json()["data"]["id"] == first
    assert api.events() == events
    error_of(api.post("/transfers", "officer1", body(amount="1.00"), key="t-1"), 409)
    assert api.events() == events


@pytest.mark.parametrize(
    ("who", "change", "field"),
    [
        ("officer1", {"to": "P2"}, "调入项目"),  # P2 is the parent unit's: not officer1's
        ("officer1", {"from": "P2", "to": "P1"}, "调出项目"),
        ("officer3", {}, "调出项目"),
    ],
)
def test_refuses_403_unless_the_caller_may_record_for_both_units(
    api: Api, who: str, change: dict[str, str], field: str
) -> None:
    events = api.events()
    err = error_of(api.post("/transfers", who, body(**change)), 403)
    assert err["field"] == field
    assert api.events() == events


def test_refuses_a_manager_who_records_nothing(api: Api) -> None:
    error_of(api.post("/transfers", "manager1", body()), 403)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "150000.00"}, "金额"),  # P1 has 200,000 of which 50,000.50 paid
        ({"amount": "0"}, "金额"),
        ({"amount": "1.234"}, "金额"),
        ({"to": "P1"}, "调入项目"),
        ({"date": "2024-02-30"}, "日期"),
        ({"date": "2025-01-01"}, "日期"),
        ({"doc": " "}, "文号"),
    ],
)
def test_refuses_bad_transfers_with_422_naming_the_field(
    api: Api, change: dict[str, str], field: str
) -> None:
    events = ledger_event_count(api.tracker)  # a refused overspend is kept in an alert, on purpose
    err = error_of(api.post("/transfers", "officer1", body(**change)), 422)
    assert err["field"] == field, err
    assert ledger_event_count(api.tracker) == events


def test_refuses_an_unknown_project_with_404_naming_the_side(api: Api) -> None:
    err = error_of(api.post("/transfers", "officer1", body(to="P99")), 404)
    assert err["field"] == "调入项目"


def test_refuses_a_body_without_a_document(api: Api) -> None:
    b = body()
    del b["doc"]
    err = error_of(api.post("/transfers", "officer1", b), 422, problems=True)
    assert "文号" in str(err)


def test_a_missing_giver_is_named_in_chinese(api: Api) -> None:
    b = body()
    del b["from"]
    err = error_of(api.post("/transfers", "officer1", b), 422, problems=True)
    assert err["field"] == "调出项目"
    assert "必须填写" in err["error"]
