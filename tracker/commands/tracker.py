"""``BudgetTracker``, the service layer every door (CLI, web, API, import, workers)
calls: the typed parts put together over one ``CommandBase``.

Each part subclasses ``CommandBase`` and holds one area's commands and the queries
its doors need; a new part is one more base class here, before ``CommandBase``.
"""

from __future__ import annotations

from tracker.commands.alerts import AlertCommands
from tracker.commands.base import CommandBase
from tracker.commands.commitments import CommitmentCommands
from tracker.commands.indicators import IndicatorCommands
from tracker.commands.ledger import LedgerCommands
from tracker.commands.observers import observed
from tracker.commands.reallocation import ReallocationCommands
from tracker.commands.register import RegisterCommands
from tracker.commands.rollover import RolloverCommands
from tracker.commands.selfeval import SelfEvaluationCommands
from tracker.commands.selfeval_goal import SelfEvaluationGoalCommands
from tracker.commands.users import UserCommands

__all__ = ["BudgetTracker"]


@observed
class BudgetTracker(
    UserCommands,
    RolloverCommands,
    RegisterCommands,
    ReallocationCommands,
    CommitmentCommands,
    LedgerCommands,
    IndicatorCommands,
    SelfEvaluationCommands,
    SelfEvaluationGoalCommands,
    AlertCommands,
    CommandBase,
):
    """Budget execution tracker: accounts, units, projects, appropriations, payments,
    plans, transfers, commitments, indicators, self-evaluations, alerts and the year-end carry-over."""

    name = "BudgetTracker"
