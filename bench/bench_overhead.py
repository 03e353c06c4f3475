"""Latency the guardrail adds to one request, against calling the upstream stand-in directly.

Starts the vLLM wire-format stand-in and `guardrail serve` as separate processes on loopback, then sends
requests one at a time, alternating direct and guarded calls so machine noise hits both alike. Prints p50/p99
of each path and of the difference, for non-streamed and streamed answers.

    .venv/bin/python bench/bench_overhead.py [--requests 400]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-demo-acme-0c7a51f2d9e84b36"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process for {url} exited")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} not ready")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    up_port, g_port = free_port(), free_port()
    env = {**os.environ, "GUARDRAIL_WATCH_POLICIES": "false"}
    upstream = subprocess.Popen([sys.executable, "-m", "service.cli", "standin", "--port", str(up_port)], env=env)
    guard = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--port",
            str(g_port),
            "--upstream",
            f"http://127.0.0.1:{up_port}/v1",
            "--policies",
            str(REPO / "policies"),
            "--state-dir",
            "/tmp/bench-state",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{up_port}/health", upstream)
        wait_ready(f"http://127.0.0.1:{g_port}/readyz", guard)
        rows = []
        for stream in (False, True):
            body = {
                "model": "standin-lvlm",
                "stream": stream,
                "messages": [{"role": "user", "content": "Describe the photo."}],
            }
            direct: list[float] = []
            guarded: list[float] = []
            with httpx.Client(timeout=30) as client:
                for i in range(args.requests + 20):
                    for target, sink in (
                        (f"http://127.0.0.1:{up_port}", direct),
                        (f"http://127.0.0.1:{g_port}", guarded),
                    ):
                        t0 = time.perf_counter()
                        r = client.post(
                            f"{target}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {KEY}"}
                        )
                        r.read()
                        elapsed = time.perf_counter() - t0
                        assert r.status_code == 200, r.text
                        if i >= 20:  # warm-up
                            sink.append(elapsed)
            added = [g - d for g, d in zip(guarded, direct, strict=True)]
            rows.append(("stream" if stream else "non-stream", direct, guarded, added))
        print(
            f"{'mode':<11} {'direct p50':>11} {'direct p99':>11} {'guarded p50':>12} {'guarded p99':>12}"
            f" {'added p50':>10} {'added p99':>10} {'ratio p50':>10}"
        )
        for name, direct, guarded, added in rows:
            print(
                f"{name:<11} {pct(direct, 0.5) * 1e3:>9.2f}ms {pct(direct, 0.99) * 1e3:>9.2f}ms "
                f"{pct(guarded, 0.5) * 1e3:>10.2f}ms {pct(guarded, 0.99) * 1e3:>10.2f}ms "
                f"{statistics.median(added) * 1e3:>8.2f}ms {pct(added, 0.99) * 1e3:>8.2f}ms "
                f"{pct(guarded, 0.5) / pct(direct, 0.5):>9.2f}x"
            )
        print(f"({args.requests} sequential requests per cell, alternating direct and guarded, one client)")
    finally:
        for proc in (guard, upstream):
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
