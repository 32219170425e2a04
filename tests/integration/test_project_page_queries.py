"""The project page's reads (tracker/queries/project_page.py) on SQLite and PostgreSQL.

The ``funded`` ledger (unit 450001, project P1 of 2024 with 100,000.00 元 from 01-10)
gets, recorded out of business-date order:

    appropriations  06-01 追加 +20,000.00 (满财【2024】9号); 11-01 调减 -5,000.00
    payments        03-20 30,000.00 to 某广告公司 (voucher 记-001)
                    02-10 10,000.00 to 某印刷厂 (recorded second, dated first)
                    05-05 5,000.50 to 某酒店
    reversals       04-01 -1,000.00 of the 03-20 payment (退回多付)
                    08-15 -4,000.00 of the 03-20 payment (合同变更)
    indicators      宣传次数 ≥10次 (6 次 recorded 06-30), 群众满意度 逐步提高 (85% chosen
                    09-01), 覆盖人数 ≥2万人 (nothing recorded)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.queries.project_history import indicator_history, project_history, split_history
from tracker.queries.project_page import ProjectPageQueries

D = Decimal
d = dt.date


@pytest.fixture
def ledger(funded: BudgetTracker) -> BudgetTracker:
    t = funded
    t.appropriate("P1", "20000", date="2024-06-01", kind="add", doc="满财【2024】9号")
    t.appropriate("P1", "5000", date="2024-11-01", kind="reduce")
    first = t.pay("P1", "30000", date="2024-03-20", payee="某广告公司", voucher="记-001", economic="30202")
    t.pay("P1", "10000", date="2024-02-10", payee="某印刷厂")
    t.pay("P1", "5000.50", date="2024-05-05", payee="某酒店", source="上级补助")
    t.reverse(first, "1000", date="2024-04-01", reason="退回多付")
    t.reverse(first, "4000", date="2024-08-15", reason="合同变更", user="李四")
    count = t.add_indicator("P1", level1="产出指标", level2="数量指标", name="宣传次数", target="≥10次")
    happy = t.add_indicator(
        "P1", level1="满意度指标", level2="服务对象满意度指标", name="群众满意度", target="逐步提高"
    )
    t.add_indicator("P1", level1="产出指标", level2="数量指标", name="覆盖人数", target="≥2万人")
    t.record_indicator("P1", count, "6次", date="2024-06-30", user="王五")
    t.record_indicator("P1", happy, completion="85", date="2024-09-01")
    return t


def page(t: BudgetTracker) -> ProjectPageQueries:
    return ProjectPageQueries(t.read)


def test_facts_name_the_unit_and_the_classes(funded: BudgetTracker) -> None:
    f = page(funded).facts(2024, "P1")
    assert f is not None
    assert (f.code, f.year, f.name) == ("P1", 2024, "办公室整修")
    assert (f.unit_code, f.unit_name) == ("450001", "保定市满城区医疗保障局本级")
    assert (f.functional, f.functional_name) == ("2101502", "一般行政管理事务")
    assert (f.economic, f.economic_name) == ("30213", "维修（护）费")
    assert f.source == "一般公共预算财政拨款"
    assert f.id == str(funded.find_project("P1", 2024))
    assert f.plan is None  # the default plan applies
    assert [cp.percent for cp in f.checkpoints] == [D(25), D(50), D(75), D(100)]


def test_facts_of_an_unknown_project_or_year_are_none(funded: BudgetTracker) -> None:
    assert page(funded).facts(2024, "NOPE") is None
    assert page(funded).facts(2023, "P1") is None


def test_a_set_plan_is_read_back_as_stored(funded: BudgetTracker) -> None:
    funded.set_plan("P1", "03-31:,06-30:70000,12-31:100000")
    f = page(funded).facts(2024, "P1")
    assert f is not None
    assert f.plan == "03-31:,06-30:70000.00,12-31:100000.00"
    assert f.checkpoints[0].is_blank
    assert f.checkpoints[1].amount == D("70000.00")


def test_ledger_lists_payments_oldest_first_with_their_reversals(ledger: BudgetTracker) -> None:
    f = page(ledger).facts(2024, "P1")
    assert f is not None
    book = page(ledger).ledger(f.id, d(2024, 12, 31))
    assert [(p.date, p.amount, p.payee) for p in book.payments] == [
        (d(2024, 2, 10), D("10000.00"), "某印刷厂"),
        (d(2024, 3, 20), D("30000.00"), "某广告公司"),
        (d(2024, 5, 5), D("5000.50"), "某酒店"),
    ]
    ad = book.payments[1]
    assert (ad.voucher, ad.economic, ad.economic_name) == ("记-001", "30202", "印刷费")
    assert [(r.date, r.amount, r.reason) for r in ad.reversals] == [
        (d(2024, 4, 1), D("1000.00"), "退回多付"),
        (d(2024, 8, 15), D("4000.00"), "合同变更"),
    ]
    assert all(r.payment_id == ad.id for r in ad.reversals)
    assert (ad.reversed, ad.net) == (D("5000.00"), D("25000.00"))
    assert book.payments[2].source == "上级补助"
    assert book.payments[0].source == "一般公共预算财政拨款"  # the project's own by default
    assert (book.paid, book.reversed, book.disbursed) == (D("45000.50"), D("5000.00"), D("40000.50"))
    assert book.later_entries == 0


def test_ledger_lists_appropriations_signed_with_a_running_total(ledger: BudgetTracker) -> None:
    f = page(ledger).facts(2024, "P1")
    assert f is not None
    book = page(ledger).ledger(f.id, d(2024, 12, 31))
    assert [
        (a.date, a.kind, a.kind_label, a.amount, a.doc, a.running_total) for a in book.appropriations
    ] == [
        (d(2024, 1, 10), "initial", "年初预算", D("100000.00"), "满财【2024】1号", D("100000.00")),
        (d(2024, 6, 1), "add", "追加", D("20000.00"), "满财【2024】9号", D("120000.00")),
        (d(2024, 11, 1), "reduce", "调减", D("-5000.00"), "", D("115000.00")),
    ]
    assert book.budget == D("115000.00")


def test_ledger_as_of_a_date_leaves_out_and_counts_later_entries(ledger: BudgetTracker) -> None:
    f = page(ledger).facts(2024, "P1")
    assert f is not None
    book = page(ledger).ledger(f.id, d(2024, 4, 30))
    assert [p.date for p in book.payments] == [d(2024, 2, 10), d(2024, 3, 20)]
    assert [r.date for r in book.payments[1].reversals] == [d(2024, 4, 1)]
    assert [a.date for a in book.appropriations] == [d(2024, 1, 10)]
    # later: the 05-05 payment, the 08-15 reversal, the 06-01 and 11-01 appropriations
    assert book.later_entries == 4
    assert (book.budget, book.disbursed) == (D("100000.00"), D("39000.00"))


@pytest.mark.parametrize(
    "day", [d(2024, 1, 9), d(2024, 3, 20), d(2024, 4, 1), d(2024, 8, 14), d(2024, 12, 31)]
)
def test_ledger_totals_agree_with_the_status_query(ledger: BudgetTracker, day: dt.date) -> None:
    f = page(ledger).facts(2024, "P1")
    assert f is not None
    book = page(ledger).ledger(f.id, day)
    progress = ledger.queries.progress(UUID(f.id), day)
    assert book.budget == progress["project"].figures.budget
    assert book.disbursed == progress["project"].figures.disbursed


def test_ledger_with_a_limit_lists_the_latest_payments_and_keeps_the_totals(ledger: BudgetTracker) -> None:
    f = page(ledger).facts(2024, "P1")
    assert f is not None
    book = page(ledger).ledger(f.id, d(2024, 12, 31), limit=2)
    assert [p.date for p in book.payments] == [d(2024, 3, 20), d(2024, 5, 5)]
    assert len(book.payments[0].reversals) == 2
    assert (book.payment_count, book.complete) == (3, False)
    assert (book.paid, book.reversed, book.disbursed) == (D("45000.50"), D("5000.00"), D("40000.50"))
    assert page(ledger).ledger(f.id, d(2024, 12, 31), limit=3).complete


@pytest.mark.parametrize(
    "day",
    [
        d(2023, 12, 31),
        d(2024, 1, 1),
        d(2024, 3, 20),
        d(2024, 3, 31),
        d(2024, 6, 1),
        d(2024, 7, 15),
        d(2024, 11, 1),
        d(2024, 12, 31),
    ],
)
@pytest.mark.parametrize("plan", [None, "03-31:,06-30:70000,10-31:100000,12-31:115000"])
def test_progress_of_one_project_is_the_status_querys_answer(
    ledger: BudgetTracker, day: dt.date, plan: str | None
) -> None:
    ledger.add_unit("450009", "另一个单位")
    ledger.add_project(year=2024, unit="450009", code="PX", name="别的项目")
    ledger.appropriate("PX", "1000", date="2024-01-02")
    ledger.pay("PX", "999", date="2024-01-03", payee="某")
    ledger.change_unit_settings("450001", rule="points", yellow="5", red="10")
    if plan:
        ledger.set_plan("P1", plan)
    f = page(ledger).facts(2024, "P1")
    assert f is not None
    mine = page(ledger).progress(f, day)
    theirs = ledger.queries.progress(UUID(f.id), day)
    assert mine["project"].figures == theirs["project"].figures
    assert mine["project"].status == theirs["project"].status
    assert mine["project"].rule == theirs["project"].rule
    assert theirs.get("known_on") is None  # the page asks for no moment here
    assert {k: v for k, v in mine.items() if k not in ("project", "known_on")} == {
        k: v for k, v in theirs.items() if k not in ("project", "known_on")
    }


def test_indicators_come_with_their_completion(ledger: BudgetTracker) -> None:
    rows = page(ledger).indicators(2024, "P1", d(2024, 12, 31))
    assert [(i.seq, i.name, i.target_text, i.kind) for i in rows] == [
        (1, "宣传次数", "≥10次", "at_least"),
        (2, "群众满意度", "逐步提高", "qualitative"),
        (3, "覆盖人数", "≥2万人", "at_least"),
    ]
    count, happy, reach = rows
    assert (count.actual_text, count.completion, count.progress_date) == ("6次", D(60), d(2024, 6, 30))
    assert (happy.completion, happy.progress_date) == (D(85), d(2024, 9, 1))
    assert (reach.actual_text, reach.completion, reach.progress_date) == ("", None, None)
    assert not any(i.after_as_of for i in rows)


def test_indicator_progress_dated_after_the_as_of_day_is_flagged(ledger: BudgetTracker) -> None:
    rows = page(ledger).indicators(2024, "P1", d(2024, 7, 31))
    assert [i.after_as_of for i in rows] == [False, True, False]


def test_indicators_of_another_year_or_project_are_not_listed(ledger: BudgetTracker) -> None:
    assert page(ledger).indicators(2023, "P1", d(2023, 12, 31)) == ()
    assert page(ledger).indicators(2024, "P2", d(2024, 12, 31)) == ()


def test_indicator_history_says_who_did_what(ledger: BudgetTracker) -> None:
    (count, *_rest) = page(ledger).indicators(2024, "P1", d(2024, 12, 31))
    rows = indicator_history(ledger.events.get(UUID(count.id)), count.name)
    assert [r["label"] for r in rows] == ["添加绩效指标", "记录指标进展"]
    assert rows[0]["user"] == "测试员"
    assert rows[1]["user"] == "王五"
    assert rows[1]["date"] == "2024-06-30"
    assert "指标“宣传次数”实际完成值 6次" in rows[1]["details"]


def test_project_history_reads_the_latest_events_only_when_asked(ledger: BudgetTracker) -> None:
    f = page(ledger).facts(2024, "P1")
    assert f is not None
    every, total = project_history(ledger.events, f.id)
    assert every == ledger.history("P1", 2024)
    latest, same_total = project_history(ledger.events, f.id, limit=2)
    assert latest == every[-2:]
    assert total == same_total == len(every)


def test_history_as_of_a_date_hides_later_business_dates(ledger: BudgetTracker) -> None:
    rows = ledger.history("P1", 2024)
    shown, later = split_history(rows, d(2024, 4, 30))
    dated = [r["date"] for r in shown if r["date"]]
    assert all(day <= "2024-04-30" for day in dated)
    assert later == sum(1 for r in rows if r["date"] and r["date"] > "2024-04-30")
    assert later == 4
    # Newest recorded first; registration (no business date) always shown.
    assert shown[-1]["label"] == "登记"
    stamps = [r["recorded_at"] for r in shown]
    assert stamps == sorted(stamps, reverse=True)
    reversal = next(r for r in split_history(rows, d(2024, 12, 31))[0] if r["details"].endswith("合同变更"))
    assert reversal["user"] == "李四"
