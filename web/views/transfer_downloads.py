"""导入导出 › 下载: one ``tracker export`` table (or the Fiscal Data Package, or one
project's 自评表) for a unit the user may read and its subtree, as of the time control.
A refused choice comes back on the transfer page beside the field it names. A route of
the ``transfer`` blueprint (``web.views.transfer``).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any, cast

from flask import abort, request, send_file
from flask_login import current_user, login_required

from tracker.domain.errors import TrackerError
from tracker.domain.inputs import parse_code
from tracker.queries import projects
from tracker.queries.known import KnownOn
from web.auth import WebUser, scope
from web.extensions import tracker
from web.form_errors import FormErrors
from web.timectl import current
from web.views.dashboard import ALL_UNITS
from web.views.rollups import choose
from web.views.transfer import EXPORTS, bp, page

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
EXPORT_FIELDS = {
    "报表类型": "kind",
    "导出格式": "format",
    "单位编码": "unit",
    "单位": "unit",
    "项目编码": "project",
}
EXPORT_LABELS = {"kind": "报表", "format": "格式", "unit": "单位", "project": "项目编码"}


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
            found = projects.find(tracker().read, tv.year, code)
            if found is None:
                errors.add("project", f"{tv.year} 年没有编码为 {code} 的项目")
            elif not sc.can_read(found.unit):
                abort(403)
        except TrackerError as e:
            errors.refuse(e, "请填写要下载自评表的项目编码")
    if not errors:
        try:
            data = _export(kind, fmt, tv.year, unit, code, tv.as_of, tv.known)
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


def _export(
    kind: str, fmt: str, year: int, unit: str | None, code: str, as_of: Any, known: KnownOn | None = None
) -> bytes:
    """The file's bytes, written the CLI's way into a private temporary folder (as
    known on the time control's moment, when it has one)."""
    app = tracker()
    with tempfile.TemporaryDirectory(prefix="tracker-export-") as folder:
        path = Path(folder) / f"export.{fmt}"
        if kind == "monitoring":
            from tracker.exporting.monitoring import write_monitoring

            assert unit is not None
            write_monitoring(app, year, unit, as_of, path, known)
        elif kind == "selfeval":
            from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx

            write_selfeval_xlsx(with_names(app, app.self_evaluation(code, year, known_on=known)), path)
        else:
            from tracker.exporting import export

            kind_fmt = "fdp" if fmt == "zip" else fmt
            export(app.read, kind, year, unit, path, fmt=kind_fmt, as_of=as_of, known=known)
        return path.read_bytes()
