"""A client that goes away mid-stream makes the guardrail cancel its upstream request."""

from __future__ import annotations

import time
from typing import Any

import httpx
from fastapi import FastAPI

from service.standin import Script
from tests.support import ACME_KEY, LoopbackServer


def test_client_disconnect_cancels_the_upstream_stream(app: FastAPI, standin: Any, registry: Any) -> None:
    standin.script = Script(answer="word " * 400, chunk_chars=5, chunk_delay=0.01)
    with LoopbackServer(app) as server:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            with c.stream(
                "POST",
                "/v1/chat/completions",
                headers={"authorization": f"Bearer {ACME_KEY}"},
                json={"model": "standin-lvlm", "stream": True, "messages": [{"role": "user", "content": "x"}]},
            ) as r:
                lines = r.iter_lines()
                assert next(lines).startswith("data: ")
        deadline = time.monotonic() + 5
        while standin.disconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert standin.disconnects == 1
    assert (
        registry.get_sample_value(
            "guardrail_requests_total", {"tenant": "acme-news", "frame": "neutral-global", "outcome": "cancelled"}
        )
        == 1
    )
