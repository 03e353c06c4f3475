"""Real vLLM servers (CPU build) for the integration suite: one at a time, started by scripts/vllm/serve.sh.

Each test module names its model with `VLLM_KIND` (a kind serve.sh knows: "smollm2", "tiny-vlm"); the
module-scoped `vllm` fixture starts that server and `guardrail` puts the app in front of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
from prometheus_client import CollectorRegistry

from service.app import create_app
from service.settings import Settings
from tests.support import LoopbackServer, free_port

REPO = Path(__file__).resolve().parents[2]
READY_SECONDS = 600


@dataclass
class VllmServer:
    """A running vLLM OpenAI server and its log."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path
    log_file: BinaryIO

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log_file.close()


def start_vllm(kind: str, log_dir: Path) -> Iterator[VllmServer]:
    port = free_port()
    log = log_dir / f"vllm-{kind}.log"
    log_file = log.open("wb")
    process = subprocess.Popen(
        ["bash", str(REPO / "scripts" / "vllm" / "serve.sh"), kind, str(port)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = VllmServer(process, f"http://127.0.0.1:{port}", log, log_file)
    deadline = time.monotonic() + READY_SECONDS
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"vLLM ({kind}) exited:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vLLM ({kind}) not ready in {READY_SECONDS}s:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield server
    finally:
        server.stop()


def guardrail_for(upstream: str, tmp: Path) -> Iterator[LoopbackServer]:
    settings = Settings(
        upstream_url=f"{upstream}/v1",
        policies_dir=REPO / "policies",
        state_dir=tmp / "state",
        watch_policies=False,
        upstream_timeout=120,
    )
    with LoopbackServer(create_app(settings, registry=CollectorRegistry())) as server:
        yield server


@pytest.fixture(scope="module")
def vllm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VllmServer]:
    yield from start_vllm(request.module.VLLM_KIND, tmp_path_factory.mktemp("vllm-logs"))


@pytest.fixture(scope="module")
def guardrail(vllm: VllmServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServer]:
    yield from guardrail_for(vllm.url, tmp_path_factory.mktemp("guardrail"))
