"""End to end: the real ``tracker`` console script, run as a finance officer would.

Every test runs the installed script in a subprocess against its own database file
(``TRACKER_DB``), with the acting user taken from ``TRACKER_USER``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TRACKER = str(Path(sys.executable).parent / "tracker")
USER = "财务张三"
BLANK_PLAN = "03-31:,06-30:100000,09-30:300000,12-31:500000"
Proc = subprocess.CompletedProcess[str]


class Cli:
    """Runs ``tracker ARGS`` against one database and checks the exit status."""

    def __init__(self, db_url: str | None, directory: Path, user: str | None = USER) -> None:
        self.directory = directory
        env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
        env["PYTHONIOENCODING"] = "utf-8"
        if db_url is not None:
            env["TRACKER_DB"] = db_url
        if user is not None:
            env["TRACKER_USER"] = user
        self.env = env

    def __call__(self, *args: str, code: int = 0, module: bool = False) -> Proc:
        cmd = [sys.executable, "-m", "tracker"] if module else [TRACKER]
        proc = subprocess.run(
            [*cmd, *args],
            env=self.env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        assert proc.returncode == code, (
            f"tracker {' '.join(args)} exited {proc.returncode}, expected {code}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
        return proc

    def stored_events(self) -> int:
        """Events in the ledger, counted straight from the SQLite file."""
        with closing(sqlite3.connect(self.directory / "ledger.db")) as db:
            sql = (
                "SELECT COUNT(*) FROM stored_events "
                "WHERE topic NOT LIKE 'tracker.domain.alert:%'"
            )  # refusals may raise alerts
            return int(db.execute(sql).fetchone()[0])


def sqlite_cli(directory: Path, user: str | None = USER) -> Cli:
    return Cli(f"sqlite:///{directory / 'ledger.db'}", directory, user)


def last_line(proc: Proc) -> str:
    return proc.stdout.strip().splitlines()[-1]


def new_id(proc: Proc) -> str:
    """The id printed alone on the last line; it must parse as a UUID."""
    line = last_line(proc)
    assert str(uuid.UUID(line)) == line
    return line


def show(run: Cli, code: str = "P1") -> dict[str, Any]:
    return json.loads(run("show", code, "--format", "json").stdout)


def history(run: Cli, code: str = "P1") -> list[dict[str, Any]]:
    return json.loads(run("history", code, "--format", "json").stdout)


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    return sqlite_cli(tmp_path)


@dataclass
class Baseline:
    directory: Path
    view: dict[str, Any]
    events: int


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """Unit 450001 and project P1 (2024) with 100,000.00 元 and one 10,000.00 payment.

    Built once through the CLI; each test gets a copy of the file (fast and isolated).
    """
    directory = tmp_path_factory.mktemp("funded")
    run = sqlite_cli(directory)
    run("unit", "add", "450001", "保定市满城区医疗保障局本级")
    run("project", "add", "--year", "2024", "--unit", "450001", "--code", "P1", "--name", "办公室整修")
    run("budget", "P1", "100000", "--date", "2024-01-10")
    run("pay", "P1", "10000", "--date", "2024-03-01", "--payee", "某装修公司")
    return Baseline(directory, show(run), run.stored_events())


@pytest.fixture
def funded_cli(baseline: Baseline, tmp_path: Path) -> Cli:
    for f in baseline.directory.glob("ledger.db*"):
        shutil.copy2(f, tmp_path / f.name)
    run = sqlite_cli(tmp_path)
    assert run.stored_events() == baseline.events
    return run


# ---------------------------------------------------------------- the happy path


CODE = "13062124P00495310005H"
NEW_PLAN = "03-31:10%,06-30:40%,09-30:70%,12-31:100%"


@dataclass
class Year:
    run: Cli
    ids: dict[str, str]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Year:
    """A year of one project recorded through the console script, one command at a time."""
    run = sqlite_cli(tmp_path_factory.mktemp("year"))
    ids: dict[str, str] = {}
    ids["unit"] = new_id(run("unit", "add", "450000", "保定市满城区医疗保障局"))
    ids["sub"] = new_id(run("unit", "add", "450001", "保定市满城区医疗保障局本级", "--parent", "450000"))
    ids["project"] = new_id(
        run(
            "project",
            "add",
            "--year",
            "2024",
            "--unit",
            "450001",
            "--code",
            CODE,
            "--name",
            "办公室整修",
            "--type",
            "项目支出",
            "--functional",
            "2101506",
            "--economic",
            "30213",
            "--source",
            "一般公共预算财政拨款",
            "--plan",
            BLANK_PLAN,
            "--owner",
            "李四",
        )
    )
    # 400,000 (40 万元) + 200,000 + 30,000 − 50,000 − 80,000 = 500,000.00
    ids["initial"] = new_id(
        run("budget", CODE, "40", "--wan", "--date", "2024-01-10", "--doc", "保财社【2023】111号")
    )
    ids["add"] = new_id(run("budget", CODE, "200000", "--kind", "add", "--date", "2024-03-01"))
    ids["carryover"] = new_id(run("budget", CODE, "30000", "--kind", "carryover", "--date", "2024-01-05"))
    ids["reduce"] = new_id(run("budget", CODE, "50000.00", "--kind", "reduce", "--date", "2024-04-01"))
    ids["recall"] = new_id(run("budget", CODE, "80000", "--kind", "recall", "--date", "2024-06-01"))
    ids["pay1"] = new_id(
        run(
            "pay",
            CODE,
            "120000.00",
            "--date",
            "2024-04-15",
            "--payee",
            "某装修公司",
            "--economic",
            "30213",
            "--voucher",
            "记-0415-01",
        )
    )
    ids["pay2"] = new_id(run("pay", CODE, "30000.50", "--date", "2024-05-10", "--payee", "某材料商"))
    ids["rev1"] = new_id(run("reverse", ids["pay1"], "20000", "--date", "2024-05-20", "--reason", "多付退回"))
    ids["rev2"] = new_id(run("reverse", ids["pay2"], "--date", "2024-06-10", "--reason", "合同取消"))
    ids["plan"] = new_id(run("plan", CODE, NEW_PLAN))
    return Year(run, ids)


def test_every_command_prints_a_fresh_uuid_on_its_last_line(year: Year) -> None:
    ids = year.ids
    moves = [
        ids[k] for k in ("initial", "add", "carryover", "reduce", "recall", "pay1", "pay2", "rev1", "rev2")
    ]
    assert len(set(moves)) == len(moves)
    assert ids["plan"] == ids["project"]


def test_show_json_gives_the_project_figures_as_decimal_strings(year: Year) -> None:
    view = show(year.run, CODE)
    ids = year.ids
    assert (view["code"], view["year"], view["unit"]) == (CODE, 2024, "450001")
    assert (view["owner"], view["functional"], view["economic"]) == ("李四", "2101506", "30213")
    assert view["source"] == "一般公共预算财政拨款"
    assert view["budget"] == "500000.00"
    assert view["disbursed"] == "100000.00"  # 120,000 − 20,000 + 30,000.50 − 30,000.50
    assert view["available"] == "400000.00"
    assert view["execution_rate"] == "20.00"
    assert view["plan"] == NEW_PLAN
    apps = {a["kind"]: a for a in view["appropriations"]}
    assert apps["initial"] == {
        "id": ids["initial"],
        "kind": "initial",
        "kind_label": "年初预算",
        "date": "2024-01-10",
        "amount": "400000.00",
        "doc": "保财社【2023】111号",
    }
    assert {k: (a["id"], a["amount"]) for k, a in apps.items()} == {
        "initial": (ids["initial"], "400000.00"),
        "add": (ids["add"], "200000.00"),
        "carryover": (ids["carryover"], "30000.00"),
        "reduce": (ids["reduce"], "50000.00"),
        "recall": (ids["recall"], "80000.00"),
    }
    dates = [a["date"] for a in view["appropriations"]]
    assert dates == sorted(dates)
    payments = {p["id"]: p for p in view["payments"]}
    assert set(payments) == {ids["pay1"], ids["pay2"]}
    p1, p2 = payments[ids["pay1"]], payments[ids["pay2"]]
    assert (p1["amount"], p1["reversed"], p1["date"]) == ("120000.00", "20000.00", "2024-04-15")
    assert (p1["payee"], p1["voucher"]) == ("某装修公司", "记-0415-01")
    assert (p2["amount"], p2["reversed"], p2["date"]) == ("30000.50", "30000.50", "2024-05-10")
    assert p2["economic"] == "30213"  # defaults to the project's


def test_show_table_is_for_people(year: Year) -> None:
    text = year.run("show", CODE).stdout
    assert "500,000.00" in text
    assert "100,000.00" in text
    assert "400,000.00" in text
    assert "20.00%" in text
    assert year.ids["pay1"] in text
    assert "保财社【2023】111号" in text


def test_history_json_lists_every_event_oldest_first_with_user_and_time(year: Year) -> None:
    events = history(year.run, CODE)
    ids = year.ids
    assert [e["event"] for e in events] == [
        "Registered",
        "PlanSet",
        *["BudgetAppropriated"] * 5,
        "PaymentRecorded",
        "PaymentRecorded",
        "PaymentReversed",
        "PaymentReversed",
        "PlanSet",
    ]
    assert [e["version"] for e in events] == list(range(1, 13))
    assert all(e["user"] == USER for e in events)
    stamps = [dt.datetime.fromisoformat(e["recorded_at"]) for e in events]
    assert all(s.tzinfo is not None for s in stamps)
    assert stamps == sorted(stamps)
    assert abs(stamps[-1] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=10)
    # the blank first checkpoint is kept as blank, the plan amounts are exact
    assert events[1]["details"] == "03-31:,06-30:100000.00,09-30:300000.00,12-31:500000.00"
    assert events[-1]["details"] == NEW_PLAN
    assert [e["date"] for e in events[2:7]] == [
        "2024-01-10",
        "2024-03-01",
        "2024-01-05",
        "2024-04-01",
        "2024-06-01",
    ]
    assert [e["amount"] for e in events[2:11]] == [
        "400000.00",
        "200000.00",
        "30000.00",
        "50000.00",
        "80000.00",
        "120000.00",
        "30000.50",
        "20000.00",
        "30000.50",
    ]
    assert ids["pay1"] in events[7]["details"]
    assert ids["pay1"] in events[9]["details"]
    assert "多付退回" in events[9]["details"]
    assert ids["pay2"] in events[10]["details"]


def test_history_table_and_user_override(funded_cli: Cli) -> None:
    run = funded_cli
    run("--user", "审核员王五", "pay", "P1", "500", "--date", "2024-03-02", "--payee", "某公司")
    events = history(run)
    assert [e["user"] for e in events] == [USER, USER, USER, "审核员王五"]
    assert events[-1]["event"] == "PaymentRecorded"
    text = run("history", "P1").stdout
    assert "审核员王五" in text
    assert USER in text
    assert "10,000.00" in text or "10000.00" in text


def test_uses_tracker_db_tracker_user_and_defaults_to_tracker_db_in_cwd(tmp_path: Path) -> None:
    run = Cli(None, tmp_path, user="默认库用户")
    run("unit", "add", "450001", "本级")
    assert (tmp_path / "tracker.db").exists()
    run("project", "add", "--year", "2024", "--unit", "450001", "--code", "P9", "--name", "n")
    assert history(run, "P9")[0]["user"] == "默认库用户"


# ------------------------------------------------------------------- refusals


def _refused(run: Cli, *args: str, field: str) -> str:
    """Run a command that must be refused, then prove nothing was recorded."""
    before_events = run.stored_events()
    before = show(run)
    proc = run(*args, code=1)
    assert field in proc.stderr, proc.stderr
    assert show(run) == before
    assert run.stored_events() == before_events
    return proc.stderr


def test_refuses_payment_beyond_available_budget_naming_the_balance(funded_cli: Cli) -> None:
    err = _refused(
        funded_cli, "pay", "P1", "90000.01", "--date", "2024-03-05", "--payee", "某公司", field="金额"
    )
    assert "可用余额" in err
    plain = err.replace(",", "")
    assert "90000.01" in plain  # the refused amount
    assert "90000.00" in plain  # what is left
    # exactly the available balance is fine
    funded_cli("pay", "P1", "90000.00", "--date", "2024-03-05", "--payee", "某公司")
    assert show(funded_cli)["available"] == "0.00"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("pay", "P1", "1.001", "--date", "2024-03-05", "--payee", "x"), "金额"),
        (("pay", "P1", "0", "--date", "2024-03-05", "--payee", "x"), "金额"),
        (("pay", "P1", "--date", "2024-03-05", "--payee", "x", "--", "-5"), "金额"),
        (("pay", "P1", "abc", "--date", "2024-03-05", "--payee", "x"), "金额"),
        (("budget", "P1", "1.005", "--date", "2024-03-05"), "金额"),
        (("pay", "P1", "100", "--date", "2025-01-01", "--payee", "x"), "日期"),
        (("budget", "P1", "100", "--date", "2023-12-31"), "日期"),
        (("pay", "P1", "100", "--date", "2024-02-30", "--payee", "x"), "日期"),
        (("pay", "NOPE", "100", "--date", "2024-03-05", "--payee", "x"), "项目编码"),
        (("budget", "NOPE", "100", "--date", "2024-03-05"), "项目编码"),
        (("show", "NOPE"), "项目编码"),
        (("reverse", str(uuid.uuid4()), "--date", "2024-03-05", "--reason", "r"), "支付编号"),
        (("reverse", "not-a-uuid", "--date", "2024-03-05", "--reason", "r"), "支付编号"),
        (("plan", "P1", "03-31:50%,06-30:40%,09-30:75%,12-31:100%"), "资金支出计划"),
        (("plan", "P1", "03-31:25%,06-30:50%,09-30:75%"), "资金支出计划"),
        (("budget", "P1", "95000", "--kind", "reduce", "--date", "2024-06-01"), "金额"),
        (("budget", "P1", "95000", "--kind", "recall", "--date", "2024-01-15"), "金额"),
        (("pay", "P1", "100", "--date", "2024-03-05", "--payee", "  "), "收款人"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v[:2]),
)
def test_refused_commands_exit_1_name_the_field_and_record_nothing(
    funded_cli: Cli, args: tuple[str, ...], field: str
) -> None:
    _refused(funded_cli, *args, field=field)


def test_refuses_reversal_beyond_what_is_left_and_before_the_payment(funded_cli: Cli) -> None:
    pay = new_id(funded_cli("pay", "P1", "300", "--date", "2024-04-01", "--payee", "x"))
    funded_cli("reverse", pay, "200", "--date", "2024-04-02", "--reason", "部分退回")
    _refused(funded_cli, "reverse", pay, "100.01", "--date", "2024-04-03", "--reason", "r", field="金额")
    _refused(funded_cli, "reverse", pay, "--date", "2024-03-31", "--reason", "r", field="日期")
    _refused(funded_cli, "reverse", pay, "--date", "2024-04-03", "--reason", " ", field="原因")
    funded_cli("reverse", pay, "--date", "2024-04-03", "--reason", "余额退回")
    assert {p["id"]: p["reversed"] for p in show(funded_cli)["payments"]}[pay] == "300.00"
    _refused(funded_cli, "reverse", pay, "--date", "2024-04-04", "--reason", "again", field="金额")
    assert show(funded_cli)["disbursed"] == "10000.00"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("pay", "P1", "100", "--payee", "x"), "--date"),
        (("budget", "P1", "100"), "--date"),
        (("reverse", "00000000-0000-0000-0000-000000000000", "--reason", "r"), "--date"),
        (("budget", "P1", "100", "--date", "2024-03-05", "--kind", "bonus"), "--kind"),
        (("pay", "P1", "100", "--date", "2024-03-05"), "--payee"),
        (("show", "P1", "--format", "xml"), "--format"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v[:2]),
)
def test_usage_errors_exit_2_and_record_nothing(
    funded_cli: Cli, baseline: Baseline, args: tuple[str, ...], option: str
) -> None:
    proc = funded_cli(*args, code=2)
    assert option in proc.stderr
    assert funded_cli.stored_events() == baseline.events


# ---------------------------------------------------------------- channel secrets

WEBHOOK_SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"
OA_HOOK = ("channels", "add", "450001", "--kind", "webhook", "--name", "OA 回调")


def test_a_channel_stores_its_secret_as_a_reference_and_lists_it_as_typed(funded_cli: Cli) -> None:
    added = funded_cli(
        *OA_HOOK, "--set", "url=https://oa.example.gov.cn/hook", "--set", "secret=env:OA_SECRET"
    )
    channel = new_id(added)
    (row,) = json.loads(funded_cli("channels", "list", "--format", "json").stdout)
    assert (row["id"], row["config"]) == (
        channel,
        {"url": "https://oa.example.gov.cn/hook", "secret": "env:OA_SECRET"},
    )
    assert '"secret": "env:OA_SECRET"' in funded_cli("channels", "list").stdout


def test_a_literal_secret_is_refused_in_chinese_and_nothing_is_recorded(funded_cli: Cli) -> None:
    err = _refused(
        funded_cli,
        *OA_HOOK,
        "--set",
        "url=https://oa.example.gov.cn/hook",
        "--set",
        f"secret={WEBHOOK_SECRET}",
        field="secret",
    )
    assert (
        err == "错误：secret：签名密钥（secret）：请填写 env:变量名 或 file:/文件路径，密钥本身不会写入记录\n"
    )
    robot = ("channels", "add", "450001", "--kind", "wecom", "--name", "群", "--set", "key=wk-literal")
    assert "机器人 key（key）：请填写 env:变量名" in _refused(funded_cli, *robot, field="key")
    relative = ("channels", "add", "450001", "--kind", "wecom", "--name", "群", "--set", "key=file:wecom.key")
    assert "必须是绝对路径" in _refused(funded_cli, *relative, field="key")
    assert json.loads(funded_cli("channels", "list", "--format", "json").stdout) == []


def test_channels_test_names_a_variable_that_is_not_set_and_reads_one_that_is(funded_cli: Cli) -> None:
    url = "url=http://127.0.0.1:9/hook"  # the discard port: nobody answers
    channel = new_id(funded_cli(*OA_HOOK, "--set", url, "--set", "secret=env:OA_SECRET"))
    funded_cli.env.pop("OA_SECRET", None)
    missing = funded_cli("channels", "test", channel, code=1)
    assert missing.stderr == (
        "错误：渠道：渠道“OA 回调”测试失败：密钥无法读取：签名密钥（secret）：环境变量 OA_SECRET 未设置\n"
    )
    funded_cli.env["OA_SECRET"] = WEBHOOK_SECRET
    unreachable = funded_cli("channels", "test", channel, code=1)
    assert "无法连接" in unreachable.stderr or "连接被拒绝" in unreachable.stderr, unreachable.stderr
    assert "密钥" not in unreachable.stderr
    assert WEBHOOK_SECRET not in unreachable.stderr


# ---------------------------------------------------------------- idempotency


def test_same_request_id_twice_records_one_payment(funded_cli: Cli) -> None:
    args = ("pay", "P1", "2500.25", "--date", "2024-03-10", "--payee", "某公司", "--id", "req-1")
    first = new_id(funded_cli(*args))
    second = new_id(funded_cli(*args))
    assert first == second
    view = show(funded_cli)
    assert [p["id"] for p in view["payments"]].count(first) == 1
    assert len(view["payments"]) == 2
    assert view["disbursed"] == "12500.25"

    err = _refused(
        funded_cli,
        "pay",
        "P1",
        "2500.26",
        "--date",
        "2024-03-10",
        "--payee",
        "某公司",
        "--id",
        "req-1",
        field="请求编号",
    )
    assert "req-1" in err


def test_same_request_id_for_budget_and_reversal_is_idempotent(funded_cli: Cli) -> None:
    budget = ("budget", "P1", "5000", "--kind", "add", "--date", "2024-02-01", "--id", "b-1")
    assert new_id(funded_cli(*budget)) == new_id(funded_cli(*budget))
    assert show(funded_cli)["budget"] == "105000.00"

    pay = show(funded_cli)["payments"][0]["id"]
    rev = ("reverse", pay, "100", "--date", "2024-03-02", "--reason", "退回", "--id", "r-1")
    assert new_id(funded_cli(*rev)) == new_id(funded_cli(*rev))
    assert show(funded_cli)["disbursed"] == "9900.00"


# ---------------------------------------------------------------------- help


def test_python_m_tracker_help_works_without_a_database(tmp_path: Path) -> None:
    run = Cli(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}", tmp_path)
    out = run("--help", module=True).stdout
    for command in ("budget", "pay", "reverse", "plan", "show", "history", "unit", "project"):
        assert command in out
    assert "--date" in run("pay", "--help").stdout
    assert not (tmp_path / "missing").exists()


# ------------------------------------------------------------------ PostgreSQL


@pytest.mark.postgres
def test_console_script_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    run = Cli(pg_url, tmp_path, user="pg用户")
    run("unit", "add", "450001", "保定市满城区医疗保障局本级")
    run(
        "project",
        "add",
        "--year",
        "2024",
        "--unit",
        "450001",
        "--code",
        "P1",
        "--name",
        "城乡居民医保基金区级配套",
        "--plan",
        "03-31:,06-30:50%,10-31:75%,12-31:100%",
    )
    run("budget", "P1", "7544.13", "--wan", "--date", "2024-01-10")
    args = ("pay", "P1", "1000000.00", "--date", "2024-03-31", "--payee", "医保基金", "--id", "x1")
    pay = new_id(run(*args))
    assert new_id(run(*args)) == pay
    run("pay", "P1", "75441300.01", "--date", "2024-04-01", "--payee", "x", code=1)
    run("reverse", pay, "0.01", "--date", "2024-04-01", "--reason", "尾差")
    view = show(run)
    assert view["budget"] == "75441300.00"
    assert view["disbursed"] == "999999.99"
    assert view["available"] == "74441300.01"
    assert view["execution_rate"] == "1.33"
    events = history(run)
    assert [e["event"] for e in events] == [
        "Registered",
        "PlanSet",
        "BudgetAppropriated",
        "PaymentRecorded",
        "PaymentReversed",
    ]
    assert {e["user"] for e in events} == {"pg用户"}
