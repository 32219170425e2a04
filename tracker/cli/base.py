"""The ``tracker`` command group, its error handling and its context.

Refused commands exit 1 with the reason (naming the field) on stderr; usage errors
exit 2 (click's convention); commands that create something print its id alone on
the last line, so scripts can capture it with ``tail -n1``.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from tracker.cli.formatting import echo
from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import TrackerError
from tracker.store.config import Settings

FORMAT = click.Choice(["table", "json"])
known_on_option = click.option(
    "--known-on", "known_on", help='依据时点（北京时间，如 "2024-07-05 17:00"）：只计此前登记的'
)


PLUGIN_GROUP = "tracker.commands"


class TrackerGroup(click.Group):
    """Turns refusals into exit status 1 with a readable message.

    Commands of the doors above ``tracker`` (``tracker serve`` from ``web``) come in
    through the ``tracker.commands`` entry points and are imported only when run, so
    the core never imports the web framework (``tests/unit/test_layout.py``).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        own = super().list_commands(ctx)
        if ctx.parent is not None:  # plugins join the top level only
            return own
        return sorted(set(own) | {e.name for e in entry_points(group=PLUGIN_GROUP)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or ctx.parent is not None:
            return command
        for e in entry_points(group=PLUGIN_GROUP, name=cmd_name):
            loaded = e.load()
            return loaded if isinstance(loaded, click.Command) else None
        return None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as e:
            echo(f"错误：{e}", err=True)
            ctx.exit(1)
        except PersistenceError as e:
            echo(f"数据库错误：{e}", err=True)
            ctx.exit(1)


class Context:
    """Opens the tracker lazily, so ``--help`` never touches a database."""

    def __init__(self, db: str | None, user: str | None) -> None:
        base = Settings.from_env()
        self.settings = Settings(db_url=db or base.db_url, user=user or base.user)
        self._app: BudgetTracker | None = None

    @property
    def app(self) -> BudgetTracker:
        if self._app is None:
            self._app = BudgetTracker(self.settings)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=TrackerGroup)
@click.option(
    "--db",
    envvar="TRACKER_DB",
    help="数据库地址：sqlite:///文件 或 postgresql://…（默认 sqlite:///tracker.db）",
)
@click.option("--user", envvar="TRACKER_USER", help="操作人（默认取操作系统用户名）")
@click.pass_context
def cli(ctx: click.Context, db: str | None, user: str | None) -> None:
    """预算执行进度跟踪（budget execution tracker）。"""
    obj = Context(db, user)
    ctx.obj = obj
    ctx.call_on_close(obj.close)


def main() -> None:
    cli(prog_name="tracker")
