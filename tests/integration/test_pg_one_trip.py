"""The one-round-trip PostgreSQL write: literals that survive any text, prepared
statements that come back after psycopg drops them, and all-or-nothing commits."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.commands.tracker import BudgetTracker
from tracker.domain.characters import is_control
from tracker.domain.errors import InvalidInputError, OverspendError
from tracker.store.config import Settings
from tracker.store.pg_prepared import inline, literal

pytestmark = pytest.mark.postgres

AWKWARD = [
    "",
    "o'k",
    "''",
    "\\",
    "\\'",
    "E'x'",
    "a\nb\tc",
    "中文，全角",
    "'); DROP TABLE rm_units; --",
    "$1",
    "%s",
    "$$",
    "\\x00",
]


@pytest.fixture
def conn(pg_url: str) -> Any:
    with psycopg.connect(pg_url, autocommit=True) as c:
        yield c


@pytest.mark.parametrize(
    "value", [*AWKWARD, 0, -7, 2**62, None, True, False, b"\x00\xff'\\", uuid.UUID(int=5)]
)
def test_each_literal_reads_back_as_the_value_itself(conn: Any, value: Any) -> None:
    assert conn.execute(f"SELECT {literal(value)}").fetchone()[0] == value


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # read-only connection
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_any_text_reads_back_unchanged(conn: Any, text: str) -> None:
    assert conn.execute(inline("SELECT %s", [text])).fetchone()[0] == text


def test_text_with_nul_is_refused_rather_than_cut(conn: Any) -> None:
    with pytest.raises(ValueError, match="NUL"):
        literal("a\x00b")


def test_placeholders_and_parameters_must_match() -> None:
    with pytest.raises(ValueError, match="2 placeholders for 1 parameters"):
        inline("SELECT %s, %s", ["x"])


@pytest.fixture
def funded(pg_url: str) -> Any:
    app = BudgetTracker(Settings(db_url=pg_url, user="测试员"))
    app.add_unit("U1", "单位")
    app.add_project(year=2024, unit="U1", code="P1", name="项目")
    app.appropriate("P1", "1000.00", date="2024-01-02")
    yield app
    app.close()


def test_payments_keep_working_after_psycopg_deallocates_everything(funded: BudgetTracker) -> None:
    app = funded
    app.pay("P1", "1.00", date="2024-03-01", payee="甲", year=2024)
    recorder: Any = app.recorder
    forgotten: list[object] = []
    forget = recorder._prepared.forget
    recorder._prepared.forget = lambda c: (forgotten.append(c), forget(c))
    for c in list(recorder._prepared._sessions):  # idle pooled sessions, one thread
        c.execute("DEALLOCATE ALL")  # what psycopg sends after a ROLLBACK or DROP
    app.pay("P1", "2.00", date="2024-03-02", payee="乙", year=2024)
    assert forgotten, "the lost statements were noticed and prepared again"
    app.pay("P1", "3.00", date="2024-03-03", payee="丙", year=2024)
    assert app.queries.statuses(2024)[1][0].figures.disbursed == 6


def test_a_refused_write_leaves_no_event_and_no_row(funded: BudgetTracker) -> None:
    with pytest.raises(OverspendError):
        funded.pay("P1", "1000.01", date="2024-03-01", payee="甲", year=2024)
    assert funded.read.all("SELECT id FROM rm_payments", ()) == []
    assert funded.queries.statuses(2024)[1][0].figures.disbursed == 0


def test_payee_text_with_quotes_is_stored_as_written(funded: BudgetTracker) -> None:
    # Text with a control character (a line break, a tab) is refused before it gets here.
    payees = [p for p in AWKWARD[1:] if not any(is_control(ch) for ch in p)]
    assert len(payees) == len(AWKWARD) - 2
    for k, payee in enumerate(payees):
        funded.pay("P1", "1.00", date="2024-03-01", payee=payee, year=2024, voucher=f"v{k}")
    with pytest.raises(InvalidInputError):
        funded.pay("P1", "1.00", date="2024-03-01", payee="a\nb\tc", year=2024, voucher="v-lines")
    stored = {r["payee"] for r in funded.read.all("SELECT payee FROM rm_payments", ())}
    assert stored == {p.strip() for p in payees}
    assert funded.read.one("SELECT COUNT(*) AS n FROM rm_units", ())["n"] == 1
