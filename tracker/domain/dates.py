"""What is wrong with a date that cannot exist, in words every door shares.

A bare "应写成 2024-03-01" reads like a correction of the figures typed; saying which
part is wrong (the month, or how many days that month has) tells the officer what to fix.
Kept apart from ``inputs`` so the plan's checkpoints can use it too.
"""

from __future__ import annotations

import calendar
import datetime as dt


def date_problem(year: int, month: int, day: int) -> str:
    """Why ``year-month-day`` is no date: ``月份应为 1–12``, ``2024 年 2 月只有 29 天``."""
    if not 1 <= month <= 12:
        return "月份应为 1–12"
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return "年份无效"
    last = calendar.monthrange(year, month)[1]
    if day > last:
        return f"{year} 年 {month} 月只有 {last} 天"
    if day < 1:
        return "日应从 1 开始"
    return "不是有效日期"
