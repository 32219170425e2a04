"""What the API accepts for the registers and the administration: units, projects,
indicators, accounts, tokens, a unit's settings and channels, the self-evaluation,
and the import's form.

As in ``web.api.schemas``, a schema checks only the shape; the values are judged by
the service layer (the same parsers as ``tracker unit add``, ``tracker project add``,
``tracker user add`` ...), so each door refuses the same things in the same words.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask import fields as api_fields
from marshmallow import fields, validate

from tracker.commands.alert_settings import CHANNEL_KINDS, PURPOSES
from tracker.domain.alert import RULES
from tracker.domain.user import ROLES
from web.api.schemas import (
    MISSING,
    ApiSchema,
    Flag,
    Int,
    Text,
    code_field,
    named,
    optional_code,
    year_field,
)

PLAN_TEXT = "检查点：月-日:累计百分比或累计金额（元），逗号分隔，如 03-31:25%,06-30:50%,09-30:75%,12-31:100%"


def text_list(title: str, description: str = "", **kwargs: object) -> object:
    """A list of texts (roles, units, rules)."""
    return named(
        fields.List,
        title,
        description,
        cls_or_instance=Text(),
        error_messages={"invalid": "应为文本列表", "required": MISSING, "null": "不能为 null"},
        **kwargs,
    )


# ------------------------------------------------------------- registers


class UnitIn(ApiSchema):
    code = code_field("单位编码", "如 450001", required=True)
    name = named(Text, "单位名称", required=True)
    parent = optional_code("上级单位", "上级单位编码；不填为顶级单位")
    note = named(Text, "备注", load_default="")


class ProjectIn(ApiSchema):
    year = year_field(required=True)
    unit = code_field("预算单位", "预算单位编码（须已存在）", required=True)
    code = code_field("项目编码", required=True)
    name = named(Text, "项目名称", required=True)
    type = named(
        Text,
        "支出类型",
        "项目支出、基本支出-人员经费、基本支出-公用经费（默认项目支出）",
        load_default="项目支出",
    )
    functional = optional_code("功能分类科目", "3/5/7 位，如 2101501")
    economic = optional_code("经济分类科目", "3/5 位，如 30201")
    source = optional_code("资金来源", "默认 一般公共预算财政拨款")
    plan = named(Text, "资金支出计划", PLAN_TEXT + "；不填为默认 25/50/75/100%", load_default=None)
    owner = named(Text, "负责人", load_default="")
    note = named(Text, "备注", load_default="")


class IndicatorIn(ApiSchema):
    level1 = named(Text, "一级指标", "产出指标、效益指标、满意度指标、成本指标等", required=True)
    level2 = named(Text, "二级指标", "如 数量指标", required=True)
    name = named(Text, "三级指标", "如 慢特病审核人次", required=True)
    target = named(Text, "指标值", "如 ≥2400人次、≤60分钟、100%、12月底前完成、全覆盖", required=True)
    weight = named(Text, "分值", "0–100；不填则按默认权重分配", load_default=None)
    description = named(Text, "指标描述", load_default="")
    note = named(Text, "备注", load_default="")


class UnitIndicatorIn(IndicatorIn):
    year = year_field(required=True)


class YearQuery(ApiSchema):
    year = year_field(required=True)


# -------------------------------------------------------------- accounts


class UserIn(ApiSchema):
    name = named(Text, "用户名", required=True)
    roles = text_list("角色", "、".join(ROLES), required=True)
    units = text_list("单位", "财务人员、管理人员的单位编码（含下级单位）", load_default=list)
    password = named(Text, "初始密码", "至少 10 个字符；只保存其散列", required=True, load_only=True)
    display_name = named(Text, "姓名", load_default="")
    note = named(Text, "备注", load_default="")


class RoleIn(ApiSchema):
    role = named(Text, "角色", "、".join(ROLES), required=True)
    units = text_list("单位", "财务人员、管理人员的单位编码；已有该角色时改为这些单位", load_default=list)
    note = named(Text, "备注", load_default="")


class PasswordIn(ApiSchema):
    password = named(Text, "新密码", "至少 10 个字符；只保存其散列", required=True, load_only=True)
    note = named(Text, "备注", load_default="")


class NoteIn(ApiSchema):
    note = named(Text, "备注", load_default="")


class TokenIn(ApiSchema):
    label = named(Text, "标签", "令牌用途，如 财务系统对接", load_default="")
    note = named(Text, "备注", load_default="")


# --------------------------------------------------------------- a unit's


class SettingsIn(ApiSchema):
    rule = named(
        Text,
        "预警规则",
        "ratio（执行率 ÷ 序时进度）或 points（落后的百分点）",
        required=True,
        validate=validate.OneOf(("ratio", "points"), error="应为 ratio 或 points"),
    )
    yellow = named(Text, "黄色阈值", '十进制字符串，如 "80"；ratio 默认 80，points 默认 5', load_default=None)
    red = named(Text, "红色阈值", "ratio 默认 60，points 默认 10", load_default=None)
    min_points = named(
        Text,
        "最少落后百分点",
        "ratio 规则下还须落后超过这么多个百分点才显示预警或严重滞后（默认 3；一次设定全部规则，未写取默认）",
        load_default=None,
    )


class AlertSettingsIn(ApiSchema):
    rules = text_list("预警规则", "启用的预警规则：" + "、".join(RULES) + "（默认全部）", load_default=None)
    escalation_days = named(
        Int,
        "升级天数",
        "未确认的预警在多少个工作日后升级给领导（1–60，默认 3）",
        load_default=3,
        validate=validate.Range(min=1, max=60, error="应在 1 到 60 之间"),
    )
    managers = named(Text, "升级对象", "升级时通知的人", load_default="")


class ChannelIn(ApiSchema):
    kind = named(
        Text,
        "渠道类型",
        "、".join(CHANNEL_KINDS),
        required=True,
        validate=validate.OneOf(CHANNEL_KINDS, error="应为以下之一：" + "、".join(CHANNEL_KINDS)),
    )
    name = named(Text, "渠道名称", required=True)
    purpose = named(
        Text,
        "用途",
        "alerts（预警）、managers（升级给领导）、digest（定期汇总）",
        load_default="alerts",
        validate=validate.OneOf(PURPOSES, error="应为以下之一：" + "、".join(PURPOSES)),
    )
    params = named(
        fields.Dict,
        "渠道参数",
        '如 {"key": "env:WECOM_KEY"}；密钥（key、token、secret、password）只能写成 env:变量名 或 '
        "file:/文件路径，发送时读取",
        keys=fields.String(),
        values=fields.Raw(),
        load_default=dict,
        error_messages={"invalid": "应为 JSON 对象"},
    )


# ------------------------------------------------------- self-evaluation


class CauseIn(ApiSchema):
    indicator = code_field("指标编号", "未达标的指标的编号", required=True)
    cause = named(Text, "偏差原因", required=True)
    action = named(Text, "改进措施", required=True)


class FinaliseIn(ApiSchema):
    signed_by = named(Text, "签字人", "分管领导或局长", required=True)
    execution_cause = named(Text, "偏差原因", "预算执行未达 100% 的原因", load_default="")
    execution_action = named(Text, "改进措施", "预算执行的改进措施", load_default="")


class GoalIn(ApiSchema):
    goal = named(Text, "预期目标", "年度总体目标：预期目标（不填则不变）", load_default=None)
    outcome = named(Text, "实际完成情况", "年度总体目标：实际完成情况（不填则不变）", load_default=None)


class ReopenIn(ApiSchema):
    reason = named(Text, "原因", "退回修改的原因", required=True)


# ----------------------------------------------------- import and export


class ImportIn(ApiSchema):
    file = api_fields.File(
        required=True,
        metadata={"title": "文件", "description": ".xlsx 或 .csv：项目表、绩效指标表或支付明细表"},
        error_messages={"required": MISSING, "invalid": "应为上传的文件"},
    )
    year = year_field(load_default=None, metadata={"description": "预算年度（表中无“预算年度”列时必填）"})
    dry_run = named(Flag, "只校验", "true：只校验不记录（不需要 Idempotency-Key）", load_default=False)


class ImportHeader(Schema):
    """The import's request id: required to record, not for a dry run."""

    idempotency_key = named(
        Text,
        "请求编号",
        "导入时必填（只校验时可不填）：同一编号、同一文件重复提交只导入一次并返回第一次的结果；"
        "同一编号、不同文件返回 409",
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Length(min=1, max=100, error="长度应为 1–100 个字符"),
    )


class ExportQuery(ApiSchema):
    year = year_field(load_default=None)
    as_of = named(Text, "截至日期", "YYYY-MM-DD（默认今天，年度结束后为 12 月 31 日）", load_default=None)
    known_on = named(
        Text,
        "依据时点",
        "只计此时（北京时间）前登记的，如 2024-07-05T17:00；只写日期为当天结束时",
        load_default=None,
        metadata={"example": "2024-07-05T17:00"},
    )
    unit = optional_code("单位编码", "单位编码（含下级单位）；selfeval 时为项目编码，见 project")
    project = optional_code("项目编码", "selfeval（自评表）的项目编码")
    format = named(
        Text,
        "导出格式",
        "xlsx 或 csv（fdp 为 zip）",
        load_default="xlsx",
        validate=validate.OneOf(("xlsx", "csv", "zip"), error="应为 xlsx、csv 或 zip"),
    )
