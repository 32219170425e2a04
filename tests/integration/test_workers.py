"""The Celery workers for real: a worker process started by the test, the real Redis
(or a private redis-server for the tests that restart it), and local receivers standing
in for WeCom, DingTalk, a signed webhook consumer and a mail server.

Nothing runs in eager mode. Tasks are sent by name the way beat sends them; what is
checked is what arrived at the receivers, what the delivery history in the database
says, and the worker's own log. Faults are real too: SIGKILL, a Redis restart, a
receiver answering 500 or hanging, two beats, two workers.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from receivers import Answer, HttpReceiver, SmtpReceiver, free_port
from worker_harness import (
    REPO,
    Beat,
    RedisServer,
    Worker,
    backdated_schedule,
    brpop_clients,
    celery_client,
    redis_client,
    send,
    shared_redis,
    tracker_env,
    unacked_tags,
    wait_until,
)

from tracker.commands.tracker import BudgetTracker
from tracker.store.config import Settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

AS_OF = "2024-06-30"
BASE_URL = "https://tracker.example.gov.cn"
PROJECT_LINK = f"{BASE_URL}/projects/2024/P1"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
FIGURES = ("执行率", "10.00%", "序时进度", "50.00%", "差距", "40.00 个百分点", "可用余额", "90,000.00 元")
ROBOT_PATHS = {"wecom": "/cgi-bin/webhook/send", "dingtalk": "/robot/send", "webhook": "/hooks/budget"}


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def redis_url() -> str:
    """The shared Redis, database 15, emptied (skip outside CI if it is down)."""
    return shared_redis()


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def open_tracker(db_url: str) -> BudgetTracker:
    return BudgetTracker(Settings(db_url=db_url, user="测试员"))


def make_lagging(app: BudgetTracker, rules: list[str] | None = None) -> BudgetTracker:
    """P1 on the default quarterly plan, 100,000.00 budget, 10% spent by 30 June:
    three red alerts as of 30 June (lag, checkpoint_missed, forecast_miss)."""
    app.add_unit("450001", "保定市满城区医疗保障局本级")
    app.add_project(year=2024, unit="450001", code="P1", name="办公室整修")
    app.appropriate("P1", "100000.00", date="2024-01-02")
    app.pay("P1", "10000.00", date="2024-03-01", payee="甲")
    if rules is not None:
        app.change_alert_settings("450001", rules_enabled=rules)
    return app


@pytest.fixture
def lagging(db_url: str) -> Iterator[BudgetTracker]:
    app = open_tracker(db_url)
    try:
        yield make_lagging(app)
    finally:
        app.close()


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    with HttpReceiver(webhook_secret=WEBHOOK_SECRET) as receiver:
        yield receiver


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as receiver:
        yield receiver


Spawn = Callable[..., Worker]


@pytest.fixture
def spawn(tmp_path: Path, redis_url: str, db_url: str) -> Iterator[Spawn]:
    """Start a named worker (waits for "ready."); every one is stopped at the end."""
    started: list[Worker] = []

    def start(
        name: str = "w1", *, redis: str | None = None, db: str | None = None, pool: str = "solo", **env: str
    ) -> Worker:
        worker = Worker(
            name, tracker_env(redis or redis_url, db or db_url, BASE_URL, **env), tmp_path, pool=pool
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


# ------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def channel_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The robots' secrets in the environment the workers inherit (``tracker_env``):
    channels store only the variables' names."""
    monkeypatch.setenv("TEST_WECOM_KEY", "wk-good")
    monkeypatch.setenv("TEST_WECOM_KEY_REMOVED", "wk-removed")
    monkeypatch.setenv("TEST_DINGTALK_TOKEN", "dt-good")
    monkeypatch.setenv("TEST_DINGTALK_SECRET", "SECgood")
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.delenv("TEST_NOT_IN_THE_WORKER", raising=False)


def wecom(http: HttpReceiver) -> dict[str, Any]:
    return {"key": "env:TEST_WECOM_KEY", "base_url": http.base_url}


def dingtalk(http: HttpReceiver) -> dict[str, Any]:
    return {
        "token": "env:TEST_DINGTALK_TOKEN",
        "secret": "env:TEST_DINGTALK_SECRET",
        "base_url": http.base_url,
    }


def webhook(http: HttpReceiver) -> dict[str, Any]:
    return {"url": f"{http.base_url}{ROBOT_PATHS['webhook']}", "secret": "env:TEST_WEBHOOK_SECRET"}


def mailbox(port: int) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "plain",
        "timeout": 5,
        "sender": "alerts@czj.example.gov.cn",
        "recipients": ["cw@yb.example.gov.cn"],
    }


def add_channel(app: BudgetTracker, kind: str, config: dict[str, Any], name: str = "") -> str:
    return str(app.add_channel("450001", name=name or kind, kind=kind, config=config))


def deliveries(app: BudgetTracker, **where: str) -> list[dict[str, Any]]:
    """The delivery history (rm_deliveries) in the order it was recorded."""
    sql, params = "SELECT * FROM rm_deliveries WHERE 1 = 1", []
    for column, value in where.items():
        sql += f" AND {column} = ?"
        params.append(value)
    return [dict(r) for r in app.read.all(sql + " ORDER BY at, attempt", params)]


def delivered_pairs(app: BudgetTracker) -> Counter[tuple[str, str]]:
    return Counter((r["alert_id"], r["channel"]) for r in deliveries(app, outcome="delivered"))


def by_path(http: HttpReceiver, path: str) -> list[Any]:
    return [r for r in list(http.requests) if r.path == path]


def content_of(kind: str, request: Any) -> str:
    body = request.json
    if kind == "wecom":
        return str(body["markdown"]["content"])
    if kind == "dingtalk":
        return str(body["markdown"]["text"])
    return str(body["data"]["markdown"])


def mail_text(mail: Any) -> str:
    parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
    return f"{parsed['Subject']}\n{parsed.get_content()}"


def lag_alert_id(app: BudgetTracker) -> str:
    return next(a["id"] for a in app.alerts() if a["rule"] == "lag")


# --------------------------------------------------------------- end to end


def test_a_lag_check_on_the_worker_reaches_every_channel_once(
    lagging: BudgetTracker, http: HttpReceiver, smtp: SmtpReceiver, redis_url: str, spawn: Spawn
) -> None:
    channels = {
        kind: add_channel(lagging, kind, config)
        for kind, config in (
            ("wecom", wecom(http)),
            ("dingtalk", dingtalk(http)),
            ("webhook", webhook(http)),
            ("email", mailbox(smtp.port)),
        )
    }
    worker = spawn()
    with celery_client(redis_url) as client:
        first = send(client, "check_lag", AS_OF)
        assert worker.result_of("check_lag", first) == {
            "as_of": AS_OF,
            "raised": 3,
            "already_open": 0,
            "queued": 12,
        }
        wait_until(
            lambda: len(http.requests) == 9 and len(smtp.mails) == 3,
            30,
            what="3 alerts x (wecom, dingtalk, webhook, e-mail)",
        )
        wait_until(lambda: sum(delivered_pairs(lagging).values()) == 12, 15, what="12 deliveries")

        alerts = lagging.alerts()
        assert len(alerts) == 3
        for kind, path in ROBOT_PATHS.items():
            received = by_path(http, path)
            assert len(received) == 3, kind
            for request in received:
                assert request.verified, (kind, request.reason)
                text = content_of(kind, request)
                assert all(f in text for f in FIGURES), (kind, text)
                assert f"[查看项目详情]({PROJECT_LINK})" in text
        assert {r.headers["webhook-id"] for r in by_path(http, ROBOT_PATHS["webhook"])} == {
            f"{a['id']}:{channels['webhook']}" for a in alerts
        }
        for mail in smtp.mails:
            text = mail_text(mail)
            assert all(f in text for f in FIGURES), text
            assert f"项目详情：{PROJECT_LINK}" in text
        assert delivered_pairs(lagging) == Counter(
            {(a["id"], c): 1 for a in alerts for c in channels.values()}
        )
        assert {r["outcome"] for r in deliveries(lagging)} == {"delivered"}

        again = send(client, "check_lag", AS_OF)
        assert worker.result_of("check_lag", again) == {
            "as_of": AS_OF,
            "raised": 0,
            "already_open": 3,
            "queued": 0,
        }
    time.sleep(0.5)  # nothing was queued; give a stray message the chance to show up anyway
    assert (len(http.requests), len(smtp.mails)) == (9, 3)
    assert len(deliveries(lagging)) == 12
    assert Counter(worker.received("deliver").count(i) for i in set(worker.received("deliver"))) == {1: 12}


# ------------------------------------------------------------------- retries


def test_a_receiver_answering_500_gets_the_alert_on_a_backed_off_retry(
    lagging: BudgetTracker, http: HttpReceiver, redis_url: str, spawn: Spawn
) -> None:
    lagging.change_alert_settings("450001", rules_enabled=["lag"])
    lagging.check_alerts(dt.date.fromisoformat(AS_OF))
    alert = lag_alert_id(lagging)
    channel = add_channel(lagging, "dingtalk", dingtalk(http))
    http.answer_next(Answer(500, {"error": "internal"}))
    worker = spawn()
    with celery_client(redis_url) as client:
        task = send(client, "deliver", alert, channel)
        (retry,) = worker.wait_for_log(rf"deliver\[{task}\] retry: Retry in \d+s")
        assert worker.result_of("deliver", task, timeout=20) == "delivered"
    assert "RetryableDelivery" in retry
    assert 0 <= int(retry.split("Retry in ")[1].split("s")[0]) <= 5  # retry_backoff=5, full jitter
    assert [(r["attempt"], r["outcome"]) for r in deliveries(lagging, alert_id=alert)] == [
        (1, "retrying"),
        (2, "delivered"),
    ]
    assert "500" in deliveries(lagging, alert_id=alert)[0]["detail"]
    assert [r.verified for r in http.requests] == [True, True]
    assert worker.received("deliver") == [task, task]  # the same task, redelivered by its retry


def test_a_429_with_retry_after_is_retried_no_sooner_than_asked(
    lagging: BudgetTracker, http: HttpReceiver, redis_url: str, spawn: Spawn
) -> None:
    lagging.change_alert_settings("450001", rules_enabled=["lag"])
    lagging.check_alerts(dt.date.fromisoformat(AS_OF))
    channel = add_channel(lagging, "wecom", wecom(http))
    http.answer_next(Answer(429, {"error": "slow down"}, {"Retry-After": "30"}))
    worker = spawn()
    with celery_client(redis_url) as client:
        task = send(client, "deliver", lag_alert_id(lagging), channel)
        (retry,) = worker.wait_for_log(rf"deliver\[{task}\] retry: Retry in \d+s")
    assert int(retry.split("Retry in ")[1].split("s")[0]) >= 30


# -------------------------------------------------------------- worker death


def start_hanging_delivery(
    app: BudgetTracker, http: HttpReceiver, redis_url: str, worker: Worker
) -> tuple[str, str]:
    """A lag check on the worker whose one delivery hangs at the receiver; returns
    (alert id, channel id) once the worker is stuck inside that delivery."""
    app.change_alert_settings("450001", rules_enabled=["lag"])
    channel = add_channel(app, "webhook", webhook(http))
    http.answer_next(Answer(200, {"received": True}, delay=8))
    with celery_client(redis_url) as client:
        send(client, "check_lag", AS_OF)
    wait_until(lambda: http.requests, 15, what="the delivery to reach the receiver")
    wait_until(lambda: worker.received("deliver"), 5, what="the deliver task on the worker")
    return lag_alert_id(app), channel


def assert_delivered_once(app: BudgetTracker, http: HttpReceiver, alert: str, channel: str) -> None:
    assert [a["id"] for a in app.alerts()] == [alert]
    assert [(r["channel"], r["outcome"]) for r in deliveries(app, alert_id=alert)] == [(channel, "delivered")]
    # at least once: the killed attempt reached the receiver too, with the same webhook-id
    # so the consumer can drop it (Standard Webhooks de-duplication)
    assert len(http.requests) == 2
    assert all(r.verified for r in http.requests)
    assert {r.headers["webhook-id"] for r in http.requests} == {f"{alert}:{channel}"}


SHORT_VISIBILITY = "3"  # seconds; TRACKER_VISIBILITY_TIMEOUT (production: 2 h)


def taken_ago(redis_url: str) -> float:
    """Seconds since a worker took the oldest message it has not acknowledged."""
    with redis_client(redis_url) as client:
        oldest = client.zrange("unacked_index", 0, 0, withscores=True)
    return time.time() - oldest[0][1] if oldest else 0.0


def test_a_worker_killed_during_delivery_leaves_the_message_for_the_next_worker(
    lagging: BudgetTracker, http: HttpReceiver, redis_url: str, spawn: Spawn
) -> None:
    """acks_late: the message a SIGKILLed worker held stays unacknowledged in Redis and
    comes back once older than the visibility timeout; a worker started after that
    picks it up at start-up (kombu sweeps abandoned messages then, and ~every 100 s)."""
    first = spawn("w1", TRACKER_VISIBILITY_TIMEOUT=SHORT_VISIBILITY)
    alert, channel = start_hanging_delivery(lagging, http, redis_url, first)
    first.kill()
    assert len(unacked_tags(redis_url)) == 1  # taken, not acknowledged
    wait_until(
        lambda: taken_ago(redis_url) > float(SHORT_VISIBILITY) + 0.5,
        10,
        what="the visibility timeout to pass",
    )
    second = spawn("w2", TRACKER_VISIBILITY_TIMEOUT=SHORT_VISIBILITY)
    (task,) = wait_until(lambda: second.received("deliver"), 15, what="the redelivered task")
    assert second.result_of("deliver", task) == "delivered"
    assert task in first.received("deliver")  # the very message the killed worker held
    assert unacked_tags(redis_url) == []
    assert_delivered_once(lagging, http, alert, channel)


def test_a_killed_pool_process_puts_its_delivery_back_at_once(
    lagging: BudgetTracker, http: HttpReceiver, redis_url: str, spawn: Spawn
) -> None:
    """task_reject_on_worker_lost: with the prefork pool the parent survives the child's
    SIGKILL, rejects the message with requeue and a fresh child delivers it."""
    worker = spawn("w1", pool="prefork")
    alert, channel = start_hanging_delivery(lagging, http, redis_url, worker)
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert len(children) == 1
    os.kill(int(children[0]), 9)
    worker.wait_for_log(r"WorkerLostError|exited with 'signal 9", 10)
    wait_until(lambda: deliveries(lagging, outcome="delivered"), 20, what="the requeued delivery")
    assert_delivered_once(lagging, http, alert, channel)
    assert len(worker.received("deliver")) == 2


# ------------------------------------------------------------- Redis restart


def test_the_worker_reconnects_after_redis_restarts_and_the_work_completes(
    lagging: BudgetTracker, http: HttpReceiver, tmp_path: Path, spawn: Spawn
) -> None:
    """A private redis-server with an append-only file (fsync always), so a restart keeps
    what was queued; restarted once while the worker idles and once while it delivers."""
    channel = add_channel(lagging, "webhook", webhook(http))
    with RedisServer(tmp_path / "redis", appendonly=True) as server:
        worker = spawn(redis=server.url())
        with celery_client(server.url()) as client:
            server.restart()  # idle: the worker's blocking read breaks, it must reconnect
            worker.wait_for_log(r"Connection to broker lost", 10)
            worker.wait_for_log(r"Connected to redis://", 20, count=2)
            wait_until(lambda: brpop_clients(server.url()), 15, what="the worker polling again")
            lagging.change_alert_settings("450001", rules_enabled=["lag"])
            first = send(client, "check_lag", AS_OF)  # through the client's stale pool
            assert worker.result_of("check_lag", first, timeout=20)["queued"] == 1
            wait_until(lambda: len(delivered_pairs(lagging)) == 1, 15, what="the first delivery")

            lagging.change_alert_settings("450001")  # all rules: two more alerts
            http.answer_next(Answer(200, {"received": True}, delay=3))
            second = send(client, "check_lag", AS_OF)
            wait_until(lambda: len(http.requests) == 2, 15, what="a delivery in flight")
            server.restart()  # busy: one delivery in flight, one still queued
        with redis_client(server.url()) as check:
            assert check.llen("tracker") + len(check.hkeys("unacked")) >= 1  # kept by the AOF
        wait_until(lambda: len(delivered_pairs(lagging)) == 3, 30, what="all three deliveries")
        assert worker.results("check_lag")[second]["queued"] == 2
        assert worker.alive
        assert unacked_tags(server.url()) == []
    alerts = lagging.alerts()
    assert delivered_pairs(lagging) == Counter({(a["id"], channel): 1 for a in alerts})
    assert len(alerts) == 3
    assert all(r.verified for r in http.requests)


# ------------------------------------------------------- one slot, one check


def results(workers: list[Worker], task: str) -> dict[str, Any]:
    """Return values of ``task`` by id across several workers' logs."""
    out: dict[str, Any] = {}
    for worker in workers:
        out |= worker.results(task)
    return out


def slot_ttl(redis_url: str, key: str) -> int:
    with redis_client(redis_url) as client:
        return int(client.ttl(key))


def test_two_scheduled_checks_for_one_slot_on_two_workers_run_one_lag_check(
    lagging: BudgetTracker, http: HttpReceiver, redis_url: str, spawn: Spawn
) -> None:
    channel = add_channel(lagging, "wecom", wecom(http))
    workers = [spawn("w1"), spawn("w2")]
    wait_until(lambda: brpop_clients(redis_url) >= 2, 10, what="both workers polling")
    with celery_client(redis_url) as client:
        tasks = [send(client, "scheduled_check", "daily", AS_OF) for _ in range(2)]
        wait_until(
            lambda: set(tasks) <= set(results(workers, "scheduled_check")), 20, what="both scheduled checks"
        )
    assert sorted(results(workers, "scheduled_check").values()) == ["already done", "queued"]
    assert all(w.received("scheduled_check") for w in workers)  # really one each, at once
    assert 0 < slot_ttl(redis_url, f"tracker:beat:daily:{AS_OF}") <= 3 * 86400
    wait_until(lambda: len(delivered_pairs(lagging)) == 3, 20, what="three deliveries")
    time.sleep(0.5)
    assert sum(len(w.received("check_lag")) for w in workers) == 1
    assert len(lagging.alerts()) == 3
    assert delivered_pairs(lagging) == Counter({(a["id"], channel): 1 for a in lagging.alerts()})
    assert len(http.requests) == 3


def test_two_beats_due_at_once_start_one_lag_check(
    tmp_path: Path, redis_url: str, db_url: str, spawn: Spawn
) -> None:
    """Two beats (two hosts, each its own schedule file) both find the daily check due
    at start-up (it last ran three days ago): both send it, the slot lets one through."""
    app = open_tracker(db_url)  # an empty store is enough: the check runs for today
    app.close()
    worker = spawn()
    env = tracker_env(redis_url, db_url, BASE_URL)
    beats = [
        Beat(
            f"beat{i}",
            env,
            tmp_path,
            backdated_schedule(tmp_path / f"beat{i}-schedule", env, "daily-lag-check"),
        )
        for i in (1, 2)
    ]
    try:
        for beat in beats:
            beat.start()
        for beat in beats:
            beat.wait_for_log(r"Sending due task daily-lag-check \(workers\.tasks\.scheduled_check\)")
        wait_until(lambda: len(worker.results("scheduled_check")) == 2, 20, what="two scheduled checks")
    finally:
        for beat in beats:
            beat.stop()
    assert sorted(worker.results("scheduled_check").values()) == ["already done", "queued"]
    (check,) = wait_until(lambda: list(worker.results("check_lag").values()), 15, what="the lag check")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert check["as_of"] in {today.isoformat(), (today - dt.timedelta(days=1)).isoformat()}
    assert slot_ttl(redis_url, f"tracker:beat:daily:{check['as_of']}") > 0  # Beijing midnight-safe
    assert all(
        "Sending due task" not in line or "daily-lag-check" in line
        for beat in beats
        for line in beat.log.splitlines()
    )
    assert len(worker.received("check_lag")) == 1


def test_two_deliveries_of_one_alert_at_once_post_it_once(
    lagging: BudgetTracker, http: HttpReceiver, redis_url: str, spawn: Spawn
) -> None:
    lagging.change_alert_settings("450001", rules_enabled=["lag"])
    lagging.check_alerts(dt.date.fromisoformat(AS_OF))
    channel = add_channel(lagging, "wecom", wecom(http))
    http.answer_next(
        Answer(200, {"errcode": 0, "errmsg": "ok"}, delay=1.5),
        Answer(200, {"errcode": 0, "errmsg": "ok"}, delay=1.5),
    )
    workers = [spawn("w1"), spawn("w2")]
    wait_until(lambda: brpop_clients(redis_url) >= 2, 10, what="both workers polling")
    with celery_client(redis_url) as client:
        tasks = [send(client, "deliver", lag_alert_id(lagging), channel) for _ in range(2)]
    wait_until(lambda: set(tasks) <= set(results(workers, "deliver")), 20, what="both deliveries")
    assert all(w.received("deliver") for w in workers)  # one each, at the same time
    assert len(http.requests) == 1
    assert len(deliveries(lagging, outcome="delivered")) == 1


# --------------------------------------------------------- bad configuration


def tracker_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``tracker`` command in its own process, as an administrator runs it."""
    env = {**os.environ, "TRACKER_DB": db_url, "TRACKER_USER": "管理员", "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=REPO,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_adding_a_dingtalk_channel_without_its_secret_exits_1_naming_the_field(
    lagging: BudgetTracker, db_url: str
) -> None:
    done = tracker_cli(
        db_url,
        "channels",
        "add",
        "450001",
        "--kind",
        "dingtalk",
        "--name",
        "钉钉",
        "--set",
        "token=env:DT_TOKEN",
    )
    assert done.returncode == 1
    assert "缺少加签密钥 secret（secret）" in done.stderr
    unknown = tracker_cli(db_url, "channels", "add", "450001", "--kind", "sms", "--name", "短信")
    assert unknown.returncode == 2  # a usage error: click lists the kinds there are
    assert "'sms' is not one of 'wecom', 'dingtalk', 'email', 'webhook'" in unknown.stderr
    assert lagging.channels() == []


def test_adding_a_channel_with_a_bad_configuration_prints_a_clear_error_not_a_traceback(
    lagging: BudgetTracker, db_url: str
) -> None:
    done = tracker_cli(
        db_url,
        "channels",
        "add",
        "450001",
        "--kind",
        "dingtalk",
        "--name",
        "钉钉",
        "--set",
        "token=env:DT_TOKEN",
    )
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("错误：")


def test_channel_tests_report_bad_configuration_clearly(lagging: BudgetTracker, db_url: str) -> None:
    closed = free_port()
    mail = add_channel(lagging, "email", mailbox(closed), "财务科邮箱")
    # the service layer stores what it is given; the CLI is the door that checks
    no_secret = add_channel(lagging, "dingtalk", {"token": "env:TEST_DINGTALK_TOKEN"}, "钉钉群")
    cases = {
        mail: f"渠道“财务科邮箱”测试失败：无法连接邮件服务器 127.0.0.1:{closed}：连接被拒绝",
        no_secret: "渠道“钉钉群”配置有误：缺少加签密钥 secret（secret）",
        "5bd15ad8-0000-4000-8000-000000000000": "渠道 5bd15ad8-0000-4000-8000-000000000000 不存在",
    }
    for channel, message in cases.items():
        done = tracker_cli(db_url, "channels", "test", channel)
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert done.stderr.startswith("错误："), done.stderr
        assert message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_bad_channels_are_refused_or_failed_and_the_worker_goes_on(
    lagging: BudgetTracker, http: HttpReceiver, tmp_path: Path, redis_url: str, spawn: Spawn
) -> None:
    lagging.change_alert_settings("450001", rules_enabled=["lag"])
    lagging.check_alerts(dt.date.fromisoformat(AS_OF))
    alert = lag_alert_id(lagging)
    ca_file = tmp_path / "internal-ca.pem"
    ca_file.write_text("not checked until used\n")
    # valid when stored, invalid when used: the CA file was removed since
    gone_ca = add_channel(lagging, "webhook", {**webhook(http), "ca_file": str(ca_file)}, "已删证书")
    ca_file.unlink()
    no_secret = add_channel(
        lagging, "dingtalk", {"token": "env:TEST_DINGTALK_TOKEN", "base_url": http.base_url}, "无密钥"
    )
    # a variable the worker's environment lacks: that delivery fails, recorded by name
    unset = add_channel(lagging, "wecom", {**wecom(http), "key": "env:TEST_NOT_IN_THE_WORKER"}, "未设变量")
    wrong_key = add_channel(
        lagging, "wecom", {**wecom(http), "key": "env:TEST_WECOM_KEY_REMOVED"}, "旧机器人"
    )
    good = add_channel(lagging, "wecom", wecom(http), "新机器人")
    worker = spawn()
    with celery_client(redis_url) as client:
        tasks = {
            name: send(client, "deliver", alert, channel)
            for name, channel in (
                ("gone_ca", gone_ca),
                ("no_secret", no_secret),
                ("unknown", "5bd15ad8-0000-4000-8000-000000000000"),
                ("unset", unset),
                ("wrong_key", wrong_key),
                ("good", good),
            )
        }
        got = {name: worker.result_of("deliver", task) for name, task in tasks.items()}
    assert got == {
        "gone_ca": "refused",
        "no_secret": "refused",
        "unknown": "refused",
        "unset": "failed",
        "wrong_key": "failed",
        "good": "delivered",
    }
    assert worker.alive
    assert "CA 证书文件（ca_file）不存在" in worker.log  # the refusal says what to fix
    assert "缺少加签密钥 secret（secret）" in worker.log
    history = [(r["channel"], r["attempt"], r["outcome"]) for r in deliveries(lagging, alert_id=alert)]
    assert history == [(unset, 1, "failed"), (wrong_key, 1, "failed"), (good, 1, "delivered")]
    assert "环境变量 TEST_NOT_IN_THE_WORKER 未设置" in deliveries(lagging, channel=unset)[0]["detail"]
    assert "93000" in deliveries(lagging, channel=wrong_key)[0]["detail"]
    assert [r.query.get("key") for r in http.requests] == ["wk-removed", "wk-good"]


# ------------------------------------------------------ two checks at once


def two_checks_at_once(app: BudgetTracker, http: HttpReceiver, redis_url: str, spawn: Spawn, db: str) -> None:
    channel = add_channel(app, "wecom", wecom(http))
    workers = [spawn("w1", db=db), spawn("w2", db=db)]
    wait_until(lambda: brpop_clients(redis_url) >= 2, 10, what="both workers polling")
    with celery_client(redis_url) as client:
        tasks = [send(client, "check_lag", AS_OF) for _ in range(2)]
    wait_until(lambda: set(tasks) <= set(results(workers, "check_lag")), 30, what="both checks")
    assert all(w.received("check_lag") for w in workers)  # one each, side by side
    checks = results(workers, "check_lag").values()
    assert sum(c["raised"] for c in checks) == 3
    assert sum(c["already_open"] for c in checks) == 3
    alerts = app.alerts()
    assert len(alerts) == 3
    expected = {(a["id"], channel) for a in alerts}
    wait_until(lambda: set(delivered_pairs(app)) == expected, 30, what="every alert delivered")


def test_two_lag_checks_at_once_raise_each_alert_once(
    lagging: BudgetTracker, http: HttpReceiver, redis_url: str, db_url: str, spawn: Spawn
) -> None:
    two_checks_at_once(lagging, http, redis_url, spawn, db_url)


@pytest.mark.postgres
def test_two_lag_checks_at_once_raise_each_alert_once_on_postgresql(
    pg_url: str, http: HttpReceiver, redis_url: str, spawn: Spawn
) -> None:
    app = make_lagging(open_tracker(pg_url))
    try:
        two_checks_at_once(app, http, redis_url, spawn, pg_url)
    finally:
        app.close()


# ------------------------------------------------ in-process, no worker needed


def test_recording_a_delivery_twice_with_one_request_id_records_it_once(lagging: BudgetTracker) -> None:
    lagging.check_alerts(dt.date.fromisoformat(AS_OF))
    alert = lag_alert_id(lagging)
    for _ in range(2):
        lagging.record_delivery(
            alert,
            channel="c1",
            recipient="r",
            attempt=1,
            outcome="delivered",
            request_id=f"delivered:{alert}:c1:1",
        )
    assert len(deliveries(lagging, alert_id=alert)) == 1


def test_a_delivered_alert_names_its_rule_in_chinese(lagging: BudgetTracker) -> None:
    from tracker.domain.alert import RULE_LABELS
    from tracker.notify.channels import render_alert
    from tracker.notify.delivery import alert_payload

    lagging.check_alerts(dt.date.fromisoformat(AS_OF))
    for alert in lagging.alerts():
        message = render_alert(alert_payload(lagging, alert))
        assert f"规则：{RULE_LABELS[alert['rule']]}" in message.markdown
