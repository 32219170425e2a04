"""End to end: ``tracker user …`` and ``tracker token …`` run as an administrator would.

The real console script in a subprocess, on its own SQLite file. Passwords go in on
standard input only; no password, token secret (except the new token, once) or hash
is ever printed; refusals exit 1 naming the field; created ids (and a new token) are
alone on the last line.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.store.config import Settings

TRACKER = str(Path(sys.executable).parent / "tracker")
PASSWORD = "correct horse battery"
Proc = subprocess.CompletedProcess[str]


class Cli:
    """``tracker ARGS`` on one database file, with optional standard input."""

    def __init__(self, db: Path) -> None:
        self.db = db
        env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_USER")}
        self.env = {
            **env,
            "PYTHONIOENCODING": "utf-8",
            "TRACKER_DB": f"sqlite:///{db}",
            "TRACKER_USER": "管理员",
        }
        self.printed: list[str] = []

    def __call__(self, *args: str, stdin: str = "", code: int = 0) -> Proc:
        proc = subprocess.run(
            [TRACKER, *args],
            input=stdin,
            env=self.env,
            cwd=self.db.parent,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        assert proc.returncode == code, (
            f"tracker {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
        assert "Traceback" not in proc.stderr
        self.printed += [proc.stdout, proc.stderr]
        return proc

    def events(self) -> int:
        with closing(sqlite3.connect(self.db)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])

    def hashes(self) -> list[str]:
        with closing(sqlite3.connect(self.db)) as conn:
            rows = conn.execute(
                "SELECT password_hash FROM rm_users UNION ALL SELECT token_hash FROM rm_user_tokens"
            )
            return [r[0] for r in rows]


def last_line(proc: Proc) -> str:
    return proc.stdout.strip().splitlines()[-1]


def new_id(proc: Proc) -> str:
    line = last_line(proc)
    assert str(uuid.UUID(line)) == line
    return line


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two units and the auditor ``existing``, built once; each test gets a copy."""
    db = tmp_path_factory.mktemp("accounts") / "ledger.db"
    app = BudgetTracker(Settings(db_url=f"sqlite:///{db}", user="准备"))
    app.add_unit("450001", "部门")
    app.add_unit("450002", "下级单位", parent="450001")
    app.add_user("existing", roles=["auditor"], password=PASSWORD)
    app.close()
    return db


@pytest.fixture
def run(prepared: Path, tmp_path: Path) -> Cli:
    for f in prepared.parent.glob("ledger.db*"):
        shutil.copy2(f, tmp_path / f.name)
    return Cli(tmp_path / "ledger.db")


def test_an_administrator_manages_accounts_and_tokens_without_secrets_on_screen(run: Cli) -> None:
    uid = new_id(
        run(
            "user",
            "add",
            "zhangsan",
            "--role",
            "officer",
            "--unit",
            "450002",
            "--display-name",
            "张三",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    )
    assert new_id(run("user", "add", "lisi", "--role", "auditor", "--password-stdin", stdin=PASSWORD)) != uid
    assert new_id(run("user", "grant", "zhangsan", "--role", "manager", "--unit", "450001")) == uid
    assert new_id(run("user", "withdraw", "zhangsan", "--role", "officer")) == uid
    assert new_id(run("user", "passwd", "zhangsan", "--password-stdin", stdin="a new password 2\n")) == uid

    created = run("token", "create", "zhangsan", "--label", "对账脚本")
    token = last_line(created)
    assert token.startswith("trk_")
    assert created.stdout.count(token) == 1
    [listed] = json.loads(run("token", "list", "zhangsan", "--format", "json").stdout)
    assert (listed["label"], listed["revoked"]) == ("对账脚本", False)
    assert listed["id"] in created.stdout
    assert "对账脚本" in run("token", "list", "zhangsan").stdout
    assert new_id(run("token", "revoke", listed["id"])) == listed["id"]
    assert json.loads(run("token", "list", "zhangsan", "--format", "json").stdout)[0]["revoked"] is True

    assert new_id(run("user", "disable", "lisi")) != uid
    users = {u["name"]: u for u in json.loads(run("user", "list", "--format", "json").stdout)}
    assert users["zhangsan"]["roles"] == ["manager"]
    assert users["zhangsan"]["units"] == ["450001"]
    assert users["zhangsan"]["display_name"] == "张三"
    assert (users["lisi"]["roles"], users["lisi"]["disabled"]) == (["auditor"], True)
    table = run("user", "list").stdout
    assert "管理人员（450001）" in table
    assert "已停用" in table
    new_id(run("user", "enable", "lisi"))

    secret = token[len("trk_") + 33 :]
    screen = "\n".join(run.printed)
    for value in (PASSWORD, "a new password 2", "$argon2", *run.hashes()):
        assert value not in screen
    assert screen.count(secret) == 1  # the token itself, once, when created


@pytest.mark.parametrize(
    ("args", "stdin", "field"),
    [
        (("user", "add", "zhangsan", "--role", "officer", "--password-stdin"), PASSWORD, "单位"),
        (("user", "add", "zhangsan", "--role", "boss", "--password-stdin"), PASSWORD, "角色"),
        (("user", "add", "zhangsan", "--role", "auditor", "--password-stdin"), "short\n", "密码"),
        (("user", "add", "zhangsan", "--role", "auditor"), PASSWORD, "密码"),
        (
            ("user", "add", "zhangsan", "--role", "manager", "--unit", "999", "--password-stdin"),
            PASSWORD,
            "单位",
        ),
        (("user", "add", "z", "--role", "auditor", "--password-stdin"), PASSWORD, "用户名"),
        (("user", "add", "existing", "--role", "auditor", "--password-stdin"), PASSWORD, "用户名"),
        (("user", "passwd", "existing", "--password-stdin"), "short", "密码"),
        (("user", "passwd", "nobody", "--password-stdin"), PASSWORD, "用户名"),
        (("user", "disable", "nobody"), "", "用户名"),
        (("user", "enable", "existing"), "", "用户名"),
        (("user", "grant", "existing", "--role", "officer"), "", "单位"),
        (("user", "withdraw", "existing", "--role", "auditor"), "", "角色"),
        (("token", "create", "nobody"), "", "用户名"),
        (("token", "list", "nobody"), "", "用户名"),
        (("token", "revoke", "not-an-id"), "", "令牌编号"),
        (("token", "revoke", str(uuid.UUID(int=5))), "", "令牌编号"),
    ],
)
def test_refusals_exit_1_naming_the_field_and_record_nothing(
    run: Cli, args: tuple[str, ...], stdin: str, field: str
) -> None:
    before = run.events()
    proc = run(*args, stdin=stdin, code=1)
    assert proc.stderr.startswith(f"错误：{field}：")
    assert run.events() == before
    assert PASSWORD not in proc.stdout + proc.stderr


def test_a_repeated_request_id_records_once(run: Cli) -> None:
    args = ("user", "add", "zhangsan", "--role", "auditor", "--password-stdin", "--id", "u-1")
    first = new_id(run(*args, stdin=PASSWORD))
    events = run.events()
    assert new_id(run(*args, stdin=PASSWORD)) == first
    assert run.events() == events
