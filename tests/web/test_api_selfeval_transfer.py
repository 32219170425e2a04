"""The API's self-evaluation (the 自评表 as the CLI prints it, causes of shortfalls,
a manager's sign-off) and its import and export doors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_world import Api, cli_json, error_of, make_template, open_copy

PAY_HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"]
GOOD = [
    ["2024-07-01", "P1", "1000.00", "某文印店", "30201", "记-101"],
    ["2024-07-02", "P1", "250.50", "某书店", "", "记-102"],
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_template(tmp_path_factory.mktemp("api-selfeval"))


@pytest.fixture
def api(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Api]:
    world = open_copy(template, tmp_path)
    yield world
    world.tracker.close()


def short_indicator(api: Api, code: str = "P1") -> str:
    """An indicator of ``code`` done half (10 of ≥20场): a shortfall to explain."""
    t = api.tracker
    iid = t.add_indicator(
        code, level1="产出指标", level2="数量指标", name="宣传场次", target="≥20场", user="种子"
    )
    t.record_indicator(code, iid, "10场", date="2024-07-01", user="种子")
    return str(iid)


def payments(api: Api) -> int:
    return int(api.tracker.read.one("SELECT COUNT(*) AS n FROM rm_payments")["n"])


def csv_file(rows: list[list[str]], name: str = "支付明细.csv") -> tuple[io.BytesIO, str]:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8-sig")), name


def upload(api: Api, who: str, rows: list[list[str]], key: str | None = "imp", **form: Any) -> Any:
    data = {"file": csv_file(rows), "year": "2024", **form}
    return api.call("POST", "/imports", who, key, data=data, content_type="multipart/form-data")


# -------------------------------------------------------- self-evaluation


def test_the_selfeval_form_is_what_the_cli_prints(api: Api) -> None:
    short_indicator(api)
    printed = cli_json(api.db, "selfeval", "P1", "--year", "2024", "--format", "json")
    response = api.get("/projects/2024/P1/selfeval", "manager1")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"data": printed}
    assert "宣传场次" in [s["name"] for s in printed["shortfalls"]]
    assert error_of(api.get("/projects/2024/P1/selfeval", "officer3"), 403)
    assert error_of(api.get("/projects/2024/NOPE/selfeval", "auditor1"), 404)


def test_an_officer_explains_a_shortfall_and_a_manager_signs_it_off(api: Api) -> None:
    iid = short_indicator(api)
    url = "/projects/2024/P1/selfeval"
    events = api.events()
    unexplained = error_of(api.post(f"{url}/finalise", "manager1", {"signed_by": "张局长"}, key="f0"), 422)
    assert "偏差原因" in unexplained["error"]
    assert api.events() == events
    cause = {"indicator": iid, "cause": "下半年活动推迟", "action": "四季度补足场次"}
    assert error_of(api.post(f"{url}/causes", "manager1", cause, key="c"), 403)
    assert error_of(api.post(f"{url}/causes", "officer3", cause, key="c"), 403)
    assert error_of(api.post(f"{url}/causes", "officer1", {**cause, "indicator": "nope"}, key="c"), 404)
    assert (
        error_of(api.post(f"{url}/causes", "officer1", {**cause, "action": ""}, key="c"), 422)["field"]
        == "改进措施"
    )
    assert api.events() == events
    explained = api.post(f"{url}/causes", "officer1", cause, key="c")
    assert explained.status_code == 200, explained.get_json()
    shortfalls = {s["id"]: s["explained"] for s in explained.get_json()["data"]["shortfalls"]}
    assert shortfalls[iid] is True
    assert api.post(f"{url}/causes", "officer1", cause, key="c").get_json() == explained.get_json()
    assert error_of(api.post(f"{url}/finalise", "officer1", {"signed_by": "某"}, key="f1"), 403)
    signing = {"signed_by": "张局长", "execution_cause": "进度偏慢", "execution_action": "加快支付"}
    signed = api.post(f"{url}/finalise", "manager1", signing, key="f2")
    assert signed.status_code == 200, signed.get_json()
    assert (signed.get_json()["data"]["finalised"], signed.get_json()["data"]["signed_by"]) == (
        True,
        "张局长",
    )
    events = api.events()
    assert api.post(f"{url}/finalise", "manager1", signing, key="f2").get_json() == signed.get_json()
    assert error_of(api.post(f"{url}/finalise", "manager1", signing, key="f3"), 409)["field"] == "自评"
    assert api.events() == events
    reopened = api.post(f"{url}/reopen", "manager1", {"reason": "完成值有误"}, key="r")
    assert reopened.get_json()["data"]["finalised"] is False


def test_a_manager_signs_off_only_the_units_they_manage(api: Api) -> None:
    short_indicator(api, "P3")
    events = api.events()
    refused = error_of(api.post("/projects/2024/P3/selfeval/finalise", "manager1", {"signed_by": "某"}), 403)
    assert refused["field"] == "单位编码", "a unit the manager cannot even read"
    assert api.events() == events


# ------------------------------------------------------------------ import


def test_an_officer_imports_a_file_once_per_key(api: Api) -> None:
    checked = upload(api, "officer1", [PAY_HEADER, *GOOD], key=None, dry_run="true")
    assert checked.status_code == 201, checked.get_json()
    assert (checked.get_json()["data"]["recorded"], checked.get_json()["data"]["created"]["payments"]) == (
        False,
        2,
    )
    assert payments(api) == 4
    done = upload(api, "officer1", [PAY_HEADER, *GOOD], key="imp-1")
    assert done.status_code == 201, done.get_json()
    data = done.get_json()["data"]
    assert (data["recorded"], data["filename"], data["created"]["payments"]) == (True, "支付明细.csv", 2)
    assert payments(api) == 6
    events = api.events()
    again = upload(api, "officer1", [PAY_HEADER, *GOOD], key="imp-1")
    assert (again.status_code, again.get_json()) == (201, done.get_json())
    other = upload(api, "officer1", [PAY_HEADER, GOOD[0]], key="imp-1")
    assert error_of(other, 409)["field"] == "请求编号"
    assert api.events() == events
    history = api.get("/projects/2024/P1", "auditor1").get_json()["data"]["history"]
    assert history[-1]["user"] == "officer1"


def test_a_bad_row_refuses_the_whole_file_with_every_problem(api: Api) -> None:
    rows = [
        PAY_HEADER,
        GOOD[0],
        ["2024-07-03", "P1", "一千", "某店", "", "记-103"],
        ["2024-07-03", "P3", "1", "某", "", "记-9"],
    ]
    events = api.events()
    for dry_run in ("true", "false"):
        refused = error_of(upload(api, "officer1", rows, dry_run=dry_run), 422, problems=True)
        assert refused["field"] == "文件"
        where = [(p["sheet"], p["row"], p["column"]) for p in refused["problems"]]
        assert any(r == 3 for _, r, _ in where), where
        assert any(r == 4 and c == "项目编码" for _, r, c in where), where
    assert api.events() == events
    assert payments(api) == 4


def test_imports_are_for_officers_and_need_a_key_and_a_spreadsheet(api: Api) -> None:
    events = api.events()
    for who in ("manager1", "auditor1", "admin1"):
        assert error_of(upload(api, who, [PAY_HEADER, *GOOD]), 403)
    assert error_of(upload(api, "officer1", [PAY_HEADER, *GOOD], key=None), 422)["field"] == "请求编号"
    text = api.call(
        "POST",
        "/imports",
        "officer1",
        "t",
        data={"file": (io.BytesIO(b"hello"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert error_of(text, 422)["field"] == "文件"
    no_file = api.call(
        "POST", "/imports", "officer1", "t", data={"year": "2024"}, content_type="multipart/form-data"
    )
    assert error_of(no_file, 422)["field"] == "文件"
    assert api.events() == events


# ------------------------------------------------------------------ export


def test_each_table_downloads_for_the_callers_units(api: Api) -> None:
    xlsx = api.get("/exports/summary?year=2024", "auditor1")
    assert xlsx.status_code == 200, xlsx.get_data(as_text=True)[:300]
    assert xlsx.data[:2] == b"PK"
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    as_csv = api.get("/exports/three-public?year=2024&unit=450003&format=csv", "officer3")
    assert (as_csv.status_code, as_csv.mimetype) == (200, "text/csv")
    assert as_csv.data.decode("utf-8-sig").strip()
    own = api.get("/exports/function?year=2024", "officer1")
    assert own.status_code == 200, "an officer with one unit gets that unit's table"
    fdp = api.get("/exports/fdp?year=2024&unit=450002", "officer1")
    assert (fdp.status_code, fdp.mimetype) == (200, "application/zip")
    form = api.get("/exports/selfeval?year=2024&project=P1", "manager1")
    assert (form.status_code, form.data[:2]) == (200, b"PK")


def test_an_export_beyond_the_callers_units_or_tables_is_refused(api: Api) -> None:
    assert error_of(api.get("/exports/summary?year=2024&unit=450003", "officer1"), 403)["field"] == "单位编码"
    assert error_of(api.get("/exports/selfeval?year=2024&project=P3", "manager1"), 403)
    assert error_of(api.get("/exports/selfeval?year=2024", "manager1"), 422)["field"] == "项目编码"
    assert error_of(api.get("/exports/monitoring?year=2024", "auditor1"), 422)["field"] == "单位编码"
    assert error_of(api.get("/exports/secrets?year=2024", "auditor1"), 404)["field"] == "报表"
    assert error_of(api.get("/exports/fdp?year=2024", None), 401)
    assert error_of(api.get("/exports/summary?year=2024&format=pdf", "auditor1"), 422)["field"] == "导出格式"


# ------------------------------------------------------------ role matrix

READERS_OF = {
    "P1": {"officer1", "manager1", "auditor1", "admin1"},
    "P2": {"manager1", "auditor1", "admin1"},
    "P3": {"officer3", "auditor1", "admin1"},
}
UNIT_OF = {"P1": "450002", "P2": "450001", "P3": "450003"}
IMPORTERS_OF = {"P1": {"officer1"}, "P2": set(), "P3": {"officer3"}}


@pytest.mark.parametrize("who", ["officer1", "manager1", "auditor1", "admin1", "officer3"])
def test_each_role_reads_selfevals_downloads_and_imports_exactly_within_its_units(api: Api, who: str) -> None:
    for code, readers in READERS_OF.items():
        unit = UNIT_OF[code]
        reads = (
            api.get(f"/projects/2024/{code}/selfeval", who),
            api.get(f"/exports/selfeval?year=2024&project={code}", who),
            api.get(f"/exports/summary?year=2024&unit={unit}", who),
        )
        for response in reads:
            if who in readers:
                assert response.status_code == 200, (who, code, response.get_data(as_text=True)[:300])
            else:
                assert error_of(response, 403)["field"] == "单位编码", (who, code)
        events = api.events()
        row = ["2024-07-05", code, "1.00", "某", "", f"记-{who}-{code}"]
        response = upload(api, who, [PAY_HEADER, row], key=f"{who}-{code}")
        if who in IMPORTERS_OF[code]:
            assert response.status_code == 201, (who, code, response.get_json())
            assert api.events() > events
        else:
            assert response.status_code in (403, 422), (who, code)
            assert api.events() == events, (who, code)
