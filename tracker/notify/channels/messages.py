"""Alert and digest texts in Chinese, rendered once and sent through any channel.

One ``Message`` carries three renderings because the channels differ: the robots show
``markdown`` (the subset WeCom and DingTalk both render: headings, bold, lists, links;
no tables, no colours), e-mail shows ``text``, and ``title`` is the DingTalk preview
line and the e-mail subject. Figures arrive as decimal strings and are rounded half-up
to two places here, on the way out, as the tracker does everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tracker.notify.channels.errors import FieldError

CENT = Decimal("0.01")
WAN = Decimal(10000)
SEVERITY_LABELS = {"yellow": "黄色预警", "red": "红色预警"}
STATUS_LABELS = {"green": "正常", "yellow": "预警", "red": "严重滞后"}
RULE_LABELS = {"ratio": "按执行率与序时进度之比", "points": "按落后序时进度的百分点"}
TOP_BEHIND = 10
MAX_OPEN_LISTED = 10


class MessageError(FieldError):
    """An alert or digest dict the renderer cannot use; ``field`` names the key."""


@dataclass(frozen=True)
class Message:
    """What a channel sends; ``event`` and ``data`` feed the generic webhook's JSON."""

    title: str
    markdown: str
    text: str
    event: str = "tracker.notice"
    data: dict[str, Any] = field(default_factory=dict, compare=False)


def _get(d: dict[str, Any], key: str) -> Any:
    if d.get(key) in (None, ""):
        raise MessageError(f"缺少字段：{key}", key)
    return d[key]


def _one_line(value: Any) -> str:
    """Names go inside markdown lines: a newline in a name must not break the layout."""
    return " ".join(str(value).split())


def _decimal(d: dict[str, Any], key: str) -> Decimal:
    value = _get(d, key)
    if isinstance(value, float | bool):
        raise MessageError(f"字段 {key} 必须是十进制字符串或 Decimal，不能是 {type(value).__name__}", key)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise MessageError(f"字段 {key} 不是数字：{value!r}", key) from None
    if not number.is_finite():
        raise MessageError(f"字段 {key} 不是有限数：{value!r}", key)
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _figures(d: dict[str, Any]) -> dict[str, str]:
    return {
        "执行率": f"{_decimal(d, 'execution_rate')}%",
        "序时进度": f"{_decimal(d, 'planned_rate')}%",
        "差距": f"{_decimal(d, 'lag_points')} 个百分点",
        "可用余额": f"{_decimal(d, 'available'):,} 元",
    }


def _project(d: dict[str, Any]) -> str:
    return f"{_one_line(_get(d, 'project_name'))}（{_one_line(_get(d, 'project'))}）"


def render_alert(alert: dict[str, Any]) -> Message:
    """The message for one lag alert: who, which project, the four figures, the link.

    Keys: unit, unit_name, project, project_name, rule, severity (yellow/red),
    execution_rate, planned_rate, lag_points, available (decimal strings), as_of,
    period, link; optional ``committed`` (元, open commitments), shown as
    ``已签合同未支付 X 万元``. A missing or malformed key raises ``MessageError`` naming it, so a
    bad alert fails loudly in the task instead of sending a half-empty message.
    """
    severity = _get(alert, "severity")
    if severity not in SEVERITY_LABELS:
        raise MessageError(f"未知的预警级别：{severity!r}（应为 yellow 或 red）", "severity")
    label = SEVERITY_LABELS[severity]
    unit = f"{_one_line(_get(alert, 'unit_name'))}（{_one_line(_get(alert, 'unit'))}）"
    project = _project(alert)
    figures = _figures(alert)
    if alert.get("committed") not in (None, ""):
        committed = _decimal(alert, "committed")
        if committed > 0:  # waiting for an invoice, not stalled: say so
            figures["已签合同未支付"] = f"{(committed / WAN).quantize(CENT, rounding=ROUND_HALF_UP):,} 万元"
    rule = _one_line(_get(alert, "rule"))
    rule = RULE_LABELS.get(rule, rule)
    as_of, period, link = (_one_line(_get(alert, k)) for k in ("as_of", "period", "link"))
    title = (
        f"【{label}】{_one_line(alert['project_name'])}：执行率 {figures['执行率']}，"
        f"落后序时进度 {figures['差距']}"
    )
    md = [f"### 【{label}】预算执行滞后", f"**单位**：{unit}", f"**项目**：{project}", ""]
    md += [f"- {name}：**{value}**" for name, value in figures.items()]
    md += ["", f"规则：{rule}；期间：{period}；截至 {as_of}", "", f"[查看项目详情]({link})"]
    text = [title, "", f"单位：{unit}", f"项目：{project}"]
    text += [f"{name}：{value}" for name, value in figures.items()]
    text += [f"规则：{rule}", f"期间：{period}", f"截至：{as_of}", "", f"项目详情：{link}"]
    return Message(title, "\n".join(md), "\n".join(text), "tracker.alert", dict(alert))


def _behind_lines(projects: list[dict[str, Any]], links: bool) -> list[str]:
    """The ten furthest behind, sorted here so a caller's order cannot mislead."""
    ranked = sorted(
        (p for p in projects if _decimal(p, "lag_points") > 0),
        key=lambda p: _decimal(p, "lag_points"),
        reverse=True,
    )
    lines = []
    for n, p in enumerate(ranked[:TOP_BEHIND], start=1):
        f = _figures(p)
        name = f"[{_project(p)}]({p['link']})" if links and p.get("link") else _project(p)
        lines.append(
            f"{n}. {name}：执行率 {f['执行率']}，序时进度 {f['序时进度']}，"
            f"差距 {f['差距']}，可用余额 {f['可用余额']}"
        )
    return lines or ["暂无落后于序时进度的项目。"]


def _open_lines(alerts: list[dict[str, Any]]) -> list[str]:
    lines = []
    for a in alerts[:MAX_OPEN_LISTED]:
        label = SEVERITY_LABELS.get(a.get("severity", ""), "预警")
        since = f"，自 {_one_line(a['since'])} 起" if a.get("since") else ""
        lines.append(f"- 【{label}】{_project(a)}{since}")
    if len(alerts) > MAX_OPEN_LISTED:
        lines.append(f"- ……另有 {len(alerts) - MAX_OPEN_LISTED} 条")
    return lines or ["- 无"]


def render_digest(digest: dict[str, Any]) -> Message:
    """The weekly summary for one unit, short enough for a robot (WeCom caps at 4096 bytes).

    Keys: unit, unit_name, period, as_of, link, counts ({status: number}), behind (list
    of project dicts with the alert's figure keys, optional link) and open_alerts (list
    of {project, project_name, severity, since?}).
    """
    unit = f"{_one_line(_get(digest, 'unit_name'))}（{_one_line(_get(digest, 'unit'))}）"
    period, as_of, link = (_one_line(_get(digest, k)) for k in ("period", "as_of", "link"))
    counts: dict[str, int] = digest.get("counts") or {}
    parts = [f"{STATUS_LABELS.get(k, k)} {v} 个" for k, v in counts.items()]
    status = f"{'，'.join(parts)}（共 {sum(counts.values())} 个）" if parts else "暂无项目"
    opened = list(digest.get("open_alerts") or [])
    behind = list(digest.get("behind") or [])
    title = f"预算执行周报｜{_one_line(digest['unit_name'])}｜{period}"
    head = [f"### {title}", f"截至 {as_of}", "", f"**项目状态**：{status}", ""]
    tail = ["", f"**未关闭的提醒**：{len(opened)} 条", *_open_lines(opened)]
    md = [*head, "**落后最多的项目**", *_behind_lines(behind, True), *tail, "", f"[查看单位看板]({link})"]
    text = [title, f"单位：{unit}", f"截至：{as_of}", "", f"项目状态：{status}", "", "落后最多的项目："]
    text += _behind_lines(behind, False) + [t.replace("**", "") for t in tail] + ["", f"单位看板：{link}"]
    return Message(title, "\n".join(md), "\n".join(text), "tracker.digest", dict(digest))


def channel_test_message() -> Message:
    """What ``tracker channels test`` sends: proves key, signature and route work."""
    text = "这是预算执行跟踪系统的测试消息。收到即表示通知渠道配置正确，无需处理。"
    return Message("通知渠道测试", f"### 通知渠道测试\n{text}", text, "tracker.test")


def truncate_utf8(text: str, max_bytes: int, marker: str = "\n……（内容过长，已截断）") -> str:
    """Cut at a character boundary so a robot's byte limit never splits a Chinese character."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    room = max_bytes - len(marker.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + marker
