"""Every door added for alerts, indicators, self-evaluation, exports and import refuses
garbage: exit 1 with the field named on stderr (exit 2 for usage errors), no traceback,
and nothing recorded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.store.config import Settings


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("refusals") / "ledger.db"
    app = BudgetTracker(Settings(db_url=f"sqlite:///{path}", user="准备"))
    app.add_unit("450001", "单位")
    app.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    app.appropriate("P1", "1000.00", date="2024-01-02")
    app.add_indicator(
        "P1", level1="产出指标", level2="数量指标", name="维修项目数", target="≥5个", weight="10"
    )
    app.close()
    return path


def events(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


def indicator_id(db: Path) -> str:
    with closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("SELECT id FROM rm_indicators").fetchone()[0])


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DB": f"sqlite:///{db}", "TRACKER_USER": "测试"}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


REFUSED = [
    (("alerts", "ack", "00000000-0000-0000-0000-000000000000"), "预警编号"),
    (("alerts", "ack", "not-an-id"), "预警编号"),
    (("alerts", "check", "--as-of", "2024-13-45"), "--as-of"),
    (("alerts", "settings", "450001", "--rules", "lag,nonsense"), "预警规则"),
    (("alerts", "settings", "450001", "--escalation-days", "0"), "升级天数"),
    (("alerts", "settings", "999999"), "单位编码"),
    (
        (
            "indicator",
            "add",
            "P1",
            "--level1",
            "产出指标",
            "--level2",
            "数量指标",
            "--name",
            "x",
            "--target",
            "≥1个",
            "--weight",
            "abc",
        ),
        "分值",
    ),
    (
        (
            "indicator",
            "add",
            "NOPE",
            "--level1",
            "产出指标",
            "--level2",
            "数量指标",
            "--name",
            "x",
            "--target",
            "≥1个",
        ),
        "项目编码",
    ),
    (("indicator", "record", "P1", "{iid}", "--completion", "130%", "--date", "2024-12-31"), "完成程度"),
    (("indicator", "record", "P1", "{iid}", "5个", "--date", "31/12/2024"), "日期"),
    (
        ("indicator", "record", "P1", "00000000-0000-0000-0000-000000000000", "5个", "--date", "2024-12-31"),
        "指标编号",
    ),
    (("indicator", "explain", "{iid}", "--cause", " ", "--action", "改"), "偏差原因"),
    (("indicator", "combine", "999999", "--year", "2024"), "单位编码"),
    (("selfeval", "NOPE", "--year", "2024"), "项目编码"),
    (("export", "summary", "--year", "2024", "-o", "out.pdf"), "导出格式"),
    (("export", "function", "--year", "2024", "-o", "{tmp}/missing/out.xlsx"), "输出文件"),
    (("channels", "add", "450001", "--kind", "dingtalk", "--name", "群", "--set", "token=env:T"), "secret"),
    (("channels", "add", "450001", "--kind", "dingtalk", "--name", "群", "--set", "token=t"), "token"),
    (("channels", "add", "450001", "--kind", "wecom", "--name", "群", "--set", "key=env:bad-name"), "key"),
    (("channels", "test", "00000000-0000-0000-0000-000000000000"), "渠道编号"),
    # A year outside 2000-2100 is refused by name, whichever door reads figures.
    (("status", "--year", "99999"), "年度"),
    (("status", "--year", "1"), "年度"),
    (("rollup", "--year", "99999", "--by", "unit"), "年度"),
    (("series", "450001", "--unit", "--year", "99999"), "年度"),
    (("alerts", "check", "--year", "99999"), "年度"),
    (("indicator", "combine", "450001", "--year", "99999"), "年度"),
    (("project", "list", "--year", "99999"), "年度"),
]


@pytest.mark.parametrize(("args", "field"), REFUSED, ids=[" ".join(a[:3]) for a, _ in REFUSED])
def test_refuses_garbage_naming_the_field_and_records_nothing(
    db: Path, tmp_path: Path, args: tuple[str, ...], field: str
) -> None:
    before = events(db)
    argv = [
        a.replace("{iid}", indicator_id(db))
        .replace("out.pdf", str(tmp_path / "out.pdf"))
        .replace("{tmp}", str(tmp_path))
        for a in args
    ]
    result = run(db, *argv)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("错误：")
    assert field in result.stderr
    assert "Traceback" not in result.stderr
    assert events(db) == before


USAGE = [
    ("indicator", "record", "P1", "{iid}", "--date", "2024-12-31"),  # neither value nor completion
    ("indicator", "add", "P1", "--level1", "产出指标"),
    ("selfeval", "P1", "--year", "2024", "--finalise"),  # no --signed-by
    ("export", "bogus", "--year", "2024", "-o", "x.xlsx"),
    ("export", "monitoring", "--year", "2024", "-o", "x.xlsx"),  # no --unit
    ("import", "/no/such/file.xlsx"),
    ("alerts", "check", "--format", "yaml"),
    ("channels", "add", "450001", "--kind", "sms", "--name", "短信"),
]


@pytest.mark.parametrize("args", USAGE, ids=[" ".join(a[:2]) for a in USAGE])
def test_usage_errors_exit_2_and_record_nothing(db: Path, args: tuple[str, ...]) -> None:
    before = events(db)
    result = run(db, *[a.replace("{iid}", indicator_id(db)) for a in args])
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert events(db) == before
