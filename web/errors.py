"""Error pages in Chinese (pages) or the API's JSON shape (``/api/``).

A user asking for another unit's data gets 403 with a page that says why and where to
go, never a traceback or an English default page. A broken event log (an event removed
from the store) is a 500 that names the object and what to do.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from tracker.domain.errors import BrokenLogError

API_MESSAGES = {
    404: "没有这个接口或对象：请检查地址（/api/v1/openapi.json 列出全部接口）",
    405: "该接口不支持这种请求方法",
    413: "请求体过大",
}
MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请返回重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您的账号无权查看或操作这项内容。如需权限，请联系系统管理员。"),
    404: ("页面不存在", "找不到您要的页面或项目，请检查链接。"),
    405: ("操作不允许", "该页面不支持这种操作。"),
    413: ("文件过大", "上传的文件超过了允许的大小。"),
    429: ("尝试次数过多", "操作过于频繁，请稍后再试。"),
    500: ("服务器错误", "服务器出现错误，未记录任何内容。请稍后重试或联系系统管理员。"),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> tuple[Any, int]:
        code = e.code or 500
        title, text = MESSAGES.get(code, (e.name, e.description or ""))
        if request.path.startswith("/api/"):
            return {"error": API_MESSAGES.get(code) or title + "：" + text}, code
        return render_template("errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(BrokenLogError)
    def broken_log(e: BrokenLogError) -> tuple[Any, int]:
        if request.path.startswith("/api/"):
            return {"error": e.message}, 500
        return render_template("errors/error.html", code=500, title="事件记录不完整", text=e.message), 500
