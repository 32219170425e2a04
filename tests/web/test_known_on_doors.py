"""As known on a moment (依据时点) through the JSON API and the pages, on both stores:
a payment recorded after the moment (back-dated into June) is left out of the status,
the project list, the project, the roll-ups and the series; a bad moment is 422 naming
the field; every link of a page keeps the moment; the band says what is shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import ROLES, Api, config
from webdata import seed

from web import create_app

LATER = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)
MOMENT = "2029-12-31T17:00"


@pytest.fixture
def api(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The web world, then (recorded in 2030) a 1,000 元 payment of P1 dated 2024-06-30."""
    import eventsourcing.domain

    app = create_app({**config(tmp_path / "unused.db"), "TRACKER_DB": db_url})
    app.instance_path = str(tmp_path / "instance")
    seed(app)
    tracker = app.extensions["tracker"]
    tokens = {name: tracker.create_token(name, label="测试")[1] for name in ROLES}
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: LATER)
    tracker.pay("P1", "1000", date="2024-06-30", payee="补录", user="种子")
    monkeypatch.undo()
    yield Api(app, app.test_client(), tokens, tmp_path / "unused.db")
    tracker.close()


def _data(api: Api, path: str) -> Any:
    response = api.get(path, "admin1")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def _p1(rows: list[dict[str, Any]]) -> str:
    return next(r["disbursed"] for r in rows if r["code"] == "P1")


def test_the_status_as_known_on_leaves_out_a_payment_recorded_after(api: Api) -> None:
    now = _data(api, "/status?year=2024&as_of=2024-06-30")
    then = _data(api, f"/status?year=2024&as_of=2024-06-30&known_on={MOMENT}")
    assert (_p1(now["projects"]), _p1(then["projects"])) == ("51000.50", "50000.50")
    assert "known_on" not in now
    assert then["known_on"] == "2029-12-31T17:00:00+08:00"
    assert then["known_on_caption"] == "依据 2029-12-31 17:00 的登记"


def test_the_other_reads_take_the_moment(api: Api) -> None:
    q = f"as_of=2024-06-30&known_on={MOMENT}"
    assert _p1(_data(api, f"/projects?year=2024&{q}")) == "50000.50"
    project = _data(api, f"/projects/2024/P1?{q}")
    assert project["disbursed"] == "50000.50"
    assert project["history"][-1]["recorded_after"] is True
    assert not any(r["recorded_after"] for r in project["history"][:-1])
    rollup = _data(api, f"/rollups?year=2024&by=unit&{q}")
    assert rollup["known_on_caption"] == "依据 2029-12-31 17:00 的登记"
    series = _data(api, f"/series?code=P1&year=2024&{q}")
    assert series["points"][-1]["disbursed"] == "50000.50"


def test_a_moment_that_is_no_moment_is_422_naming_the_field(api: Api) -> None:
    response = api.get("/status?year=2024&known_on=昨天", "admin1")
    assert response.status_code == 422
    assert "依据时点" in response.get_data(as_text=True)


def test_the_projects_appropriations_and_payments_as_known_on_leave_out_later_records(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventsourcing.domain

    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: LATER)
    api.tracker.appropriate("P1", "5000", kind="add", date="2024-05-01", doc="财【2024】9号", user="种子")
    monkeypatch.undo()
    q = "as_of=2024-06-30"
    now, then = _data(api, f"/projects/2024/P1?{q}"), _data(api, f"/projects/2024/P1?{q}&known_on={MOMENT}")
    assert (len(now["appropriations"]), len(then["appropriations"])) == (2, 1)
    paid_now = _data(api, f"/projects/2024/P1/payments?{q}")
    paid_then = _data(api, f"/projects/2024/P1/payments?{q}&known_on={MOMENT}")
    assert [p["payee"] for p in paid_now] == ["某广告公司", "某印刷厂", "补录"]
    assert [p["payee"] for p in paid_then] == ["某广告公司", "某印刷厂"]


def test_the_project_page_and_the_heat_map_follow_the_moment(api: Api) -> None:
    from webdata import login

    assert login(api.client, "admin1").status_code == 302
    q = "as_of=2024-06-30"
    page_now = api.client.get(f"/projects/2024/P1?{q}").get_data(as_text=True)
    page_then = api.client.get(f"/projects/2024/P1?{q}&known_on={MOMENT}").get_data(as_text=True)
    payments_now, payments_then = _section(page_now, "payment-table"), _section(page_then, "payment-table")
    assert "补录" in payments_now
    assert "补录" not in payments_then
    heat_now = api.client.get(f"/rollups?year=2024&{q}&unit=all").get_data(as_text=True)
    heat_then = api.client.get(f"/rollups?year=2024&{q}&unit=all&known_on={MOMENT}").get_data(as_text=True)
    june = "as_of=2024-06-30&amp;year=2024"
    assert f'unit=450002&amp;{june}">51.00%</a>' in _section(heat_now, "heat-table")  # P1's unit
    then = _section(heat_then, "heat-table")
    assert f'unit=450002&amp;{june}&amp;known_on=2029-12-31T17:00">50.00%</a>' in then


def _section(page: str, element_id: str) -> str:
    """The element with this id up to the end of its table."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</table>", start)]


def test_the_exports_take_the_moment_through_the_api_and_the_page(api: Api) -> None:
    from webdata import login

    caption = "依据 2029-12-31 17:00 的登记"
    q = "year=2024&unit=450002&as_of=2024-06-30&format=csv"
    now = api.get(f"/exports/monitoring?{q}", "admin1")
    then = api.get(f"/exports/monitoring?{q}&known_on={MOMENT}", "admin1")
    assert (now.status_code, then.status_code) == (200, 200)
    now_text, then_text = now.get_data(as_text=True), then.get_data(as_text=True)
    assert caption in then_text
    assert caption not in now_text
    assert ",5.10," in now_text  # P1's 执行数 in 万元: 51,000.50 with the later payment
    assert ",5.00," in then_text
    summary = api.get(f"/exports/summary?year=2024&format=csv&known_on={MOMENT}", "admin1")
    assert caption in summary.get_data(as_text=True)
    refused = api.get("/exports/summary?year=2024&known_on=昨天", "admin1")
    assert refused.status_code == 422
    assert refused.get_json()["field"] == "依据时点"

    assert login(api.client, "admin1").status_code == 302
    page = api.client.get(f"/transfer?as_of=2024-06-30&known_on={MOMENT}").get_data(as_text=True)
    assert f'name="known_on" value="{MOMENT}"' in page  # the download form carries the moment
    assert caption in page
    download = api.client.get(
        f"/transfer/download?kind=monitoring&format=csv&unit=450002&{q}&known_on={MOMENT}"
    )
    assert download.status_code == 200
    assert caption in download.get_data(as_text=True)


def test_the_projects_indicators_as_known_on_hold_what_was_recorded_by_then(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventsourcing.domain

    t = api.tracker
    first = t.add_indicator("P1", level1="产出指标", level2="数量指标", name="宣传场次", target="≥10场")
    t.record_indicator("P1", first, "4场", date="2024-06-30")
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: LATER)
    t.record_indicator("P1", first, "8场", date="2024-06-30")
    t.add_indicator("P1", level1="满意度指标", level2="服务对象满意度指标", name="满意度", target="≥90%")
    monkeypatch.undo()
    q = "as_of=2024-06-30"
    now = _data(api, f"/projects/2024/P1/indicators?{q}")
    then = _data(api, f"/projects/2024/P1/indicators?{q}&known_on={MOMENT}")
    assert [(i["name"], i["actual_text"]) for i in now] == [("宣传场次", "8场"), ("满意度", "")]
    assert [(i["name"], i["actual_text"]) for i in then] == [("宣传场次", "4场")]
