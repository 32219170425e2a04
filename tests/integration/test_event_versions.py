"""An event stored in an older shape is loaded and projected in the current one.

The scenario of docs/design.md, "Changing an event": a release adds a field to
``Project.PaymentRecorded`` — here ``source`` is treated as the new field — and marks
the class ``class_version = 2`` with a static ``upcast_v1_v2`` that gives old events
the field. A payment stored by the earlier release (its state without ``source`` and
without ``class_version``) must load into the aggregate with the default, be projected
by a rebuild of the read tables with it, sit in the event chain like any other event,
and stand beside new payments, which are stored as version 2.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.utils import get_topic

from tracker.commands.tracker import BudgetTracker
from tracker.domain.project import Project
from tracker.store.chain import read_head
from tracker.store.config import Settings
from tracker.store.verify import verify

PAYMENT: Any = Project.PaymentRecorded  # type: ignore[attr-defined]
DEFAULT_SOURCE = "上级补助"


def upcast_v1_v2(state: dict[str, Any]) -> None:
    """Version 1 of the test's story had no ``source``: old payments came from above."""
    state.setdefault("source", DEFAULT_SOURCE)


@pytest.fixture
def versioned(monkeypatch: pytest.MonkeyPatch, db_url: str) -> BudgetTracker:
    """The tracker of the release whose PaymentRecorded is at version 2."""
    monkeypatch.setattr(PAYMENT, "class_version", 2, raising=False)
    monkeypatch.setattr(PAYMENT, "upcast_v1_v2", staticmethod(upcast_v1_v2), raising=False)
    app = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    app.add_project(year=2024, unit="450001", code="P1", name="办公室整修", source="一般公共预算财政拨款")
    app.appropriate("P1", "100000.00", date="2024-01-10")
    return app


def store_version_1_payment(app: BudgetTracker, payment_id: uuid.UUID) -> None:
    """What the earlier release wrote: the event's state without ``source``."""
    pid = app.find_project("P1", 2024)
    version = app.repository.get(pid).version + 1
    transcoder = app.mapper.transcoder
    assert isinstance(transcoder, JSONTranscoder)
    state = {
        "timestamp": dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC),
        "payment_id": payment_id,
        "amount": Decimal("1200.50"),
        "date": dt.date(2024, 3, 1),
        "payee": "某装饰公司",
        "economic": "30213",
        "voucher": "记-0301",
        "user": "张会计",
        "note": "",
        "request": None,
    }
    old = StoredEvent(
        originator_id=pid,
        originator_version=version,
        topic=get_topic(PAYMENT),
        state=transcoder.encode(state),
    )
    app.recorder.insert_events([old])
    app.evict(pid)


def test_an_old_payment_loads_and_projects_with_the_upcast_default(versioned: BudgetTracker) -> None:
    paid = uuid.uuid4()
    store_version_1_payment(versioned, paid)
    project = versioned.repository.get(versioned.find_project("P1", 2024))
    assert project.payments[str(paid)]["source"] == DEFAULT_SOURCE
    versioned.rebuild_read_model()
    row = versioned.read.one("SELECT amount_fen, source FROM rm_payments WHERE id = ?", (str(paid),))
    assert row == {"amount_fen": 120050, "source": DEFAULT_SOURCE}
    (status,) = versioned.queries.status_report(2024, dt.date(2024, 3, 31))["projects"]
    assert status.figures.disbursed == Decimal("1200.50")


def test_new_payments_are_stored_as_version_2_beside_the_old_one(versioned: BudgetTracker) -> None:
    store_version_1_payment(versioned, uuid.uuid4())
    versioned.pay("P1", "300.00", date="2024-04-01", payee="某建材店", voucher="记-0401")
    pid = versioned.find_project("P1", 2024)
    stored = [json.loads(e.state) for e in versioned.recorder.select_events(pid)]
    versions = [s.get("class_version", 1) for s in stored if "payment_id" in s]
    assert versions == [1, 2]
    versioned.rebuild_read_model()
    (status,) = versioned.queries.status_report(2024, dt.date(2024, 4, 30))["projects"]
    assert status.figures.disbursed == Decimal("1500.50")
    result = verify(versioned.read)
    assert result.intact
    assert result.head == read_head(versioned.read)
