"""Test doubles and helpers shared by the suites: a cue-word scorer and a loopback uvicorn server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from service.classifier.types import DIMENSIONS, Assessment, Span

ACME_KEY = "sk-demo-acme-0c7a51f2d9e84b36"
LUMEN_KEY = "sk-demo-lumen-9d41b6e3a0f75c28"

CUES = {
    "exoticizing": r"\b(exotic|mysterious|otherworldly)\b",
    "western_default": r"\b(india's christmas|to western eyes)\b",
    "devaluing": r"\b(primitive|superstitious|crude)\b",
    "local_grounding": r"\b(diyas?|kolam|hatsum[oō]de)\b",
    "care": r"\bcompassion\b",
    "sanctity": r"\bdevotion\b",
    "refusal": r"\bI can(?:no|')t determine\b",
}


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class CueScorer:
    """Scores 0.9 when a dimension's cue word appears, else 0.05. Stands in for the learned classifier."""

    version = "cue-test-1"
    default_thresholds: Mapping[str, float] = {d: 0.5 for d in DIMENSIONS}

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail = False
        self._patterns = {d: re.compile(p, re.IGNORECASE) for d, p in CUES.items()}

    def score(self, text: str, thresholds: Mapping[str, float] | None = None) -> Assessment:
        self.calls.append(text)
        if self.fail:
            raise RuntimeError("planted classifier failure")
        limits = {**self.default_thresholds, **(thresholds or {})}
        scores: dict[str, float] = {}
        evidence: dict[str, list[Span]] = {}
        for dim in DIMENSIONS:
            pattern = self._patterns.get(dim)
            hits = list(pattern.finditer(text)) if pattern else []
            scores[dim] = 0.9 if hits else 0.05
            if hits:
                evidence[dim] = [Span(m.start(), m.end(), m.group(0)) for m in hits]
        flags = {d: scores[d] >= limits[d] for d in DIMENSIONS}
        return Assessment(scores, flags, evidence, self.version)


class LoopbackServer:
    """Runs an ASGI app under a real uvicorn on 127.0.0.1, in a thread."""

    def __init__(self, app: Any, **config: Any) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._sock = sock
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **config))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self._sock.close()


class ServeProcess:
    """A real `guardrail serve` process on a free loopback port (signal handling needs a real main thread)."""

    def __init__(self, policies: Path, upstream: str, state: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = state.parent / f"serve-{self.port}.log"
        self._args = [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--port",
            str(self.port),
            "--policies",
            str(policies),
            "--upstream",
            upstream,
            "--state-dir",
            str(state),
        ]
        self._env = {**os.environ, "GUARDRAIL_WATCH_POLICIES": "false", **env}

    def __enter__(self) -> ServeProcess:
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(self._args, stdout=self._log_file, stderr=subprocess.STDOUT, env=self._env)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/healthz").status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"guardrail serve did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log_file.close()
