"""How an import says no: refused before recording (the file's problems), or stopped
while recording (a concurrent change). Either way nothing was recorded: the recording
is one transaction, rolled back."""

from __future__ import annotations

from collections.abc import Sequence

from tracker.domain.errors import InvalidInputError, TrackerError
from tracker.importing.records import Problem


class ImportRefused(InvalidInputError):
    """The file has problems; every one is listed and nothing was recorded."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = [f"导入被拒绝：发现 {len(self.problems)} 处问题，未导入任何内容："]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ImportInterrupted(TrackerError):
    """Recording stopped part-way (a concurrent change) and was rolled back: nothing
    was recorded, and the same file can be imported again once the cause is dealt with."""

    http_status = 409


def interrupted(sheet: str, row: int, e: TrackerError) -> ImportInterrupted:
    """Name the row where recording stopped, and say that nothing was recorded."""
    return ImportInterrupted(
        f"导入在工作表“{sheet}”第{row}行中断：{e}。未记录任何内容；处理后重新导入同一文件即可",
        e.field,
    )
