"""The service layer: one ``BudgetTracker`` that every door (CLI, web, API, import,
workers) calls. Commands validate, load an aggregate, let it decide and save."""

from tracker.commands.tracker import BudgetTracker

__all__ = ["BudgetTracker"]
