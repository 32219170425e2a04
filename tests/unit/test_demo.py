"""``tracker demo``: the 保定市满城区医疗保障局本级 2024 ledger, deterministic and idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.cli import Context
from tracker.demo.data import BASIC_PROJECTS, PROJECTS, UNIT_CODE
from tracker.demo.loader import run_demo
from tracker.domain.errors import InvalidInputError

RENOVATION = "13062124P00495310005H"  # 办公室整修: – / 7.00 / 10.00 / 50.00 万元


class Run:
    """Runs the demo on one SQLite file, each time through a fresh CLI-like context."""

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite:///{path}"
        self.contexts: list[Context] = []

    def __call__(self, until: str = "2024-12-31", reset: bool = False) -> tuple[Context, str]:
        ctx = Context(db=self.url, user="演示")
        self.contexts.append(ctx)
        lines: list[str] = []
        run_demo(ctx, until=until, reset=reset, echo=lines.append)
        return ctx, "\n".join(lines)

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    r = Run(tmp_path / "demo.db")
    yield r
    r.close()


def events(ctx: Context) -> int:
    return int(ctx.app.recorder.max_notification_id() or 0)


def payments(ctx: Context) -> list[dict]:
    return [p for code in codes() for p in ctx.app.show(code, 2024)["payments"]]


def codes() -> list[str]:
    return [p.code for p in PROJECTS + BASIC_PROJECTS]


def test_full_year(run: Run) -> None:
    ctx, out = run()
    rows = ctx.app.projects(2024, UNIT_CODE)
    assert len(rows) == 31  # 8 项目支出 + 23 基本支出 lines (one per 经济分类 款)
    # 90,643,590.00 元: seed 003 prints 9064.36 万元, rounded from the 元 (see tracker.demo.basic)
    assert sum(r["budget_fen"] for r in rows) == 9_064_359_000
    for r in rows:
        assert 0 < r["disbursed_fen"] <= r["budget_fen"]
    rates = sorted(r["disbursed_fen"] / r["budget_fen"] for r in rows)
    assert rates[0] < 0.5  # one project badly behind
    assert any(0.6 <= x <= 0.85 for x in rates)  # some lag
    assert rates[-1] == 1  # some are on plan
    assert 300 <= len(payments(ctx)) <= 600
    assert "90,643,590.00" in out
    assert "9,064.36万元" in out
    assert f"tracker --db {run.url} show {RENOVATION}" in out  # hints name the database
    assert f"tracker --db {run.url} history " in out


def test_projects_budgets_and_plans(run: Run) -> None:
    ctx, _ = run(until="2024-01-20")
    view = ctx.app.show(RENOVATION, 2024)
    assert view["plan"].startswith("03-31:,")  # the blank first checkpoint is kept
    assert view["budget"] == "500000.00"
    assert view["appropriations"][0]["doc"] == "满财预【2024】1号"
    assert view["appropriations"][0]["date"] == "2024-01-15"
    for p in PROJECTS + BASIC_PROJECTS:
        v = ctx.app.show(p.code, 2024)
        assert Decimal(v["budget"]) == Decimal(p.budget_wan) * 10000
        assert v["economic"] == p.economic
        assert v["functional"] == p.functional
    advance = [p for p in PROJECTS if "保财社【2023】" in p.name]
    assert len(advance) == 2
    for p in advance:
        a = ctx.app.show(p.code, 2024)["appropriations"][0]
        assert a["date"] == "2024-01-02"
        assert a["doc"] in p.name


def test_payments_look_real_and_stop_at_until(run: Run) -> None:
    ctx, out = run(until="2024-06-30")
    pays = payments(ctx)
    assert pays
    assert max(p["date"] for p in pays) <= "2024-06-30"
    assert min(p["date"] for p in pays) >= "2024-01-16"
    assert all(p["voucher"].startswith("记-2024-") for p in pays)
    assert len({p["voucher"] for p in pays}) == len(pays)
    assert all(Decimal(p["amount"]) == Decimal(p["amount"]).quantize(Decimal("0.01")) for p in pays)
    payees = {p["payee"] for p in pays}
    assert {"本单位职工（工资）", "医疗救助对象（批量发放）", "满城区财政局社保基金专户"} <= payees
    assert "支付数据截至：2024-06-30" in out


def test_one_partial_reversal(run: Run) -> None:
    ctx, out = run()
    reversed_ = [p for p in payments(ctx) if Decimal(p["reversed"]) > 0]
    assert len(reversed_) == 1
    assert Decimal(reversed_[0]["reversed"]) < Decimal(reversed_[0]["amount"])
    code = next(c for c in codes() if any(p["id"] == reversed_[0]["id"] for p in ctx.app.show(c)["payments"]))
    labels = [h["label"] for h in ctx.app.history(code)]
    assert labels.count("冲销") == 1
    assert "退回" in out


def test_second_run_records_nothing(run: Run) -> None:
    first, out1 = run()
    count = events(first)
    second, out2 = run()
    assert events(second) == count
    assert out2 == out1


def test_extending_until_matches_a_full_run(tmp_path: Path) -> None:
    stepwise, full = Run(tmp_path / "a.db"), Run(tmp_path / "b.db")
    try:
        early, _ = stepwise(until="2024-05-03")  # the reversal (May) is not due yet
        assert not any(Decimal(p["reversed"]) for p in payments(early))
        a, out_a = stepwise()
        b, out_b = full()
        assert events(a) == events(b)
        assert out_a.replace(stepwise.url, "") == out_b.replace(full.url, "")
    finally:
        stepwise.close()
        full.close()


def test_reset_starts_fresh(run: Run, tmp_path: Path) -> None:
    ctx, _ = run()
    full = events(ctx)
    ctx.close()
    ctx, out = run(until="2024-02-29", reset=True)
    assert 0 < events(ctx) < full
    assert max(p["date"] for p in payments(ctx)) <= "2024-02-29"
    assert "支付数据截至：2024-02-29" in out


@pytest.mark.parametrize("until", ["2023-12-31", "2025-01-01", "12/31/2024", "", "2024-02-30"])
def test_bad_until_is_refused(run: Run, tmp_path: Path, until: str) -> None:
    with pytest.raises(InvalidInputError) as e:
        run(until=until)
    assert e.value.field == "--until"
    assert not (tmp_path / "demo.db").exists()  # nothing was opened


def test_reset_refused_on_postgres() -> None:
    ctx = Context(db="postgresql://nobody@127.0.0.1:1/nothing", user="演示")
    with pytest.raises(InvalidInputError) as e:
        run_demo(ctx, until="2024-12-31", reset=True, echo=lambda _: None)
    assert e.value.field == "--reset"
    assert ctx._app is None  # refused before the database was touched


def test_through_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "TRACKER_DB": f"sqlite:///{tmp_path / 'cli.db'}", "TRACKER_USER": "演示"}
    exe = Path(sys.executable).with_name("tracker")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker"]
    done = subprocess.run(
        [*cmd, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "9,064.36万元" in done.stdout or "90,643,600.00" in done.stdout
    for name in ("demo-officer", "demo-manager", "demo-auditor", "demo-admin"):
        assert name in done.stdout  # one login per role, with its password
    bad = subprocess.run(
        [*cmd, "demo", "--until", "2025-03-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 1
    assert "--until" in bad.stderr
