"""``tracker transfer`` end to end: the installed script moves budget between two
projects, prints the transfer id alone on its last line, shows the transfer in both
histories, and refuses bad input (exit 1, field named, nothing recorded)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import Cli, history, new_id, show, sqlite_cli

DOC = "满财预调【2024】5号"


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


def test_transfer_moves_budget_and_prints_its_id_alone_on_the_last_line(run: Cli) -> None:
    proc = run("transfer", "P1", "P2", "5", "--wan", "--date", "2024-06-15", "--doc", DOC, "--id", "t-1")
    tid = new_id(proc)
    assert "P1 → P2" in proc.stdout
    assert show(run, "P1")["budget"] == "50000.00"
    assert show(run, "P2")["budget"] == "70000.00"
    assert history(run, "P1")[-1]["details"] == f"调剂至 P2，文号 {DOC}，调剂编号 {tid}"
    assert history(run, "P2")[-1]["details"] == f"由 P1 调入，文号 {DOC}，调剂编号 {tid}"
    table = run("history", "P2").stdout
    assert "预算调剂调入" in table
    assert "由 P1 调入" in table


def test_a_retried_transfer_records_nothing_and_prints_the_same_id(run: Cli) -> None:
    args = ("transfer", "P1", "P2", "100", "--date", "2024-06-15", "--doc", DOC, "--id", "t-2")
    first = new_id(run(*args))
    events = run.stored_events()
    assert new_id(run(*args)) == first
    assert run.stored_events() == events
    proc = run("transfer", "P1", "P2", "200", "--date", "2024-06-15", "--doc", DOC, "--id", "t-2", code=1)
    assert "请求编号" in proc.stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("P1", "P2", "70000.01", "--date", "2024-02-01", "--doc", DOC), "金额"),
        (("P1", "P1", "100", "--date", "2024-06-15", "--doc", DOC), "调入项目"),
        (("P1", "P2", "100", "--date", "2025-01-02", "--doc", DOC), "日期"),
        (("P1", "P2", "100", "--date", "2024-06-15", "--doc", " "), "文号"),
        (("P1", "P9", "100", "--date", "2024-06-15", "--doc", DOC), "调入项目"),
        (("P1", "P2", "1.005", "--date", "2024-06-15", "--doc", DOC), "金额"),
    ],
)
def test_refuses_bad_transfers_with_the_field_named_and_records_nothing(
    run: Cli, args: tuple[str, ...], field: str
) -> None:
    events = run.stored_events()
    proc = run("transfer", *args, code=1)
    assert field in proc.stderr
    assert "Traceback" not in proc.stderr
    assert run.stored_events() == events


def test_transfer_without_a_document_is_a_usage_error(run: Cli) -> None:
    run("transfer", "P1", "P2", "100", "--date", "2024-06-15", code=2)
