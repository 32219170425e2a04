"""The 基本支出 of the demo unit, one budget line per 功能分类 项 × 经济分类 款.

Seed 003 publishes 基本支出 805.64 万元 twice: by 功能分类 项 in the 支出总表 and by
经济分类 款 in the 基本支出表 (人员经费 776.30 = 301 709.73 + 303 66.57; 公用经费
302 29.34). A project carries one functional and one economic class, so the demo
records one line per 款, each charged to the 项 the 支出总表 implies:

    2080501 行政单位离退休                 4.87 = 30302 退休费
    2080505 机关事业单位基本养老保险缴费支出 71.99 = 30108
    2080506 机关事业单位职业年金缴费支出     38.31 = 30109
    2101101 行政单位医疗                   29.16 = 30110
    2210201 住房公积金                     47.39 = 30113
    2101501 行政运行                      613.92 = the other 301/303 款 + all of 302

Every match is exact by amount. The codes are INVENTED in the style of the seed's
project codes (J for 基本支出 instead of P); the seed prints none for 基本支出.

The published figures are rounded 万元 and their sums do not all add up to the cent
(301's items add to 709.72, printed 709.73; 302's to 29.36, printed 29.34; 208's to
115.17, printed 115.18). Each line below is therefore given to the 十元 (three
decimals of 万元) within half a cent of its printed figure, chosen so that every
printed item *and* every printed total rounds half-up to the seed's figure: 30101,
30108 and 30109 are 30 元 above their print, eight 302 items 20 元 below (see
tests/integration/test_demo_seed_tables.py, which checks every row).
The plans are not in the seed: the usual 25/50/75/100% at quarter ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.demo.project import DemoProject

_SOURCE = "一般公共预算财政拨款"
_PERSONNEL = "基本支出-人员经费"
_OPERATING = "基本支出-公用经费"
_PLAN = "03-31:25%,06-30:50%,09-30:75%,12-31:100%"


@dataclass(frozen=True)
class BasicLine:
    """One 经济分类 款 of 基本支出 and who is paid for it, monthly."""

    economic: str
    name: str
    functional: str
    budget_wan: str
    payee: str
    day: int  # day of the month it is paid (moved to a working day)
    months: tuple[int, ...] = tuple(range(1, 13))


_STAFF = "本单位职工（工资）"
_SOCIAL = "保定市满城区社会保险事业服务中心"
_ADMIN = "2101501"

PERSONNEL_LINES: tuple[BasicLine, ...] = (
    BasicLine("30101", "基本工资", _ADMIN, "219.893", _STAFF, 15),
    BasicLine("30102", "津贴补贴", _ADMIN, "44.00", _STAFF, 15),
    BasicLine("30103", "奖金", _ADMIN, "13.46", _STAFF, 15, (6, 12)),
    BasicLine("30107", "绩效工资", _ADMIN, "215.93", _STAFF, 15),
    BasicLine("30108", "机关事业单位基本养老保险缴费", "2080505", "71.993", _SOCIAL, 20),
    BasicLine("30109", "职业年金缴费", "2080506", "38.313", _SOCIAL, 20),
    BasicLine("30110", "职工基本医疗保险缴费", "2101101", "29.16", "保定市满城区医疗保障事务中心", 20),
    BasicLine("30112", "其他社会保障缴费", _ADMIN, "3.43", _SOCIAL, 20),
    BasicLine("30113", "住房公积金", "2210201", "47.39", "保定市住房公积金管理中心满城分中心", 20),
    BasicLine("30199", "其他工资福利支出", _ADMIN, "26.16", _STAFF, 25),
    BasicLine("30302", "退休费", "2080501", "4.87", "离退休人员（退休费）", 25),
    BasicLine("30309", "奖励金", _ADMIN, "61.70", _STAFF, 25, (6, 12)),
)
OPERATING_LINES: tuple[BasicLine, ...] = (
    BasicLine("30201", "办公费", _ADMIN, "3.988", "保定市满城区某办公用品经营部", 8),
    BasicLine("30205", "水费", _ADMIN, "0.858", "保定市满城区自来水公司", 12),
    BasicLine("30206", "电费", _ADMIN, "2.848", "国网河北省电力有限公司保定供电分公司", 12),
    BasicLine("30207", "邮电费", _ADMIN, "4.238", "中国电信股份有限公司保定分公司", 14),
    BasicLine("30208", "取暖费", _ADMIN, "3.128", "保定市满城区某热力有限公司", 10, (1, 2, 3, 11, 12)),
    BasicLine("30211", "差旅费", _ADMIN, "0.858", "本单位职工（差旅费报销）", 22),
    BasicLine("30217", "公务接待费", _ADMIN, "0.61", "保定市满城区某餐饮服务有限公司", 18, (3, 6, 9, 12)),
    BasicLine("30228", "工会经费", _ADMIN, "2.638", "保定市满城区医疗保障局工会委员会", 26, (3, 6, 9, 12)),
    BasicLine("30229", "福利费", _ADMIN, "2.198", "本单位职工（福利费）", 26, (1, 6, 9)),
    BasicLine("30231", "公务用车运行维护费", _ADMIN, "3.00", "保定市满城区某汽车维修服务部", 16),
    BasicLine("30239", "其他交通费用", _ADMIN, "4.98", "本单位职工（交通费）", 27),
)
LINES: tuple[BasicLine, ...] = PERSONNEL_LINES + OPERATING_LINES


def line_code(n: int) -> str:
    """``13062124J00000000001X`` …: invented, 21 characters like the seed's codes."""
    return f"13062124J{n:011d}X"


def _project(n: int, line: BasicLine) -> DemoProject:
    personnel = line in PERSONNEL_LINES
    return DemoProject(
        code=line_code(n),
        name=f"{'人员经费' if personnel else '日常公用经费'}—{line.name}",
        expenditure_type=_PERSONNEL if personnel else _OPERATING,
        functional=line.functional,
        economic=line.economic,
        source=_SOURCE,
        budget_wan=line.budget_wan,
        plan_spec=_PLAN,
        owner="",
        purpose=f"基本支出：{line.economic} {line.name}",
    )


BASIC_PROJECTS: tuple[DemoProject, ...] = tuple(_project(n, line) for n, line in enumerate(LINES, 1))
LINE_OF: dict[str, BasicLine] = {p.code: line for p, line in zip(BASIC_PROJECTS, LINES, strict=True)}
