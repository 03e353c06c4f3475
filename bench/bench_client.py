"""CPU per request of the guardrail's upstream client (`service.gateway.http1`) against the HTTP clients on PyPI.

Starts the instant upstream (bench/upstream_fast.py: a 127-word answer, or 40 content chunks) on core 0 and
sends requests one at a time from this process on core 1, with each client in turn, round after round, so noise
hits all alike. Reports this process's CPU time per request (the client's whole cost: building the request,
the event loop, parsing the answer), whole and streamed, and the ratio to `http1.Pool`.

    .venv/bin/python bench/bench_client.py [--requests 2000] [--rounds 3]

Other clients can join with `--with NAME` when installed (aiosonic, blacksheep); they were measured once, at
their October 2026 releases, and both cost more than aiohttp.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpx
import orjson
import uvloop
from harness import free_port, stop, wait_ready

from service.gateway.http1 import Pool

REPO = Path(__file__).resolve().parent.parent
BODIES = {
    stream: orjson.dumps(
        {"model": "bench-model", "stream": stream, "messages": [{"role": "user", "content": "Describe the photo."}]}
    )
    for stream in (False, True)
}
HEADERS = {"content-type": "application/json", "accept": "application/json"}
Run = Callable[[str, int, bool], Awaitable[None]]


async def with_http1(base: str, n: int, stream: bool) -> None:
    pool = Pool(base, connect_timeout=5, read_timeout=30, max_connections=4)
    head = pool.head("POST", "/v1/chat/completions", HEADERS)
    body = BODIES[stream]
    for _ in range(n):
        response = await pool.request(head, body)
        if stream:
            async for _piece in response.chunks():
                pass
        else:
            await response.read()
        response.release()
    await pool.aclose()


async def with_aiohttp(base: str, n: int, stream: bool) -> None:
    body = BODIES[stream]
    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            response = await session.request("POST", f"{base}/v1/chat/completions", data=body, headers=HEADERS)
            if stream:
                async for _piece in response.content.iter_any():
                    pass
            else:
                await response.read()
            response.release()


async def with_httpx(base: str, n: int, stream: bool) -> None:
    body = BODIES[stream]
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(n):
            async with client.stream("POST", "/v1/chat/completions", content=body, headers=HEADERS) as response:
                if stream:
                    async for _piece in response.aiter_raw():
                        pass
                else:
                    await response.aread()


async def with_aiosonic(base: str, n: int, stream: bool) -> None:
    import aiosonic  # type: ignore[import-not-found]  # noqa: PLC0415  (optional)

    client, body = aiosonic.HTTPClient(), BODIES[stream]
    for _ in range(n):
        response = await client.post(f"{base}/v1/chat/completions", data=body, headers=HEADERS)
        if stream:
            async for _piece in response.read_chunks():
                pass
        else:
            await response.content()


async def with_blacksheep(base: str, n: int, stream: bool) -> None:
    from blacksheep import Content  # type: ignore[import-not-found]  # noqa: PLC0415  (optional)
    from blacksheep.client import ClientSession  # type: ignore[import-not-found]  # noqa: PLC0415

    body = BODIES[stream]
    async with ClientSession() as client:
        for _ in range(n):
            response = await client.post(f"{base}/v1/chat/completions", Content(b"application/json", body))
            if stream:
                async for _piece in response.stream():
                    pass
            else:
                await response.read()


CLIENTS: dict[str, Run] = {"http1.Pool": with_http1, "aiohttp": with_aiohttp, "httpx": with_httpx}
OPTIONAL: dict[str, Run] = {"aiosonic": with_aiosonic, "blacksheep": with_blacksheep}


async def measure(clients: dict[str, Run], base: str, n: int, rounds: int) -> dict[tuple[str, bool], list[float]]:
    cpu: dict[tuple[str, bool], list[float]] = {}
    for run in clients.values():  # warm-up: imports, first connections
        for stream in (False, True):
            await run(base, 20, stream)
    for r in range(rounds):
        order = list(clients.items())
        order = order[r % len(order) :] + order[: r % len(order)]
        for name, run in order:
            for stream in (False, True):
                started = time.process_time()
                await run(base, n, stream)
                cpu.setdefault((name, stream), []).append((time.process_time() - started) / n * 1e6)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--with", dest="extra", action="append", default=[], choices=sorted(OPTIONAL))
    args = parser.parse_args()
    clients = {**CLIENTS, **{name: OPTIONAL[name] for name in args.extra}}
    port = free_port()
    upstream = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, str(REPO / "bench" / "upstream_fast.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/health", upstream)
        if len(os.sched_getaffinity(0)) > 1:
            os.sched_setaffinity(0, {1})
        cpu = uvloop.run(measure(clients, f"http://127.0.0.1:{port}", args.requests, args.rounds))
    finally:
        stop(upstream)
    base = {stream: statistics.median(cpu[("http1.Pool", stream)]) for stream in (False, True)}
    print(f"CPU per request, µs (median of {args.rounds} rounds of {args.requests}; range in brackets)\n")
    print("| client | whole answer | × http1.Pool | 40-chunk stream | × http1.Pool |")
    print("|---|--:|--:|--:|--:|")
    for name in clients:
        cells = []
        for stream in (False, True):
            values = cpu[(name, stream)]
            mid = statistics.median(values)
            cells += [f"{mid:.0f} [{min(values):.0f}-{max(values):.0f}]", f"{mid / base[stream]:.2f}×"]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
