"""What an import found and did, and the progress bar the CLI shows meanwhile."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from tracker.importing.layouts import KIND_LABELS
from tracker.importing.records import KINDS

Progress = Callable[[str, int, int], None]  # (stage, done, total)

KIND_NAMES = {
    "units": "预算单位",
    "projects": "项目",
    "appropriations": "年初预算",
    "indicators": "绩效指标",
    "payments": "支付",
}


@dataclass
class SheetReport:
    name: str
    kind: str | None  # None: not imported (unrecognised or empty)
    header_row: int | None
    rows: int


@dataclass
class ImportReport:
    """What the import found and did; ``created`` and ``present`` are per kind."""

    path: str
    dry_run: bool
    sheets: list[SheetReport] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recorded_anything(self) -> bool:
        return not self.dry_run and any(self.created.values())

    def lines(self) -> list[str]:
        """The report as the CLI prints it."""
        out = [f"文件：{self.path}"]
        for s in self.sheets:
            if s.kind is None:
                out.append(f"工作表“{s.name}”：未导入")
            else:
                out.append(
                    f"工作表“{s.name}”：{KIND_LABELS[s.kind]}，表头在第{s.header_row}行，数据 {s.rows} 行"
                )
        verb = "将新增" if self.dry_run else "新增"
        for kind in KINDS:
            if self.created[kind] or self.present[kind]:
                out.append(f"{KIND_NAMES[kind]}：{verb} {self.created[kind]}，已存在 {self.present[kind]}")
        out += [f"提示：{w}" for w in self.warnings]
        if self.dry_run:
            out.append("试运行（--dry-run）：校验通过，未记录任何内容")
        else:
            out.append(f"导入完成，用时 {self.seconds:.1f} 秒")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "dry_run": self.dry_run,
            "sheets": [vars(s) for s in self.sheets],
            "created": dict(self.created),
            "present": dict(self.present),
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }


# ------------------------------------------------------------------ progress


def text_progress(stream: TextIO | None = None, *, min_total: int = 2000) -> Progress:
    """Progress lines on stderr for large files (nothing for small ones): rows
    validated, rows written, then "正在提交…" while the one commit runs — written rows
    are recorded only when it ends, all together."""
    out = stream or sys.stderr
    last = [-1.0]
    shown: set[str] = set()

    def show(stage: str, done: int, total: int) -> None:
        if stage == "提交":
            if "写入" in shown:
                out.write("正在提交…\n" if done == 0 else "已提交\n")
                out.flush()
            return
        if stage not in STAGES or total < min_total:
            return
        now = time.monotonic()
        if 0 < done < total and now - last[0] < 0.2:
            return
        last[0] = now
        shown.add(stage)
        width = 30
        filled = width * done // max(total, 1)
        out.write(f"\r{STAGES[stage]} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            out.write("\n")
        out.flush()

    return show


STAGES = {"校验": "已校验", "写入": "已写入"}
