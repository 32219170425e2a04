"""Output for people (aligned tables with Chinese headers) and machines (JSON).

Everything the ``tracker`` command prints goes through ``echo`` (and its tables through
``table``): stored text is shown with its control characters made visible (``\\x1b``),
so an ANSI escape kept in a payee by an old release cannot colour, move or clear the
officer's terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import click

from tracker.domain.characters import json_visible, visible
from tracker.domain.money import fmt_yuan


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` with control characters made visible (line breaks kept): the one
    way the CLI prints, so no stored text reaches the terminal raw."""
    click.echo(visible(str(message), lines=True), err=err, nl=nl)


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A plain aligned table; columns listed in ``right`` are right-aligned (amounts)."""
    cells = [[str(h) for h in headers]] + [["" if v is None else visible(str(v)) for v in r] for r in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(_pad(v, widths[i], i in right) for i, v in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return fmt_yuan(obj)
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    if isinstance(obj, UUID):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def to_json(data: Any) -> str:
    """JSON with amounts as two-decimal strings and ISO dates; control characters in
    its strings escaped (``\\u001b``), so it is safe to print and still the same JSON."""
    return json_visible(json.dumps(data, ensure_ascii=False, indent=2, default=_default))
