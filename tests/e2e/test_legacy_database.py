"""A database written by the release of 2026-12-01 reads the same with today's code.

Stored events name their class by module path (``tracker.domain.project:Project...``),
so moving an aggregate's module would strand every existing ledger. The fixture under
``tests/fixtures/release_2026_12_01`` was written by that release; this test opens a
copy and expects byte-for-byte the tables that release printed, and its JSON answers
with every field unchanged (new fields may be added).
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


def kept(old: object, new: object) -> bool:
    """Every key and value of the old JSON answer is in the new one, unchanged: a
    release may add fields to an answer (the 自评表's funds block, say), never alter or
    drop one."""
    if isinstance(old, dict):
        return isinstance(new, dict) and all(k in new and kept(v, new[k]) for k, v in old.items())
    if isinstance(old, list):
        return isinstance(new, list) and len(old) == len(new) and all(map(kept, old, new))
    return old == new


def assert_same_reads(db: Path) -> None:
    for expected, args in READS:
        proc = run(db, *args)
        assert proc.returncode == 0, proc.stderr
        printed = (FIXTURE / expected).read_text(encoding="utf-8")
        if expected.endswith(".json"):
            assert kept(json.loads(printed), json.loads(proc.stdout)), " ".join(args)
        else:
            assert proc.stdout == printed, " ".join(args)


def test_the_json_comparison_refuses_a_changed_or_dropped_field() -> None:
    assert kept({"a": "1.00", "b": [1]}, {"a": "1.00", "b": [1], "c": 2})
    assert not kept({"a": "1.00"}, {"a": "1.0"})
    assert not kept({"a": "1.00", "b": 1}, {"a": "1.00"})
    assert not kept({"b": [1, 2]}, {"b": [1]})


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
