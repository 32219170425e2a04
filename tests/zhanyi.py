"""沾益 2023 (seed 001): 63.00 万元 budgeted and spent; seven indicators worth 90 points,
all met except one qualitative indicator scored 13 of 15: 98 points, 优."""

from __future__ import annotations

from tracker.commands.tracker import BudgetTracker

ZHANYI = [
    ("产出指标", "数量指标", "参保人数", "≥31万人", "10", "31.2万人", None),
    ("产出指标", "质量指标", "基金监管覆盖率", "100%", "15", "100%", None),
    ("产出指标", "时效指标", "按时完成率", "≥90%", "10", "95%", None),
    ("效益指标", "社会效益指标", "群众看病负担", "明显减轻", "15", None, "86.67"),
    ("效益指标", "社会效益指标", "政策知晓率", "≥85%", "15", "90%", None),
    ("效益指标", "可持续影响指标", "制度运行", "长期", "15", None, "100"),
    ("满意度指标", "服务对象满意度指标", "参保群众满意度", "≥90%", "10", "92%", None),
]
ZHANYI_POINTS = ["10.00", "15.00", "10.00", "13.00", "15.00", "15.00", "10.00"]
CAUSE, ACTION = "部分慢特病门诊待遇落实不到位", "次年扩大慢特病病种范围并加强政策宣传"


def record_zhanyi(app: BudgetTracker, name: str = "医疗服务和保障能力提升补助经费") -> None:
    """The unit, project ZY1, its money and its seven indicators with their results."""
    app.add_unit("530328", "曲靖市沾益区医疗保障局")
    app.add_project(year=2023, unit="530328", code="ZY1", name=name)
    app.appropriate("ZY1", "63.00", wan=True, date="2023-02-01")
    app.pay("ZY1", "63.00", wan=True, date="2023-11-30", payee="服务供应商")
    for n, (l1, l2, title, target, weight, actual, completion) in enumerate(ZHANYI):
        iid = app.add_indicator(
            "ZY1", level1=l1, level2=l2, name=title, target=target, weight=weight, request_id=f"zy-ind-{n}"
        )
        app.record_indicator(
            "ZY1", iid, actual, completion=completion, date="2023-12-31", request_id=f"zy-rec-{n}"
        )
