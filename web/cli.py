"""``tracker serve``: the site for one machine (production runs gunicorn, see deploy/).

Registered as a ``tracker.commands`` entry point, so ``tracker`` finds it without the
core importing Flask. On Linux it runs gunicorn in-process (one worker, a few threads),
which is what production runs too; where gunicorn cannot run (Windows) it falls back to
Werkzeug's threaded server.
"""

from __future__ import annotations

import gc
from typing import Any

import click


def build_app(db_url: str) -> Any:
    from web import create_app

    app = create_app({"TRACKER_DB": db_url})
    gc.collect()
    gc.freeze()  # start-up objects stay out of every later collection
    return app


def run(app: Any, host: str, port: int, threads: int = 4) -> None:
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # pragma: no cover - Windows
        from werkzeug.serving import run_simple

        run_simple(host, port, app, threaded=True)
        return

    class OneMachine(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)

        def load(self) -> Any:
            return app

    OneMachine().run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="端口")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """启动网站（本机使用；生产环境请用 gunicorn，见 deploy/）。"""
    settings = ctx.find_root().obj.settings
    app = build_app(settings.db_url)
    click.echo(f"网站地址：http://{host}:{port}/  （按 Ctrl+C 停止）")
    run(app, host, port)
