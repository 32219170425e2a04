"""管理 › 单位: add a unit under its parent, and change a unit's status rule and its
alert settings (which rules alert, after how many working days an alert goes to the
managers). Routes of the ``admin`` blueprint (``web.views.admin``).
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user

from tracker.domain.alert import RULE_LABELS, RULES
from web.auth import ADMIN, roles_required
from web.extensions import tracker
from web.form_errors import FormErrors
from web.views.admin import bp, done, form_errors, run, show, typed

RULE_KINDS = {"ratio": "比例规则（执行率 ÷ 序时进度）", "points": "百分点规则（落后的百分点）"}


@bp.route("/admin/units/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit_new() -> Any:
    errors = form_errors("unit")
    if request.method == "POST":
        f = typed()
        if run(
            errors,
            lambda rid: tracker().add_unit(
                f.get("code", ""),
                f.get("name", ""),
                f.get("parent") or None,
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已添加单位 {f['code']} {f['name']}", anchor="units")
        return show("unit_new", errors, values=f)
    return show("unit_new", values={"parent": request.args.get("parent", "")})


@bp.route("/admin/units/<code>", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit(code: str) -> Any:
    t = tracker()
    row = t.queries.units().get(code)
    if row is None:
        abort(404)
    errors = {"rule": form_errors("rule"), "alerts": form_errors("alerts")}
    values: dict[str, Any] = {
        "rule": {
            "rule": row["status_rule"],
            "yellow": row["yellow"],
            "red": row["red"],
            "min_points": f"{t.queries.rule_of(row).min_points.normalize():f}",
        },
        "alerts": {**t.alert_settings(code)},
    }
    sent = request.form.get("form") if request.method == "POST" else None
    if sent == "rule":
        f = values["rule"] = typed()
        if run(
            errors["rule"],
            lambda rid: t.change_unit_settings(
                code,
                rule=f.get("rule", ""),
                yellow=f.get("yellow") or None,
                red=f.get("red") or None,
                min_points=f.get("min_points") or None,
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已保存单位 {code} 的滞后规则", "admin.unit", code=code)
    elif sent == "alerts":
        f = values["alerts"] = typed()
        days = _days(f.get("escalation_days", ""), errors["alerts"])
        if run(
            errors["alerts"],
            lambda rid: t.change_alert_settings(
                code,
                rules_enabled=f["rules"],
                escalation_days=days,
                managers=f.get("managers", ""),
                user=current_user.name,
                request_id=rid,
            ),
        ):
            return done(f"已保存单位 {code} 的预警设置", "admin.unit", code=code)
    elif sent is not None:
        abort(400)
    failed = errors.get(sent or "")
    return show(
        "unit",
        failed,
        unit=row,
        forms={k: (dict(e.messages) if k == sent else {}) for k, e in errors.items()},
        summaries={k: (e.summary() if k == sent else {}) for k, e in errors.items()},
        values=values,
        rule_kinds=RULE_KINDS,
        rule_labels=RULE_LABELS,
        all_rules=RULES,
    )


def _days(text: str, errors: FormErrors) -> int:
    if text.isdigit():
        return int(text)
    errors.add("escalation_days", "升级天数：请填写 1 到 60 之间的整数（工作日）")
    return 0
