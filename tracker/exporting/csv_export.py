"""Write a ``Form`` as CSV: UTF-8 with a BOM (so Excel opens it as Chinese text).

One header line (the form's header levels joined by ``-``, money columns marked
（万元）), then one line per row of the form, 合计 included, and last the event chain's
head (``事件链头：…``) when the form carries it. Amounts are 万元 with
exactly two decimals written as text (``9064.36``, ``0.00``), never through float.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from tracker.domain.money import FEN
from tracker.exporting.files import replacing
from tracker.exporting.forms import Form

ENCODING = "utf-8-sig"


def cell_text(value: str | Decimal | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.quantize(FEN):f}"
    return value


def write_csv(form: Form, path: Path) -> Path:
    with replacing(path) as temporary, temporary.open("w", encoding=ENCODING, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(form.flat_header)
        for row in form.rows:
            writer.writerow([cell_text(v) for v in row.cells])
        if form.footer:
            writer.writerow([form.footer])
    return path
