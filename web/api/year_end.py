"""The year end: ``POST /rollover`` (年末结转) and ``GET /ranking`` (通报排名).

Both answer what the CLI prints as JSON for the same arguments
(``tracker rollover --format json``, ``tracker ranking --format json``). A rollover is
idempotent by itself (each project's carry-over has a request id fixed by its source
project), so it needs no Idempotency-Key: a second call records nothing and answers
``already`` for each project. It is for admins, or officers of the unit named.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from marshmallow import RAISE, fields

from tracker.commands.rollover import rollover_json
from tracker.queries.known import known_on
from tracker.queries.ranking_wire import ranking_json
from web.api.access import ADMIN, OFFICER, caller, require_read, require_record, roles, time_args
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.responses import envelope, req
from web.api.schemas import ApiSchema, Flag, StatusQuery, code_field, named, year_field
from web.api.status import READ_ERRORS, single_root
from web.extensions import tracker
from web.timectl import the_day

Text, Float, Int = fields.String, fields.Float, fields.Integer


class RolloverIn(ApiSchema):
    from_year = year_field(required=True, metadata={"title": "年度", "description": "结转的年度（须已结束）"})
    unit = code_field("单位编码", "只结转该单位及其下级单位（财务人员必填）", load_default=None)
    dry_run = named(Flag, "仅预览", "true 时只列出将结转的金额，不记录", load_default=False)


class CarryOut(Schema):
    code = req(Text, "项目编码")
    name = req(Text, "项目名称")
    unit = req(Text, "单位编码")
    budget = req(Text, "全年预算数（12 月 31 日）")
    disbursed = req(Text, "执行数（12 月 31 日）")
    balance = req(Text, "结余（元）")
    balance_wan = req(Text, "结余（万元）")
    amount = req(Text, "结转金额（元）")
    outcome = req(
        Text, "结果", "carried 已结转 / already 已结转，未重复记录 / no_balance 无结余 / would_carry 将结转"
    )
    outcome_label = req(Text, "结果说明")
    target = req(Text, "下一年度项目", "created 新登记 / existing 已有 / to_create 将新登记 / 空：无需结转")


class RolloverOut(Schema):
    from_year = req(Int, "结转年度")
    to_year = req(Int, "结转至年度")
    unit = req(Text, "单位编码", allow_none=True)
    dry_run = req(fields.Boolean, "仅预览")
    items = req(fields.List, "各项目", cls_or_instance=fields.Nested(CarryOut))


class PreviousOut(Schema):
    budget = req(Text, "上年同期全年预算数", allow_none=True)
    disbursed = req(Text, "上年同期执行数", allow_none=True)
    execution_rate = req(Float, "上年同期执行率", allow_none=True)
    planned_rate = req(Float, "上年同期序时进度", allow_none=True)
    status = named(Text, "上年同期状态", allow_none=True)


class RankFigures(Schema):
    budget = req(Text, "全年预算数")
    disbursed = req(Text, "执行数")
    execution_rate = req(Float, "执行率")
    planned_rate = req(Float, "序时进度")
    lag_points = req(Float, "差距（百分点）")
    previous = req(fields.Nested, "上年同期", nested=PreviousOut)
    change_points = req(Float, "同比（百分点）", allow_none=True)


class RankRowOut(RankFigures):
    rank = req(Int, "排名")
    unit = req(Text, "单位编码")
    name = req(Text, "单位名称")
    status = req(Text, "状态")
    status_label = req(Text, "状态说明")


class RankTotalOut(RankFigures):
    status = req(Text, "状态")


class RankingOut(Schema):
    year = req(Int, "年度")
    as_of = req(Text, "截至日期")
    previous_as_of = req(Text, "上年同期日期")
    unit = req(Text, "上级单位编码", allow_none=True)
    rows = req(fields.List, "各单位", cls_or_instance=fields.Nested(RankRowOut))
    total = req(fields.Nested, "合计", nested=RankTotalOut)


@bp.post("/rollover")
@roles(ADMIN, OFFICER)
@bp.input(RolloverIn, location="json", arg_name="body", example={"from_year": 2024, "unit": "450001"})
@bp.output(envelope(RolloverOut, "RolloverResponse"))
@bp.doc(
    summary="年末结转",
    description="把各项目 12 月 31 日的结余作为“上年结转”记入下一年度同编码项目（缺少时先登记），"
    "与 `tracker rollover --format json` 相同；年度未结束为 422（字段“年度”）。"
    "重复调用不会重复记录（各项目结果为 already）。",
    responses={403: "不是系统管理员，或单位不属于调用者可登记的单位", 404: "单位不存在"},
)
def rollover(body: dict[str, Any]) -> Any:
    unit = body["unit"]
    if not caller().has(ADMIN):
        if unit is None:
            raise ApiError(422, "财务人员结转时须指定单位编码（unit）", "单位编码")
        require_record(unit)
    result = tracker().rollover(
        body["from_year"], unit=unit, dry_run=body["dry_run"], today=the_day(), user=caller().name
    )
    return {"data": rollover_json(result)}


@bp.get("/ranking")
@bp.input(StatusQuery, location="query", arg_name="query", unknown=RAISE)
@bp.output(envelope(RankingOut, "RankingResponse"))
@bp.doc(
    summary="执行进度排名（通报）",
    description="上级单位（unit）的各直属下级单位（各含其下级）按执行率排名，附上年同期与同比；"
    "不指定单位时为每个单位（各自的项目）。与 `tracker ranking --format json` 相同；"
    "`known_on`（依据时点）只计此前登记的。",
    responses=READ_ERRORS,
)
def ranking(query: dict[str, Any]) -> Any:
    year, day = time_args(query["year"], query["as_of"])
    unit = query["unit"]
    if unit is not None:
        require_read(unit)
    else:
        unit = single_root()
    return {"data": ranking_json(tracker().queries.ranking(year, day, unit, known_on(query["known_on"])))}
