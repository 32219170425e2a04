"""End to end: ``tracker rollover``, ``tracker ranking`` and ``tracker export ranking``
run as the installed script against a database file holding the two-year world of
``tests/integration/year_end_world.py`` (figures by hand there)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.store.config import Settings

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from year_end_world import two_years

TRACKER = str(Path(sys.executable).parent / "tracker")


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    app = two_years(BudgetTracker(Settings(db_url=url, user="测试员")))
    app.close()
    env = {**os.environ, "TRACKER_DB": url, "TRACKER_USER": "财务张三", "PYTHONIOENCODING": "utf-8"}

    def tracker(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [TRACKER, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == code, proc.stdout + proc.stderr
        return proc

    return tracker


def test_a_dry_run_lists_balances_in_yuan_and_wan_then_the_rollover_records_once(run) -> None:  # type: ignore[no-untyped-def]
    preview = run("rollover", "--from", "2024", "--unit", "45", "--dry-run").stdout
    assert "结转预览（未记录）" in preview
    assert "139,000.00" in preview
    assert "13.90" in preview
    assert "将新登记" in preview
    assert json.loads(run("project", "list", "--year", "2025", "--format", "json").stdout) == []
    first = json.loads(run("rollover", "--from", "2024", "--format", "json").stdout)
    assert [(i["code"], i["outcome"], i["amount"]) for i in first["items"]] == [
        ("A1", "carried", "70000.00"),
        ("A2", "carried", "30000.00"),
        ("B1", "carried", "139000.00"),
    ]
    again = run("rollover", "--from", "2024").stdout
    assert again.count("已结转，未重复记录") == 3


def test_an_unfinished_year_is_refused_naming_the_year(run) -> None:  # type: ignore[no-untyped-def]
    proc = run("rollover", "--from", "2099", code=1)
    assert "年度" in proc.stderr
    assert "尚未结束" in proc.stderr


def test_the_ranking_as_a_table_json_and_csv(run) -> None:  # type: ignore[no-untyped-def]
    args = ("ranking", "--year", "2024", "--as-of", "2024-06-30", "--unit", "45")
    table = run(*args).stdout
    assert "上年同期 2023-06-30" in table
    assert "33.33" in table
    assert "8.33" in table
    data = json.loads(run(*args, "--format", "json").stdout)
    assert [r["unit"] for r in data["rows"]] == ["4501", "4502"]
    assert data["rows"][1]["change_points"] is None
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert rows[0]["execution_rate"] == "33.33"
    assert rows[-1]["unit"] == "合计"
    assert rows[-1]["disbursed"] == "110000.00"


def test_the_exported_tongbao_is_in_wan_with_its_title_total_and_chain_head(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "通报.xlsx"
    run("export", "ranking", "--year", "2024", "--as-of", "2024-06-30", "--unit", "45", "--out", str(out))
    values = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert values[0][0] == "2024年预算执行进度通报（截至 6月30日）"
    body = [r for r in values if r[1] in ("4501", "4502", "合计")]
    assert [r[3] for r in body] == [15.0, 20.0, 35.0]  # 万元
    assert body[0][5] == "33.33%"
    assert body[0][12] == "8.33"
    assert body[1][12] is None
    assert str(values[-1][0]).startswith("事件链头：")


def test_the_ranking_as_known_on_a_moment_leaves_out_what_was_recorded_after_it(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from tracker.queries.dates import SHANGHAI

    args = ("ranking", "--year", "2024", "--as-of", "2024-06-30", "--unit", "45", "--format", "json")
    sent = json.loads(run(*args).stdout)
    moment = dt.datetime.now(SHANGHAI).isoformat(timespec="microseconds")
    app = BudgetTracker(Settings(db_url=f"sqlite:///{tmp_path / 'tracker.db'}", user="测试员"))
    try:
        code = app.queries.statuses(2024, unit="4501")[1][0].code
        app.pay(code, "1000.00", date="2024-06-01", payee="补录", year=2024)  # back-dated, recorded later
    finally:
        app.close()
    now = json.loads(run(*args).stdout)
    as_sent = json.loads(run(*args, "--known-on", moment).stdout)
    assert now["total"]["disbursed"] != sent["total"]["disbursed"]
    assert as_sent["total"] == sent["total"]
    assert as_sent["rows"] == sent["rows"]
    assert "依据时点" in run(*args, "--known-on", "昨天", code=1).stderr
