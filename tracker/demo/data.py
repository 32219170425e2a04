"""Facts of the 保定市满城区医疗保障局本级 2024 unit budget, used by ``tracker demo``.

Source: the unit's published 2024 单位预算 (shared seed 003): 单位预算收支总表, 收入总表,
支出总表, 一般公共预算财政拨款支出表 / 基本支出表, and the eight 项目绩效目标表 of
section 五 (项目编码, 项目名称, 预算数, 资金用途 and 资金支出计划).

What is printed and what is inferred:

- Unit code/name and year are printed (``450001保定市满城区医疗保障局本级``, 预算年度 2024).
  The seed names no parent department (部门) code or name, so none is given here.
- Project codes, names, 预算数, 资金用途 and plans are copied as printed (all amounts in
  万元). The 资金支出计划 header says "（%）" but its cells are cumulative 万元 amounts (the
  12月底 value always equals the 预算数), so plans are converted to 元 amounts here.
- No project table ties a project to a 功能分类 code; the codes below come from matching
  the 项目支出 column of the 支出总表 by amount, and every match is exact (see the
  comments on each project).
- The seed prints 经济分类 only for 基本支出; each project's economic code is inferred
  from what the money is for (commented on each project).
- No responsible person is printed for any project, so ``owner`` is "".
- All income is 一般公共预算拨款 (9064.36 万元) and each project is 100% 财政资金, hence
  the source 一般公共预算财政拨款 throughout.
"""

from tracker.demo.basic import BASIC_PROJECTS
from tracker.demo.project import DemoProject

__all__ = ["BASIC_PROJECTS", "PROJECTS", "UNIT_CODE", "UNIT_NAME", "YEAR", "DemoProject"]

UNIT_CODE = "450001"
UNIT_NAME = "保定市满城区医疗保障局本级"
YEAR = 2024
# No PARENT_CODE / PARENT_NAME: seed 003 shows only the unit itself (单位), no 部门.

# Totals as printed in the seed (万元).
PROJECT_TOTAL_WAN = "8258.72"  # 项目支出
BASIC_TOTAL_WAN = "805.64"  # 基本支出 = 人员经费 776.30 + 日常公用经费 29.34
GRAND_TOTAL_WAN = "9064.36"  # 本年支出合计 = 收入总计


_SOURCE = "一般公共预算财政拨款"

# 项目支出 by 功能分类 in the 支出总表 (万元) and the projects that add up to each row:
#   2101202 财政对城乡居民基本医疗保险基金的补助 7544.13 = 城乡居民医保基金区级配套 7544.13
#   2101301 城乡医疗救助                         630.07 = 121.00 + 110.00 + 274.00 + 125.07
#   2101502 一般行政管理事务                      55.52 = 办公室整修 50.00 + 后勤经费 5.52
#   2101506 医疗保障经办事务                      29.00 = 医疗服务与保障能力提升 29.00
# Each project's plan: the seed's cumulative 万元 values × 10000 = 元; a blank cell
# (no figure at 3月底) stays blank.
PROJECTS: tuple[DemoProject, ...] = (
    DemoProject(
        code="13062124P00495310005H",
        name="办公室整修",
        expenditure_type="项目支出",
        # Functional: inferred by amount, 50.00 + 5.52 = 55.52 = 2101502 项目支出.
        functional="2101502",
        # Economic: inferred; settles the 2021 office renovation -> 维修（护）费
        # (31006 大型修缮 would apply if the work were capitalised).
        economic="30213",
        source=_SOURCE,
        budget_wan="50.00",
        # Printed: – / 7.00 / 10.00 / 50.00 万元
        plan_spec="03-31:,06-30:70000.00,10-31:100000.00,12-31:500000.00",
        owner="",
        purpose="用于支付2021年医保局办公室整修费用",
    ),
    DemoProject(
        code="13062124P00495310004X",
        name="医疗保障局后勤经费",
        expenditure_type="项目支出",
        # Functional: inferred by amount, together with 办公室整修 (= 2101502 55.52).
        functional="2101502",
        # Economic: inferred; 保安保洁 (2 后勤保障人员, 4600 元/月) -> 物业管理费
        # (30226 劳务费 if the two people are paid directly).
        economic="30209",
        source=_SOURCE,
        budget_wan="5.52",
        # Printed: 1.38 / 2.76 / 4.60 / 5.52 万元
        plan_spec="03-31:13800.00,06-30:27600.00,10-31:46000.00,12-31:55200.00",
        owner="",
        purpose="医保局保安保洁费用",
    ),
    DemoProject(
        code="13062124P00X0C810031G",
        name="2024年中央财政医疗服务与保障能力提升补助资金 保财社【2023】111号",
        expenditure_type="项目支出",
        # Functional: inferred by amount, the only 29.00 row is 2101506 医疗保障经办事务.
        functional="2101506",
        # Economic: inferred; keeps the 医保信息平台 running, holds 发布会 and
        # training -> 委托业务费 (it could be split over 30215/30216/30299).
        economic="30227",
        source=_SOURCE,
        budget_wan="29.00",
        # Printed: – / 5.00 / 10.00 / 29.00 万元
        plan_spec="03-31:,06-30:50000.00,10-31:100000.00,12-31:290000.00",
        owner="",
        # As printed, including the doubled "能力".
        purpose="医疗服务与保障能力能力提升补助资金",
    ),
    DemoProject(
        code="13062124P00E8LT100137",
        name="城乡居民医保基金区级配套",
        expenditure_type="项目支出",
        # Functional: inferred by amount, 7544.13 = 2101202 (exact).
        functional="2101202",
        # Economic: inferred; a financial subsidy to the 城乡居民医保基金 ->
        # 313 对社会保障基金补助 / 31302 对社会保险基金补助.
        economic="31302",
        source=_SOURCE,
        # Printed 7544.13, a figure rounded to the 百元: the seed's 210 row (8901.79) is
        # 0.01 below the sum of its parts as printed (29.16 + 7544.13 + 630.07 + 698.44),
        # which only happens if the exact 项目支出 is below 8258.72; 75,441,260 元 is
        # the nearest 十元 figure that makes every printed total round as printed.
        budget_wan="7544.126",
        # Printed: 1000.00 / 3181.00 / 5362.00 / 7544.13 万元 (the last one is the budget).
        plan_spec="03-31:10000000.00,06-30:31810000.00,10-31:53620000.00,12-31:75441260.00",
        owner="",
        purpose="用于城乡居民基本医疗保险补助资金",
    ),
    DemoProject(
        code="13062124P00E8LT10017M",
        name="提前下达2024年市级医疗救助补助资金（保财社【2023】138号）",
        expenditure_type="项目支出",
        # Functional: inferred by amount, the four 医疗救助 projects add up to
        # 121.00 + 110.00 + 274.00 + 125.07 = 630.07 = 2101301 城乡医疗救助 (exact).
        functional="2101301",
        # Economic: inferred; 门诊/住院 medical aid paid to poor people -> 救济费
        # (some units use 30399 其他对个人和家庭的补助).
        economic="30306",
        source=_SOURCE,
        budget_wan="121.00",
        # Printed: – / 10.00 / 50.00 / 121.00 万元
        plan_spec="03-31:,06-30:100000.00,10-31:500000.00,12-31:1210000.00",
        owner="",
        purpose="对困难群众的医疗救助",
    ),
    DemoProject(
        code="13062124P00E8LT10014T",
        name="医疗费救助",
        expenditure_type="项目支出",
        # Functional: inferred by amount (see 2101301 above).
        functional="2101301",
        # Economic: inferred; medical aid to individuals -> 救济费.
        economic="30306",
        source=_SOURCE,
        budget_wan="110.00",
        # Printed: – / 50.00 / 110.00 / 110.00 万元 (fully spent by 10月底)
        plan_spec="03-31:,06-30:500000.00,10-31:1100000.00,12-31:1100000.00",
        owner="",
        # As printed (with "低保.特困.脱贫").
        purpose=(
            "对我区低保.特困.脱贫等资助困难群众参保全覆盖，稳定实现特困人员、"
            "低保对象、返贫致贫人口、加强医疗救助规范管理，统筹医疗救助，"
            "探索建立防范和化解因病致贫风险的长效机制"
        ),
    ),
    DemoProject(
        code="13062124P00E8LT10015E",
        name="医疗救助资助参保",
        expenditure_type="项目支出",
        # Functional: inferred by amount (see 2101301 above).
        functional="2101301",
        # Economic: inferred; pays the premiums of 特困/低保 people -> 代缴社会保险费.
        economic="30311",
        source=_SOURCE,
        budget_wan="274.00",
        # Printed: – / 137.00 / 250.00 / 274.00 万元
        plan_spec="03-31:,06-30:1370000.00,10-31:2500000.00,12-31:2740000.00",
        owner="",
        purpose=(
            "对我区低保、特困、脱贫等资助困难群众参保全覆盖，稳定实现特困人员、"
            "低保对象、返贫致贫人口等全部纳入基本医疗保险。"
        ),
    ),
    DemoProject(
        code="13062124P00E8LT100162",
        name="重度残疾人参保资助",
        expenditure_type="项目支出",
        # Functional: inferred by amount (see 2101301 above).
        functional="2101301",
        # Economic: inferred; pays the premiums of 重度残疾人 -> 代缴社会保险费.
        economic="30311",
        source=_SOURCE,
        budget_wan="125.07",
        # Printed: 30.00 / 60.00 / 90.00 / 125.07 万元
        plan_spec="03-31:300000.00,06-30:600000.00,10-31:900000.00,12-31:1250700.00",
        owner="",
        purpose="对重度残疾人员资助参保补助",
    ),
)
# Total of PROJECTS: 50.00 + 5.52 + 29.00 + 7544.126 + 121.00 + 110.00 + 274.00 + 125.07
#   = 8258.716 万元, printed 8258.72 = the seed's 项目支出 (the seed has no other projects).
# PROJECTS + BASIC_PROJECTS (805.643, see tracker.demo.basic) = 9064.359, printed 9064.36.
