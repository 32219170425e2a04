"""The load test's users (locust): finance officers recording payments through the
JSON API and managers opening the dashboard through a signed-in session.

Started by ``bench/load/run.py``, which seeds the accounts and passes them in the file
named by ``LOAD_ACCOUNTS``; every payment request (its Idempotency-Key, token and body,
noted before it is sent) and every accepted one (with the id answered) are written to
``LOAD_ACCEPTED`` when locust quits, so the runner can retry the requests whose answer
never arrived and compare the payments with the store and the read models.

The users are ``FastHttpUser`` (geventhttpclient), not the requests-based ``HttpUser``:
locust runs on the machine it measures, and the lighter client leaves more of the two
cores to gunicorn and PostgreSQL (its own CPU per request is several times lower).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser

ACCOUNTS: dict[str, Any] = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text(encoding="utf-8"))
_officers = itertools.count()
_managers = itertools.count()
sent: dict[str, dict[str, Any]] = {}  # Idempotency-Key -> token and body, before sending
accepted: dict[str, str] = {}  # Idempotency-Key -> the payment id answered
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def steady(period: float) -> Callable[[Any], float]:
    """A wait time that keeps each user on its own schedule: one task every ``period``
    seconds from a random first moment (set by ``start_at_random``).

    Locust's ``constant_pacing`` cannot do this: it measures its first period from the
    user's creation, so a random sleep in ``on_start`` is taken back by a shorter first
    wait, and every user is again in step from its second task on (50 officers paying in
    the same few milliseconds of every second, 20 managers opening the dashboard
    together every two seconds: bursts no real office makes). Here the schedule is kept
    from the user's own first task. After a task that overran its period the next one
    starts at once, and a user never falls more than one period behind its schedule
    (no storm of catching up after a stall)."""

    def wait(user: Any) -> float:
        now = time.perf_counter()
        user.due = max(user.due + period, now - period)
        return max(0.0, user.due - now)

    return wait


def start_at_random(user: Any, period: float) -> None:
    """Sleep a random part of the first period, and start the user's schedule there."""
    gevent.sleep(random.uniform(0, period))
    user.due = time.perf_counter()


class Officer(FastHttpUser):
    """Records a payment about once a second, with its own Idempotency-Key."""

    fixed_count = int(os.environ.get("LOAD_OFFICERS", "50"))
    wait_time = steady(1)

    def on_start(self) -> None:
        me = ACCOUNTS["officers"][next(_officers) % len(ACCOUNTS["officers"])]
        self.token, self.projects = me["token"], me["projects"]
        self.rnd = random.Random()
        start_at_random(self, 1)

    @task
    def pay(self) -> None:
        body = {
            "project": self.rnd.choice(self.projects),
            "year": ACCOUNTS["year"],
            "amount": f"{self.rnd.randint(100, 99999) / 100:.2f}",
            "date": ACCOUNTS["today"],
            "payee": "负载测试收款人",
        }
        key = uuid.uuid4().hex
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        sent[key] = {"token": self.token, "body": body}
        with self.client.post(
            "/api/v1/payments", json=body, headers=headers, name="POST /api/v1/payments", catch_response=True
        ) as response:
            if response.status_code == 201:
                accepted[key] = response.json()["data"]["id"]
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Manager(FastHttpUser):
    """Signs in through the form once, then opens the dashboard about every two seconds."""

    fixed_count = int(os.environ.get("LOAD_MANAGERS", "20"))
    wait_time = steady(2)

    def on_start(self) -> None:
        me = ACCOUNTS["managers"][next(_managers) % len(ACCOUNTS["managers"])]
        page = self.client.get("/login", name="GET /login")
        token = CSRF.search(page.text)
        form = {"csrf_token": token.group(1) if token else "", "name": me["name"], "password": me["password"]}
        self.client.post("/login", data=form, name="POST /login", allow_redirects=False)
        start_at_random(self, 2)

    @task
    def dashboard(self) -> None:
        with self.client.get("/", name="GET / (dashboard)", catch_response=True) as response:
            if response.status_code == 200 and ACCOUNTS["marker"] in response.text:
                response.success()
            else:
                response.failure(f"{response.status_code}: no dashboard")


@events.quitting.add_listener
def write_accepted(**_: Any) -> None:
    with open(os.environ["LOAD_ACCEPTED"], "w", encoding="utf-8") as f:
        json.dump({"sent": sent, "accepted": accepted}, f)
