"""What the API answers: ``{"data": ...}`` envelopes around the shapes of the CLI.

Amounts are two-decimal strings in 元, dates ISO strings, rates percent numbers
rounded half-up to two places (``tracker.queries.wire``). Every field an answer always
carries is marked required, so the OpenAPI document (and schemathesis reading it)
holds each response to its full shape.
"""

from __future__ import annotations

from typing import Any, cast

from apiflask import Schema
from marshmallow import fields

from web.api.schemas import named

Text, Float, Int, Bool = fields.String, fields.Float, fields.Integer, fields.Boolean


def req(kind: type[fields.Field], title: str, description: str = "", **kwargs: Any) -> Any:
    """A field every answer carries (``allow_none`` when it may be null)."""
    return named(kind, title, description, required=True, **kwargs)


def money(title: str) -> Any:
    return req(Text, title, "元，两位小数的字符串", metadata={"example": "1000.00"})


def rate(title: str, **kwargs: Any) -> Any:
    return req(Float, title, "百分数，四舍五入到两位小数", **kwargs)


def day(title: str, **kwargs: Any) -> Any:
    return req(Text, title, "ISO 日期", metadata={"format": "date"}, **kwargs)


def envelope(schema: type[Schema], name: str, *, many: bool = False) -> type[Schema]:
    """``{"data": schema}`` (or a list of them) as its own named schema."""
    data = fields.List(fields.Nested(schema), required=True) if many else fields.Nested(schema, required=True)
    return cast(type[Schema], type(name, (Schema,), {"data": data}))


# ------------------------------------------------------------------ figures


class FiguresOut(Schema):
    budget = money("全年预算数")
    disbursed = money("执行数")
    available = money("可用余额")
    execution_rate = rate("执行率")
    planned_rate = rate("序时进度")
    lag_points = rate("差距（百分点）")
    forecast_rate = rate("预计年末执行率")


STATUS = "green 正常 / yellow 预警 / red 严重滞后"


class CommittedOut(FiguresOut):
    committed = money("已签合同未支付（截至日期的合同占用）")
    uncommitted = money("未被合同占用的余额（全年预算数 − 执行数 − 已签合同未支付）")


class StatusProjectOut(CommittedOut):
    code = req(Text, "项目编码")
    name = req(Text, "项目名称")
    unit = req(Text, "单位编码")
    status = req(Text, "状态", STATUS)


class StatusTotalOut(CommittedOut):
    status = req(Text, "状态", STATUS)


class TotalRuleOut(Schema):
    kind = req(Text, "规则", "ratio 比例 / points 百分点")
    yellow = req(Text, "黄色阈值")
    red = req(Text, "红色阈值")
    min_points = named(Text, "最少落后百分点", "仅比例规则")
    source = req(Text, "规则来源")
    text = req(Text, "规则说明")


class StatusOut(Schema):
    """Exactly what ``tracker status --format json`` prints for the same arguments."""

    known_on = named(Text, "依据时点", "给出依据时点时才有：北京时间 ISO 8601")
    known_on_caption = named(Text, "依据说明", "如“依据 2024-07-05 17:00 的登记”")
    year = req(Int, "年度")
    as_of = day("截至日期")
    unit = req(Text, "单位编码", allow_none=True)
    projects = req(fields.List, "项目", cls_or_instance=fields.Nested(StatusProjectOut))
    total = req(fields.Nested, "合计", nested=StatusTotalOut)
    total_rule = req(fields.Nested, "合计所用的预警规则", nested=TotalRuleOut)
    plan_warnings = req(fields.Dict, "计划提示（按项目编码）", keys=Text(), values=fields.List(Text()))


class PlanOut(Schema):
    project = req(Text, "项目编码")
    year = req(Int, "年度")
    plan = req(Text, "资金支出计划")
    plan_warnings = req(fields.List, "计划提示", cls_or_instance=Text())


class RollupRowOut(FiguresOut):
    key = req(fields.List, "分组编码", cls_or_instance=Text())
    name = req(fields.List, "分组名称", cls_or_instance=Text())
    projects = req(Int, "项目数")


class RollupOut(Schema):
    """Exactly what ``tracker rollup --format json`` prints."""

    known_on = named(Text, "依据时点", "给出依据时点时才有：北京时间 ISO 8601")
    known_on_caption = named(Text, "依据说明", "如“依据 2024-07-05 17:00 的登记”")
    year = req(Int, "年度")
    as_of = day("截至日期")
    by = req(fields.List, "汇总维度", cls_or_instance=Text())
    level = req(Int, "科目级次", allow_none=True)
    unit = req(Text, "单位编码", allow_none=True)
    rows = req(fields.List, "分组", cls_or_instance=fields.Nested(RollupRowOut))
    total = req(fields.Nested, "合计", nested=FiguresOut)


class SeriesPointOut(Schema):
    date = day("日期")
    budget = money("全年预算数")
    disbursed = money("累计执行数")
    execution_rate = rate("执行率")
    planned_rate = rate("序时进度")


class SeriesOut(Schema):
    """Exactly what ``tracker series`` prints (JSON)."""

    known_on = named(Text, "依据时点", "给出依据时点时才有：北京时间 ISO 8601")
    known_on_caption = named(Text, "依据说明", "如“依据 2024-07-05 17:00 的登记”")
    year = req(Int, "年度")
    code = req(Text, "项目编码", allow_none=True)
    unit = req(Text, "单位编码", allow_none=True)
    as_of = day("截至日期")
    points = req(fields.List, "逐日数据", cls_or_instance=fields.Nested(SeriesPointOut))


# ---------------------------------------------------------------- projects


class ProjectOut(StatusProjectOut):
    year = req(Int, "年度")
    expenditure_type = req(Text, "支出类型")
    functional = req(Text, "功能分类科目", allow_none=True)
    economic = req(Text, "经济分类科目", allow_none=True)
    source = req(Text, "资金来源")
    plan = req(Text, "资金支出计划", "未设定时为 null（默认 25/50/75/100%）", allow_none=True)


class CheckpointOut(Schema):
    date = day("检查点")
    target_rate = rate("目标执行率")
    actual_rate = rate("实际执行率")
    met = req(Bool, "是否达到")
    shortfall_points = rate("差距（百分点）")


class AppropriationOut(Schema):
    id = req(Text, "批复编号")
    date = day("日期")
    kind = req(Text, "类型")
    kind_label = req(Text, "类型名称")
    amount = money("金额（调减、收回为负数）")
    doc = req(Text, "文号")


class HistoryOut(Schema):
    version = req(Int, "版本")
    event = req(Text, "事件")
    label = req(Text, "事件名称")
    recorded_at = req(Text, "记录时间", "北京时间 ISO 8601")
    user = req(Text, "操作人")
    date = req(Text, "业务日期", allow_none=True)
    amount = req(Text, "金额", allow_none=True)
    details = req(Text, "内容")
    note = req(Text, "备注")
    request_id = req(Text, "请求编号", allow_none=True)
    recorded_after = named(fields.Boolean, "依据时点后登记", "给出依据时点时才有：此事件在其后登记")


class ProjectDetailOut(ProjectOut):
    known_on = named(Text, "依据时点", "给出依据时点时才有：北京时间 ISO 8601")
    known_on_caption = named(Text, "依据说明", "如“依据 2024-07-05 17:00 的登记”")
    as_of = day("截至日期")
    unit_name = req(Text, "单位名称")
    owner = req(Text, "负责人")
    checkpoints = req(fields.List, "已到期检查点", cls_or_instance=fields.Nested(CheckpointOut))
    next_checkpoint = day("下一检查点", allow_none=True)
    next_target_rate = rate("下一检查点目标执行率", allow_none=True)
    daily_needed = money("达到下一检查点每日需支出")
    appropriations = req(
        fields.List, "预算批复（截至日期前）", cls_or_instance=fields.Nested(AppropriationOut)
    )
    history = req(fields.List, "全部事件（最早的在前）", cls_or_instance=fields.Nested(HistoryOut))


class ReversalOut(Schema):
    id = req(Text, "冲销编号")
    date = day("日期")
    amount = money("金额")
    reason = req(Text, "原因")


class PaymentOut(Schema):
    id = req(Text, "支付编号")
    date = day("日期")
    amount = money("金额")
    reversed = money("已冲销")
    net = money("净支付")
    payee = req(Text, "收款人")
    economic = req(Text, "经济分类科目", allow_none=True)
    voucher = req(Text, "凭证号")
    source = req(Text, "资金来源")
    reversals = req(fields.List, "冲销（截至日期前）", cls_or_instance=fields.Nested(ReversalOut))


class IndicatorOut(Schema):
    id = req(Text, "指标编号")
    seq = req(Int, "序号")
    level1 = req(Text, "一级指标")
    level2 = req(Text, "二级指标")
    name = req(Text, "三级指标")
    target_text = req(Text, "指标值")
    kind = req(Text, "指标类型")
    weight = req(Text, "分值", allow_none=True)
    actual_text = req(Text, "实际完成值")
    completion = rate("完成程度（%）", allow_none=True)
    progress_date = day("记录日期", allow_none=True)
    progress_note = req(Text, "进展备注")
    cause = req(Text, "偏差原因")
    action = req(Text, "改进措施")


# -------------------------------------------------------- writes' answers


class PaymentCreatedOut(Schema):
    id = req(Text, "支付编号")
    project = req(Text, "项目编码")
    year = req(Int, "年度")
    amount = money("金额")
    date = day("日期")
    payee = req(Text, "收款人")
    economic = req(Text, "经济分类科目", allow_none=True)
    voucher = req(Text, "凭证号")
    source = req(Text, "资金来源")
    commitment_id = req(Text, "合同编号", "按合同支付时为该合同的编号，否则为 null", allow_none=True)


class AppropriationCreatedOut(AppropriationOut):
    project = req(Text, "项目编码")
    year = req(Int, "年度")


class ReversalCreatedOut(ReversalOut):
    payment = req(Text, "支付编号")
    project = req(Text, "项目编码")
    year = req(Int, "年度")


# ------------------------------------------------------------------ alerts


class AlertOut(Schema):
    id = req(Text, "预警编号")
    unit = req(Text, "单位编码")
    project = req(Text, "项目编码")
    year = req(Int, "年度")
    rule = req(Text, "规则")
    severity = req(Text, "级别")
    period = req(Text, "期间")
    raised_on = day("发出日期")
    figures = req(fields.Dict, "数据")
    attempts = req(Int, "次数")
    acknowledged_by = req(Text, "确认人", allow_none=True)
    ack_comment = req(Text, "确认备注", allow_none=True)
    escalated_to = req(Text, "升级给", allow_none=True)
    resolved_on = day("解除日期", allow_none=True)


# ---------------------------------------------------------- who and where


class UnitOut(Schema):
    code = req(Text, "单位编码")
    name = req(Text, "单位名称")
    parent_code = req(Text, "上级单位", allow_none=True)


class MeOut(Schema):
    name = req(Text, "用户名")
    roles = req(fields.List, "角色", cls_or_instance=Text())
    units = req(fields.List, "所属单位", cls_or_instance=Text())
    readable = req(fields.List, "可查看的单位（null 表示全部）", cls_or_instance=Text(), allow_none=True)
    recordable = req(fields.List, "可登记的单位", cls_or_instance=Text())
    managed = req(fields.List, "可确认预警的单位", cls_or_instance=Text())


StatusResponse = envelope(StatusOut, "StatusResponse")
RollupResponse = envelope(RollupOut, "RollupResponse")
SeriesResponse = envelope(SeriesOut, "SeriesResponse")
ProjectsResponse = envelope(ProjectOut, "ProjectsResponse", many=True)
ProjectResponse = envelope(ProjectDetailOut, "ProjectResponse")
PaymentsResponse = envelope(PaymentOut, "PaymentsResponse", many=True)
IndicatorsResponse = envelope(IndicatorOut, "IndicatorsResponse", many=True)
IndicatorResponse = envelope(IndicatorOut, "IndicatorResponse")
PaymentCreated = envelope(PaymentCreatedOut, "PaymentCreated")
AppropriationCreated = envelope(AppropriationCreatedOut, "AppropriationCreated")
ReversalCreated = envelope(ReversalCreatedOut, "ReversalCreated")
PlanResponse = envelope(PlanOut, "PlanResponse")
AlertsResponse = envelope(AlertOut, "AlertsResponse", many=True)
AlertResponse = envelope(AlertOut, "AlertResponse")
UnitsResponse = envelope(UnitOut, "UnitsResponse", many=True)
MeResponse = envelope(MeOut, "MeResponse")
