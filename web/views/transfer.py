"""导入导出: upload a spreadsheet, see every bad row, then confirm; download the tables.

An upload is checked whole before anything is recorded (``tracker import --dry-run``)
and against the uploader's reach: an officer imports only rows of the units given to
them and their subtrees, and every other row is named in the problems table (sheet,
row, column, reason). A file that passes waits in the instance folder under a random
name, bound to the uploader's session, until they confirm; the confirmation runs the
real import (which checks everything again). A refused file is deleted and records
nothing. Downloads are the ``tracker export`` tables, for the units the user may read.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required

from tracker.domain.errors import TrackerError
from tracker.domain.inputs import parse_code, parse_year
from tracker.importing import ImportInterrupted, ImportRefused, Problem, import_file
from tracker.importing.layouts import KIND_LABELS, Table, detect
from tracker.importing.parsing import parse_tables
from tracker.importing.readers import read_table_file
from tracker.importing.records import IndicatorRow, PaymentRow
from tracker.importing.report import KIND_NAMES
from web.auth import OFFICER, Scope, WebUser, roles_required, scope
from web.extensions import tracker
from web.form_errors import FormErrors
from web.templating import keep_time
from web.timectl import current
from web.views.dashboard import ALL_UNITS, unit_tree
from web.views.rollups import choose

bp = Blueprint("transfer", __name__)

UPLOAD_SUFFIXES = (".xlsx", ".csv")
PENDING = "pending_import"
DONE = "imports_done"
KEEP_SECONDS = 24 * 3600  # an unconfirmed upload is deleted after a day
SHOWN_PROBLEMS = 500  # a refused 100,000-row file lists the first ones and says how many
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}$")
UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
SUMMARY = "summary.json"
# kind: (label, formats); the order is the page's
EXPORTS = {
    "summary": ("收支预算总表", ("xlsx", "csv")),
    "function": ("支出总表（功能分类）", ("xlsx", "csv")),
    "basic": ("基本支出表（经济分类）", ("xlsx", "csv")),
    "project-economic": ("项目支出表（经济分类）", ("xlsx", "csv")),
    "three-public": ("“三公”经费支出表", ("xlsx", "csv")),
    "fdp": ("财政数据包（Fiscal Data Package）", ("zip",)),
    "monitoring": ("绩效运行监控表", ("xlsx", "csv")),
    "selfeval": ("项目绩效自评表", ("xlsx", "csv")),
}
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
UPLOAD_FIELDS = {"文件": "file", "--year": "year", "预算年度": "year"}
UPLOAD_LABELS = {"file": "文件", "year": "预算年度"}
EXPORT_FIELDS = {
    "报表类型": "kind",
    "导出格式": "format",
    "单位编码": "unit",
    "单位": "unit",
    "项目编码": "project",
}
EXPORT_LABELS = {"kind": "报表", "format": "格式", "unit": "单位", "project": "项目编码"}


# ------------------------------------------------------------------ pages


@bp.route("/transfer")
@login_required
def index() -> Any:
    return page()


def page(status: int = 200, **extra: Any) -> Any:
    user = cast(WebUser, current_user)
    sc = scope()
    tv = current()
    pending = _pending()
    return (
        render_template(
            "transfer/index.html",
            can_import=user.has(OFFICER),
            pending=pending,
            summary=_summary(pending) if pending else None,
            exports_options=[(k, v[0]) for k, v in EXPORTS.items()],
            units=unit_tree(tracker().units(), sc.readable),
            may_choose_all=sc.readable is None,
            year=tv.year,
            as_of=tv.as_of,
            kind_labels=KIND_LABELS,
            kind_names=KIND_NAMES,
            upload_errors=extra.pop("upload_errors", {}),
            upload_values=extra.pop("upload_values", {"year": str(tv.year)}),
            export_errors=extra.pop("export_errors", {}),
            export_values=extra.pop("export_values", dict(request.args)),
            request_id=extra.pop("request_id", None) or secrets.token_hex(16),
            **extra,
        ),
        status,
    )


@bp.route("/transfer/check", methods=["POST"])
@roles_required(OFFICER)
def check() -> Any:
    """Dry run: every problem of the file and of the uploader's reach, or a file kept."""
    errors = FormErrors(UPLOAD_FIELDS, UPLOAD_LABELS, "file")
    values = {"year": (request.form.get("year") or "").strip()}
    upload = request.files.get("file")
    name = (upload.filename or "").strip() if upload else ""
    suffix = Path(name).suffix.lower()
    year: int | None = None
    if not name:
        errors.add("file", "请选择要导入的文件（.xlsx 或 .csv）")
    elif suffix not in UPLOAD_SUFFIXES:
        errors.add("file", f"“{name}”不是 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel/WPS 中另存为 .xlsx")
    try:
        year = parse_year(values["year"], "预算年度") if values["year"] else None
    except TrackerError as e:
        errors.refuse(e)
    if errors:
        return page(422, upload_errors=errors.summary(), upload_values=values)
    assert upload is not None
    _discard(_pending())
    _sweep(_uploads())
    token = secrets.token_urlsafe(24)
    stored = stored_name(name)
    path = _folder(token) / stored
    path.parent.mkdir(mode=0o700)
    upload.save(path)
    try:
        report = import_file(tracker(), path, year=year, dry_run=True, user=current_user.name)
        problems = reach_problems(path, year, scope())
    except ImportRefused as e:
        problems = e.problems + reach_problems(path, year, scope())
    except TrackerError as e:
        shutil.rmtree(path.parent, ignore_errors=True)
        errors.refuse(e)
        return page(422, upload_errors=errors.summary(), upload_values=values)
    if problems:
        shutil.rmtree(path.parent, ignore_errors=True)
        return page(
            422,
            problems=_ordered(problems)[:SHOWN_PROBLEMS],
            problem_count=len(problems),
            filename=name,
            upload_values=values,
        )
    summary = {
        "sheets": [vars(s) for s in report.sheets],
        "created": report.created,
        "present": report.present,
        "warnings": report.warnings[:200],
        "warning_count": len(report.warnings),
    }
    (path.parent / SUMMARY).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    session[PENDING] = {
        "token": token,
        "stored": stored,
        "filename": name,
        "year": year,
        "user": current_user.name,
    }
    return back()


@bp.route("/transfer/confirm", methods=["POST"])
@roles_required(OFFICER)
def confirm() -> Any:
    """Record the checked file (the import checks every row again first)."""
    request_id = (request.form.get("request_id") or "").strip()
    done = session.get(DONE, {})
    if request_id and request_id in done:  # a second click: the first one recorded it
        flash(done[request_id], "ok")
        return back()
    pending = _pending()
    if pending is None or request.form.get("token") != pending["token"]:
        flash("没有待确认的导入（可能已导入或已取消），请重新上传文件。", "error")
        return back()
    path = _path(pending)
    try:
        problems = reach_problems(path, pending["year"], scope())
        if not problems:
            report = import_file(tracker(), path, year=pending["year"], user=current_user.name)
    except ImportRefused as e:
        problems = e.problems
    except ImportInterrupted as e:
        flash(e.message, "error")
        return back()
    if problems:  # the ledger changed since the check: nothing was recorded
        _discard(pending)
        return page(
            422,
            problems=_ordered(problems)[:SHOWN_PROBLEMS],
            problem_count=len(problems),
            filename=pending["filename"],
        )
    _discard(pending)
    made = [f"{KIND_NAMES[k]} {n}" for k, n in report.created.items() if n]
    message = f"已导入“{pending['filename']}”：" + (
        "新增" + "、".join(made) if made else "文件中的内容均已存在，未新增任何记录"
    )
    session[DONE] = {**dict(list(done.items())[-9:]), request_id: message} if request_id else done
    flash(message, "ok")
    return back()


@bp.route("/transfer/cancel", methods=["POST"])
@roles_required(OFFICER)
def cancel() -> Any:
    _discard(_pending())
    flash("已取消导入，未记录任何内容。", "ok")
    return back()


def back() -> Any:
    """To the page, keeping the time control (POST, redirect, GET)."""
    values: dict[str, Any] = dict(keep_time())
    return redirect(url_for("transfer.index", **values))


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
    if years:
        marks = ", ".join("?" for _ in years)
        rows = tracker().read.all(
            f"SELECT year, code, unit_code FROM rm_projects WHERE year IN ({marks})", sorted(years)
        )
        known = {(r["year"], r["code"]): r["unit_code"] for r in rows}
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


def _ordered(problems: list[Problem]) -> list[Problem]:
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


# ---------------------------------------------------------- the kept file


def _uploads() -> Path:
    """``TRACKER_UPLOADS`` if configured, else ``uploads`` in the instance folder."""
    folder = Path(current_app.config.get("TRACKER_UPLOADS") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _folder(token: str) -> Path:
    return _uploads() / token


def _path(pending: dict[str, Any]) -> Path:
    return _folder(pending["token"]) / pending["stored"]


def stored_name(name: str) -> str:
    """The uploaded file's own name, made safe to keep (a CSV's sheet is named after
    it, so the problems table shows the user's name, not the random folder's)."""
    base = UNSAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip(".")[-120:]
    suffix = Path(name).suffix.lower()
    return base if base.lower().endswith(suffix) and len(base) > len(suffix) else f"upload{suffix}"


def _pending() -> dict[str, Any] | None:
    """The upload waiting for this user's confirmation, if its file is still there."""
    pending = session.get(PENDING)
    if (
        not isinstance(pending, dict)
        or pending.get("user") != current_user.name
        or not TOKEN.match(str(pending.get("token", "")))
        or stored_name(str(pending.get("stored", ""))) != pending.get("stored")
        or not _path(pending).is_file()
    ):
        return None
    return pending


def _summary(pending: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(json.loads((_folder(pending["token"]) / SUMMARY).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {"sheets": [], "created": {}, "present": {}, "warnings": [], "warning_count": 0}


def _discard(pending: dict[str, Any] | None) -> None:
    session.pop(PENDING, None)
    if pending is not None:
        shutil.rmtree(_folder(pending["token"]), ignore_errors=True)


def _sweep(folder: Path) -> None:
    """Delete uploads nobody confirmed within a day."""
    cutoff = time.time() - KEEP_SECONDS
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        except OSError:
            continue


# ------------------------------------------------------------ downloads


@bp.route("/transfer/download")
@login_required
def download() -> Any:
    """One ``tracker export`` table for a readable unit (its subtree), as of the time control."""
    tv = current()
    sc = scope()
    args = request.args
    errors = FormErrors(EXPORT_FIELDS, EXPORT_LABELS, "kind")
    kind = (args.get("kind") or "").strip()
    fmt = (args.get("format") or "xlsx").strip().lower()
    if kind not in EXPORTS:
        errors.add("kind", "请选择要下载的报表")
    elif kind == "fdp":
        fmt = "zip"  # the package is several files: one .zip
    elif fmt not in EXPORTS[kind][1]:
        errors.add("format", f"{EXPORTS[kind][0]}可下载为：{'、'.join(EXPORTS[kind][1])}")
    units = {u["code"]: u for u in tracker().units()}
    unit = choose(sc, cast(WebUser, current_user).units, {"unit": args.get("unit") or ALL_UNITS}, units).unit
    code = (args.get("project") or "").strip()
    if kind == "monitoring" and unit is None:
        errors.add("unit", "绩效运行监控表按单位填报：请选择一个单位")
    if kind == "selfeval":
        try:
            code = parse_code(code, "项目编码")
            found = tracker().read.one(
                "SELECT unit_code FROM rm_projects WHERE year = ? AND code = ?", (tv.year, code)
            )
            if found is None:
                errors.add("project", f"{tv.year} 年没有编码为 {code} 的项目")
            elif not sc.can_read(found["unit_code"]):
                abort(403)
        except TrackerError as e:
            errors.refuse(e, "请填写要下载自评表的项目编码")
    if not errors:
        try:
            data = _export(kind, fmt, tv.year, unit, code, tv.as_of)
        except TrackerError as e:
            errors.refuse(e)
    if errors:
        return page(422, export_errors=errors.summary(), export_values=dict(args))
    label = EXPORTS[kind][0]
    where = code if kind == "selfeval" else (unit or "全部单位")
    return send_file(
        io.BytesIO(data),
        mimetype=MIMETYPES[fmt],
        as_attachment=True,
        download_name=f"{label}_{where}_{tv.year}_截至{tv.as_of.isoformat()}.{fmt}",
        max_age=0,
    )


def _export(kind: str, fmt: str, year: int, unit: str | None, code: str, as_of: Any) -> bytes:
    """The file's bytes, written the CLI's way into a private temporary folder."""
    app = tracker()
    with tempfile.TemporaryDirectory(prefix="tracker-export-") as folder:
        path = Path(folder) / f"export.{fmt}"
        if kind == "monitoring":
            from tracker.exporting.monitoring import write_monitoring

            assert unit is not None
            write_monitoring(app, year, unit, as_of, path)
        elif kind == "selfeval":
            from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx

            write_selfeval_xlsx(with_names(app, app.self_evaluation(code, year)), path)
        else:
            from tracker.exporting import export

            export(app.read, kind, year, unit, path, fmt="fdp" if fmt == "zip" else fmt, as_of=as_of)
        return path.read_bytes()
