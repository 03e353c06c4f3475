"""Latency the guardrail adds to one request, against calling the upstream stand-in directly.

Starts the vLLM wire-format stand-in and `guardrail serve` as separate processes on loopback, then sends
requests one at a time, alternating direct and guarded calls so machine noise hits both alike. Prints p50/p99
of each path and of the difference, for non-streamed and streamed answers.

    .venv/bin/python bench/bench_overhead.py [--requests 400]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from harness import free_port, start_guardrail, stop, wait_ready

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-demo-acme-0c7a51f2d9e84b36"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    up_port, g_port = free_port(), free_port()
    upstream = subprocess.Popen([sys.executable, "-m", "service.cli", "standin", "--port", str(up_port)])
    guard = start_guardrail(g_port, up_port, REPO / "policies", Path("/tmp/bench-state"))
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
        stop(guard, upstream)


if __name__ == "__main__":
    main()
