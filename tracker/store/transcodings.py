"""JSON transcodings for the value types our events carry.

eventsourcing 9.5 handles Decimal, UUID and datetime out of the box; plain dates and
plan checkpoints need these.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import Transcoding

from tracker.domain.plan import Checkpoint


class DateAsISO(Transcoding):
    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


class CheckpointAsDict(Transcoding):
    type = Checkpoint
    name = "checkpoint"

    def encode(self, obj: Checkpoint) -> dict[str, Any]:
        return {
            "date": obj.date.isoformat(),
            "percent": None if obj.percent is None else str(obj.percent),
            "amount": None if obj.amount is None else str(obj.amount),
        }

    def decode(self, data: dict[str, Any]) -> Checkpoint:
        return Checkpoint(
            date=dt.date.fromisoformat(data["date"]),
            percent=None if data["percent"] is None else Decimal(data["percent"]),
            amount=None if data["amount"] is None else Decimal(data["amount"]),
        )
