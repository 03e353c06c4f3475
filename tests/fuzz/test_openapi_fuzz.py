"""Schemathesis fuzzes every operation of the app's own OpenAPI document: never a 5xx, never a traceback.

Cases are drawn from schemathesis' strategies and run by hypothesis directly (bounded examples per operation).
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import ACME_KEY, LoopbackServer


def check(response: httpx.Response) -> None:
    assert response.status_code < 500 or response.status_code in (502, 503, 504), response.text
    assert "Traceback" not in response.text and ACME_KEY not in response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"]


def test_every_operation_survives_generated_input(app: FastAPI, standin: Any) -> None:
    with LoopbackServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.path for op in operations} >= {"/v1/chat/completions", "/v1/score", "/v1/models"}
        for operation in operations:  # noqa: B023 - each inner test runs before the loop moves on

            @given(case=operation.as_strategy(), key=st.sampled_from([ACME_KEY, "sk-wrong", "x"]))
            @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case: Any, key: str) -> None:
                kwargs = case.as_transport_kwargs(base_url=server.url)
                headers = {**(kwargs.get("headers") or {}), "authorization": f"Bearer {key}"}
                response = client.request(
                    kwargs["method"],
                    kwargs["url"],
                    headers=headers,
                    json=kwargs.get("json"),
                    content=kwargs.get("content") or kwargs.get("data"),
                    params=kwargs.get("params"),
                )
                check(response)

            run()
