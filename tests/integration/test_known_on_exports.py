"""The 绩效运行监控表 and the 自评表 as known on a moment (依据时点), on both stores.

By 2024-07-05 17:00 P1 had 100,000 元, a 30,000 元 payment and one indicator with
50 人次 done; after it: a back-dated payment, 90 人次, a second indicator, a change of
the unit's rule and the sign-off. Made as known on the moment, both forms show what
was recorded by then and say so beside 截至 and in the footer.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tracker.commands import BudgetTracker
from tracker.exporting.monitoring import monitoring_form
from tracker.exporting.selfeval_form import selfeval_form, with_names
from tracker.queries.known import known_on

BEIJING = dt.timezone(dt.timedelta(hours=8))
MOMENT = "2024-07-05 17:00"
CAPTION = "依据 2024-07-05 17:00 的登记"


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
def sent(tracker: BudgetTracker, monkeypatch: pytest.MonkeyPatch) -> BudgetTracker:
    import eventsourcing.domain

    clock = Clock()
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", clock)
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(year=2024, unit="450001", code="P1", name="慢特病审核", functional="2101502")
    tracker.appropriate("P1", "100000.00", date="2024-01-10", doc="满财【2024】1号")
    tracker.pay("P1", "30000.00", date="2024-06-10", payee="某公司")
    first = tracker.add_indicator(
        "P1", level1="产出指标", level2="数量指标", name="慢特病审核人次", target="≥100人次", weight="90"
    )
    tracker.record_indicator("P1", first, "50人次", date="2024-06-30")
    clock.set("2024-07-08T10:00")
    tracker.pay("P1", "20000.00", date="2024-06-20", payee="某公司")
    tracker.record_indicator("P1", first, "90人次", date="2024-06-30")
    second = tracker.add_indicator(
        "P1", level1="满意度指标", level2="服务对象满意度指标", name="满意度", target="≥90%"
    )
    tracker.record_indicator("P1", second, "95%", date="2024-06-30")
    tracker.explain_deviation(first, cause="病例少于预期", action="加强宣传")
    tracker.change_unit_settings("450001", rule="points", yellow="40", red="50")
    tracker.finalise_evaluation(
        "P1", signed_by="张局长", execution_cause="项目延期", execution_action="加快进度"
    )
    monkeypatch.undo()
    return tracker


def _texts(form: object) -> list[list[object]]:
    return [list(r.cells) for r in form.rows]  # type: ignore[attr-defined]


def test_the_monitoring_form_as_known_on_shows_what_was_recorded_by_then(sent: BudgetTracker) -> None:
    now = monitoring_form(sent, 2024, "450001", "2024-06-30")
    then = monitoring_form(sent, 2024, "450001", "2024-06-30", known_on(MOMENT))
    total_now, total_then = _texts(now)[0], _texts(then)[0]
    assert (total_now[4], total_then[4]) == (5, 3)  # 执行数 in 万元: 50,000 now, 30,000 then
    lines_now, lines_then = _texts(now)[1:], _texts(then)[1:]
    assert [r[11] for r in lines_now] == ["慢特病审核人次", "满意度"]
    assert [(r[11], r[13]) for r in lines_then] == [("慢特病审核人次", "50人次")]
    assert lines_then[0][8] == "预警"  # 30% against 40% under the ratio rule then in force
    assert lines_now[0][8] == "正常"  # 50% against 40%
    assert then.known == CAPTION
    assert CAPTION in then.footer
    assert now.known == ""
    assert CAPTION not in now.footer


def test_the_selfeval_as_known_on_shows_the_figures_and_the_sign_off_of_then(sent: BudgetTracker) -> None:
    now = sent.self_evaluation("P1", 2024)
    then = sent.self_evaluation("P1", 2024, known_on=MOMENT)
    assert (now["disbursed"], then["disbursed"]) == (50000, 30000)
    assert [r["actual_text"] for r in then["indicators"]] == ["50人次"]
    assert [r["actual_text"] for r in now["indicators"]] == ["90人次", "95%"]
    assert (now["indicators"][0]["cause"], then["indicators"][0]["cause"]) == ("病例少于预期", None)
    assert now["signed"] is not None
    assert now["signed"]["finalised"]
    assert then["signed"] is None  # signed after the moment
    laid_out = selfeval_form(with_names(sent, then))
    assert laid_out.known == CAPTION
    assert laid_out.footer.endswith(CAPTION)


def test_a_sign_off_reopened_after_the_moment_was_still_signed_then(
    sent: BudgetTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventsourcing.domain

    clock = Clock()
    clock.set("2024-07-10T09:00")
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", clock)
    sent.reopen_evaluation("P1", 2024, reason="补充材料")
    monkeypatch.undo()
    assert not sent.self_evaluation("P1", 2024)["signed"]["finalised"]
    then = sent.self_evaluation("P1", 2024, known_on="2024-07-09 12:00")["signed"]
    assert then["finalised"]
    assert then["signed_by"] == "张局长"


def test_the_cli_exports_both_forms_as_known_on(sent: BudgetTracker, db_url: str, tmp_path: Path) -> None:
    for kind, unit in (("monitoring", "450001"), ("selfeval", "P1")):
        out = tmp_path / f"{kind}.xlsx"
        args = ["export", kind, "--year", "2024", "--unit", unit, "--as-of", "2024-06-30"]
        proc = subprocess.run(
            [sys.executable, "-m", "tracker", "--db", db_url, *args, "-o", str(out), "--known-on", MOMENT],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        ws = openpyxl.load_workbook(out).active
        assert ws is not None
        texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        assert any(CAPTION in t and "截至" in t for t in texts), kind
