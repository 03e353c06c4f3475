"""A bounded soak: steady concurrent traffic through a real uvicorn; nothing lost, nothing altered, nothing leaked."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from service.standin import Script
from tests.support import ACME_KEY, LoopbackServer

SECONDS = 6.0
CLIENTS = 8


def test_soak_streams_arrive_byte_identical_and_nothing_leaks(app: FastAPI, standin: Any, registry: Any) -> None:
    standin.script = Script(chunk_chars=7, record_sent=True)
    with LoopbackServer(app) as server:
        results = asyncio.run(_traffic(server.url))
        services = app.state.services
        pool = services.upstream.pool
        deadline = time.monotonic() + 5
        while (server.server.server_state.tasks or pool.busy) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not server.server.server_state.tasks, "request tasks left running"
        assert not pool.busy, "upstream connections left checked out"
    streams = [r for r in results if r[0] == "stream"]
    plain = [r for r in results if r[0] == "json"]
    assert len(streams) > 20 and len(plain) > 20
    assert all(status == 200 for _, status, _ in results)
    for _, _, raw in streams:
        events = raw.split(b"\n\n")
        assert events[-1] == b"" and events[-2] == b"data: [DONE]"
        verdict = orjson.loads(events[-3][6:])
        assert verdict["choices"] == [] and "guardrail" in verdict
        upstream_bytes = b"\n\n".join(events[:-3]) + b"\n\n" + b"data: [DONE]\n\n"
        assert upstream_bytes == standin.sent[verdict["id"]]
    total = registry.get_sample_value(
        "guardrail_requests_total", {"tenant": "acme-news", "frame": "neutral-global", "outcome": "ok"}
    )
    assert total == len(results)


async def _traffic(base: str) -> list[tuple[str, int, bytes]]:
    results: list[tuple[str, int, bytes]] = []
    stop = time.monotonic() + SECONDS

    async def client(n: int) -> None:
        stream = n % 2 == 0
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            while time.monotonic() < stop:
                body = {"model": "standin-lvlm", "stream": stream, "messages": [{"role": "user", "content": "x"}]}
                r = await c.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {ACME_KEY}"})
                results.append(("stream" if stream else "json", r.status_code, r.content))
                await asyncio.sleep(0.01)

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return results
