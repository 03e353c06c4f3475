"""What the simple benchmarks share: free loopback ports, starting `guardrail serve`, waiting until ready."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_guardrail(port: int, upstream_port: int, policies: Path, state: Path) -> subprocess.Popen[bytes]:
    """`guardrail serve` on loopback in front of an upstream on `upstream_port`, its log discarded."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--port",
            str(port),
            "--upstream",
            f"http://127.0.0.1:{upstream_port}/v1",
            "--policies",
            str(policies),
            "--state-dir",
            str(state),
        ],
        env={**os.environ, "GUARDRAIL_WATCH_POLICIES": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(
    url: str, proc: subprocess.Popen[bytes], seconds: float = 60, name: str = "", detail: Callable[[], str] = str
) -> None:
    """Poll `url` until it answers 200; exit with `detail()` (a log tail, say) if `proc` dies or time runs out."""
    what = name or f"the process for {url}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited before it was ready\n{detail()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} not ready at {url} after {seconds:.0f} s\n{detail()}")


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        proc.terminate()
        proc.wait(10)
