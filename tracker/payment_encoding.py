"""Stored payment events and project snapshots written out directly, byte for byte
as the library writes them.

Why: ``json.JSONEncoder`` calls the transcoder's Python ``default`` hook for every
``Decimal``, ``UUID`` and ``date`` (four per payment event, 15,000 in the snapshot of a
project with 5,000 payments): a fifth of a 100,000-row import. A generic writer in
Python is no faster than the C encoder with its hook, so the two hot shapes (a
``PaymentRecorded`` event, a payment inside a snapshot) are spelled out here, strings
escaped by the very C function the library's encoder uses (``ensure_ascii=False``),
type names taken from the application's own transcoder.

Safety: only values of exactly the expected keys and types take the fast spelling;
anything else (another event, a new field, a ``datetime`` where a ``date`` was
expected, a cipher, a transcoding of another class) goes to the library, so the
output can differ only by being slower. ``PaymentWriter.agrees`` compares one event's
bytes with the library's before a batch is written this way, and the tests decode
every imported event with ``app.mapper`` and compare it with the library's encoding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring as text
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic

from tracker.domain.project import Project
from tracker.transcodings import DateAsISO

# A payment event's attributes in the order its stored state keeps them; the two that
# travel as columns come first in a new event, last in one read back from the store.
BODY_KEYS = ("timestamp", "payment_id", "amount", "date", "payee", "economic", "voucher", "source",
             "user", "note", "request")
NATIVE_KEYS = ("originator_id", "originator_version")
EVENT_KEYS = (NATIVE_KEYS + BODY_KEYS, BODY_KEYS + NATIVE_KEYS)
REQUEST_KEYS = ("id", "hash", "result")
# A payment inside ``Project.payments`` (see ``Project._paid``).
ENTRY_KEYS = ("amount", "reversed", "date", "payee", "economic", "voucher", "source")
# The transcodings whose data the spelled-out forms assume.
EXPECTED_CODINGS = {dt.datetime: DatetimeAsISO, UUID: UUIDAsHex, Decimal: DecimalAsStr, dt.date: DateAsISO}
# Made by the ``@event("PaymentRecorded")`` decorator, hence unknown to type checkers.
PAYMENT_EVENT: type[Any] = Project.PaymentRecorded  # type: ignore[attr-defined]
PAYMENT_TOPIC = get_topic(PAYMENT_EVENT)


class PaymentWriter:
    """``Mapper.to_stored_event`` for payment events and project snapshots."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        transcoder = mapper.transcoder
        codings = transcoder.types if isinstance(transcoder, JSONTranscoder) else {}
        # A cipher may salt each message (bytes cannot be compared), an upcast version
        # adds a key: use the library.
        self.usable = (mapper.cipher is None and getattr(PAYMENT_EVENT, "class_version", 1) == 1
                       and all(type(codings.get(t)) is c for t, c in EXPECTED_CODINGS.items()))
        if not self.usable:
            return
        self.library_text: Callable[[Any], str] = lambda obj: transcoder.encode(obj).decode("utf8")
        names = {t: text(codings[t].name) for t in EXPECTED_CODINGS}
        self.stamp = '{"_type_":' + names[dt.datetime] + ',"_data_":"'
        self.uuid = '{"_type_":' + names[UUID] + ',"_data_":"'
        self.decimal = '{"_type_":' + names[Decimal] + ',"_data_":"'
        self.date = '{"_type_":' + names[dt.date] + ',"_data_":"'

    # ------------------------------------------------------------- events

    def to_stored_event(self, event: Any) -> StoredEvent:
        """A payment event stored as the library would store it."""
        state = vars(event)
        spelled = self._event_text(state) if self.usable and type(event) is PAYMENT_EVENT else None
        if spelled is None:
            return self.mapper.to_stored_event(event)
        return StoredEvent(originator_id=state["originator_id"],
                           originator_version=state["originator_version"],
                           topic=PAYMENT_TOPIC, state=self._finish(spelled))

    def _event_text(self, d: dict[str, Any]) -> str | None:
        """The event's JSON, or ``None`` when it is not exactly the expected shape."""
        request = d.get("request")
        if (tuple(d) not in EVENT_KEYS or type(d["timestamp"]) is not dt.datetime
                or type(d["payment_id"]) is not UUID or type(d["amount"]) is not Decimal
                or type(d["date"]) is not dt.date or type(request) is not dict
                or tuple(request) != REQUEST_KEYS):
            return None
        economic, source = d["economic"], d["source"]
        try:
            return (
                f'{{"timestamp":{self.stamp}{d["timestamp"].isoformat()}"}},'
                f'"payment_id":{self.uuid}{d["payment_id"].hex}"}},'
                f'"amount":{self.decimal}{d["amount"]!s}"}},"date":{self.date}{d["date"].isoformat()}"}},'
                f'"payee":{text(d["payee"])},"economic":{"null" if economic is None else text(economic)},'
                f'"voucher":{text(d["voucher"])},"source":{"null" if source is None else text(source)},'
                f'"user":{text(d["user"])},"note":{text(d["note"])},"request":{{"id":{text(request["id"])},'
                f'"hash":{text(request["hash"])},"result":{text(request["result"])}}}}}'
            )
        except TypeError:  # a value that is not text where text was expected
            return None

    def _finish(self, spelled: str) -> bytes:
        stored = spelled.encode("utf8")
        if self.mapper.compressor:
            stored = self.mapper.compressor.compress(stored)
        return stored

    def agrees(self, event: Any) -> bool:
        """Does this writer give the library's very bytes for ``event``?"""
        return self.usable and self.to_stored_event(event) == self.mapper.to_stored_event(event)

    def encoder_for(self, sample: Any) -> Callable[[Any], StoredEvent]:
        """This writer if it agrees with the library on ``sample``, else the library."""
        return self.to_stored_event if self.agrees(sample) else self.mapper.to_stored_event

    # ---------------------------------------------------------- snapshots

    def to_stored_snapshot(self, snapshot: Any) -> StoredEvent:
        """A snapshot stored as the library would store it; its ``payments`` (nearly
        all of a big project's state) spelled out, the rest by the library."""
        state = vars(snapshot)
        if not self.usable or getattr(type(snapshot), "class_version", 1) > 1:
            return self.mapper.to_stored_event(snapshot)
        parts = []
        for key, value in state.items():
            if key in NATIVE_KEYS:
                continue
            spelled = self._aggregate_text(value) if key == "state" else self.library_text(value)
            parts.append(text(key) + ":" + spelled)
        return StoredEvent(originator_id=state["originator_id"],
                           originator_version=state["originator_version"],
                           topic=get_topic(type(snapshot)), state=self._finish("{" + ",".join(parts) + "}"))

    def _aggregate_text(self, state: Any) -> str:
        return self._dict_text(state, lambda key, value: (
            self._payments_text(value) if key == "payments" else self.library_text(value)))

    def _payments_text(self, payments: Any) -> str:
        def entry(_: str, value: Any) -> str:
            spelled = self._entry_text(value)
            return self.library_text(value) if spelled is None else spelled

        return self._dict_text(payments, entry)

    def _dict_text(self, value: Any, spell: Callable[[str, Any], str]) -> str:
        """A dict with text keys as the library's JSON, each value spelled by ``spell``;
        anything else, the library's own text."""
        if type(value) is not dict or any(type(key) is not str for key in value):
            return self.library_text(value)
        return "{" + ",".join(text(key) + ":" + spell(key, item) for key, item in value.items()) + "}"

    def _entry_text(self, e: Any) -> str | None:
        if (type(e) is not dict or tuple(e) != ENTRY_KEYS or type(e["amount"]) is not Decimal
                or type(e["reversed"]) is not Decimal or type(e["date"]) is not dt.date):
            return None
        economic, source = e["economic"], e["source"]
        try:
            return (
                f'{{"amount":{self.decimal}{e["amount"]!s}"}},"reversed":{self.decimal}{e["reversed"]!s}"}},'
                f'"date":{self.date}{e["date"].isoformat()}"}},"payee":{text(e["payee"])},'
                f'"economic":{"null" if economic is None else text(economic)},"voucher":{text(e["voucher"])},'
                f'"source":{"null" if source is None else text(source)}}}'
            )
        except TypeError:
            return None
