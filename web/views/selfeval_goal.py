"""The 年度总体目标 form of the self-evaluation page: 预期目标 and 实际完成情况.

An officer of the project's unit writes them (``set_evaluation_goal``, the command of
``tracker selfeval --goal --outcome``); a blank box leaves that text as it was, both
blank is refused beside the 预期目标 box, as the CLI and the API refuse it.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user, login_required

from tracker.commands.selfeval_goal import GOAL_FIELD, OUTCOME_FIELD
from web.auth import require_record
from web.extensions import tracker
from web.form_errors import Submission
from web.views.selfeval import attempt, back_to, bp, readable, render


@bp.route("/selfeval/<int:year>/<code>/goal", methods=["POST"])
@login_required
def goal(year: int, code: str) -> Any:
    facts = readable(year, code)
    require_record(facts.unit_code)
    sub = Submission({}, {"goal": GOAL_FIELD, "outcome": OUTCOME_FIELD})
    new_goal = sub.words("goal", GOAL_FIELD, required=False, limit=2000, lines=True)
    new_outcome = sub.words("outcome", OUTCOME_FIELD, required=False, limit=2000, lines=True)
    if not sub.errors and attempt(
        sub,
        lambda: tracker().set_evaluation_goal(
            code,
            year,
            goal=new_goal or None,
            outcome=new_outcome or None,
            user=current_user.name,
            request_id=sub.request_id,
        ),
        {GOAL_FIELD: "goal", OUTCOME_FIELD: "outcome"},
    ):
        return back_to(facts, "已保存年度总体目标")
    return render(facts, {"goal": sub}, 422)
