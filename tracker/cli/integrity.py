"""Commands that guard the event log: verify its chain, back it up, restore it.

``tracker verify`` walks the log and its hash chain (``tracker.store.verify``);
``tracker backup`` / ``tracker restore`` move the log between databases of either
engine in the portable format of ``tracker.store.backup`` (docs/backup.md).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from tracker.cli.base import Context, cli, pass_ctx
from tracker.domain.errors import InvalidInputError
from tracker.store.backup import backup as write_backup
from tracker.store.backup import os_reason
from tracker.store.restore import restore as load_backup
from tracker.store.verify import verify as verify_log


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, fed (done, total)."""
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:

        def update(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        yield update


@cli.command()
@click.option("--head", "expected_head", help="之前公布的链头（导出表或周报上的），检查它仍在链中")
@pass_ctx
def verify(c: Context, expected_head: str | None) -> None:
    """校验事件链：完好时显示链头与事件数，否则指出第一条被改动、插入或删除的事件。"""
    with progress_bar("校验事件链") as progress:
        result = verify_log(c.app.read, expected_head, progress)
    if result.problem is not None:
        click.echo(f"事件链校验失败：{result.problem.message}", err=True)
        sys.exit(1)
    if expected_head is not None and result.expected_found_at is None:
        click.echo(
            f"事件链校验失败：链头 {expected_head} 不在当前事件链中，"
            "它所记录的事件此后被删除或改写（当前共 "
            f"{result.head.count} 条事件）",
            err=True,
        )
        sys.exit(1)
    click.echo(f"事件链完好：共 {result.head.count} 条事件")
    if expected_head is not None and result.expected_found_at is not None:
        later = result.head.count - result.expected_found_at
        click.echo(
            f"链头 {expected_head} 是第 {result.expected_found_at} 条事件的链头，此后新增 {later} 条事件"
        )
    click.echo(f"链头：{result.head.hash}")


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def backup_cmd(c: Context, file: str) -> None:
    """把事件日志备份为可移植文件（gzip 压缩的 JSON Lines，见 docs/backup.md）。"""
    try:
        with progress_bar("备份事件日志") as progress:
            head = write_backup(c.app.read, file, progress)
    except OSError as e:
        raise InvalidInputError(f"无法写入备份文件 {file}：{os_reason(e)}", "备份文件") from None
    click.echo(f"已备份 {head.count} 条事件到 {file}")
    click.echo(f"链头：{head.hash}")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def restore_cmd(c: Context, file: str) -> None:
    """把备份文件恢复到 TRACKER_DB（--db）所指的空数据库，并重建读模型。"""
    with progress_bar("恢复事件日志") as progress:
        head = load_backup(c.app.read, file, progress)
    with progress_bar("重建读模型") as progress:
        c.app.rebuild_read_model(progress)
    click.echo(f"已恢复 {head.count} 条事件，读模型已重建")
    click.echo(f"链头：{head.hash}")
