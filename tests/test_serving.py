"""Graceful drain of a real `guardrail serve` process on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from service.standin import Script
from tests.support import ACME_KEY

AUTH = {"authorization": f"Bearer {ACME_KEY}"}
BODY = {"model": "standin-lvlm", "stream": True, "messages": [{"role": "user", "content": "x"}]}


def test_sigterm_lets_streams_finish_and_refuses_new_requests(policies_dir: Path, standin: Any, tmp_path: Path) -> None:
    standin.script = Script(answer="A slow and careful answer. " * 8, chunk_chars=6, chunk_delay=0.05)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--port",
            str(port),
            "--policies",
            str(policies_dir),
            "--upstream",
            f"{standin.url}/v1",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "GUARDRAIL_WATCH_POLICIES": "false", "GUARDRAIL_SHUTDOWN_GRACE_SECONDS": "20"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        received: list[str] = []

        def read_stream() -> None:
            with httpx.stream("POST", f"{base}/v1/chat/completions", json=BODY, headers=AUTH, timeout=30) as r:
                received.extend(r.iter_lines())

        reader = threading.Thread(target=read_stream)
        reader.start()
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        refused = httpx.post(f"{base}/v1/chat/completions", json={**BODY, "stream": False}, headers=AUTH)
        ready = httpx.get(f"{base}/readyz")
        reader.join(30)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "shutting_down"
    assert ready.status_code == 503
    data = [line for line in received if line.startswith("data: ")]
    assert data[-1] == "data: [DONE]" and '"guardrail"' in data[-2]
    chunks = [json.loads(line[6:]) for line in data[:-1]]
    text = "".join(c["delta"].get("content") or "" for chunk in chunks for c in chunk["choices"])
    assert text == "A slow and careful answer. " * 8
