"""Seed 003's 项目支出绩效目标表, and the demo's believable completions through the year.

The 一级/二级/三级 indicators, their 绩效指标描述 and 指标值 are copied from the eight
target tables of section 五 of the seed (the 年度绩效目标 too). The seed carries no
分值, so the national template's default weights apply. Two tables repeat a 三级 name
(召开会议次数, 资助标准) with different descriptions; the tracker refuses a repeated
三级 name on one project, so the description's distinguishing words are added in
brackets. A leading space in " 重残人员参保人数" is dropped.

The actuals are INVENTED: a mid-year reading (06-30) where a count grows through the
year, and the year-end reading (12-31) for every indicator. They follow each project's
spending: 办公室整修, badly behind on its payments, also misses its output targets.
"""

from __future__ import annotations

from dataclasses import dataclass

OUT, EFFECT, SATISFY = "产出指标", "效益指标", "满意度指标"
NUM, QUAL, TIME, COST = "数量指标", "质量指标", "时效指标", "成本指标"
SOCIAL, SUSTAIN, ECON, CLIENT = "社会效益指标", "可持续影响指标", "经济效益指标", "服务对象满意度指标"


@dataclass(frozen=True)
class Reading:
    """One recorded 实际完成值 (and, for words, the completion the officer chose)."""

    day: str  # MM-DD of 2024
    value: str
    completion: str | None = None


@dataclass(frozen=True)
class DemoIndicator:
    level1: str
    level2: str
    name: str
    description: str
    target: str
    readings: tuple[Reading, ...]


def _end(value: str, completion: str | None = None, mid: str | None = None) -> tuple[Reading, ...]:
    year_end = Reading("12-31", value, completion)
    return (Reading("06-30", mid), year_end) if mid else (year_end,)


def _ind(l1: str, l2: str, name: str, desc: str, target: str, readings: tuple[Reading, ...]) -> DemoIndicator:
    return DemoIndicator(l1, l2, name, desc, target, readings)


# 项目编码 -> (年度绩效目标, indicators)
TARGETS: dict[str, tuple[str, tuple[DemoIndicator, ...]]] = {
    "13062124P00495310005H": (
        "1.对工程款进行结算",
        (
            _ind(OUT, NUM, "维修项目数", "维修项目数量", "≥5个", _end("3个")),
            _ind(OUT, QUAL, "验收合格率", "验收合格率", "≥90%", _end("92%")),
            _ind(
                OUT,
                TIME,
                "资金发放准时率",
                "资金发放准时率",
                "2024年12月",
                (Reading("12-26", "已支付第三期"),),
            ),
            _ind(OUT, COST, "资金需求", "装修工程资金需求", "≥50万元", _end("50万元")),
            _ind(EFFECT, SOCIAL, "能力提升率", "办公能力提升率", "≥90%", _end("80%")),
            _ind(SATISFY, CLIENT, "服务对象的满意程度", "服务对象的满意程度", "≥100%", _end("95%")),
        ),
    ),
    "13062124P00495310004X": (
        "1.保证机关环境卫生及安全保卫",
        (
            _ind(OUT, NUM, "机关后勤保障人员", "机关后勤保障人员人数", "2人", _end("2人")),
            _ind(OUT, TIME, "后勤保障人员工作时间", "每周工作几天", "≥5天", _end("5天")),
            _ind(
                OUT, QUAL, "后勤保障完成质量情况", "保质保量完成", "总体完成情况", _end("保质保量完成", "100")
            ),
            _ind(OUT, COST, "机关后勤成本", "每月总共需要的金额", "4600元", _end("4600元")),
            _ind(EFFECT, SUSTAIN, "后勤保障持续性", "后勤保障时间", "一直", _end("全年未间断", "100")),
            _ind(SATISFY, CLIENT, "机关满意度", "单位满意程度", "≥100%", _end("100%")),
        ),
    ),
    "13062124P00X0C810031G": (
        "1.国家统一医保信息平台正常运行",
        (
            _ind(
                OUT,
                NUM,
                "召开会议次数（新闻发布会、政策吹风会）",
                "召开医保工作区级新闻发布会、政策吹风会次数",
                "≥1次",
                _end("2次", mid="1次"),
            ),
            _ind(
                OUT,
                NUM,
                "召开会议次数（政府信息公开工作会议或培训）",
                "召开医保工作政府信息公开区级工作会议或培训次数",
                "≥1次",
                _end("1次"),
            ),
            _ind(OUT, QUAL, "医保信息系统正常运行率", "医保信息系统正常运行率", "≥90%", _end("99.5%")),
            _ind(
                OUT,
                QUAL,
                "重大安全事件响应时间",
                "医保信息系统重大安全事件响应时间",
                "≤60分钟",
                _end("30分钟"),
            ),
            _ind(OUT, QUAL, "覆盖率", "定点医药机构监督检查覆盖率", "≥90%", _end("100%", mid="52%")),
            _ind(
                OUT,
                TIME,
                "工作时效",
                "启动DPG/DIP实际付费工作",
                "不晚于12月底",
                (Reading("11-28", "已启动"),),
            ),
            _ind(OUT, COST, "项目平均成本", "单个项目平均成本", "≥1万元", _end("1.2万元")),
            _ind(EFFECT, SOCIAL, "参保群众政策知晓率", "参保群众政策知晓率", "≥90%", _end("91%")),
            _ind(SATISFY, CLIENT, "人员满意度", "参保人员对医保服务的满意度", "≥85%", _end("88%")),
        ),
    ),
    "13062124P00E8LT100137": (
        "1.实现基金可持续运行，参保人员社会保险待遇得到有效保障。",
        (
            _ind(OUT, NUM, "参保率", "城乡居民基本医疗保险参保率", "≥90%", _end("96.3%")),
            _ind(OUT, TIME, "社会保险待遇支出", "支出在预算支出范围内", "≤100%", _end("100%")),
            _ind(OUT, QUAL, "配套资金到位率", "区级配套资金全部到位率", "100%", _end("100%", mid="42%")),
            _ind(
                OUT,
                COST,
                "财政对基金的补助标准670元",
                "财政对基金的补助标准670元",
                "≥670元",
                _end("670元"),
            ),
            _ind(
                EFFECT,
                SOCIAL,
                "社会影响力",
                "规范医疗行为，让民众切实享受医保政策，方便参保人待遇享受",
                "民众切实享受医保政策参保人方便待遇享受",
                _end("参保人待遇按时足额享受", "100"),
            ),
            _ind(
                EFFECT,
                SUSTAIN,
                "保障年度",
                "城乡居民保障年度",
                "1年（2024年1月1日至2024年12月31日）",
                _end("1年"),
            ),
            _ind(SATISFY, CLIENT, "参保人员满意度", "医保政务服务好评率", "≥95%", _end("97%")),
        ),
    ),
    "13062124P00E8LT10017M": (
        "1.及时对低收入人口进行医疗救助",
        (
            _ind(
                OUT,
                NUM,
                "门诊救助人数",
                "2024年门诊医疗救助人次",
                "≥36418人次",
                _end("31620人次", mid="15830人次"),
            ),
            _ind(
                OUT,
                NUM,
                "住院救助人次数",
                "2024年住院医疗救助人次",
                "≥2884人次",
                _end("2517人次", mid="1290人次"),
            ),
            _ind(OUT, NUM, "资助参保人次数", "2024年资助参保人数", "≥7119人", _end("7119人")),
            _ind(OUT, QUAL, "门诊医疗费用救助比例", "2024年门诊医疗费用医疗救助比例", "≥67%", _end("67%")),
            _ind(OUT, QUAL, "住院医疗费用救助比例", "2024年住院医疗费用医疗救助比例", "≥67%", _end("68%")),
            _ind(
                OUT,
                TIME,
                "“一站式”即时结算覆盖地区",
                "能够实现“一站式”即时结算的地区",
                "不低于上年",
                _end("与上年持平，全区覆盖", "100"),
            ),
            _ind(OUT, COST, "救助标准", "救助限额标准", "≤10000元", _end("10000元")),
            _ind(
                EFFECT,
                SOCIAL,
                "医疗救助对象覆盖范围",
                "医疗救助对象的范围",
                "不低于上年",
                _end("不低于上年", "100"),
            ),
            _ind(
                EFFECT,
                SOCIAL,
                "困难群众看病就医方便程度",
                "困难群众看病就医方便程度",
                "明显提高",
                _end("逐步提高", "80"),
            ),
            _ind(
                EFFECT,
                SOCIAL,
                "困难群众医疗费用负担",
                "困难群众就医的医疗费用负担",
                "有效缓解",
                _end("有效缓解", "100"),
            ),
            _ind(
                EFFECT,
                SUSTAIN,
                "对健全社会救助体系的影响",
                "对健全社会救助体系的影响",
                "成效明显",
                _end("成效明显", "100"),
            ),
            _ind(
                EFFECT,
                SUSTAIN,
                "对健全医疗保障制度体系的作用",
                "对健全医疗保障制度体系的作用",
                "成效明显",
                _end("逐步推开", "80"),
            ),
            _ind(SATISFY, CLIENT, "政策知晓率", "困难群众对医疗救助政策的知晓率", "≥90%", _end("90%")),
            _ind(SATISFY, CLIENT, "工作满意度", "困难群众对医疗救助工作满意度", "≥90%", _end("93%")),
        ),
    ),
    "13062124P00E8LT10014T": (
        "1.对我区低保.特困.脱贫等资助困难群众参保全覆盖，稳定实现特困人员、低保对象、返贫致贫人口、"
        "加强医疗救助规范管理，统筹医疗救助，探索建立防范和化解因病致贫风险的长效机制",
        (
            _ind(
                OUT,
                NUM,
                "医疗救助人次",
                "医疗救助对象符合条件人次",
                "≥10000人次",
                _end("10380人次", mid="5120人次"),
            ),
            _ind(OUT, QUAL, "政策范围内报销比例", "救助对象政策范围内报销比例", "≥67%", _end("70%")),
            _ind(OUT, TIME, "及时拨付率", "医疗救助对象报销资金及时拨付率", "100%", _end("100%")),
            _ind(OUT, COST, "特困、低保人员救助", "特困、低保人员政策范围内救助比例", "70%", _end("70%")),
            _ind(OUT, COST, "因病致贫重症患者救助", "因病致贫重症患者政策范围内报销比例", "67%", _end("67%")),
            _ind(
                EFFECT,
                SOCIAL,
                "社会影响力",
                "健全医疗保障体系和社会救助体系成效明显",
                "成效显著",
                _end("成效显著", "100"),
            ),
            _ind(SATISFY, CLIENT, "医疗救助对象满意度", "医疗救助对象满意度", "≥90%", _end("94%")),
        ),
    ),
    "13062124P00E8LT10015E": (
        "1.对我区低保、特困、脱贫等资助困难群众参保全覆盖，稳定实现特困人员、低保对象、"
        "返贫致贫人口等全部纳入基本医疗保险。",
        (
            _ind(OUT, NUM, "资助参保人数", "需资助参保人数", "≥6000人", _end("6410人")),
            _ind(OUT, QUAL, "低收入人口参保率", "需资助低收入人口参保率", "100%", _end("100%")),
            _ind(OUT, COST, "资助标准（特困人员）", "特困人员资助标准", "380元", _end("380元")),
            _ind(OUT, COST, "资助标准（低保人员）", "低保人员资助标准", "380元*90%", _end("342元", "100")),
            _ind(OUT, TIME, "拨付时间", "资金拨付时间", "12月底拨付完成", (Reading("12-09", "已拨付完成"),)),
            _ind(EFFECT, SOCIAL, "政策知晓率", "相关政策知晓率", "≥80%", _end("86%")),
            _ind(SATISFY, CLIENT, "资助对象满意度", "资助对象满意度", "≥85%", _end("92%")),
        ),
    ),
    "13062124P00E8LT100162": (
        "1.重度残疾人得到参保补助，不出现因病致贫。",
        (
            _ind(OUT, NUM, "重残人员参保人数", "重残人员参保人数", "≥4114人", _end("2680人", mid="1350人")),
            _ind(OUT, QUAL, "重残人员参保率", "重残人员参保率", "≥100%", _end("100%")),
            _ind(OUT, COST, "资助标准", "重残人员资助标准", "≤380元", _end("380元")),
            _ind(
                OUT,
                TIME,
                "资助完成时间",
                "重残人员资助参保完成时间",
                "12月底前完成",
                (Reading("12-27", "已完成"),),
            ),
            _ind(EFFECT, ECON, "基金受益贫困人口率", "资助参保率", "≥100%", _end("65%")),
            _ind(
                SATISFY,
                CLIENT,
                "重残人员满意度",
                "资助对象对政策、医保经办、服务满意度",
                "≥90%",
                _end("91%"),
            ),
        ),
    ),
}
