"""A small two-year world for the carry-over and the rankings, figured by hand.

Units: 45 部门 → 4501 单位甲 (→ 450101 甲下属), 4502 单位乙.
2023: A1 in 4501 (上级补助, 2101502 / 30213, owner 张三, quarterly plan): 80,000.00,
  paid 20,000.00 by 30 June and 59,999.99 in all: 20,000.01 left on 31 December.
  4502 has no 2023 projects at all.
2024 (plans 25/50/75/100% at quarter ends; on 30 June the plan says 50%):
  A1 in 4501 (the same classes as in 2023): 100,000.00, paid 30,000.00
  A2 in 450101: 50,000.00, no plan of its own, paid 20,000.00
  B1 in 4502: 200,000.00 (quarterly plan), paid 60,000.00 on 30 June, 1,000.00 on 1 July
"""

from __future__ import annotations

from tracker.commands.tracker import BudgetTracker

QUARTERS = "03-31:25%,06-30:50%,09-30:75%,12-31:100%"


def two_years(app: BudgetTracker) -> BudgetTracker:
    """The world of the module docstring."""
    app.add_unit("45", "满城区医疗保障局")
    app.add_unit("4501", "单位甲", parent="45")
    app.add_unit("450101", "甲下属", parent="4501")
    app.add_unit("4502", "单位乙", parent="45")
    app.add_project(
        year=2023,
        unit="4501",
        code="A1",
        name="信息系统运维",
        functional="2101502",
        economic="30213",
        source="上级补助",
        owner="张三",
        plan=QUARTERS,
    )
    app.appropriate("A1", "80000.00", date="2023-01-05", year=2023)
    app.pay("A1", "20000.00", date="2023-05-10", payee="某公司", year=2023)
    app.pay("A1", "39999.99", date="2023-11-20", payee="某公司", year=2023)
    app.add_project(
        year=2024,
        unit="4501",
        code="A1",
        name="信息系统运维",
        functional="2101502",
        economic="30213",
        source="上级补助",
        owner="张三",
        plan=QUARTERS,
    )
    app.add_project(year=2024, unit="450101", code="A2", name="档案整理")
    app.appropriate("A1", "100000.00", date="2024-01-10", year=2024)
    app.appropriate("A2", "50000.00", date="2024-01-10", year=2024)
    app.add_project(year=2024, unit="4502", code="B1", name="医保宣传", plan=QUARTERS)
    app.appropriate("B1", "200000.00", date="2024-01-10", year=2024)
    app.pay("A1", "30000.00", date="2024-04-01", payee="甲", year=2024)
    app.pay("A2", "20000.00", date="2024-05-01", payee="乙", year=2024)
    app.pay("B1", "60000.00", date="2024-06-30", payee="丙", year=2024)
    app.pay("B1", "1000.00", date="2024-07-01", payee="丙", year=2024)
    return app
