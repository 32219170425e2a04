"""A lag alert names the open commitments (已签合同未支付 X 万元) as of its check date, in
its figures and in the message sent, so a manager tells a stalled project from one
waiting for an invoice; an alert of a project without commitments reads as before."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.commands.tracker import BudgetTracker
from tracker.notify.channels import render_alert
from tracker.notify.delivery import alert_payload

D = dt.date


@pytest.fixture
def lagging(tracker: BudgetTracker) -> BudgetTracker:
    """P1 on the default quarterly plan, 100,000.00 budget, 10% spent by 30 June; only the lag rule."""
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    tracker.appropriate("P1", "100000.00", date="2024-01-02")
    tracker.pay("P1", "10000.00", date="2024-03-01", payee="甲")
    tracker.change_alert_settings("450001", rules_enabled=["lag"])
    return tracker


def lag_alert(app: BudgetTracker) -> dict:
    return next(a for a in app.alerts() if a["rule"] == "lag")


def test_a_lag_alert_mentions_the_open_commitments_as_of_its_date(lagging: BudgetTracker) -> None:
    lagging.commit("P1", "1.25", wan=True, date="2024-05-01", contract="办公室整修合同")
    lagging.commit("P1", "1000.00", date="2024-07-15", contract="后签的合同")  # after the check date
    lagging.check_alerts(D(2024, 6, 30))
    alert = lag_alert(lagging)
    assert alert["figures"]["committed"] == "12500.00"
    assert alert["figures"]["committed_note"] == "已签合同未支付 1.25 万元"


def test_the_message_sent_says_how_much_is_committed(lagging: BudgetTracker) -> None:
    cid = lagging.commit("P1", "50000.00", date="2024-05-01", contract="办公室整修合同")
    lagging.pay("P1", "2500.00", date="2024-06-01", payee="乙", commitment=cid)
    lagging.check_alerts(D(2024, 6, 30))
    alert = lag_alert(lagging)
    assert alert["figures"]["committed"] == "47500.00"
    assert alert["figures"]["committed_note"] == "已签合同未支付 4.75 万元"
    message = render_alert(alert_payload(lagging, alert))
    assert "- 已签合同未支付：**4.75 万元**" in message.markdown
    assert "已签合同未支付：4.75 万元" in message.text


def test_an_alert_without_commitments_reads_as_before(lagging: BudgetTracker) -> None:
    lagging.check_alerts(D(2024, 6, 30))
    alert = lag_alert(lagging)
    assert "committed" not in alert["figures"]
    message = render_alert(alert_payload(lagging, alert))
    assert "已签合同" not in message.text
