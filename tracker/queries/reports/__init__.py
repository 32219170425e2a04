"""The standard public tables (公开表) as pure queries: see ``tracker.queries.reports.tables``."""

from tracker.queries.reports.ledger import Ledger, load
from tracker.queries.reports.model import (
    Amounts,
    ClassRow,
    ClassTable,
    ExpenditureRow,
    IncomeRow,
    Summary,
    ThreePublic,
    ThreePublicRow,
)
from tracker.queries.reports.tables import (
    basic_expenditure_by_economic,
    expenditure_by_function,
    income_expenditure_summary,
    project_expenditure_by_economic,
    three_public,
)

__all__ = [
    "Amounts",
    "ClassRow",
    "ClassTable",
    "ExpenditureRow",
    "IncomeRow",
    "Ledger",
    "Summary",
    "ThreePublic",
    "ThreePublicRow",
    "basic_expenditure_by_economic",
    "expenditure_by_function",
    "income_expenditure_summary",
    "load",
    "project_expenditure_by_economic",
    "three_public",
]
