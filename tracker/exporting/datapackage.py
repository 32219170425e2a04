"""A Fiscal Data Package (OpenSpending FDP 0.3) of one year's budget and execution.

The package is ``datapackage.json`` with ``profile: "fiscal-data-package"`` and two
CSV resources (UTF-8, no BOM, amounts in 元 with two decimals):

- ``budget-execution.csv``: aggregated line items as of *d*, one per project and
  - ``revenue`` / ``approved``: the appropriations received by funding source
    (上年结转 apart), which make the income side of the 收支总表;
  - ``expenditure`` / ``approved``: the project's 全年预算数 under its classes;
  - ``expenditure`` / ``executed``: net spending under each payment economic class
    and source (payments less reversals dated on or before *d*);
- ``units.csv``: the budget units (administrative classification) with their parents.

The ``model`` maps the measure ``amount`` (CNY) and the dimensions: functional and
economic classification (code, 类/款/项 parents, names), administrative = unit, the
project (activity), the date and fiscal year, direction (expenditure / revenue),
phase (approved / executed), funding source and expenditure type.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from tracker.domain.catalogue import ECONOMIC_CLASSES, FUNCTIONAL_CLASSES
from tracker.domain.money import from_fen
from tracker.exporting.files import os_errors_named, replacing
from tracker.queries.figures import ProjectRef
from tracker.queries.known import KnownOn
from tracker.queries.reports.ledger import Ledger, load
from tracker.queries.reports.tables import CARRYOVER, CARRYOVER_SOURCE
from tracker.queries.units import subtree, units
from tracker.store.readstore import ReadStore

DATA = "budget-execution"
UNITS = "units"
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("fiscal_year", "integer", "预算年度"),
    ("date", "date", "截至日期（as of）"),
    ("direction", "string", "收支方向：expenditure 支出 / revenue 收入"),
    ("phase", "string", "阶段：approved 预算数 / executed 执行数"),
    ("unit_code", "string", "预算单位编码"),
    ("unit_name", "string", "预算单位名称"),
    ("project_code", "string", "预算项目编码"),
    ("project_name", "string", "预算项目名称"),
    ("expenditure_type", "string", "支出类型"),
    ("functional_class", "string", "支出功能分类 类"),
    ("functional_item", "string", "支出功能分类 款"),
    ("functional_code", "string", "支出功能分类科目编码"),
    ("functional_name", "string", "支出功能分类科目名称"),
    ("economic_class", "string", "部门经济分类 类"),
    ("economic_code", "string", "部门经济分类科目编码"),
    ("economic_name", "string", "部门经济分类科目名称"),
    ("source", "string", "资金来源"),
    ("amount", "number", "金额（元）"),
)
UNIT_FIELDS = (
    ("code", "string", "单位编码"),
    ("name", "string", "单位名称"),
    ("parent_code", "string", "上级单位编码"),
)


def line_items(led: Ledger, unit_names: dict[str, str]) -> list[dict[str, str]]:
    """The package's rows, in 元 with two decimals."""
    rows: list[dict[str, str]] = []

    def add(p: ProjectRef, direction: str, phase: str, economic: str | None, source: str, fen: int) -> None:
        if not fen:
            return
        f = p.functional or ""
        rows.append(
            {
                "fiscal_year": str(led.year),
                "date": led.as_of.isoformat(),
                "direction": direction,
                "phase": phase,
                "unit_code": p.unit,
                "unit_name": unit_names.get(p.unit, ""),
                "project_code": p.code,
                "project_name": p.name,
                "expenditure_type": p.expenditure_type,
                "functional_class": f[:3],
                "functional_item": f[:5] if len(f) >= 5 else "",
                "functional_code": f,
                "functional_name": FUNCTIONAL_CLASSES.get(f, ""),
                "economic_class": (economic or "")[:3],
                "economic_code": economic or "",
                "economic_name": ECONOMIC_CLASSES.get(economic or "", ""),
                "source": source,
                "amount": f"{from_fen(fen):f}",
            }
        )

    for p in led.projects.values():
        carried = led.kind_fen(p.id, CARRYOVER)
        add(p, "revenue", "approved", p.economic, p.source, led.budget_fen(p.id) - carried)
        add(p, "revenue", "approved", p.economic, CARRYOVER_SOURCE, carried)
        add(p, "expenditure", "approved", p.economic, p.source, led.budget_fen(p.id))
    for s in led.spending:
        add(led.projects[s.project_id], "expenditure", "executed", s.economic, s.source, s.fen)
    return rows


def _attr(source: str, **extra: str) -> dict[str, str]:
    return {"source": source, "resource": DATA, **extra}


def descriptor(led: Ledger) -> dict[str, Any]:
    slug = f"budget-execution-{led.unit or 'all'}-{led.year}".lower()
    known = f"，{led.known.caption}" if led.known else ""
    return {
        "profile": "fiscal-data-package",
        "profiles": {"fiscal": "*", "tabular": "*"},
        "name": slug,
        "title": f"{led.unit_label} {led.year} 年预算及执行（截至 {led.as_of.isoformat()}{known}）",
        "countryCode": "cn",
        "granularity": "aggregated",
        "fiscalPeriod": {"start": f"{led.year}-01-01", "end": f"{led.year}-12-31"},
        "resources": [
            _resource(DATA, "预算批复与支出（按项目、功能分类、经济分类、资金来源）", FIELDS),
            _resource(UNITS, "预算单位", UNIT_FIELDS),
        ],
        "model": {
            "measures": {
                "amount": {"source": "amount", "currency": "CNY", "factor": 1, "resource": DATA},
            },
            "dimensions": {
                "functional-classification": {
                    "dimensionType": "classification",
                    "classificationType": "functional",
                    "attributes": {
                        "class": _attr("functional_class"),
                        "item": _attr("functional_item", parent="class"),
                        "code": _attr("functional_code", parent="item"),
                        "label": _attr("functional_name", labelfor="code"),
                    },
                    "primaryKey": "code",
                },
                "economic-classification": {
                    "dimensionType": "classification",
                    "classificationType": "economic",
                    "attributes": {
                        "class": _attr("economic_class"),
                        "code": _attr("economic_code", parent="class"),
                        "label": _attr("economic_name", labelfor="code"),
                    },
                    "primaryKey": "code",
                },
                "administrative-classification": {
                    "dimensionType": "classification",
                    "classificationType": "administrative",
                    "attributes": {"code": _attr("unit_code"), "label": _attr("unit_name", labelfor="code")},
                    "primaryKey": "code",
                },
                "project": {
                    "dimensionType": "activity",
                    "attributes": {
                        "id": _attr("project_code"),
                        "title": _attr("project_name", labelfor="id"),
                    },
                    "primaryKey": "id",
                },
                "date": {
                    "dimensionType": "datetime",
                    "attributes": {"fiscal-year": _attr("fiscal_year"), "date": _attr("date")},
                    "primaryKey": ["fiscal-year", "date"],
                },
                "direction": {
                    "dimensionType": "other",
                    "attributes": {"direction": _attr("direction")},
                    "primaryKey": "direction",
                },
                "phase": {
                    "dimensionType": "other",
                    "attributes": {"phase": _attr("phase")},
                    "primaryKey": "phase",
                },
                "source": {
                    "dimensionType": "other",
                    "attributes": {"source": _attr("source")},
                    "primaryKey": "source",
                },
                "expenditure-type": {
                    "dimensionType": "classification",
                    "attributes": {"type": _attr("expenditure_type")},
                    "primaryKey": "type",
                },
            },
        },
    }


def _resource(name: str, title: str, fields: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    return {
        "name": name,
        "path": f"{name}.csv",
        "title": title,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": [{"name": n, "type": t, "title": d} for n, t, d in fields]},
    }


def _csv(fields: tuple[tuple[str, str, str], ...], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, [f[0] for f in fields], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def package_files(
    read: ReadStore,
    year: int,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> dict[str, str]:
    """File name → text of every file of the package."""
    led = load(read, year, unit, as_of, known)
    all_units = units(read)
    selected = subtree(unit, all_units) if unit else sorted(all_units)
    unit_rows = [
        {"code": c, "name": all_units[c]["name"], "parent_code": all_units[c]["parent_code"] or ""}
        for c in selected
    ]
    names = {c: u["name"] for c, u in all_units.items()}
    return {
        "datapackage.json": json.dumps(descriptor(led), ensure_ascii=False, indent=2) + "\n",
        f"{DATA}.csv": _csv(FIELDS, line_items(led, names)),
        f"{UNITS}.csv": _csv(UNIT_FIELDS, unit_rows),
    }


def write_package(
    read: ReadStore,
    year: int,
    unit: str | None,
    path: Path,
    as_of: dt.date | str | None = None,
    known: KnownOn | None = None,
) -> Path:
    """Into a directory (created if needed), or a ``.zip`` file."""
    files = package_files(read, year, unit, as_of, known)
    if path.suffix.lower() == ".zip":
        with replacing(path) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in files.items():
                z.writestr(name, text.encode("utf-8"))
        return path
    with os_errors_named(path):
        path.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            with replacing(path / name) as temporary:
                temporary.write_text(text, encoding="utf-8", newline="")
    return path
