"""The demo year: a unit with projects, payments, plans and indicators to explore."""
