"""What the API accepts: marshmallow schemas that answer in Chinese.

The schemas check only the shape (a text, an integer, a known choice); the values
themselves (amounts, dates, codes, plans) are judged by the service layer, so the API
refuses exactly what the forms and the CLI refuse, with the same words. Each field's
Chinese name is its ``title`` in the OpenAPI document and the ``field`` of an error.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from marshmallow import RAISE, fields, validate

from tracker.domain.project import KIND_LABELS

MISSING = "必须填写"
UNKNOWN = "不是可接受的字段"
KINDS = tuple(KIND_LABELS)


class ApiSchema(Schema):
    """A schema whose own errors (unknown field, not an object) are in Chinese."""

    error_messages = {"unknown": UNKNOWN, "type": "应为 JSON 对象"}  # noqa: RUF012 - marshmallow's API

    class Meta:
        unknown = RAISE  # a misspelt field is refused by name, never silently dropped


class Text(fields.String):
    default_error_messages = {  # noqa: RUF012 - marshmallow's API
        "required": MISSING,
        "null": "不能为 null",
        "invalid": "应为文本（字符串）",
        "invalid_utf8": "不是有效的 UTF-8 文本",
        "validator_failed": "格式不正确",
    }


class OptionalCode(Text):
    """A code in a query string: surrounding blanks dropped, an empty one is no filter."""

    def _deserialize(  # type: ignore[override]  # None stands for "not given"
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str | None:
        text = str(super()._deserialize(value, attr, data, **kwargs)).strip()
        return text or None


class Int(fields.Integer):
    default_error_messages = {  # noqa: RUF012 - marshmallow's API
        "required": MISSING,
        "null": "不能为 null",
        "invalid": "应为整数",
        "too_large": "数值过大",
        "validator_failed": "超出范围",
    }


class Flag(fields.Boolean):
    default_error_messages = {  # noqa: RUF012 - marshmallow's API
        "required": MISSING,
        "null": "不能为 null",
        "invalid": "应为 true 或 false",
    }


def named(kind: type[fields.Field], title: str, description: str = "", **kwargs: Any) -> Any:
    """A field with its Chinese name (``title``) and description in the document."""
    metadata = {"title": title, **({"description": description} if description else {})}
    metadata.update(kwargs.pop("metadata", {}))
    return kind(metadata=metadata, **kwargs)


def year_field(**kwargs: Any) -> Any:
    return named(
        Int,
        "年度",
        "预算年度",
        validate=validate.Range(min=2000, max=2100, error="应为 2000–2100 之间的年份"),
        **kwargs,
    )


def date_field(title: str = "日期", description: str = "ISO 日期 YYYY-MM-DD", **kwargs: Any) -> Any:
    return named(
        Text, title, description, metadata={"format": "date", **kwargs.pop("metadata", {})}, **kwargs
    )


def amount_field(title: str = "金额", **kwargs: Any) -> Any:
    return named(
        Text,
        title,
        '以元为单位的十进制字符串，最多两位小数，如 "1000.00"（与表单、命令行的规则相同）',
        metadata={"example": "1000.00", **kwargs.pop("metadata", {})},
        **kwargs,
    )


def code_field(title: str, description: str = "", **kwargs: Any) -> Any:
    return named(Text, title, description, **kwargs)


def optional_code(title: str, description: str = "") -> Any:
    return named(OptionalCode, title, description, load_default=None)


# ------------------------------------------------------------------ errors


class ProblemOut(Schema):
    """One bad row of an uploaded spreadsheet."""

    sheet = named(Text, "工作表", required=True, allow_none=True)
    row = named(Int, "行", required=True, allow_none=True)
    column = named(Text, "列", required=True, allow_none=True)
    reason = named(Text, "原因", required=True)


class Error(Schema):
    """Every error answer: the Chinese message and, when known, the field it is about
    (a refused import also lists every bad row in ``problems``)."""

    error = named(Text, "错误说明", required=True)
    field = named(Text, "字段", "出错字段的中文名称", allow_none=True)
    problems = named(
        fields.List,
        "问题",
        "仅导入被拒绝时：每一处问题（工作表、行、列、原因）",
        cls_or_instance=fields.Nested(ProblemOut),
    )


# ----------------------------------------------------------- query strings


class TimeQuery(ApiSchema):
    year = year_field(load_default=None)
    as_of = date_field(
        "截至日期", "截至日期 YYYY-MM-DD（默认今天，年度结束后为 12 月 31 日）", load_default=None
    )
    known_on = named(
        Text,
        "依据时点",
        "只计此时（北京时间）前登记的，如 2024-07-05T17:00；只写日期为当天结束时",
        load_default=None,
        metadata={"example": "2024-07-05T17:00"},
    )


class StatusQuery(TimeQuery):
    unit = optional_code("单位编码", "单位编码（含全部下级单位）")


class ProjectsQuery(StatusQuery):
    functional = optional_code("功能分类科目", "功能分类科目编码（含其下级科目）")
    source = optional_code("资金来源")
    type = optional_code("支出类型")


class AsOfQuery(ApiSchema):
    as_of = date_field(
        "截至日期", "截至日期 YYYY-MM-DD（默认今天，年度结束后为 12 月 31 日）", load_default=None
    )
    known_on = named(
        Text,
        "依据时点",
        "只计此时（北京时间）前登记的，如 2024-07-05T17:00；只写日期为当天结束时",
        load_default=None,
        metadata={"example": "2024-07-05T17:00"},
    )


class RollupQuery(StatusQuery):
    by = code_field(
        "汇总维度",
        "unit|functional|economic|source|type，两个维度用逗号分隔即为交叉表",
        required=True,
        metadata={"example": "functional"},
    )
    level = named(
        Int,
        "科目级次",
        "类 3 / 款 5 / 项 7",
        load_default=None,
        validate=validate.OneOf([3, 5, 7], error="应为 3、5 或 7"),
    )


class SeriesQuery(TimeQuery):
    code = optional_code("项目编码", "项目编码（与单位编码二选一）")
    unit = optional_code("单位编码", "单位编码：汇总其全部项目")


class AlertsQuery(ApiSchema):
    open = named(Flag, "仅未解除", "true 只列出尚未解除的预警", load_default=False)
    unit = optional_code("单位编码")


# ----------------------------------------------------------------- headers


class IdempotencyHeader(Schema):
    """The client's request id: a retried request with the same key records nothing twice."""

    idempotency_key = named(
        Text,
        "请求编号",
        "本次请求的编号（如 UUID）：同一编号、同一内容重复提交只记录一次；同一编号、不同内容返回 409",
        data_key="Idempotency-Key",
        required=True,
        validate=validate.Length(min=1, max=100, error="长度应为 1–100 个字符"),
        error_messages={"required": "必须在请求头 Idempotency-Key 中提供"},
    )


# -------------------------------------------------------------------- bodies


class PaymentIn(ApiSchema):
    project = code_field("项目编码", required=True)
    amount = amount_field(required=True)
    date = date_field("日期", "支付日期 YYYY-MM-DD（在项目的预算年度内）", required=True)
    payee = named(Text, "收款人", required=True)
    year = year_field(load_default=None, metadata={"description": "预算年度（项目编码在多个年度存在时必填）"})
    economic = optional_code("经济分类科目", "如 30201；默认为项目的经济分类")
    voucher = named(Text, "凭证号", load_default="")
    source = optional_code("资金来源", "默认为项目的资金来源")
    note = named(Text, "备注", load_default="")
    commitment_id = named(
        Text, "合同", "按合同支付：本项目合同占用的编号（先使用该合同未支付的部分）", load_default=None
    )


class AppropriationIn(ApiSchema):
    project = code_field("项目编码", required=True)
    amount = amount_field(required=True)
    date = date_field("日期", "批复日期 YYYY-MM-DD", required=True)
    kind = named(
        Text,
        "类型",
        "、".join(f"{k}（{v}）" for k, v in KIND_LABELS.items()),
        load_default="initial",
        validate=validate.OneOf(KINDS, error="应为以下之一：" + "、".join(KINDS)),
    )
    doc = named(Text, "文号", "如 保财社【2023】111号", load_default="")
    year = year_field(load_default=None, metadata={"description": "预算年度（项目编码在多个年度存在时必填）"})
    note = named(Text, "备注", load_default="")


class ReversalIn(ApiSchema):
    amount = amount_field(
        "金额", load_default=None, metadata={"description": "冲销金额（元）；不填则冲销剩余全部"}
    )
    date = date_field("日期", "冲销日期 YYYY-MM-DD（不早于原支付日期）", required=True)
    reason = named(Text, "原因", required=True)


class PlanIn(ApiSchema):
    plan = named(
        Text,
        "资金支出计划",
        "检查点：月-日:累计百分比或累计金额（元），逗号分隔；留空表示该检查点不设目标",
        required=True,
        metadata={"example": "03-31:25%,06-30:50%,09-30:75%,12-31:100%"},
    )
    wan = named(Flag, "万元", "true 表示计划中的金额单位为万元（也可在数值后加“万”）", load_default=False)
    note = named(Text, "备注", load_default="")


class ProgressIn(ApiSchema):
    value = named(Text, "实际完成值", "如 2400人次、95%", load_default=None)
    completion = named(Text, "完成程度", "定性指标的完成程度 0–100（可带 %）", load_default=None)
    date = date_field("日期", "记录日期 YYYY-MM-DD", required=True)
    note = named(Text, "备注", load_default="")


class AcknowledgeIn(ApiSchema):
    comment = named(Text, "备注", "确认说明", load_default="")
