"""A signature holds the figures it signed (issue 12, point 1).

After a sign-off, a later reversal or indicator value changes the current figures; the
form then stops being final, shows the signed and the current version, and needs a new
sign-off; no export prints the signature beside figures nobody signed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from zhanyi import ACTION, CAUSE, record_zhanyi

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import DuplicateError
from tracker.domain.signature import STALE
from tracker.exporting.selfeval_form import with_names, write_selfeval_xlsx


@pytest.fixture
def signed(tracker: BudgetTracker) -> BudgetTracker:
    record_zhanyi(tracker)
    burden = next(r for r in tracker.indicators("ZY1") if r["name"] == "群众看病负担")
    tracker.explain_deviation(burden["id"], cause=CAUSE, action=ACTION)
    tracker.finalise_evaluation("ZY1", 2023, signed_by="局长")
    return tracker


def lower_an_actual(app: BudgetTracker) -> None:
    people = next(r for r in app.indicators("ZY1") if r["name"] == "参保人数")
    app.record_indicator("ZY1", people["id"], "30万人", date="2024-01-10")
    app.explain_deviation(people["id"], cause="外出务工人员增加", action="加强参保动员")


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "局长", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args], env=env, capture_output=True, text=True, check=False
    )


def test_a_signed_form_whose_figures_did_not_move_stays_final(signed: BudgetTracker) -> None:
    form = signed.self_evaluation("ZY1", 2023)
    assert form["signed"]["finalised"] is True
    assert form["signed"]["stale"] is False


def test_a_later_indicator_value_unsigns_the_form_and_keeps_the_signed_total(signed: BudgetTracker) -> None:
    lower_an_actual(signed)
    form = signed.self_evaluation("ZY1", 2023)
    assert form["signed"]["finalised"] is False
    assert form["signed"]["stale"] is True
    assert form["signed"]["scores"]["total"] == "98.0005"  # 13.0005 of 15: 86.67%
    assert form["evaluation"].total < 98
    assert any(line_id == form["indicators"][0]["id"] for line_id in form["signed"]["changed"])


def test_a_later_reversal_unsigns_the_form(signed: BudgetTracker) -> None:
    payment = signed.read.one("SELECT id FROM rm_payments")
    assert payment is not None
    signed.reverse(payment["id"], "1000.00", date="2023-12-31", reason="退回多付款")
    assert signed.self_evaluation("ZY1", 2023)["signed"]["stale"] is True


def test_signing_changed_figures_again_records_a_new_sign_off(signed: BudgetTracker) -> None:
    lower_an_actual(signed)
    eid = signed.finalise_evaluation("ZY1", 2023, signed_by="局长")
    assert [type(e).__name__ for e in signed.events.get(eid)] == ["Finalised", "Refinalised"]
    form = signed.self_evaluation("ZY1", 2023)
    assert (form["signed"]["finalised"], form["signed"]["stale"]) == (True, False)
    with pytest.raises(DuplicateError):
        signed.finalise_evaluation("ZY1", 2023, signed_by="局长")


def test_the_signed_figures_survive_a_rebuild(signed: BudgetTracker) -> None:
    lower_an_actual(signed)
    signed.rebuild_read_model()
    form = signed.self_evaluation("ZY1", 2023)
    assert (form["signed"]["stale"], form["signed"]["scores"]["total"]) == (True, "98.0005")


def test_the_cli_shows_both_versions_and_json_says_not_final(signed: BudgetTracker, db_url: str) -> None:
    lower_an_actual(signed)
    data = json.loads(cli(db_url, "selfeval", "ZY1", "--year", "2023", "--format", "json").stdout)
    assert (data["finalised"], data["signed_total"], data["signature_note"]) == (False, "98.00", STALE)
    assert data["total"] != "98.00"
    text = cli(db_url, "selfeval", "ZY1", "--year", "2023").stdout
    assert STALE in text
    assert "已定稿" not in text
    assert "局长签字时" in text
    assert "98.00" in text
    assert data["total"] in text


def test_no_export_prints_a_signature_beside_unsigned_figures(signed: BudgetTracker, tmp_path: Path) -> None:
    lower_an_actual(signed)
    path = write_selfeval_xlsx(with_names(signed, signed.self_evaluation("ZY1", 2023)), tmp_path / "f.xlsx")
    cells = [str(c) for row in load_workbook(path).active.iter_rows(values_only=True) for c in row if c]
    assert "签字日期" not in cells
    assert any(STALE in c for c in cells)


def test_reopen_on_the_cli_needs_a_reason_and_records_an_event(signed: BudgetTracker, db_url: str) -> None:
    refused = cli(db_url, "selfeval", "ZY1", "--year", "2023", "--reopen")
    assert refused.returncode != 0
    assert "--reason" in refused.stderr
    done = cli(db_url, "selfeval", "ZY1", "--year", "2023", "--reopen", "--reason", "补充佐证材料")
    assert done.returncode == 0, done.stderr
    assert "已退回" in done.stdout
    data = json.loads(cli(db_url, "selfeval", "ZY1", "--year", "2023", "--format", "json").stdout)
    assert data["finalised"] is False
    assert data["signed_total"] == "98.00"
