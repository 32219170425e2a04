"""Importing a 100,000-row payments table, from .csv and from .xlsx (never part of the tests).

    python bench/bench_import.py [--rows 100000] [--projects 20] [--postgres URL] [--skip-postgres]

The files are generated once under /tmp (TRACKER_BENCH_DIR) and reused. Each import
runs on a fresh database whose projects already hold their budgets, so the figure is
the import alone: read, validate every row, record every payment with its read-model
rows. A second import of the same file must record nothing. Target (issue "Spreadsheet
import"): 100,000 payment rows in <= 10 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import time
from pathlib import Path

from common import bench_data_dir, drop_pg, fresh_pg, scratch_dir

from tracker.commands.tracker import BudgetTracker
from tracker.importing import import_file
from tracker.store.config import Settings

HEADER = ["日期", "项目编码", "金额(元)", "收款人", "经济分类", "凭证号"]
PAYEES = ["保定市某某医院", "满城区人民医院", "某某物业服务有限公司", "河北某某科技有限公司", "个人救助对象"]
TARGET_SECONDS = 10.0


def rows(n: int, projects: int) -> list[list[object]]:
    rng = random.Random(2024)
    start = dt.date(2024, 1, 2)
    out: list[list[object]] = []
    for k in range(n):
        day = start + dt.timedelta(days=k * 363 // n)  # in date order, as exported
        cents = rng.randrange(100, 5_000_000)
        out.append(
            [
                day,
                f"P{k % projects:03d}",
                f"{cents // 100}.{cents % 100:02d}",
                rng.choice(PAYEES),
                rng.choice(["30201", "30213", "30306", "31302"]),
                f"记-{k + 1}",
            ]
        )
    return out


def write_csv(path: Path, data: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for r in data:
            w.writerow([r[0].isoformat() if isinstance(r[0], dt.date) else r[0], *r[1:]])


def write_xlsx(path: Path, data: list[list[object]]) -> None:
    from decimal import Decimal

    import openpyxl

    wb = openpyxl.Workbook()  # normal mode: writes <dimension> as Excel does
    ws = wb.active
    ws.title = "支付明细"
    ws.append(["2024年支付明细"])
    ws.append(HEADER)
    for r in data:
        ws.append([r[0], r[1], Decimal(str(r[2])), *r[3:]])
    for cell in ws["A"][2:]:
        cell.number_format = "yyyy-mm-dd"
    wb.save(path)


def files(n: int, projects: int) -> tuple[Path, Path]:
    base = bench_data_dir()
    csv_path = base / f"payments-{n}-{projects}.csv"
    xlsx_path = base / f"payments-{n}-{projects}.xlsx"
    if not csv_path.exists() or not xlsx_path.exists():
        data = rows(n, projects)
        print(f"generating {csv_path} and {xlsx_path} ...", flush=True)
        write_csv(csv_path, data)
        write_xlsx(xlsx_path, data)
    return csv_path, xlsx_path


def fresh_tracker(url: str, projects: int) -> BudgetTracker:
    app = BudgetTracker(Settings(db_url=url, user="bench"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    for i in range(projects):
        app.add_project(year=2024, unit="450001", code=f"P{i:03d}", name=f"项目{i}")
        app.appropriate(f"P{i:03d}", "10000000000.00", date="2024-01-01")
    return app


def measure(url: str, path: Path, projects: int) -> tuple[float, float, float, int]:
    app = fresh_tracker(url, projects)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        report = import_file(app, path, year=2024)
        first = time.perf_counter() - start
        cpu = time.process_time() - cpu
        before = app.recorder.max_notification_id()
        start = time.perf_counter()
        again = import_file(app, path, year=2024)
        second = time.perf_counter() - start
        assert app.recorder.max_notification_id() == before, "a re-import recorded something"
        assert again.created["payments"] == 0
        return first, cpu, second, report.created["payments"]
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    csv_path, xlsx_path = files(args.rows, args.projects)
    targets = [("SQLite", lambda: f"sqlite:///{scratch_dir() / 'import.db'}", None)]
    if not args.skip_postgres:
        targets.append(("Postgres", lambda: fresh_pg(args.postgres), args.postgres))
    for db_name, make_url, admin in targets:
        for path in (csv_path, xlsx_path):
            url = make_url()
            try:
                first, cpu, second, created = measure(url, path, args.projects)
            finally:
                if admin:
                    drop_pg(admin, url)
            verdict = "ok" if first <= TARGET_SECONDS else "SLOW"
            print(
                f"{db_name:8} {path.suffix:5} {created:7d} payments in {first:6.2f} s "
                f"(CPU {cpu:5.2f} s, {created / first:6.0f}/s)   "
                f"re-import {second:5.2f} s, nothing recorded   "
                f"target <= {TARGET_SECONDS:.0f} s: {verdict}",
                flush=True,
            )


if __name__ == "__main__":
    main()
