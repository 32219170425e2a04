"""The layout's promises: the domain and service layer pull in no web or worker
framework, and no package imports a door above it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("celery", "flask", "apiflask", "kombu", "redis", "werkzeug", "workers", "web")


def imported_roots(package: str) -> set[str]:
    """The top-level names each module of ``package`` imports, at any depth."""
    roots: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(node.module.split(".")[0])
    return roots


def test_importing_the_service_layer_loads_no_web_or_worker_framework() -> None:
    code = (
        "import sys, tracker, tracker.commands, tracker.queries, tracker.cli; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FRAMEWORKS!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_tracker_imports_nothing_from_workers_or_web() -> None:
    assert imported_roots("tracker") & {"workers", "web", "celery", "flask", "apiflask"} == set()


def test_the_domain_imports_no_persistence_or_door() -> None:
    roots = imported_roots("tracker/domain")
    assert roots & {"psycopg", "sqlite3", "click", "openpyxl", "celery", "flask"} == set()


READ_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN)\b[^\"']*\brm_[a-z_]+")
SQL_HOMES = ("tracker/projections/", "tracker/queries/", "tracker/store/")


def test_read_tables_are_written_by_projections_and_read_by_queries_only() -> None:
    """SQL in two places: the projections write the read tables, the queries read them;
    the service layer, the doors and the workers call those (the store holds the schema)."""
    offenders = []
    for package in ("tracker", "workers", "web"):
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if not rel.startswith(SQL_HOMES) and READ_SQL.search(path.read_text(encoding="utf-8")):
                offenders.append(rel)
    assert offenders == []
