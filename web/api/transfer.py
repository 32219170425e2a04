"""Import and export: upload a spreadsheet (``tracker import``), download one of the
``tracker export`` tables.

An upload is checked whole first, and against the caller's reach as on the page: an
officer imports only rows of the units given to them and their subtrees. Any problem
(sheet, row, column, reason) refuses the whole file (422, every problem listed in
``problems``) and records nothing. ``dry_run`` only checks; recording needs an
``Idempotency-Key`` (``web.api.import_keys``). Downloads are for units the caller may
read; a caller who may not read everything names a unit, or gets their own.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from apiflask.schemas import FileSchema
from flask import send_file
from werkzeug.datastructures import FileStorage

from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.importing import ImportRefused, import_file
from tracker.importing.records import Problem
from tracker.queries.known import KnownOn, known_on
from web import uploads
from web.api import import_keys
from web.api.access import OFFICER, api_scope, caller, request_id, require_read, roles, time_args
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.projects import project_facts
from web.api.responses_admin import ImportResponse
from web.api.schemas_admin import ExportQuery, ImportHeader, ImportIn
from web.api.status import single_root
from web.extensions import tracker

SUFFIXES = (".xlsx", ".csv")
TABLES = {  # table: (label, formats), as ``tracker export`` names them
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
    "csv": "text/csv",
    "zip": "application/zip",
}
FILE = FileSchema(type="string", format="binary")
EXPORT_RESPONSES: Any = {  # the file's three types, and the errors in the one error shape
    200: {
        "description": "报表文件",
        "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in MIMETYPES.values()},
    },
    403: "无权查看该单位或项目",
    404: "没有这样的报表、单位或项目",
    422: "参数不符合要求",
}


class Refused(ApiError):
    """A file with problems: 422 with every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(422, f"导入被拒绝：发现 {len(problems)} 处问题，未导入任何内容", "文件")
        self.problems = problems


def problem_item(p: Problem) -> dict[str, Any]:
    return {"sheet": p.sheet, "row": p.row, "column": p.column, "reason": p.reason}


@bp.errorhandler(Refused)
def refused(e: Refused) -> Any:
    """The API's error shape, with every problem of the file."""
    return {"error": e.message, "field": e.field, "problems": [problem_item(p) for p in e.problems]}, 422


def report_of(name: str, report: Any, dry_run: bool) -> dict[str, Any]:
    return {
        "filename": name,
        "dry_run": dry_run,
        "recorded": not dry_run,
        "sheets": [vars(s) for s in report.sheets],
        "created": dict(report.created),
        "present": dict(report.present),
        "warnings": list(report.warnings),
    }


def saved(upload: FileStorage, folder: Path) -> tuple[str, Path]:
    name = (upload.filename or "").strip()
    if not name:
        raise InvalidInputError("请上传要导入的文件（.xlsx 或 .csv）", "文件")
    if Path(name).suffix.lower() not in SUFFIXES:
        raise InvalidInputError(f"“{name}”不是 .xlsx 或 .csv 文件；旧版 .xls 请另存为 .xlsx", "文件")
    path = folder / uploads.stored_name(name)
    upload.save(path)
    return name, path


def checked(path: Path, year: int | None, *, dry_run: bool) -> Any:
    """The import (or its dry run), refused whole with every problem of the file and
    of the caller's reach."""
    reach = uploads.reach_problems(path, year, api_scope())
    try:  # rows beyond the caller's reach: only check, to name every other problem too
        report = import_file(tracker(), path, year=year, dry_run=dry_run or bool(reach), user=caller().name)
    except ImportRefused as e:
        raise Refused(uploads.ordered(e.problems + reach)) from None
    if reach:
        raise Refused(uploads.ordered(reach))
    return report


@bp.post("/imports")
@roles(OFFICER)
@bp.input(ImportHeader, location="headers", arg_name="headers")
@bp.input(ImportIn, location="form_and_files", arg_name="form")
@bp.output(
    ImportResponse,
    status_code=201,
    description="已导入（或只校验通过）；同一请求编号重复提交返回第一次的结果",
)
@bp.doc(
    summary="导入电子表格",
    description="导入项目表、绩效指标表或支付明细表（.xlsx/.csv，multipart 字段 file），"
    "与 `tracker import` 相同："
    "先校验全部行，任何一处问题（包括不属于调用者可登记的单位的行）都拒绝整个文件（422，`problems` "
    "列出每一处：工作表、行、列、原因），不记录任何内容。dry_run=true 只校验。",
    responses={
        400: "请求体无法读取",
        403: "不是财务人员",
        409: "请求编号已用于另一个文件，或导入中途因并发修改中断（已记录的保留，重新导入即可继续）",
        422: "文件有问题（见 problems），或字段不符合要求",
    },
)
def create_import(headers: dict[str, Any], form: dict[str, Any]) -> Any:
    year, dry_run, key = form["year"], form["dry_run"], headers["idempotency_key"]
    if not dry_run and not key:
        raise InvalidInputError("导入时必须在请求头 Idempotency-Key 中提供请求编号", "请求编号")
    with tempfile.TemporaryDirectory(prefix="tracker-api-import-") as folder:
        name, path = saved(form["file"], Path(folder))
        print_ = import_keys.fingerprint(path.read_bytes(), year)
        rid = request_id(key) if key and not dry_run else None
        if rid and (answer := import_keys.recalled(rid, print_)) is not None:
            return answer, 201
        answer = {"data": report_of(name, checked(path, year, dry_run=dry_run), dry_run)}
    if rid:
        import_keys.remember(rid, print_, answer)
    return answer, 201


def export_unit(table: str, unit: str | None) -> str | None:
    if unit is not None:
        require_read(unit)
        return unit
    if table == "monitoring":
        raise InvalidInputError("绩效运行监控表按单位填报：请指定单位编码（unit）", "单位编码")
    return single_root()


def export_bytes(
    table: str, fmt: str, year: int, unit: str | None, code: str, as_of: Any, known: KnownOn | None = None
) -> bytes:
    """The file, written the CLI's way into a private temporary folder (as known on
    ``known`` when asked)."""
    app = tracker()
    with tempfile.TemporaryDirectory(prefix="tracker-api-export-") as folder:
        path = Path(folder) / f"export.{fmt}"
        if table == "monitoring":
            from tracker.exporting.monitoring import write_monitoring

            assert unit is not None
            write_monitoring(app, year, unit, as_of, path, known)
        elif table == "selfeval":
            from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx

            write_selfeval_xlsx(with_names(app, app.self_evaluation(code, year, known_on=known)), path)
        else:
            from tracker.exporting import export

            table_fmt = "fdp" if fmt == "zip" else fmt
            export(app.read, table, year, unit, path, fmt=table_fmt, as_of=as_of, known=known)
        return path.read_bytes()


@bp.get("/exports/<table>")
@bp.input(ExportQuery, location="query", arg_name="query")
@bp.output(FILE, content_type=MIMETYPES["xlsx"], description="报表文件")
@bp.doc(
    summary="下载报表",
    description="`tracker export` 的报表："
    + "、".join(f"{k}（{v[0]}）" for k, v in TABLES.items())
    + "。单位含其下级单位；selfeval 需要 project（项目编码）；fdp 为 zip。",
    responses=EXPORT_RESPONSES,
)
def download(table: str, query: dict[str, Any]) -> Any:
    if table not in TABLES:
        raise NotFoundError(f"没有报表“{table}”；可选：{'、'.join(TABLES)}", "报表")
    label, formats = TABLES[table]
    fmt = "zip" if table == "fdp" else query["format"]
    if fmt not in formats:
        raise InvalidInputError(f"{label}可下载为：{'、'.join(formats)}", "导出格式")
    known = known_on(query["known_on"])
    code = ""
    if table == "selfeval":
        if not query["project"]:
            raise InvalidInputError("下载自评表需要项目编码（project）", "项目编码")
        facts = project_facts(query["project"], query["year"])
        require_read(facts.unit_code)
        year, day = time_args(facts.year, query["as_of"])
        code, unit = facts.code, None
    else:
        year, day = time_args(query["year"], query["as_of"])
        unit = export_unit(table, query["unit"])
    data = export_bytes(table, fmt, year, unit, code, day, known)
    where = code or unit or "全部单位"
    return send_file(
        io.BytesIO(data),
        mimetype=MIMETYPES[fmt] + ("; charset=utf-8" if fmt == "csv" else ""),
        as_attachment=True,
        download_name=f"{label}_{where}_{year}_截至{day.isoformat()}.{fmt}",
        max_age=0,
    )
