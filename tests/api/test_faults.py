"""Upstream faults: each has a clear client-visible outcome, a metric, and leaves no connection busy."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from service.standin import Script
from tests.support import ACME_KEY

pytestmark = pytest.mark.anyio
AUTH = {"authorization": f"Bearer {ACME_KEY}"}


def body(stream: bool) -> dict[str, Any]:
    return {"model": "standin-lvlm", "stream": stream, "messages": [{"role": "user", "content": "x"}]}


def last_events(text: str) -> list[Any]:
    out = []
    for block in text.split("\n\n"):
        if block.startswith("data: "):
            out.append(block[6:] if block[6:] == "[DONE]" else orjson.loads(block[6:]))
    return out


def busy_connections(client: httpx.AsyncClient) -> int:
    """Upstream connections checked out of the pool (none may stay busy after a request ends)."""
    app = client._transport.app  # type: ignore[attr-defined]
    busy: int = app.state.services.upstream.pool.busy
    return busy


@pytest.mark.parametrize(
    ("script", "stream", "status", "kind"),
    [
        (Script(garbage=b"<html>502 Bad Gateway</html>"), False, 502, "upstream_error"),
        (Script(garbage=b"this is not server-sent events\n\n"), True, 200, "stream_cut"),
        (Script(fail_status=503, fail_message="overloaded"), False, 503, None),
        (Script(fail_status=500, fail_message="engine died"), True, 502, None),
        (Script(hang_before_headers=5), True, 504, None),
        (Script(hang_after=2, hang_seconds=5), True, 200, "stream_timeout"),
        (Script(cut_after=2), True, 200, "stream_broken"),
    ],
    ids=["garbage-json", "garbage-sse", "503", "500-stream", "hang-headers", "hang-mid-stream", "reset"],
)
async def test_fault_outcomes(
    client: httpx.AsyncClient, standin: Any, registry: Any, script: Script, stream: bool, status: int, kind: str | None
) -> None:
    standin.script = script
    started = time.monotonic()
    r = await client.post("/v1/chat/completions", json=body(stream), headers=AUTH)
    assert time.monotonic() - started < 4.5  # the configured upstream timeout is 2 s
    assert r.status_code == status
    if status == 200:
        events = last_events(r.text)
        assert events[-1] == "[DONE]" and "error" in events[-2]
        assert "Traceback" not in r.text
    else:
        assert set(r.json()["error"]) == {"message", "type", "param", "code"}
    if kind is not None and kind != "upstream_error":
        assert registry.get_sample_value("guardrail_upstream_errors_total", {"kind": kind}) == 1
    assert (
        registry.get_sample_value(
            "guardrail_requests_total", {"tenant": "acme-news", "frame": "neutral-global", "outcome": "upstream_error"}
        )
        == 1
    )
    assert busy_connections(client) == 0


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_a_10_mb_answer_passes_whole_and_is_scored(client: httpx.AsyncClient, standin: Any, stream: bool) -> None:
    answer = "The market is busy and colourful today. " * 262_144  # 10 MiB
    standin.script = Script(answer=answer, chunk_chars=65_536)
    r = await client.post("/v1/chat/completions", json=body(stream), headers=AUTH)
    assert r.status_code == 200
    if stream:
        events = last_events(r.text)
        text = "".join(c["delta"].get("content") or "" for e in events[:-1] for c in e.get("choices", []))
        assert text == answer and "guardrail" in events[-2]
    else:
        assert r.json()["choices"][0]["message"]["content"] == answer and "guardrail" in r.json()
    assert busy_connections(client) == 0
