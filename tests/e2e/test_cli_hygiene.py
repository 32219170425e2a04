"""The ``tracker`` command refuses bad typing like every other door, and never prints
stored text raw: exit 1 naming the field, nothing recorded; control characters shown
as escapes (``\\x1b``), so an ANSI escape kept in a payee by an old release cannot
colour the officer's terminal.

Most cases run the click application in-process (fast); the rendering case also runs
the installed console script in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.commands.tracker import BudgetTracker
from tracker.domain.ids import entry_id
from tracker.domain.project import Project
from tracker.store.config import Settings

ANSI_PAYEE = "\x1b[31m红色公司\x1b[0m"
ANSI_NOTE = "说明\x1b]0;标题\x07\x9b2J"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """P1 (2024) with 100,000.00 元, one clean payment and one stored by an old release
    with an ANSI escape in its payee (written straight to the aggregate, as the old
    parsers let it through)."""
    path = tmp_path_factory.mktemp("hygiene") / "ledger.db"
    app = BudgetTracker(Settings(db_url=f"sqlite:///{path}", user="准备"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    app.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    app.appropriate("P1", "100000.00", date="2024-01-10")
    app.pay("P1", "100.00", date="2024-02-01", payee="某装修公司")
    project = app.repository.get(app.find_project("P1"))
    assert isinstance(project, Project)
    old = entry_id("payment", "old-release")
    project.pay(
        old, Decimal("5.00"), dt.date(2024, 2, 2), ANSI_PAYEE, None, "\x1b[1m记-9", None, "旧版本", ANSI_NOTE
    )
    app.save(project)
    app.close()
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.db"
    copy.write_bytes(template.read_bytes())
    return copy


def events(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


def payments(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM rm_payments").fetchone()[0])


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{db}", "--user", "测试", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


PAY = ("pay", "P1", "100", "--date", "2024-03-01", "--payee", "某公司")
REFUSED = [
    (("pay", "P1", "1_000", "--date", "2024-03-01", "--payee", "某公司"), "金额", "下划线"),
    (("pay", "P1", "٣", "--date", "2024-03-01", "--payee", "某公司"), "金额", "非阿拉伯数字"),
    (("pay", "P1", "١٠٠", "--date", "2024-03-01", "--payee", "某公司"), "金额", "非阿拉伯数字"),
    (("pay", "P1", "100\x7f", "--date", "2024-03-01", "--payee", "某公司"), "金额", "控制字符"),
    (("pay", "P1", "100", "--date", "2024-03-01", "--payee", ANSI_PAYEE), "收款人", "U+001B"),
    (("pay", "P1", "100", "--date", "2024-03-01", "--payee", "某公司\n"), "收款人", "U+000A"),
    (("pay", "P1", "100", "--date", "2024-03-01", "--payee", "某\u202e司公"), "收款人", "U+202E"),
    (("pay", "P1", "100", "--date", "2024-03-01", "--payee", "某\x85公司"), "收款人", "U+0085"),
    ((*PAY, "--voucher", "记-1\x07"), "凭证号", "控制字符"),
    ((*PAY, "--note", "备注\x00"), "备注", "控制字符"),
    ((*PAY, "--note", "备注\x1b[2J"), "备注", "控制字符"),
    (("pay", " P1", "100", "--date", "2024-03-01", "--payee", "某公司"), "项目编码", "前后有空格"),
    (("pay", "P1\n", "100", "--date", "2024-03-01", "--payee", "某公司"), "项目编码", "控制字符"),
    (("budget", "P1", "1_0", "--date", "2024-03-01"), "金额", "下划线"),
    (("budget", "P1", "10", "--date", "2024-03-01", "--doc", "文\x1b号"), "文号", "控制字符"),
    (("unit", "add", "450002 ", "某单位"), "单位编码", "前后有空格"),
    (("unit", "add", "450002", "某\x1b单位"), "单位名称", "控制字符"),
    (
        ("project", "add", "--year", "2024", "--unit", "450001", "--code", "P2\t", "--name", "x"),
        "项目编码",
        "控制字符",
    ),
    (
        ("project", "add", "--year", "2024", "--unit", "450001", "--code", "P2", "--name", "修\x9b缮"),
        "项目名称",
        "控制字符",
    ),
    (
        (
            "project",
            "add",
            "--year",
            "2024",
            "--unit",
            "450001",
            "--code",
            "P2",
            "--name",
            "x",
            "--owner",
            "张\x08三",
        ),
        "负责人",
        "控制字符",
    ),
    (("plan", "P1", "12-31:1_00%"), "资金支出计划", "下划线"),
    (
        (
            "channels",
            "add",
            "450001",
            "--kind",
            "webhook",
            "--name",
            "群\x1b",
            "--set",
            "url=https://x.test/h",
            "--set",
            "secret=env:HOOK_SECRET",
        ),
        "渠道名称",
        "控制字符",
    ),
]


@pytest.mark.parametrize(("args", "field", "words"), REFUSED)
def test_bad_typing_exits_1_naming_the_field_and_records_nothing(
    db: Path, args: tuple[str, ...], field: str, words: str
) -> None:
    before = events(db), payments(db)
    code, out, err = run(db, *args)
    assert code == 1, out + err
    assert f"{field}：" in err
    assert words in err
    assert "Traceback" not in err
    assert "\x1b" not in err
    assert (events(db), payments(db)) == before


def test_a_reversal_reason_with_an_escape_is_refused(db: Path) -> None:
    with closing(sqlite3.connect(db)) as conn:
        payment = conn.execute("SELECT id FROM rm_payments WHERE payee = '某装修公司'").fetchone()[0]
    before = events(db)
    code, _, err = run(db, "reverse", payment, "--date", "2024-03-02", "--reason", "退回\x1b[31m")
    assert (code, events(db)) == (1, before)
    assert "原因：" in err
    assert "控制字符" in err
    code, _, _ = run(db, "reverse", payment, "--date", "2024-03-02", "--reason", "收款人退回\n重复支付")
    assert (code, events(db)) == (0, before + 1)  # a reason may have several lines


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [("１，０００．５０", "1000.50"), ("+5", "5.00"), (".5", "0.50"), ("100.", "100.00")],
)
def test_full_width_and_shorthand_amounts_are_recorded_as_read(db: Path, typed: str, recorded: str) -> None:
    code, out, _ = run(db, "pay", "P1", typed, "--date", "2024-03-01", "--payee", "某公司")
    assert code == 0
    with closing(sqlite3.connect(db)) as conn:
        fen = conn.execute(
            "SELECT amount_fen FROM rm_payments WHERE id = ?", (out.splitlines()[-1],)
        ).fetchone()[0]
    assert Decimal(fen) / 100 == Decimal(recorded)


@pytest.mark.parametrize(
    "command",
    [
        ("show", "P1"),
        ("show", "P1", "--format", "json"),
        ("history", "P1"),
        ("history", "P1", "--format", "json"),
    ],
)
def test_stored_escapes_are_printed_visibly_never_raw(db: Path, command: tuple[str, ...]) -> None:
    code, out, _ = run(db, *command)
    assert code == 0
    assert not {"\x1b", "\x9b", "\x07"} & set(out)
    assert "红色公司" in out
    assert "\\x1b[31m" in out or "\\u001b[31m" in out


def test_the_console_script_prints_an_old_ansi_payee_as_text(db: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
    env |= {"TRACKER_DB": f"sqlite:///{db}", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "show", "P1"], env=env, capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert b"\x1b" not in proc.stdout
    assert "\\x1b[31m红色公司\\x1b[0m".encode() in proc.stdout
