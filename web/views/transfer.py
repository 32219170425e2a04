"""导入导出: upload a spreadsheet, see every bad row, then confirm; download the tables.

An upload is checked whole before anything is recorded (``tracker import --dry-run``)
and against the uploader's reach: an officer imports only rows of the units given to
them and their subtrees, and every other row is named in the problems table (sheet,
row, column, reason). A file that passes waits in the instance folder under a random
name, bound to the uploader's session, until they confirm; the confirmation runs the
real import (which checks everything again). A refused file is deleted and records
nothing. Downloads are the ``tracker export`` tables, for the units the user may read.

The kept file and the reach check are in ``web.uploads``; the downloads' route is in
``web.views.transfer_downloads``, imported at the end so that it registers on ``bp``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from tracker.domain.errors import TrackerError
from tracker.domain.inputs import parse_year
from tracker.importing import ImportInterrupted, ImportRefused, import_file
from tracker.importing.layouts import KIND_LABELS
from tracker.importing.report import KIND_NAMES
from web import uploads
from web.auth import OFFICER, WebUser, roles_required, scope
from web.extensions import tracker
from web.form_errors import FormErrors
from web.templating import keep_time
from web.timectl import current
from web.views.dashboard import unit_tree

bp = Blueprint("transfer", __name__)

UPLOAD_SUFFIXES = (".xlsx", ".csv")
DONE = "imports_done"
SHOWN_PROBLEMS = 500  # a refused 100,000-row file lists the first ones and says how many
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
UPLOAD_FIELDS = {"文件": "file", "--year": "year", "预算年度": "year"}
UPLOAD_LABELS = {"file": "文件", "year": "预算年度"}

# ------------------------------------------------------------------ pages


@bp.route("/transfer")
@login_required
def index() -> Any:
    return page()


def page(status: int = 200, **extra: Any) -> Any:
    user = cast(WebUser, current_user)
    sc = scope()
    tv = current()
    pending = uploads.pending()
    return (
        render_template(
            "transfer/index.html",
            can_import=user.has(OFFICER),
            pending=pending,
            summary=uploads.summary(pending) if pending else None,
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
    uploads.discard(uploads.pending())
    token, path = uploads.new_place(name)
    upload.save(path)
    try:
        report = import_file(tracker(), path, year=year, dry_run=True, user=current_user.name)
        problems = uploads.reach_problems(path, year, scope())
    except ImportRefused as e:
        problems = e.problems + uploads.reach_problems(path, year, scope())
    except TrackerError as e:
        uploads.delete(path)
        errors.refuse(e)
        return page(422, upload_errors=errors.summary(), upload_values=values)
    if problems:
        uploads.delete(path)
        return page(
            422,
            problems=uploads.ordered(problems)[:SHOWN_PROBLEMS],
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
    uploads.keep(token, path, name, year, summary)
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
    pending = uploads.pending()
    if pending is None or request.form.get("token") != pending["token"]:
        flash("没有待确认的导入（可能已导入或已取消），请重新上传文件。", "error")
        return back()
    path = uploads.kept_path(pending)
    try:
        problems = uploads.reach_problems(path, pending["year"], scope())
        if not problems:
            report = import_file(tracker(), path, year=pending["year"], user=current_user.name)
    except ImportRefused as e:
        problems = e.problems
    except ImportInterrupted as e:
        flash(e.message, "error")
        return back()
    if problems:  # the ledger changed since the check: nothing was recorded
        uploads.discard(pending)
        return page(
            422,
            problems=uploads.ordered(problems)[:SHOWN_PROBLEMS],
            problem_count=len(problems),
            filename=pending["filename"],
        )
    uploads.discard(pending)
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
    uploads.discard(uploads.pending())
    flash("已取消导入，未记录任何内容。", "ok")
    return back()


def back() -> Any:
    """To the page, keeping the time control (POST, redirect, GET)."""
    values: dict[str, Any] = dict(keep_time())
    return redirect(url_for("transfer.index", **values))


# The downloads' route registers on ``bp`` when imported (after everything above, which it uses).
from web.views import transfer_downloads  # noqa: E402, F401
