"""``tracker demo``: load the demo year, then open it as a web site.

The site comes from the ``serve`` command that the web door registers (an entry
point), so this module starts it without importing Flask itself; ``--no-serve`` only
loads the data (for scripts and tests).
"""

from __future__ import annotations

import click

from tracker.cli.base import Context, cli, pass_ctx
from tracker.cli.formatting import echo


@cli.command()
@click.option("--until", "until", default="2024-12-31", show_default=True, help="生成支付数据截至的日期")
@click.option("--reset", is_flag=True, help="先删除现有 SQLite 数据库文件")
@click.option("--serve/--no-serve", "serve", default=True, show_default=True, help="生成后启动网站")
@click.option("--host", default="127.0.0.1", show_default=True, help="网站监听地址")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="网站端口")
@pass_ctx
@click.pass_context
def demo(ctx: click.Context, c: Context, until: str, reset: bool, serve: bool, host: str, port: int) -> None:
    """生成演示数据（保定市满城区医疗保障局本级 2024 年的十个项目）并打开网站。"""
    from tracker.demo.accounts import add_demo_logins, login_lines
    from tracker.demo.loader import run_demo

    run_demo(c, until=until, reset=reset, echo=echo)
    add_demo_logins(c.app)
    echo("")
    for line in login_lines():
        echo(line)
    if not serve:
        return
    root = ctx.find_root()
    command = root.command.get_command(root, "serve") if isinstance(root.command, click.Group) else None
    if command is None:
        raise click.ClickException("未安装网站组件（web），无法启动网站；请用 --no-serve 只生成数据")
    c.close()  # the site opens its own connections
    echo("\n正在启动演示网站，请用上面的账号登录。")
    ctx.invoke(command, host=host, port=port)
