"""A database written by the release of 2026-12-01 reads the same with today's code.

Stored events name their class by module path (``tracker.domain.project:Project...``),
so moving an aggregate's module would strand every existing ledger. The fixture under
``tests/fixtures/release_2026_12_01`` was written by that release; this test opens a
copy and expects byte-for-byte the output that release printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent.parent / "fixtures" / "release_2026_12_01"
READS = [
    ("status_2024-06-30.table", ["status", "--year", "2024", "--as-of", "2024-06-30"]),
    ("status_2024-06-30.json", ["status", "--year", "2024", "--as-of", "2024-06-30", "--format", "json"]),
    ("status_2024-06-30.csv", ["status", "--year", "2024", "--as-of", "2024-06-30", "--format", "csv"]),
    ("status_2024-12-31.json", ["status", "--year", "2024", "--as-of", "2024-12-31", "--format", "json"]),
    *[
        (f"{what}_{p}.{fmt}", [what, p, "--format", fmt])
        for what in ("history", "show")
        for p in ("P1", "P2")
        for fmt in ("table", "json")
    ],
    ("indicators_P1.json", ["indicator", "list", "P1", "--format", "json"]),
    ("selfeval_P1.json", ["selfeval", "P1", "--year", "2024", "--format", "json"]),
    ("channels.table", ["channels", "list"]),
]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRACKER_DB": f"sqlite:///{db}",
        "TRACKER_USER": "李会计",
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture
def legacy_db(tmp_path: Path) -> Path:
    db = tmp_path / "ledger.db"
    shutil.copy(FIXTURE / "ledger.db", db)
    return db


def assert_same_reads(db: Path) -> None:
    for expected, args in READS:
        proc = run(db, *args)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == (FIXTURE / expected).read_text(encoding="utf-8"), " ".join(args)


def test_reads_of_an_old_database_are_unchanged(legacy_db: Path) -> None:
    assert_same_reads(legacy_db)


def test_rebuilding_the_read_tables_of_an_old_database_changes_no_figure(legacy_db: Path) -> None:
    rebuilt = run(legacy_db, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert_same_reads(legacy_db)


def test_an_old_database_takes_new_payments_and_reversals(legacy_db: Path) -> None:
    paid = run(legacy_db, "pay", "P1", "1000", "--date", "2024-07-01", "--payee", "某公司")
    assert paid.returncode == 0, paid.stderr
    payment = paid.stdout.strip().splitlines()[-1]
    reversed_ = run(legacy_db, "reverse", payment, "--date", "2024-07-02", "--reason", "退回")
    assert reversed_.returncode == 0, reversed_.stderr
    view = json.loads(run(legacy_db, "show", "P1", "--format", "json").stdout)
    before = json.loads((FIXTURE / "show_P1.json").read_text(encoding="utf-8"))
    assert view["disbursed"] == before["disbursed"]
    assert len(view["payments"]) == len(before["payments"]) + 1
