"""The application's mapper writes payments and snapshots as the library would, byte for byte."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.plan import parse_plan
from tracker.domain.project import Project
from tracker.store import payment_encoding
from tracker.store.payment_encoding import PAYMENT_EVENT, PaymentWriter, TrackerMapper
from tracker.store.transcodings import CheckpointAsDict, DateAsISO

YEAR = 2024
# Any text that UTF-8 can carry (lone surrogates cannot be stored by either writer).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
AMOUNTS = st.integers(min_value=1, max_value=10**13).map(lambda fen: Decimal(fen).scaleb(-2))
DAYS = st.dates(min_value=dt.date(YEAR, 1, 1), max_value=dt.date(YEAR, 12, 31))
# As ``BudgetTracker._request`` builds them (another key order is left to the library).
REQUESTS = st.none() | st.tuples(TEXT, TEXT, TEXT).map(lambda t: {"id": t[0], "hash": t[1], "result": t[2]})


def transcoder() -> JSONTranscoder:
    """The transcodings ``BudgetTracker`` registers."""
    t = JSONTranscoder()
    for coding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO(), CheckpointAsDict()):
        t.register(coding)
    return t


def library_bytes(mapper: Mapper[Any], event: Any) -> bytes:
    return Mapper.to_stored_event(mapper, event).state


def funded_project(budget: Decimal = Decimal("10") ** 12) -> Project:
    project = Project(
        year=YEAR,
        code="P1",
        name="城乡居民医保基金区级配套",
        unit_code="450001",
        expenditure_type="项目支出",
        functional="2101501",
        economic="30201",
        source="一般公共预算财政拨款",
        owner="张三",
        user="李四",
    )
    project.appropriate(uuid4(), "initial", budget, dt.date(YEAR, 1, 1), "保财社【2024】1号", "李四")
    return project


@given(
    amount=AMOUNTS,
    day=DAYS,
    payee=TEXT,
    economic=st.none() | TEXT,
    voucher=TEXT,
    source=st.none() | TEXT,
    user=TEXT,
    note=TEXT,
    request=REQUESTS,
)
def test_a_payment_event_is_written_as_the_library_writes_it(
    amount: Decimal,
    day: dt.date,
    payee: str,
    economic: str | None,
    voucher: str,
    source: str | None,
    user: str,
    note: str,
    request: dict[str, str] | None,
) -> None:
    mapper = TrackerMapper(transcoder())
    event = PAYMENT_EVENT(
        originator_id=uuid4(),
        originator_version=7,
        timestamp=dt.datetime.now(dt.UTC),
        payment_id=uuid4(),
        amount=amount,
        date=day,
        payee=payee,
        economic=economic,
        voucher=voucher,
        source=source,
        user=user,
        note=note,
        request=request,
    )
    assert mapper.writer._event_text(vars(event)) is not None  # the fast spelling is taken
    stored = mapper.to_stored_event(event)
    assert stored.state == library_bytes(mapper, event)
    assert vars(mapper.to_domain_event(stored)) == vars(event)


@given(st.lists(st.tuples(AMOUNTS, DAYS, TEXT, st.none() | TEXT, st.booleans()), max_size=12))
def test_a_project_snapshot_is_written_as_the_library_writes_it(
    payments: list[tuple[Decimal, dt.date, str, str | None, bool]],
) -> None:
    mapper = TrackerMapper(transcoder())
    project = funded_project()
    for amount, day, payee, economic, reverse in payments:
        paid = uuid4()
        project.pay(paid, amount, day, payee if payee.strip() else "收款人", economic, "记-1", None, "李四")
        if reverse:
            project.reverse(uuid4(), paid, None, dt.date(YEAR, 12, 31), "退回", "李四")
    project.collect_events()  # as a save does before the snapshot is taken
    snapshot = Snapshot.take(project)
    assert mapper.writer.usable  # the spelled-out writer, not the library, wrote it
    stored = mapper.to_stored_event(snapshot)
    assert stored.state == library_bytes(mapper, snapshot)
    assert vars(mapper.to_domain_event(stored).mutate(None)) == vars(project)


def test_other_events_go_through_the_library() -> None:
    mapper = TrackerMapper(transcoder())
    project = funded_project()
    project.set_plan(parse_plan("03-31:25%,12-31:100%", YEAR), "李四")
    for event in project.collect_events():
        assert type(event) is not PAYMENT_EVENT
        assert mapper.to_stored_event(event).state == library_bytes(mapper, event)


def test_the_writer_is_switched_off_when_its_samples_differ_from_the_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spell = PaymentWriter._event_text
    monkeypatch.setattr(
        PaymentWriter,
        "_event_text",
        lambda self, d: (spell(self, d) or "").replace('"payee"', '"Payee"') or None,
    )
    mapper = TrackerMapper(transcoder())
    assert not mapper.writer.usable
    (event, *_) = [e for e in payment_encoding._samples() if type(e) is PAYMENT_EVENT]
    assert mapper.to_stored_event(event).state == library_bytes(mapper, event)


def test_the_writer_is_switched_off_for_a_transcoding_of_its_own() -> None:
    class DateAsText(DateAsISO):
        name = "date_text"

    t = transcoder()
    t.register(DateAsText())
    mapper = TrackerMapper(t)
    assert not mapper.writer.usable
