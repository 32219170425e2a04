"""The year-end self-evaluation (绩效自评) of a project: the 自评表 as JSON, exactly
what ``tracker selfeval CODE --format json`` prints; the cause and corrective action
of a shortfall (an officer of the project's unit, one indicator a request); the
sign-off (定稿) by a manager of the unit, and reopening a signed form with a reason.

Signing is refused (422) while an indicator is unscored or a shortfall has no cause
and action, by the same rule as the page and the CLI (``finalise_evaluation``).
"""

from __future__ import annotations

from typing import Any

from tracker.cli.selfeval_text import selfeval_json
from tracker.domain.errors import NotFoundError
from web.api.access import MANAGER, OFFICER, api_scope, caller, request_id, require_record, roles
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.inputs import typed_with
from web.api.projects import readable_project
from web.api.responses_admin import SelfEvalResponse
from web.api.schemas import IdempotencyHeader
from web.api.schemas_admin import CauseIn, FinaliseIn, GoalIn, ReopenIn
from web.extensions import tracker

ERRORS = {
    400: "请求体不是有效的 JSON",
    403: "超出角色或单位范围",
    404: "项目或指标不存在",
    409: "请求编号已用于另一条不同的命令，或自评已定稿",
}


def form_of(year: int, code: str) -> dict[str, Any]:
    return selfeval_json(tracker().self_evaluation(code, year))


def require_sign(unit: str) -> None:
    if not api_scope().can_manage(unit):
        raise ApiError(403, f"无权为单位 {unit} 的自评定稿：只能为本单位及下级单位定稿", "项目编码")


@bp.get("/projects/<int:year>/<code>/selfeval")
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="项目绩效自评表",
    description="执行率 10 分 + 指标 90 分、等级、未达标的指标及其偏差原因和改进措施、是否已定稿；"
    "与 `tracker selfeval 项目编码 --format json` 输出相同。",
    responses={403: "无权查看该项目所属单位", 404: "项目不存在", 422: "项目编码格式不正确，或自评表无法计算"},
)
def get_selfeval(year: int, code: str) -> Any:
    facts = readable_project(year, code)
    return {"data": form_of(facts.year, facts.code)}


@bp.post("/projects/<int:year>/<code>/selfeval/causes")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    CauseIn,
    location="json",
    arg_name="body",
    example={"indicator": "指标编号", "cause": "下半年宣传活动推迟", "action": "明年一季度补足场次"},
)
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="说明偏差原因及改进措施",
    description="为一个未达标的指标记录偏差原因分析及改进措施（`tracker indicator explain`）；"
    "项目所属单位（及上级单位）的财务人员。返回更新后的自评表。",
    responses=ERRORS,
)
def explain(year: int, code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(
        body, texts={"indicator": "指标编号"}, notes={"cause": "偏差原因", "action": "改进措施"}
    )
    facts = readable_project(year, code)
    require_record(facts.unit_code)
    wanted = body["indicator"].strip()
    if wanted not in {r["id"] for r in tracker().indicators(facts.code, facts.year)}:
        raise NotFoundError(f"项目 {facts.code} 中没有指标 {wanted}", "指标编号")
    tracker().explain_deviation(
        wanted,
        cause=body["cause"],
        action=body["action"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(facts.year, facts.code)}


@bp.post("/projects/<int:year>/<code>/selfeval/goal")
@roles(OFFICER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(
    GoalIn,
    location="json",
    arg_name="body",
    example={"goal": "1.对工程款进行结算", "outcome": "已结算三期工程款"},
)
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="年度总体目标",
    description="记录预期目标和/或实际完成情况（`tracker selfeval 项目编码 --goal --outcome`），"
    "项目所属单位（及上级单位）的财务人员；未给出的一项保持不变，空文本为 422。返回更新后的自评表。",
    responses=ERRORS,
)
def set_goal(year: int, code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, notes={"goal": "预期目标", "outcome": "实际完成情况"})
    facts = readable_project(year, code)
    require_record(facts.unit_code)
    tracker().set_evaluation_goal(
        facts.code,
        facts.year,
        goal=body.get("goal"),
        outcome=body.get("outcome"),
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(facts.year, facts.code)}


@bp.post("/projects/<int:year>/<code>/selfeval/finalise")
@roles(MANAGER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(FinaliseIn, location="json", arg_name="body", example={"signed_by": "张局长"})
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="自评定稿",
    description="管理人员签字定稿（`tracker selfeval --finalise --signed-by`）：须所有指标已评分、"
    "每个未达标的指标都已说明原因及措施，执行率未达 100% 时须填写其原因与措施；否则为 422。",
    responses=ERRORS,
)
def finalise(year: int, code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    notes = {"execution_cause": "偏差原因", "execution_action": "改进措施"}
    body = typed_with(body, texts={"signed_by": "签字人"}, notes=notes)
    facts = readable_project(year, code)
    require_sign(facts.unit_code)
    tracker().finalise_evaluation(
        facts.code,
        facts.year,
        signed_by=body["signed_by"],
        execution_cause=body["execution_cause"].strip(),
        execution_action=body["execution_action"].strip(),
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(facts.year, facts.code)}


@bp.post("/projects/<int:year>/<code>/selfeval/reopen")
@roles(MANAGER)
@bp.input(IdempotencyHeader, location="headers", arg_name="headers")
@bp.input(ReopenIn, location="json", arg_name="body", example={"reason": "指标完成值有误，退回修改"})
@bp.output(SelfEvalResponse)
@bp.doc(
    summary="退回自评",
    description="把已定稿的自评表退回为草稿（签字保留在历史中），修改后须重新定稿。",
    responses=ERRORS,
)
def reopen(year: int, code: str, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    body = typed_with(body, notes={"reason": "原因"})
    facts = readable_project(year, code)
    require_sign(facts.unit_code)
    tracker().reopen_evaluation(
        facts.code,
        facts.year,
        reason=body["reason"],
        user=caller().name,
        request_id=request_id(headers["idempotency_key"]),
    )
    return {"data": form_of(facts.year, facts.code)}
