"""Issue 12, points 7–10 and 13 from the terminal: ``plan --wan`` and ``project add
--plan --wan``, the warnings printed after ``plan`` and in ``show``/``status``/
``progress``, ``settings set --min-points``, the rule a total says it used, and the
date messages of the import.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import Cli, sqlite_cli

OFFICE = "13062124P00495310005H"
PLAN_WAN = "03-31:,06-30:7.00,09-30:10.00,12-31:50.00"


def office(tmp_path: Path) -> Cli:
    run = sqlite_cli(tmp_path)
    run("unit", "add", "450001", "保定市满城区医疗保障局本级")
    run("project", "add", "--year", "2024", "--unit", "450001", "--code", OFFICE, "--name", "办公室整修")
    run("budget", OFFICE, "50", "--wan", "--date", "2024-01-01")
    return run


def test_plan_with_wan_is_taken_in_wan_and_says_what_it_recorded(tmp_path: Path) -> None:
    run = office(tmp_path)
    out = run("plan", OFFICE, PLAN_WAN, "--wan").stdout
    assert "资金支出计划：03-31:,06-30:70000.00,09-30:100000.00,12-31:500000.00" in out
    assert "提示：第一个检查点 03-31 为空" in out
    assert "计划合计" not in out
    status = json.loads(run("status", "--year", "2024", "--as-of", "2024-06-30", "--format", "json").stdout)
    assert status["projects"][0]["planned_rate"] == 14.0


def test_a_plan_typed_in_yuan_is_warned_about_in_plan_show_status_and_progress(tmp_path: Path) -> None:
    run = office(tmp_path)
    differs = "计划合计 50.00 元 ≠ 全年预算 500,000.00 元"
    assert differs in run("plan", OFFICE, PLAN_WAN).stdout
    assert differs in run("show", OFFICE).stdout
    assert any(
        differs in w for w in json.loads(run("show", OFFICE, "--format", "json").stdout)["plan_warnings"]
    )
    assert differs in run("status", "--year", "2024", "--as-of", "2024-06-30").stdout
    status = json.loads(run("status", "--year", "2024", "--as-of", "2024-06-30", "--format", "json").stdout)
    assert any(differs in w for w in status["plan_warnings"][OFFICE])
    assert differs in run("progress", OFFICE, "--as-of", "2024-06-30").stdout
    progress = json.loads(run("progress", OFFICE, "--as-of", "2024-06-30", "--format", "json").stdout)
    assert any(differs in w for w in progress["plan_warnings"])


def test_project_add_takes_a_plan_in_wan(tmp_path: Path) -> None:
    run = office(tmp_path)
    run("project", "add", "--year", "2024", "--unit", "450001", "--code", "P2", "--name", "乙",
        "--plan", "06-30:1,12-31:2", "--wan")  # fmt: skip
    assert json.loads(run("show", "P2", "--format", "json").stdout)["plan"] == "06-30:10000.00,12-31:20000.00"


def test_settings_set_min_points_keeps_the_rest_of_the_rule(tmp_path: Path) -> None:
    run = office(tmp_path)
    run("settings", "set", "450001", "--rule", "ratio", "--yellow", "90")
    run("settings", "set", "450001", "--min-points", "5")
    shown = json.loads(run("settings", "show", "450001", "--format", "json").stdout)
    assert shown == {"unit": "450001", "rule": "ratio", "yellow": "90", "red": "60", "min_points": "5"}
    assert "至少落后 5 个百分点" in run("settings", "show", "450001").stdout
    refused = run("settings", "set", "450001", "--min-points", "-2", code=1)
    assert "最少落后百分点" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_no_red_alert_on_2_january(tmp_path: Path) -> None:
    run = office(tmp_path)
    run("plan", OFFICE, "03-31:25%,06-30:50%,09-30:75%,12-31:100%")
    assert "正常" in run("status", "--year", "2024", "--as-of", "2024-01-02").stdout
    run("alerts", "check", "--as-of", "2024-01-02")
    alerts = json.loads(run("alerts", "list", "--format", "json").stdout)
    assert [a for a in alerts if a["severity"] == "red"] == []


def test_the_status_total_says_which_rule_it_used(tmp_path: Path) -> None:
    run = office(tmp_path)
    run("settings", "set", "450001", "--rule", "points")
    out = run("status", "--year", "2024", "--as-of", "2024-06-30", "--unit", "450001").stdout
    assert "合计状态规则（单位 450001）：百分点规则" in out
    data = json.loads(run("status", "--year", "2024", "--as-of", "2024-06-30", "--format", "json").stdout)
    assert data["total_rule"]["kind"] == "points"
    assert data["total_rule"]["source"] == "单位 450001"


def test_an_import_without_year_and_with_a_bad_date_reports_both(tmp_path: Path) -> None:
    run = office(tmp_path)
    path = tmp_path / "pay.csv"
    path.write_text(f"日期,项目编码,金额(元),收款人\n2024-13-01,{OFFICE},100.00,某公司\n", encoding="utf-8")
    refused = run("import", str(path), code=1)
    said = refused.stdout + refused.stderr
    assert "预算年度" in said
    assert "“2024-13-01”：月份应为 1–12" in said
    assert "应写成" not in said


def test_a_payment_on_a_day_the_month_lacks_says_so(tmp_path: Path) -> None:
    run = office(tmp_path)
    refused = run("pay", OFFICE, "100", "--date", "2024-02-30", "--payee", "某公司", code=1)
    assert "“2024-02-30”：2024 年 2 月只有 29 天" in refused.stderr
