"""What the API answers for the registers and the administration, in the envelopes of
``web.api.responses``. A secret never appears here: an account shows no password
hash, a token only its id and label (its text once, when it is created), and a
channel's secret fields only as the references (``env:…``, ``file:…``) they hold.
"""

from __future__ import annotations

from apiflask import Schema
from marshmallow import fields

from web.api.responses import Bool, IndicatorOut, Int, ProjectOut, Text, envelope, money, req


class UnitCreatedOut(Schema):
    code = req(Text, "单位编码")
    name = req(Text, "单位名称")
    parent = req(Text, "上级单位", allow_none=True)


class ProjectCreatedOut(ProjectOut):
    id = req(Text, "项目编号")
    unit_name = req(Text, "单位名称")
    owner = req(Text, "负责人")


class UnitIndicatorOut(Schema):
    id = req(Text, "指标编号")
    year = req(Int, "年度")
    unit = req(Text, "单位编码")
    seq = req(Int, "序号")
    level1 = req(Text, "一级指标")
    level2 = req(Text, "二级指标")
    name = req(Text, "三级指标")
    target_text = req(Text, "指标值")
    kind = req(Text, "指标类型")
    weight = req(Text, "分值", allow_none=True)


class UserOut(Schema):
    name = req(Text, "用户名")
    display_name = req(Text, "姓名")
    roles = req(fields.List, "角色", cls_or_instance=Text())
    units = req(fields.List, "单位", cls_or_instance=Text())
    grants = req(fields.Dict, "各角色的单位", keys=Text(), values=fields.List(Text()))
    disabled = req(Bool, "已停用")
    created_at = req(Text, "创建时间")


class TokenCreatedOut(Schema):
    id = req(Text, "令牌编号")
    user = req(Text, "用户名")
    label = req(Text, "标签")
    token = req(Text, "令牌", "只在创建时显示这一次；服务器只保存其散列")


class TokenOut(Schema):
    id = req(Text, "令牌编号")
    user = req(Text, "用户名")
    label = req(Text, "标签")
    created_at = req(Text, "创建时间")
    revoked = req(Bool, "已撤销")


class SettingsOut(Schema):
    unit = req(Text, "单位编码")
    rule = req(Text, "预警规则", "ratio 或 points")
    yellow = req(Text, "黄色阈值")
    red = req(Text, "红色阈值")
    min_points = req(Text, "最少落后百分点", "ratio 规则下的最少落后百分点（points 规则不用）")
    alert_rules = req(fields.List, "启用的预警规则", cls_or_instance=Text())
    escalation_days = req(Int, "升级天数")
    managers = req(Text, "升级对象")


class ChannelOut(Schema):
    id = req(Text, "渠道编号")
    unit = req(Text, "单位编码")
    name = req(Text, "渠道名称")
    kind = req(Text, "渠道类型")
    purpose = req(Text, "用途")
    params = req(fields.Dict, "渠道参数", "密钥只显示其引用（env:…、file:…），旧版本直接保存的密钥显示为 ***")


class ChannelTestOut(Schema):
    id = req(Text, "渠道编号")
    result = req(Text, "测试结果")


class SelfEvalLineOut(Schema):
    id = req(Text, "指标编号")
    level1 = req(Text, "一级指标")
    level2 = req(Text, "二级指标")
    name = req(Text, "三级指标")
    kind = req(Text, "指标类型")
    target = req(Text, "指标值")
    actual = req(Text, "实际完成值", allow_none=True)
    weight = req(Text, "分值")
    scaled_weight = req(Text, "折算分值")
    completion = req(Text, "完成程度（%）", allow_none=True)
    points = req(Text, "得分", allow_none=True)
    band = req(Text, "定性档次", allow_none=True)
    weight_source = req(Text, "分值来源", "分值 / 默认模板；不适用指标为 null", allow_none=True)
    actual_shown = req(Text, "实际完成值（表中所示）")
    completion_shown = req(Text, "完成率（表中所示）", "如 86.67、不适用、逾期，待评定、待填")
    cause = req(Text, "偏差原因", allow_none=True)
    action = req(Text, "改进措施", allow_none=True)


class ShortfallOut(Schema):
    id = req(Text, "指标编号")
    name = req(Text, "三级指标")
    completion = req(Text, "完成程度（%）")
    explained = req(Bool, "已说明原因及措施")


class FundsLineOut(Schema):
    label = req(Text, "资金", "年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金")
    initial = money("年初预算数")
    budget = money("全年预算数")
    spent = money("全年执行数")


class SelfEvalOut(Schema):
    """Exactly what ``tracker selfeval CODE --format json`` prints."""

    code = req(Text, "项目编码")
    year = req(Int, "年度")
    owner_kind = req(Text, "自评对象", "project 项目 / unit 单位")
    budget_initial = money("年初预算数")
    budget = money("全年预算数")
    disbursed = money("全年执行数")
    execution_rate = req(Text, "执行率（%）", allow_none=True)
    execution_points = req(Text, "预算执行得分")
    indicator_points = req(Text, "指标得分")
    total = req(Text, "总分")
    grade = req(Text, "等级", "优 / 良 / 中 / 差")
    scale = req(Text, "权重折算系数")
    scale_note = req(Text, "折算说明", allow_none=True)
    funds = req(fields.List, "项目资金", cls_or_instance=fields.Nested(FundsLineOut))
    goal = req(Text, "预期目标", "年度总体目标（未填写为空）")
    outcome = req(Text, "实际完成情况", "年度总体目标的完成情况（未填写为空）")
    indicators = req(fields.List, "指标", cls_or_instance=fields.Nested(SelfEvalLineOut))
    shortfalls = req(fields.List, "未达标的指标", cls_or_instance=fields.Nested(ShortfallOut))
    rounding_note = req(Text, "舍入说明", "各行得分四舍五入后合计与总分不一致时的说明", allow_none=True)
    combined_note = req(Text, "汇总说明", "单位自评按下属项目指标汇总时的说明", allow_none=True)
    finalised = req(Bool, "已定稿", "签字后数据有变动时为 false")
    signed_by = req(Text, "签字人", allow_none=True)
    signed_total = req(Text, "签字时总分", allow_none=True)
    signature_note = req(Text, "签字说明", "签字后数据有变动，需重新签字", allow_none=True)


class SheetOut(Schema):
    name = req(Text, "工作表")
    kind = req(Text, "内容", "projects / indicators / payments；null 为未识别或空表", allow_none=True)
    header_row = req(Int, "表头所在行", allow_none=True)
    rows = req(Int, "行数")


class ImportOut(Schema):
    """The import's report (``tracker import --format json``), or every bad row."""

    filename = req(Text, "文件名")
    dry_run = req(Bool, "只校验")
    recorded = req(Bool, "已记录", "false：只校验或被拒绝，未记录任何内容")
    sheets = req(fields.List, "工作表", cls_or_instance=fields.Nested(SheetOut))
    created = req(fields.Dict, "新增（只校验时为将新增）", keys=Text(), values=Int())
    present = req(fields.Dict, "已存在（不重复记录）", keys=Text(), values=Int())
    warnings = req(fields.List, "提示", cls_or_instance=Text())


UnitCreated = envelope(UnitCreatedOut, "UnitCreated")
ProjectCreated = envelope(ProjectCreatedOut, "ProjectCreated")
IndicatorCreated = envelope(IndicatorOut, "IndicatorCreated")
UnitIndicatorCreated = envelope(UnitIndicatorOut, "UnitIndicatorCreated")
UsersResponse = envelope(UserOut, "UsersResponse", many=True)
UserResponse = envelope(UserOut, "UserResponse")
TokenCreated = envelope(TokenCreatedOut, "TokenCreated")
TokenResponse = envelope(TokenOut, "TokenResponse")
TokensResponse = envelope(TokenOut, "TokensResponse", many=True)
SettingsResponse = envelope(SettingsOut, "SettingsResponse")
ChannelsResponse = envelope(ChannelOut, "ChannelsResponse", many=True)
ChannelResponse = envelope(ChannelOut, "ChannelResponse")
ChannelTestResponse = envelope(ChannelTestOut, "ChannelTestResponse")
SelfEvalResponse = envelope(SelfEvalOut, "SelfEvalResponse")
ImportResponse = envelope(ImportOut, "ImportResponse")
