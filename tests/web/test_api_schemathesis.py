"""Schemathesis over the API's own OpenAPI document, against the WSGI app in process.

Every operation is called with cases generated from the document, valid ones and
invalid ones, once with an auditor's token (reads everything, may change nothing),
once with an officer's (records in one unit) and once with an administrator's (units,
accounts, settings, channels; the accounts it may touch are a throwaway one's): no answer may be a 5xx, every
answer must be documented and match its schema (status code, content type, body),
and an invalid request must be refused (4xx). The run is deterministic
(``derandomize``) and small enough to stay within a minute; raise ``EXAMPLES`` for a
deeper run by hand (60/40 found nothing more than the committed settings).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from webdata import TODAY, seed

from web import create_app

EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class World:
    app: Flask
    tokens: dict[str, str]
    known: dict[str, Any]  # real path parameters: P1, one of its payments, an indicator, an alert


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db: Path = tmp_path_factory.mktemp("api-fuzz") / "web.db"
    app = create_app(
        {
            "TESTING": True,
            "TRACKER_DB": f"sqlite:///{db}",
            "SECRET_KEY": "test-secret",
            "TRACKER_TODAY": TODAY,
        }
    )
    seed(app)
    tracker = app.extensions["tracker"]
    tokens = {
        name: tracker.create_token(name, label="schemathesis")[1]
        for name in ("auditor1", "officer1", "admin1")
    }
    tracker.add_user("fuzzed", roles=["auditor"], password="fuzzed-password", user="种子")
    token_id, _ = tracker.create_token("fuzzed", label="可撤销")
    channel = tracker.add_channel(
        "450002", name="测试渠道", kind="wecom", config={"key": "env:TRACKER_FUZZ_NO_KEY"}, user="种子"
    )
    indicator = tracker.add_indicator(
        "P1", level1="产出指标", level2="数量指标", name="宣传场次", target="≥20场", user="种子"
    )
    tracker.check_alerts(TODAY, year=2024, user="预警检查")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {tokens['auditor1']}"}
    payment = client.get("/api/v1/projects/2024/P1/payments", headers=auth).get_json()["data"][0]["id"]
    alert = next(a["id"] for a in client.get("/api/v1/alerts", headers=auth).get_json()["data"])
    known = {
        "year": 2024,
        "code": "P1",
        "payment_id": payment,
        "indicator_id": str(indicator),
        "alert_id": alert,
        "name": "fuzzed",
        "role": "auditor",
        "token_id": str(token_id),
        "channel_id": str(channel),
        "table": "summary",
    }
    yield World(app, tokens, known)
    tracker.close()


def fuzz(schema: Any, token: str, mode: GenerationMode, known: dict[str, Any]) -> list[str]:
    """Run every operation with generated cases; return the operations exercised.

    Valid cases name real objects in the path (P1, its payment, ...), so reads and
    writes get past the lookups; invalid ones are generated whole.
    """
    headers = {"Authorization": f"Bearer {token}"}
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
    done = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = None
        if mode is GenerationMode.POSITIVE:
            fixed = {k: v for k, v in known.items() if "{" + k + "}" in operation.path} or None

        @settings(
            max_examples=EXAMPLES[mode],
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        def exercise(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks, headers=headers)

        exercise()
        done.append(operation.label)
    return done


@pytest.mark.slow
@pytest.mark.parametrize("who", ["auditor1", "officer1", "admin1"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_server_error_and_every_answer_matches_the_document(
    world: World, who: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)
    done = fuzz(schema, world.tokens[who], mode, world.known)
    assert "POST /api/v1/payments" in done
    assert "GET /api/v1/status" in done
    assert {"POST /api/v1/projects", "POST /api/v1/imports", "GET /api/v1/exports/{table}"} <= set(done)
    assert len(done) >= 40
