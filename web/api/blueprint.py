"""The API's blueprint, on its own so every route module can import it without a cycle.

It also sets the parts of the app's OpenAPI document that belong to the API: the error
shape every error response is documented with, and the document's description. These
are app settings (apiflask reads them from ``app.config`` when it builds the document),
set when the blueprint is registered so the API stays in its own folder.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask.blueprints import BlueprintSetupState

from web.api.schemas import Error

bp = APIBlueprint(
    "api", __name__, url_prefix="/api/v1", tag={"name": "api", "description": "预算执行跟踪 API"}
)

DESCRIPTION = """\
预算执行跟踪的 JSON 接口：与网页表单、命令行走同一个服务层，校验规则和中文提示相同。

- 认证：每个请求带 `Authorization: Bearer 令牌`（`tracker token create 用户名` 生成）；
  不接受网页会话 Cookie，因此无需 CSRF 令牌。无令牌或令牌无效为 401。
- 响应只有两种形状：`{"data": ...}`，或 `{"error": "中文说明", "field": "字段"}`。
  401 未认证；403 超出角色或单位范围；404 不存在；409 请求编号（Idempotency-Key）已用于另一条不同的命令；
  422 字段校验不通过或超出可用预算（`field` 指出字段）；400 请求体不是有效的 JSON。
- 金额为以元为单位、两位小数的字符串（如 `"1000.00"`）；日期为 ISO 格式（`2024-06-30`）；
  比率为百分数，四舍五入到两位小数。
- 每个写操作都要带 `Idempotency-Key` 请求头（只校验的导入与渠道测试不记录任何内容，可不带）：
  同一编号、同一内容再次提交不会重复记录，返回与第一次相同的结果（状态码也相同，登记类为 201）；
  同一编号、不同内容返回 409。编号按调用者区分，两个用户的编号不会冲突。
- 角色：财务人员（officer）只能为自己单位及下级单位登记；管理人员（manager）查看本单位及下级、确认预警，
  不能登记，签字定稿自评表；审计人员（auditor）查看全部，不能修改；系统管理员（admin）管理单位、用户、
  令牌、渠道与单位设置，可为任何单位添加项目和绩效指标，不能登记账务。财务人员可为本单位及下级单位
  添加项目和指标、导入表格。
- 导入（`POST /imports`）被拒绝时，422 的响应另有 `problems`，列出每一处问题（工作表、行、列、原因）。
"""


def _configure(state: BlueprintSetupState) -> None:
    config = state.app.config
    config["HTTP_ERROR_SCHEMA"] = Error
    config["VALIDATION_ERROR_SCHEMA"] = Error
    config["VALIDATION_ERROR_DESCRIPTION"] = "字段校验不通过"
    config["AUTH_ERROR_DESCRIPTION"] = "未提供有效的 Bearer 令牌"
    config["SUCCESS_DESCRIPTION"] = "成功"
    config["NOT_FOUND_DESCRIPTION"] = "不存在"
    if not config.get("DESCRIPTION"):
        config["DESCRIPTION"] = DESCRIPTION


bp.record_once(_configure)
