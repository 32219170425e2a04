"""``tracker commit``, ``commit release``, ``pay --commitment`` and ``commitments`` end to
end: the installed script records a commitment and prints its id alone on the last
line, pays against it, lists what is open, shows committed/uncommitted in ``status``
and ``show``, and refuses bad input (exit 1, field named, nothing recorded)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from test_cli import Cli, history, new_id, show, sqlite_cli

CONTRACT = "满医保采〔2024〕3号"


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    run = sqlite_cli(tmp_path)
    run("unit", "add", "450001", "保定市满城区医疗保障局本级")
    for code, name in (("P1", "办公室整修"), ("P2", "医保宣传")):
        run("project", "add", "--year", "2024", "--unit", "450001", "--code", code, "--name", name)
    run("budget", "P1", "100000", "--date", "2024-01-10")
    run("budget", "P2", "20000", "--date", "2024-01-10")
    run("pay", "P1", "30000", "--date", "2024-03-01", "--payee", "某装修公司")
    return run


def commit(run: Cli, *args: str, code: int = 0) -> str:
    proc = run("commit", *args, code=code)
    return new_id(proc) if code == 0 else proc.stderr


def status(run: Cli, as_of: str = "2024-12-31") -> dict[str, object]:
    out = json.loads(run("status", "--year", "2024", "--as-of", as_of, "--format", "json").stdout)
    assert isinstance(out, dict)
    return out


def test_commit_prints_its_id_and_status_shows_committed_beside_the_rates(run: Cli) -> None:
    proc = run(
        "commit", "P1", "5", "--wan", "--date", "2024-04-01", "--contract", CONTRACT, "--supplier", "某公司"
    )
    cid = new_id(proc)
    assert CONTRACT in proc.stdout
    data = status(run)
    p1 = next(p for p in data["projects"] if p["code"] == "P1")  # type: ignore[attr-defined]
    assert (p1["committed"], p1["uncommitted"], p1["execution_rate"]) == ("50000.00", "20000.00", 30.0)
    assert data["total"]["committed"] == "50000.00"  # type: ignore[index]
    earlier = status(run, "2024-03-31")
    assert earlier["total"]["committed"] == "0.00"  # type: ignore[index]
    table = run("status", "--year", "2024", "--as-of", "2024-12-31").stdout
    assert "已签合同未支付(元)" in table
    assert "50,000.00" in table
    rows = list(
        csv.DictReader(
            io.StringIO(run("status", "--year", "2024", "--as-of", "2024-12-31", "--format", "csv").stdout)
        )
    )
    assert rows[0]["committed"] == "50000.00"
    view = show(run, "P1")
    assert (view["committed"], view["uncommitted"]) == ("50000.00", "20000.00")
    assert "已签合同未支付：50,000.00 元" in run("show", "P1").stdout
    assert history(run, "P1")[-1]["details"] == f"合同 {CONTRACT}，供应商 某公司，合同编号 {cid}"


def test_a_ledger_without_commitments_prints_the_status_table_as_before(run: Cli) -> None:
    table = run("status", "--year", "2024", "--as-of", "2024-12-31").stdout
    assert "已签合同" not in table
    header = run("status", "--year", "2024", "--as-of", "2024-12-31", "--format", "csv").stdout.splitlines()[
        0
    ]
    assert "committed" not in header


def test_pay_against_a_commitment_and_list_what_is_open(run: Cli) -> None:
    cid = commit(run, "P1", "50000", "--date", "2024-04-01", "--contract", CONTRACT)
    proc = run("pay", "P1", "20000", "--date", "2024-05-01", "--payee", "某公司", "--commitment", cid)
    new_id(proc)
    data = json.loads(run("commitments", "P1", "--as-of", "2024-12-31", "--format", "json").stdout)
    assert data["committed"] == "30000.00"
    assert data["commitments"][0] == {
        "id": cid,
        "date": "2024-04-01",
        "contract": CONTRACT,
        "supplier": "",
        "amount": "50000.00",
        "drawn": "20000.00",
        "released": "0.00",
        "open": "30000.00",
    }
    before = json.loads(run("commitments", "P1", "--as-of", "2024-04-30", "--format", "json").stdout)
    assert before["committed"] == "50000.00"
    table = run("commitments", "P1", "--as-of", "2024-12-31").stdout
    assert "已签合同未支付合计：30,000.00 元" in table
    lines = run("commitments", "P1", "--as-of", "2024-12-31", "--format", "csv").stdout.splitlines()
    assert lines[0] == "id,date,contract,supplier,amount,drawn,released,open"


def test_a_plain_payment_cannot_use_committed_money(run: Cli) -> None:
    commit(run, "P1", "50000", "--date", "2024-04-01", "--contract", CONTRACT)
    events = run.stored_events()
    proc = run("pay", "P1", "20000.01", "--date", "2024-05-01", "--payee", "某公司", code=1)
    assert "可用余额为 20,000.00 元（另有已签合同未支付 50,000.00 元）" in proc.stderr
    assert run.stored_events() == events


def test_release_frees_the_rest_and_a_second_release_is_refused(run: Cli) -> None:
    cid = commit(run, "P1", "50000", "--date", "2024-04-01", "--contract", CONTRACT)
    new_id(run("commit", "release", cid, "10000", "--date", "2024-06-01", "--reason", "合同变更"))
    new_id(run("commit", "release", cid, "--date", "2024-07-01", "--reason", "合同终止"))
    assert status(run)["total"]["committed"] == "0.00"  # type: ignore[index]
    events = run.stored_events()
    proc = run("commit", "release", cid, "--date", "2024-08-01", "--reason", "再次解除", code=1)
    assert "合同" in proc.stderr
    assert run.stored_events() == events


def test_a_retried_commit_records_nothing_and_prints_the_same_id(run: Cli) -> None:
    args = ("P1", "100", "--date", "2024-04-01", "--contract", CONTRACT, "--id", "c-1")
    first = commit(run, *args)
    events = run.stored_events()
    assert commit(run, *args) == first
    assert run.stored_events() == events
    stderr = commit(run, "P1", "200", "--date", "2024-04-01", "--contract", CONTRACT, "--id", "c-1", code=1)
    assert "请求编号" in stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("P1", "70000.01", "--date", "2024-04-01", "--contract", CONTRACT), "金额"),
        (("P1", "100", "--date", "2025-01-02", "--contract", CONTRACT), "日期"),
        (("P1", "100", "--date", "2024-04-01", "--contract", " "), "合同"),
        (("P9", "100", "--date", "2024-04-01", "--contract", CONTRACT), "项目编码"),
        (("P1", "1.005", "--date", "2024-04-01", "--contract", CONTRACT), "金额"),
        (("P1", "0", "--date", "2024-04-01", "--contract", CONTRACT), "金额"),
    ],
)
def test_refuses_bad_commitments_with_the_field_named_and_records_nothing(
    run: Cli, args: tuple[str, ...], field: str
) -> None:
    events = run.stored_events()
    proc = run("commit", *args, code=1)
    assert field in proc.stderr
    assert "Traceback" not in proc.stderr
    assert run.stored_events() == events


def test_paying_against_an_unknown_or_other_projects_commitment_is_refused(run: Cli) -> None:
    theirs = commit(run, "P2", "100", "--date", "2024-04-01", "--contract", CONTRACT)
    for bad in (theirs, "not-a-uuid"):
        proc = run(
            "pay", "P1", "10", "--date", "2024-05-01", "--payee", "某公司", "--commitment", bad, code=1
        )
        assert "合同" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_commit_without_contract_is_a_usage_error(run: Cli) -> None:
    proc = run("commit", "P1", "100", "--date", "2024-04-01", code=2)
    assert "--contract" in proc.stderr


def test_known_on_leaves_out_a_commitment_recorded_later(run: Cli) -> None:
    import datetime as dt
    import time

    commit(run, "P1", "100", "--date", "2024-04-01", "--contract", CONTRACT)
    recorded = dt.datetime.fromisoformat(history(run, "P1")[-1]["recorded_at"])  # to the second
    moment = (recorded + dt.timedelta(seconds=1)).isoformat()
    time.sleep(2.1)
    commit(run, "P1", "200", "--date", "2024-03-01", "--contract", "后补登记的合同")
    args = ("--as-of", "2024-12-31", "--format", "json")
    now = json.loads(run("commitments", "P1", *args).stdout)
    then = json.loads(run("commitments", "P1", *args, "--known-on", moment).stdout)
    assert (now["committed"], then["committed"]) == ("300.00", "100.00")
    assert [c["contract"] for c in then["commitments"]] == [CONTRACT]
    assert then["known_on_caption"].startswith("依据")
    old = json.loads(run("status", "--year", "2024", *args, "--known-on", moment).stdout)
    assert old["total"]["committed"] == "100.00"
