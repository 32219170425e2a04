"""Channel secrets never reach the event store: a channel is added with references
(``env:NAME``, ``file:/path``), delivers with the secret read when sending, and a
literal secret is refused with nothing recorded. A channel written by an older release,
its secret in the event, still delivers."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from receivers import HttpReceiver

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError
from tracker.domain.ids import unit_id
from tracker.notify.delivery import deliver_pending
from tracker.notify.delivery import test_channel as send_test

WECOM_KEY = "wk-from-the-environment-7f3a"
DINGTALK_TOKEN = "dt-from-the-environment-91c2"
DINGTALK_SECRET = "SEC-from-a-file-5d0e44"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"webhook-secret-key-of-32-bytes!!").decode()
SECRETS = (WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET, WEBHOOK_SECRET)


@pytest.fixture
def lagging(tracker: BudgetTracker) -> BudgetTracker:
    """P1 10% spent by 30 June: three red alerts as of that day."""
    tracker.add_unit("450001", "保定市满城区医疗保障局本级")
    tracker.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    tracker.appropriate("P1", "100000.00", date="2024-01-02")
    tracker.pay("P1", "10000.00", date="2024-03-01", payee="甲")
    tracker.check_alerts(dt.date(2024, 6, 30))
    return tracker


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    with HttpReceiver(
        wecom_key=WECOM_KEY,
        dingtalk_token=DINGTALK_TOKEN,
        dingtalk_secret=DINGTALK_SECRET,
        webhook_secret=WEBHOOK_SECRET,
    ) as receiver:
        yield receiver


@pytest.fixture
def references(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The secrets where the sending process finds them: two variables and a file."""
    monkeypatch.setenv("TEST_WECOM_KEY", WECOM_KEY)
    monkeypatch.setenv("TEST_DINGTALK_TOKEN", DINGTALK_TOKEN)
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", WEBHOOK_SECRET)
    secret_file = tmp_path / "dingtalk.secret"
    secret_file.write_text(DINGTALK_SECRET + "\n", encoding="utf-8")
    return {"dingtalk_secret": f"file:{secret_file}"}


def add_referenced_channels(app: BudgetTracker, http: HttpReceiver, references: dict[str, str]) -> list[str]:
    configs = {
        "wecom": {"key": "env:TEST_WECOM_KEY", "base_url": http.base_url},
        "dingtalk": {
            "token": "env:TEST_DINGTALK_TOKEN",
            "secret": references["dingtalk_secret"],
            "base_url": http.base_url,
        },
        "webhook": {"url": f"{http.base_url}/hooks/budget", "secret": "env:TEST_WEBHOOK_SECRET"},
    }
    return [
        str(app.add_channel("450001", name=f"{kind} 渠道", kind=kind, config=config))
        for kind, config in configs.items()
    ]


def add_legacy_channel(app: BudgetTracker, name: str, kind: str, config: dict[str, Any]) -> str:
    """What an older release recorded: the secret itself in the event. Today's commands
    refuse that, so the event is written on the unit aggregate directly."""
    uid = unit_id("450001")
    app.evict(uid)
    unit: Any = app.repository.get(uid)
    channel_id = str(uuid.uuid4())
    unit.add_channel(channel_id, name, kind, config, "alerts", "旧版本")
    app.save(unit)
    app.evict(uid)
    return channel_id


def stored_states(app: BudgetTracker) -> list[bytes]:
    """Every stored event's state as written (decompressed when a compressor is set)."""
    states, start = [], 1
    while batch := app.recorder.select_notifications(start, 1000):
        for n in batch:
            states.append(zlib.decompress(n.state) if app.mapper.compressor else n.state)
        start = batch[-1].id + 1
    return states


def event_count(app: BudgetTracker) -> int:
    return len(stored_states(app))


def deliveries(app: BudgetTracker, channel: str) -> list[dict[str, Any]]:
    sql = "SELECT * FROM rm_deliveries WHERE channel = ? ORDER BY at, attempt"
    return [dict(r) for r in app.read.all(sql, [channel])]


def test_channels_added_with_references_deliver_with_the_secrets_read_when_sending(
    lagging: BudgetTracker, http: HttpReceiver, references: dict[str, str]
) -> None:
    add_referenced_channels(lagging, http, references)
    assert deliver_pending(lagging) == {"delivered": 9, "failed": 0, "already": 0}
    assert len(http.requests) == 9
    assert all(r.verified for r in http.requests), [r.reason for r in http.requests]
    assert {r.query.get("key") for r in http.requests if r.path == "/cgi-bin/webhook/send"} == {WECOM_KEY}


def test_no_stored_event_holds_a_secret(
    lagging: BudgetTracker, http: HttpReceiver, references: dict[str, str]
) -> None:
    channels = add_referenced_channels(lagging, http, references)
    deliver_pending(lagging)
    for channel in channels:
        send_test(lagging, channel)
    states = b"\n".join(stored_states(lagging))
    assert b"env:TEST_WECOM_KEY" in states  # the scan reads what is stored, in clear
    for secret in SECRETS:
        assert secret.encode() not in states, secret
    read_tables = repr(lagging.channels()) + repr([deliveries(lagging, c) for c in channels])
    for secret in SECRETS:
        assert secret not in read_tables, secret


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        ("wecom", {"key": WECOM_KEY}, "key"),
        ("dingtalk", {"token": "env:TEST_DINGTALK_TOKEN", "secret": DINGTALK_SECRET}, "secret"),
        ("webhook", {"url": "https://oa.example.gov.cn/hook", "secret": WEBHOOK_SECRET}, "secret"),
        (
            "email",
            {"host": "127.0.0.1", "sender": "a@czj.example.gov.cn", "username": "a", "password": "pw-1234"},
            "password",
        ),
    ],
)
def test_a_literal_secret_is_refused_and_nothing_is_recorded(
    lagging: BudgetTracker, kind: str, config: dict[str, Any], field: str
) -> None:
    before = event_count(lagging)
    with pytest.raises(InvalidInputError) as caught:
        lagging.add_channel("450001", name="直接填写密钥", kind=kind, config=config)
    assert caught.value.field == field
    assert f"（{field}）：请填写 env:变量名 或 file:/文件路径，密钥本身不会写入记录" in caught.value.message
    assert str(config[field]) not in caught.value.message
    assert event_count(lagging) == before
    assert lagging.channels() == []


def test_a_channel_with_a_literal_secret_from_an_older_release_still_delivers(
    lagging: BudgetTracker, http: HttpReceiver
) -> None:
    legacy = add_legacy_channel(
        lagging, "旧回调", "webhook", {"url": f"{http.base_url}/hooks/old", "secret": WEBHOOK_SECRET}
    )
    assert deliver_pending(lagging) == {"delivered": 3, "failed": 0, "already": 0}
    assert all(r.verified for r in http.requests)
    assert "测试成功" in send_test(lagging, legacy)
    (row,) = lagging.channels()
    assert row["config"]["secret"] == WEBHOOK_SECRET  # history is not rewritten


def test_a_secret_that_cannot_be_read_fails_its_delivery_by_name_and_the_others_still_go(
    lagging: BudgetTracker, http: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_UNSET_WECOM_KEY", raising=False)
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", WEBHOOK_SECRET)
    config = {"key": "env:TEST_UNSET_WECOM_KEY", "base_url": http.base_url}
    unset = str(lagging.add_channel("450001", name="未配置的群", kind="wecom", config=config))
    good = str(
        lagging.add_channel(
            "450001",
            name="回调",
            kind="webhook",
            config={"url": f"{http.base_url}/hooks/budget", "secret": "env:TEST_WEBHOOK_SECRET"},
        )
    )
    assert deliver_pending(lagging) == {"delivered": 3, "failed": 3, "already": 0}
    failed = deliveries(lagging, unset)
    assert [(r["outcome"], r["recipient"]) for r in failed] == [("failed", "未配置的群")] * 3
    assert "机器人 key（key）：环境变量 TEST_UNSET_WECOM_KEY 未设置" in failed[0]["detail"]
    assert {r["outcome"] for r in deliveries(lagging, good)} == {"delivered"}
    with pytest.raises(InvalidInputError) as caught:
        send_test(lagging, unset)
    assert caught.value.message == (
        "渠道“未配置的群”测试失败：密钥无法读取：机器人 key（key）：环境变量 TEST_UNSET_WECOM_KEY 未设置"
    )
    monkeypatch.setenv("TEST_UNSET_WECOM_KEY", WECOM_KEY)  # set now: the next run delivers
    assert deliver_pending(lagging) == {"delivered": 3, "failed": 0, "already": 0}
    assert all(r.verified for r in http.requests)


def test_a_missing_secret_file_is_named_at_test_send(
    lagging: BudgetTracker, http: HttpReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_DINGTALK_TOKEN", DINGTALK_TOKEN)
    gone = tmp_path / "gone.secret"
    config = {"token": "env:TEST_DINGTALK_TOKEN", "secret": f"file:{gone}", "base_url": http.base_url}
    channel = str(lagging.add_channel("450001", name="钉钉群", kind="dingtalk", config=config))
    with pytest.raises(InvalidInputError) as caught:
        send_test(lagging, channel)
    assert (
        f"渠道“钉钉群”测试失败：密钥无法读取：加签密钥（secret）：密钥文件 {gone} 不存在"
        == caught.value.message
    )
    assert http.requests == []
