"""Export files are written whole or not at all.

A table is written to a temporary file beside its target and renamed over it only once
complete: an export that fails half-way (a full disk, a killed process) leaves no
half-written file, and an older file of that name stays as it was. A target the
operating system refuses (no such folder, no permission) is said in Chinese, naming
the output option, instead of a traceback.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.domain.errors import InvalidInputError

FIELD = "输出文件"
REASONS = {
    errno.ENOENT: "路径不存在",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.EISDIR: "这是一个目录",
}


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """The temporary path to write; renamed to ``path`` when the block ends normally."""
    check_target(path)
    temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as e:
        raise _refusal(path, e) from e
    finally:
        temporary.unlink(missing_ok=True)


def check_target(path: Path) -> None:
    """Refuse a file target whose folder is missing, or that is itself a folder."""
    if not path.parent.is_dir():
        raise InvalidInputError(f"输出目录“{path.parent}”不存在，请先创建", FIELD)
    if path.is_dir():
        raise InvalidInputError(f"“{path}”是一个目录，请给出文件名（如 支出总表.xlsx）", FIELD)


@contextmanager
def os_errors_named(path: Path) -> Iterator[None]:
    """For writes that cannot go through a temporary file (a package directory)."""
    try:
        yield
    except OSError as e:
        raise _refusal(path, e) from e


def _refusal(path: Path, e: OSError) -> InvalidInputError:
    reason = REASONS.get(e.errno or 0) or e.strerror or str(e)
    return InvalidInputError(f"无法写入“{path}”：{reason}", FIELD)
