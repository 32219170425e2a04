"""Load seed 003's performance targets into the demo, with readings up to ``--until``.

Every command carries a fixed request id (``demo:indicator:…``, ``demo:reading:…``), so a
second ``tracker demo`` records nothing new and a later ``--until`` adds only the
readings it had not reached.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.demo.data import YEAR
from tracker.demo.targets import TARGETS


def seed_targets(app: Any, until: dt.date) -> None:
    """Add each project's indicators, then record the readings dated on or before ``until``."""
    for code, (_goal, indicators) in TARGETS.items():
        for n, ind in enumerate(indicators, 1):
            indicator_id = app.add_indicator(
                code,
                level1=ind.level1,
                level2=ind.level2,
                name=ind.name,
                target=ind.target,
                description=ind.description,
                year=YEAR,
                note="绩效目标表（2024年单位预算公开）",
                request_id=f"demo:indicator:{YEAR}:{code}:{n}",
            )
            for k, reading in enumerate(ind.readings, 1):
                day = dt.date.fromisoformat(f"{YEAR}-{reading.day}")
                if day > until:
                    continue
                app.record_indicator(
                    code,
                    indicator_id,
                    reading.value,
                    completion=reading.completion,
                    date=day,
                    year=YEAR,
                    request_id=f"demo:reading:{YEAR}:{code}:{n}:{k}",
                )
