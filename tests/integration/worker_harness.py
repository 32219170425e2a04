"""Real processes for the worker tests: Celery workers and beats started the way
production starts them (``celery -A workers.worker worker|beat``), and a private
``redis-server`` a test may restart or kill.

Nothing here runs tasks in eager mode: a test enqueues by name through a client app
built with ``make_celery(url)``, a real worker process takes the message from Redis,
and the test watches what arrives at its local receivers, in the database and in the
worker's log. Every wait is bounded (``wait_until``) so a broken worker fails a test
in seconds instead of hanging the run.
"""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, TypeVar

import redis
from celery import Celery
from conftest import service_unavailable
from receivers import free_port

from workers.celery_app import make_celery

REPO = Path(__file__).resolve().parents[2]
SHARED_REDIS_URL = os.environ.get("TRACKER_TEST_REDIS", "redis://127.0.0.1:6379/15")
QUEUE = "tracker"
T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 10.0, *, what: str = "", interval: float = 0.05
) -> T:
    """Poll until ``predicate()`` is truthy and return its value; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}")
        time.sleep(interval)


@contextmanager
def redis_client(url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        yield client
    finally:
        client.close()


def shared_redis(url: str = SHARED_REDIS_URL) -> str:
    """The shared Redis at a database index of its own, emptied; skip (fail under CI) if down."""
    with redis_client(url) as client:
        try:
            client.ping()
        except redis.RedisError as e:
            service_unavailable("Redis", f"{url}: {e}")
        client.flushdb()
    return url


def brpop_clients(url: str) -> int:
    """How many connections to this database are blocked waiting on a queue (idle workers
    ready to take a task: each takes the next message the moment it is pushed)."""
    with redis_client(url) as client:
        db = str(client.connection_pool.connection_kwargs.get("db", 0))
        return sum(
            1 for c in client.client_list() if c.get("cmd") in ("brpop", "blpop") and str(c.get("db")) == db
        )


def unacked_tags(url: str) -> list[str]:
    """Delivery tags of messages a worker took and has not acknowledged (kombu's Redis ack
    emulation keeps them in the ``unacked`` hash, indexed by time in ``unacked_index``)."""
    with redis_client(url) as client:
        return [t.decode() for t in client.hkeys("unacked")]


@contextmanager
def celery_client(url: str) -> Iterator[Celery]:
    """The producer side: the production app factory pointed at the test's Redis."""
    app = make_celery(url)
    try:
        yield app
    finally:
        app.close()


def send(client: Celery, task: str, *args: Any) -> str:
    """Enqueue a task by name (as beat and other processes do); return its id."""
    return str(client.send_task(f"workers.tasks.{task}", args=list(args)).id)


def tracker_env(
    redis_url: str, db_url: str, base_url: str = "https://tracker.example", **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env |= {
        "REDIS_URL": redis_url,
        "TRACKER_DB": db_url,
        "TRACKER_BASE_URL": base_url,
        "TRACKER_USER": "worker",
        "PYTHONUNBUFFERED": "1",
        "PYTHONWARNINGS": "ignore",
    }
    return env | extra


class Process:
    """One child process, its own session (so its pool children go with it), output in a file."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.argv, self.env, self.log_path = argv, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> Process:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, pattern: str, timeout: float = 15.0, count: int = 1) -> list[str]:
        """Lines matching ``pattern`` once there are ``count`` of them; fail early if it died."""
        rx = re.compile(pattern)

        def found() -> list[str]:
            lines = [line for line in self.log.splitlines() if rx.search(line)]
            if len(lines) < count and not self.alive:
                raise AssertionError(
                    f"{self.log_path.stem} exited ({self.returncode}) before {pattern!r}:\n{self.log[-3000:]}"
                )
            return lines if len(lines) >= count else []

        try:
            return wait_until(found, timeout, what=f"{pattern!r} in {self.log_path.name}")
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- log tail ---\n{self.log[-3000:]}") from None

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def _signal_group(self, sig: int) -> None:
        assert self.proc is not None
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL, no warning, no cleanup: what the OOM killer or a power cut does."""
        if self.proc is not None:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(10)
        self._close()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Celery's warm shutdown), then SIGKILL if it does not end in time."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        self._signal_group(signal.SIGKILL)  # strays (pool children) of this session only
        self.proc.wait(10)
        self._close()

    def _close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Worker(Process):
    """``celery -A workers.worker worker`` on the ``tracker`` queue, solo pool by default."""

    def __init__(self, name: str, env: dict[str, str], logdir: Path, *, pool: str = "solo") -> None:
        self.name = name
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.worker",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            "1",
            "-Q",
            QUEUE,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "INFO",
            "-n",
            f"{name}@%h",
        ]
        super().__init__(argv, env, logdir / f"{name}.log")

    def start(self, timeout: float = 20.0) -> Worker:
        """Start and wait for Celery's "ready." line (consumer connected, queue bound)."""
        super().start()
        self.wait_for_log(rf"{re.escape(self.name)}@\S+ ready\.", timeout)
        return self

    def received(self, task: str) -> list[str]:
        """Ids of ``workers.tasks.<task>`` messages this worker took (redeliveries included)."""
        return re.findall(rf"Task workers\.tasks\.{task}\[([0-9a-f-]+)\] received", self.log)

    def results(self, task: str) -> dict[str, Any]:
        """Return values of the successful runs of ``task`` by task id, from the log."""
        rx = rf"Task workers\.tasks\.{task}\[([0-9a-f-]+)\] succeeded in [0-9.e-]+s: (.*)$"
        return {m[0]: ast.literal_eval(m[1]) for m in re.findall(rx, self.log, re.M)}

    def result_of(self, task: str, task_id: str, timeout: float = 15.0) -> Any:
        self.wait_for_log(rf"Task workers\.tasks\.{task}\[{task_id}\] succeeded", timeout)
        return self.results(task)[task_id]


class Beat(Process):
    """``celery -A workers.worker beat`` with its own schedule file and pid file."""

    def __init__(self, name: str, env: dict[str, str], logdir: Path, schedule: Path) -> None:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.worker",
            "beat",
            "-s",
            str(schedule),
            "--pidfile",
            str(logdir / f"{name}.pid"),
            "-l",
            "INFO",
        ]
        super().__init__(argv, env, logdir / f"{name}.log")


BACKDATE = """
import datetime as dt, sys
from celery.beat import PersistentScheduler
from workers.celery_app import make_celery
app = make_celery(sys.argv[1])
scheduler = PersistentScheduler(app=app, schedule_filename=sys.argv[2])
entry = scheduler.schedule[sys.argv[3]]
entry.last_run_at = app.now() - dt.timedelta(days=int(sys.argv[4]))
scheduler.sync()
scheduler.close()
"""


def backdated_schedule(path: Path, env: dict[str, str], entry: str, days: int = 3) -> Path:
    """A beat schedule file in which ``entry`` last ran ``days`` ago, so a beat started on
    it finds the entry due at once (as after a beat that was down over its run time)."""
    subprocess.run(
        [sys.executable, "-c", BACKDATE, env["REDIS_URL"], str(path), entry, str(days)],
        cwd=REPO,
        env=env,
        check=True,
        timeout=30,
        capture_output=True,
    )
    return path


class RedisServer:
    """A private ``redis-server`` on a free port, for tests that restart or kill Redis."""

    def __init__(self, workdir: Path, *, appendonly: bool = False) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.appendonly = appendonly
        self.process: Process | None = None
        self.starts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "always",
            "--dir",
            str(self.workdir),
        ]
        self.starts += 1
        log = self.workdir / f"redis-{self.starts}.log"
        try:
            self.process = Process(argv, dict(os.environ), log).start()
        except FileNotFoundError as e:
            service_unavailable("redis-server", str(e))

        def ready() -> bool:
            with redis_client(self.url()) as client:
                try:
                    return bool(client.ping())
                except redis.ConnectionError:
                    return False

        wait_until(ready, 10, what=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port (clients must reconnect)."""
        self.stop()
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
