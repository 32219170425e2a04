"""An uploaded spreadsheet between its check and its confirmation, and the check of its
rows against the uploader's reach.

A file that passed the dry run waits under a random folder name in ``TRACKER_UPLOADS``
(the instance folder's ``uploads`` by default) with what the dry run found beside it,
bound to the uploader's session until they confirm or cancel; a pending upload is found
again only for the same user, with a well-formed token and a safe file name, and
nobody's upload outlives a day. The reach check names every row of a unit the uploader
may not record for, worded for the page's problems table (sheet, row, column, reason).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from flask import current_app, session
from flask_login import current_user

from tracker.domain.errors import TrackerError
from tracker.importing import Problem
from tracker.importing.layouts import Table, detect
from tracker.importing.parsing import parse_tables
from tracker.importing.readers import read_table_file
from tracker.importing.records import IndicatorRow, PaymentRow
from tracker.queries import projects
from web.auth import Scope
from web.extensions import tracker

PENDING = "pending_import"
KEEP_SECONDS = 24 * 3600  # an unconfirmed upload is deleted after a day
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}$")
UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
SUMMARY = "summary.json"


# ---------------------------------------------------------- the kept file


def uploads_folder() -> Path:
    """``TRACKER_UPLOADS`` if configured, else ``uploads`` in the instance folder."""
    folder = Path(current_app.config.get("TRACKER_UPLOADS") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _folder(token: str) -> Path:
    return uploads_folder() / token


def kept_path(upload: dict[str, Any]) -> Path:
    """Where the pending upload's file is."""
    return _folder(upload["token"]) / upload["stored"]


def stored_name(name: str) -> str:
    """The uploaded file's own name, made safe to keep (a CSV's sheet is named after
    it, so the problems table shows the user's name, not the random folder's)."""
    base = UNSAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip(".")[-120:]
    suffix = Path(name).suffix.lower()
    return base if base.lower().endswith(suffix) and len(base) > len(suffix) else f"upload{suffix}"


def new_place(name: str) -> tuple[str, Path]:
    """A fresh token and the path to save the upload at, in a private folder of its
    own; uploads nobody confirmed within a day are swept first."""
    sweep(uploads_folder())
    token = secrets.token_urlsafe(24)
    path = _folder(token) / stored_name(name)
    path.parent.mkdir(mode=0o700)
    return token, path


def keep(token: str, path: Path, filename: str, year: int | None, summary: dict[str, Any]) -> None:
    """The checked file waits for this user's confirmation, with what the check found."""
    (path.parent / SUMMARY).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    session[PENDING] = {
        "token": token,
        "stored": path.name,
        "filename": filename,
        "year": year,
        "user": current_user.name,
    }


def delete(path: Path) -> None:
    """A refused file goes at once, with its folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


def pending() -> dict[str, Any] | None:
    """The upload waiting for this user's confirmation, if its file is still there."""
    found = session.get(PENDING)
    if (
        not isinstance(found, dict)
        or found.get("user") != current_user.name
        or not TOKEN.match(str(found.get("token", "")))
        or stored_name(str(found.get("stored", ""))) != found.get("stored")
        or not kept_path(found).is_file()
    ):
        return None
    return found


def summary(upload: dict[str, Any]) -> dict[str, Any]:
    """What the dry run found (sheets, counts, warnings), for the confirmation."""
    try:
        return dict(json.loads((_folder(upload["token"]) / SUMMARY).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {"sheets": [], "created": {}, "present": {}, "warnings": [], "warning_count": 0}


def discard(upload: dict[str, Any] | None) -> None:
    """Forget the pending upload and delete its file."""
    session.pop(PENDING, None)
    if upload is not None:
        shutil.rmtree(_folder(upload["token"]), ignore_errors=True)


def sweep(folder: Path) -> None:
    """Delete uploads nobody confirmed within a day."""
    cutoff = time.time() - KEEP_SECONDS
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        except OSError:
            continue


# ------------------------------------------------------------ the reach


def reach_problems(path: Path, year: int | None, sc: Scope) -> list[Problem]:
    """A problem for every row of a unit the user may not record for.

    A project row names its unit (code, or a name the database knows once); a payment
    or indicator row belongs to its project's unit, found in the file or the database.
    Rows the import cannot read at all are left to the dry run, which names them."""
    try:
        sheets = read_table_file(path)
    except TrackerError:
        return []
    tables = [t for sheet in sheets if isinstance(t := detect(sheet), Table)]
    parsed = parse_tables(tables, year=year)
    units = {u["code"]: u["name"] for u in tracker().units()}
    by_name: dict[str, list[str]] = {}
    for code, unit_name in units.items():
        by_name.setdefault(unit_name, []).append(code)
    owned: list[IndicatorRow | PaymentRow] = [*parsed.indicators, *parsed.payments]
    years = {p.year for p in parsed.projects} | {r.year for r in owned}
    known: dict[tuple[int, str], str | None] = {}
    for fiscal_year in sorted(years):
        registered = projects.select(tracker().read, fiscal_year)
        known.update({(fiscal_year, p.code): p.unit for p in registered})
    problems = []
    for p in parsed.projects:
        names = by_name.get(p.unit_name or "", [])
        unit = p.unit_code or (names[0] if len(names) == 1 else None)
        known[(p.year, p.code)] = unit
        if unit is None or unit not in units or not sc.can_record(unit):
            problems.append(Problem(p.row, "预算单位", _refusal(unit or p.unit_name or ""), p.sheet))
    for r in owned:
        if (r.year, r.code) not in known:
            continue  # no such project: the dry run says so
        unit = known[(r.year, r.code)]
        if unit is None or not sc.can_record(unit):
            problems.append(Problem(r.row, "项目编码", f"项目 {r.code} 属于{_refusal(unit or '')}", r.sheet))
    return problems


def _refusal(unit: str) -> str:
    return (
        f"单位 {unit}，不在您负责的单位及其下级单位之内：不能导入"
        "（请由该单位的财务人员导入，新单位请联系系统管理员登记）"
    )


def ordered(problems: list[Problem]) -> list[Problem]:
    """By sheet (as first met) and row, worded for this page rather than the CLI."""
    sheets: dict[str, int] = {}
    for p in problems:
        sheets.setdefault(p.sheet or "", len(sheets))
    return [
        Problem(p.row, p.column, _web_wording(p.reason), p.sheet)
        for p in sorted(problems, key=lambda p: (sheets[p.sheet or ""], p.row or 0))
    ]


WEB_WORDING = (
    ("也未用 --year 指定", "上传时也未填写“预算年度”"),
    ("请用 --year 指定", "请在上传时填写“预算年度”"),
    ("--year ", "所填预算年度 "),
    ("--year", "所填预算年度"),
)


def _web_wording(reason: str) -> str:
    for cli, web in WEB_WORDING:
        reason = reason.replace(cli, web)
    return reason
