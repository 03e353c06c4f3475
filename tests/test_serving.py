"""Graceful drain of a real `guardrail serve` process on SIGTERM."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from service.standin import Script
from tests.support import ACME_KEY, ServeProcess

AUTH = {"authorization": f"Bearer {ACME_KEY}"}
BODY = {"model": "standin-lvlm", "stream": True, "messages": [{"role": "user", "content": "x"}]}


def test_sigterm_lets_streams_finish_and_refuses_new_requests(policies_dir: Path, standin: Any, tmp_path: Path) -> None:
    standin.script = Script(answer="A slow and careful answer. " * 8, chunk_chars=6, chunk_delay=0.05)
    received: list[str] = []
    with ServeProcess(
        policies_dir, f"{standin.url}/v1", tmp_path / "state", GUARDRAIL_SHUTDOWN_GRACE_SECONDS="20"
    ) as served:

        def read_stream() -> None:
            with httpx.stream("POST", f"{served.url}/v1/chat/completions", json=BODY, headers=AUTH, timeout=30) as r:
                received.extend(r.iter_lines())

        reader = threading.Thread(target=read_stream)
        reader.start()
        time.sleep(0.5)
        served.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        refused = httpx.post(f"{served.url}/v1/chat/completions", json={**BODY, "stream": False}, headers=AUTH)
        ready = httpx.get(f"{served.url}/readyz")
        reader.join(30)
        assert served.process.wait(30) == 0
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "shutting_down"
    assert ready.status_code == 503
    assert "server" not in refused.headers  # the process does not name its HTTP server
    data = [line for line in received if line.startswith("data: ")]
    assert data[-1] == "data: [DONE]" and '"guardrail"' in data[-2]
    chunks = [json.loads(line[6:]) for line in data[:-1]]
    text = "".join(c["delta"].get("content") or "" for chunk in chunks for c in chunk["choices"])
    assert text == "A slow and careful answer. " * 8
