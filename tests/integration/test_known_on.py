"""Figures as known on a moment (依据时点): only what was recorded by then counts.

Event time is pinned by a test clock (``clock``): the library stamps each event with
``eventsourcing.domain.datetime_now_with_tzinfo()``, replaced here only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tracker.commands import BudgetTracker
from tracker.domain.errors import InvalidInputError, NotFoundError
from tracker.queries.known import known_on
from tracker.store.config import Settings

BEIJING = dt.timezone(dt.timedelta(hours=8))


class Clock:
    """A settable recording time (Beijing), one microsecond later at each read."""

    def __init__(self) -> None:
        self.now = dt.datetime(2024, 7, 1, 9, 0, tzinfo=BEIJING)

    def set(self, text: str) -> None:
        self.now = dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(microseconds=1)
        return self.now.astimezone(dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import eventsourcing.domain

    pinned = Clock()
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", pinned)
    return pinned


@pytest.fixture
def sent(tracker: BudgetTracker, clock: Clock) -> BudgetTracker:
    """P1 funded 100,000 and paid 30,000 by 2024-07-05 17:00, when the June report
    was sent; after it: a back-dated June payment, a reversal of the first payment,
    a new project P2 and a new plan for P1."""
    clock.set("2024-07-01T09:00")
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(year=2024, unit="450001", code="P1", name="办公室整修", functional="2101502")
    tracker.appropriate("P1", "100000.00", date="2024-01-10", doc="满财【2024】1号")
    tracker.set_plan("P1", "03-31:10%,06-30:40%,09-30:70%,12-31:100%")
    first = tracker.pay("P1", "30000.00", date="2024-06-10", payee="某装修公司")
    clock.set("2024-07-08T10:00")
    tracker.pay("P1", "20000.00", date="2024-06-20", payee="某装修公司")
    clock.set("2024-07-08T11:00")
    tracker.reverse(first, "5000.00", date="2024-06-25", reason="多付")
    tracker.add_project(year=2024, unit="450001", code="P2", name="信息系统", functional="2101502")
    tracker.appropriate("P2", "50000.00", date="2024-03-01", doc="满财【2024】2号")
    tracker.set_plan("P1", "06-30:80%,12-31:100%")
    return tracker


def _figures(app: BudgetTracker, known: str | None) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    _, found = app.queries.statuses(2024, dt.date(2024, 6, 30), known=known_on(known))
    return {p.code: (p.figures.budget, p.figures.disbursed, p.figures.planned_rate) for p in found}


def test_a_back_dated_payment_recorded_after_the_moment_is_left_out(sent: BudgetTracker) -> None:
    figures = _figures(sent, "2024-07-05 17:00")
    assert figures["P1"][:2] == (Decimal("100000.00"), Decimal("30000.00"))


def test_without_a_moment_everything_recorded_counts(sent: BudgetTracker) -> None:
    figures = _figures(sent, None)
    assert figures["P1"][:2] == (Decimal("100000.00"), Decimal("45000.00"))
    assert "P2" in figures


def test_a_moment_after_every_record_gives_the_figures_without_one(sent: BudgetTracker) -> None:
    assert _figures(sent, "2099-01-01 00:00") == _figures(sent, None)


def test_a_reversal_recorded_after_the_moment_is_left_out(sent: BudgetTracker) -> None:
    assert _figures(sent, "2024-07-08 10:30")["P1"][1] == Decimal("50000.00")  # paid, not yet reversed


def test_a_project_registered_after_the_moment_is_absent(sent: BudgetTracker) -> None:
    assert "P2" not in _figures(sent, "2024-07-05 17:00")


def test_the_plan_in_force_at_the_moment_applies(sent: BudgetTracker) -> None:
    assert _figures(sent, "2024-07-05 17:00")["P1"][2] == Decimal("40")
    assert _figures(sent, None)["P1"][2] == Decimal("80")


def test_a_bare_date_means_the_end_of_that_day(sent: BudgetTracker) -> None:
    assert _figures(sent, "2024-07-05") == _figures(sent, "2024-07-05 17:00")
    assert _figures(sent, "2024-07-08")["P1"][1] == Decimal("45000.00")


def test_rollups_series_and_progress_take_the_moment(sent: BudgetTracker) -> None:
    known = known_on("2024-07-05 17:00")
    rollup = sent.queries.rollup(2024, ["unit"], as_of=dt.date(2024, 6, 30), known=known)
    assert rollup["total"].disbursed == Decimal("30000.00")
    series = sent.queries.series(2024, code="P1", as_of=dt.date(2024, 6, 30), known=known)
    assert series["points"][-1]["figures"].disbursed == Decimal("30000.00")
    progress = sent.queries.progress(sent.find_project("P1"), dt.date(2024, 6, 30), known)
    assert progress["project"].figures.disbursed == Decimal("30000.00")
    with pytest.raises(NotFoundError):
        sent.queries.progress(sent.find_project("P2"), dt.date(2024, 6, 30), known)


def test_show_gives_the_project_as_its_records_then_left_it(sent: BudgetTracker) -> None:
    view = sent.show("P1", known_on="2024-07-05 17:00")
    assert (view["disbursed"], len(view["payments"]), view["known_on"]) == ("30000.00", 1, "2024-07-05 17:00")
    assert view["plan"].startswith("03-31")
    with pytest.raises(NotFoundError):
        sent.show("P2", known_on="2024-07-05 17:00")


def test_history_marks_what_was_recorded_after_the_moment(sent: BudgetTracker) -> None:
    rows = sent.history("P1", known_on="2024-07-05 17:00")
    assert [r["recorded_after"] for r in rows] == [False, False, False, False, True, True, True]
    assert "recorded_after" not in sent.history("P1")[0]


def test_the_public_tables_count_only_what_was_recorded(sent: BudgetTracker) -> None:
    from tracker.queries.reports.ledger import load

    known = known_on("2024-07-05 17:00")
    led = load(sent.read, 2024, None, "2024-06-30", known)
    assert sum(s.fen for s in led.spending) == 3_000_000
    assert set(led.appropriations) == {sent.queries.statuses(2024)[1][0].id}


def test_rebuild_keeps_the_recording_moments(sent: BudgetTracker) -> None:
    before = _figures(sent, "2024-07-05 17:00"), _figures(sent, "2024-07-08 10:00")
    sent.rebuild_read_model()
    assert (_figures(sent, "2024-07-05 17:00"), _figures(sent, "2024-07-08 10:00")) == before


def test_a_database_without_recording_moments_gains_them_on_open(sent: BudgetTracker, db_url: str) -> None:
    before = _figures(sent, "2024-07-05 17:00")
    with sent.read.datastore.transaction(commit=True) as c:
        c.execute("DELETE FROM rm_recorded")
        c.execute("DELETE FROM rm_plan_versions")
    reopened = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    try:
        assert _figures(reopened, "2024-07-05 17:00") == before
    finally:
        reopened.close()


@pytest.mark.parametrize("bad", ["昨天", "2024-13-01", "2024-07-05 25:00"])
def test_a_moment_that_is_no_moment_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidInputError) as e:
        known_on(bad)
    assert e.value.field == "依据时点"
    assert "依据时点" in str(e.value)


def test_beijing_time_is_read_as_beijing_time() -> None:
    assert known_on("2024-07-05 17:00") == known_on("2024-07-05T09:00:00Z")
    assert known_on("2024-07-05 17:00").stamp == "2024-07-05T09:00:00.000000Z"  # type: ignore[union-attr]


# ------------------------------------------------------------------ the unit's rule


def _statuses(app: BudgetTracker, known: str | None) -> tuple[str, str]:
    """P1's status and the total's as of 30 June (execution 30% against 40% planned
    as known on 5 July 17:00: yellow under the default ratio rule)."""
    report = app.queries.status_report(2024, dt.date(2024, 6, 30), known=known_on(known))
    return next(p.status for p in report["projects"] if p.code == "P1"), report["total_status"]


def _under_todays_rule(app: BudgetTracker) -> str:
    """The colour P1's figures as known on 5 July 17:00 would take under today's rule."""
    from tracker.domain import lag

    rule = app.queries.rule_of(app.queries.units()["450001"])
    return lag.status(Decimal(30), Decimal(40), rule)


def test_the_units_rule_as_known_on_the_moment_colours_the_status(sent: BudgetTracker, clock: Clock) -> None:
    before = _statuses(sent, "2024-07-05 17:00")
    clock.set("2024-07-09T09:00")
    sent.change_unit_settings("450001", rule="points", yellow="15", red="20")
    assert _statuses(sent, "2024-07-05 17:00") == before == ("yellow", "yellow")
    assert _under_todays_rule(sent) == "green"  # 10 points behind, under 15
    from tracker.queries.heatmap import unit_months

    heat = unit_months(sent.read, 2024, dt.date(2024, 6, 30), known=known_on("2024-07-05 17:00"))
    assert (heat.rows[0].cells[-1].status, heat.total.cells[-1].status) == ("yellow", "yellow")


def test_a_quiet_start_minimum_set_after_the_moment_does_not_apply(sent: BudgetTracker, clock: Clock) -> None:
    clock.set("2024-07-09T09:00")
    sent.change_unit_settings("450001", rule="ratio", min_points="12")
    assert _under_todays_rule(sent) == "green"
    assert _statuses(sent, "2024-07-05 17:00")[0] == "yellow"
    assert sent.queries.units(known_on("2024-07-05 17:00"))["450001"]["min_points"] is None


def test_the_rule_in_force_is_the_last_recorded_by_the_moment(sent: BudgetTracker, clock: Clock) -> None:
    clock.set("2024-07-05T16:00")  # before the moment: applies
    sent.change_unit_settings("450001", rule="points", yellow="15", red="20")
    clock.set("2024-07-09T09:00")  # after it: does not
    sent.change_unit_settings("450001", rule="points", yellow="2", red="5")
    assert _statuses(sent, "2024-07-05 17:00")[0] == "green"
    assert _statuses(sent, "2024-07-05 15:00")[0] == "yellow"  # the defaults, before either
    assert _under_todays_rule(sent) == "red"


def test_a_database_without_the_units_rules_gains_them_on_open(
    sent: BudgetTracker, clock: Clock, db_url: str
) -> None:
    clock.set("2024-07-09T09:00")
    sent.change_unit_settings("450001", rule="points", yellow="15", red="20")
    before = _statuses(sent, "2024-07-05 17:00"), _statuses(sent, None)
    with sent.read.datastore.transaction(commit=True) as c:
        c.execute("DELETE FROM rm_unit_rules")
    reopened = BudgetTracker(Settings(db_url=db_url, user="测试员"))
    try:
        assert (_statuses(reopened, "2024-07-05 17:00"), _statuses(reopened, None)) == before
        assert len(reopened.read.all("SELECT * FROM rm_unit_rules")) == 2  # registered, changed
    finally:
        reopened.close()


# ------------------------------------------------------------------ heat map, page lists


def test_the_heat_map_counts_only_what_was_recorded_by_the_moment(sent: BudgetTracker) -> None:
    from tracker.queries.heatmap import unit_months

    then = unit_months(sent.read, 2024, dt.date(2024, 6, 30), known=known_on("2024-07-05 17:00"))
    now = unit_months(sent.read, 2024, dt.date(2024, 6, 30))
    june = -1
    assert (then.total.cells[june].budget, then.total.cells[june].disbursed) == (
        Decimal("100000.00"),
        Decimal("30000.00"),
    )
    assert then.total.cells[june].planned_rate == Decimal("40")  # P1's plan then; P2 not yet there
    assert (now.total.cells[june].budget, now.total.cells[june].disbursed) == (
        Decimal("150000.00"),
        Decimal("45000.00"),
    )
    assert then.total.projects == 1


def test_the_project_pages_lists_hold_only_what_was_recorded_by_the_moment(
    sent: BudgetTracker, clock: Clock
) -> None:
    from tracker.queries.project_page import ProjectPageQueries

    clock.set("2024-07-09T09:00")
    sent.appropriate("P1", "5000.00", kind="add", date="2024-05-01", doc="满财【2024】9号")
    pages = ProjectPageQueries(sent.read)
    facts = pages.facts(2024, "P1")
    assert facts is not None
    then = pages.ledger(facts.id, dt.date(2024, 6, 30), known=known_on("2024-07-05 17:00"))
    now = pages.ledger(facts.id, dt.date(2024, 6, 30))
    assert [(p.amount, p.reversed) for p in then.payments] == [(Decimal("30000.00"), Decimal("0.00"))]
    assert [a.amount for a in then.appropriations] == [Decimal("100000.00")]
    assert (then.payment_count, then.paid, then.reversed, then.disbursed) == (
        1,
        Decimal("30000.00"),
        Decimal("0"),
        Decimal("30000.00"),
    )
    assert (now.payment_count, now.disbursed, len(now.appropriations)) == (2, Decimal("45000.00"), 2)
    assert then.later_entries == 0  # the later ones were not yet recorded either
    limited = pages.ledger(facts.id, dt.date(2024, 6, 30), limit=1, known=known_on("2024-07-08 10:30"))
    assert [p.amount for p in limited.payments] == [Decimal("20000.00")]
    assert limited.payment_count == 2
