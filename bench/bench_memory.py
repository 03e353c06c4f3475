"""Memory stays flat: guardrail RSS after 100,000 requests against RSS after 10,000.

Generates 100 tenants and 50 frames (every tenant may use every frame), starts the instant upstream
(bench/upstream_fast.py) and `guardrail serve`, then sends requests round-robin over every (tenant, frame)
pair, so all per-pair state (metric children, drift series) exists by the first reading and what is left to
grow is what should not. Prints RSS at each checkpoint and the ratio.

    .venv/bin/python bench/bench_memory.py [--requests 100000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import yaml
from harness import free_port, start_guardrail, stop, wait_ready

REPO = Path(__file__).resolve().parent.parent
TENANTS, FRAMES = 100, 50


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def write_policies(root: Path) -> list[tuple[str, str]]:
    """100 tenants x 50 frames; returns (key, frame) for every pair."""
    instruction = yaml.safe_load((REPO / "policies" / "frames" / "neutral-global.yaml").read_text())["instruction"]
    (root / "frames").mkdir(parents=True)
    (root / "tenants").mkdir()
    frames = [f"frame-{i:02d}" for i in range(FRAMES)]
    for frame in frames:
        (root / "frames" / f"{frame}.yaml").write_text(
            yaml.safe_dump({"id": frame, "name": frame, "instruction": f"{instruction}\n({frame})"})
        )
    pairs = []
    for t in range(TENANTS):
        tenant, key = f"tenant-{t:03d}", f"sk-bench-{t:03d}"
        digest = hashlib.sha256(key.encode()).hexdigest()
        doc = {
            "id": tenant,
            "api_keys": [{"name": "bench", "sha256": digest}],
            "default_frame": frames[0],
            "allowed_frames": frames,
        }
        (root / "tenants" / f"{tenant}.yaml").write_text(yaml.safe_dump(doc))
        pairs += [(key, frame) for frame in frames]
    return pairs


async def drive(
    url: str, pairs: list[tuple[str, str]], total: int, concurrency: int, pid: int, checkpoints: list[int]
) -> dict[int, float]:
    readings: dict[int, float] = {}
    cycle = itertools.cycle(pairs)
    sent = 0
    errors = 0
    lock = asyncio.Lock()
    body = b'{"model": "bench-model", "messages": [{"role": "user", "content": "Describe the photo."}]}'

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal sent, errors
        while True:
            async with lock:
                if sent >= total:
                    return
                sent += 1
                key, frame = next(cycle)
                if sent in checkpoints:
                    readings[sent] = rss_mib(pid)
            headers = {"authorization": f"Bearer {key}", "x-cultural-frame": frame, "content-type": "application/json"}
            async with session.post(url, data=body, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    errors += 1

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    readings[total] = rss_mib(pid)
    if errors:
        raise SystemExit(f"{errors} requests failed")
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    pairs = write_policies(work / "policies")
    up_port, g_port = free_port(), free_port()
    upstream = subprocess.Popen([sys.executable, str(REPO / "bench" / "upstream_fast.py"), "--port", str(up_port)])
    guard = start_guardrail(g_port, up_port, work / "policies", work / "state")
    try:
        wait_ready(f"http://127.0.0.1:{up_port}/health", upstream)
        wait_ready(f"http://127.0.0.1:{g_port}/readyz", guard)
        time.sleep(2)
        start_rss = rss_mib(guard.pid)
        first = args.requests // 10
        started = time.monotonic()
        readings = asyncio.run(
            drive(
                f"http://127.0.0.1:{g_port}/v1/chat/completions",
                pairs,
                args.requests,
                args.concurrency,
                guard.pid,
                [first],
            )
        )
        elapsed = time.monotonic() - started
        print(
            f"{TENANTS} tenants x {FRAMES} frames, {args.requests} requests round-robin over {len(pairs)} pairs "
            f"in {elapsed:.0f} s"
        )
        print("| requests | guardrail RSS (MiB) |\n|---:|---:|")
        print(f"| 0 (started) | {start_rss:.1f} |")
        for n in sorted(readings):
            print(f"| {n:,} | {readings[n]:.1f} |")
        print(f"\nRSS after {args.requests:,} / after {first:,}: {readings[args.requests] / readings[first]:.3f}")
    finally:
        stop(guard, upstream)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
