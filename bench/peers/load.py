"""Requests: checking each target, wrk's closed loop, and the fixed-rate open-loop client."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httptools
import httpx
import uvloop
from upstream_fast import ANSWER

from peers.procstat import Meter
from peers.shared import FIRST_CONTENT, LOAD_CORE, MODEL, PROMPT, Target, pct
from peers.stack import Stack

# ---------------------------------------------------------------- requests


def body(stream: bool) -> bytes:
    return json.dumps(
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": 256,
            "temperature": 0,
            "stream": stream,
        },
        separators=(",", ":"),
    ).encode()


def check_target(target: Target, stream: bool) -> None:
    """One request, checked: HTTP 200 and the upstream's whole answer, streamed event by event when asked."""
    url = f"http://127.0.0.1:{target.port}/v1/chat/completions"
    headers = {**target.headers, "content-type": "application/json"}
    r = httpx.post(url, content=body(stream), headers=headers, timeout=30)
    if r.status_code != 200:
        raise SystemExit(f"{target.name}: HTTP {r.status_code}: {r.text[:300]}")
    if not stream:
        text = r.json()["choices"][0]["message"]["content"]
        events = 1
    else:
        parts = []
        events = 0
        for line in r.text.split("\n"):
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            for choice in chunk.get("choices") or ():
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    parts.append(piece)
                    events += 1
        text = "".join(parts)
        if "data: [DONE]" not in r.text:
            raise SystemExit(f"{target.name}: stream did not end with [DONE]")
    if text != ANSWER:
        raise SystemExit(f"{target.name}: answer differs from the upstream's: {text[:120]!r}...")
    if stream and events < 40:
        raise SystemExit(f"{target.name}: only {events} content chunks")


# ---------------------------------------------------------------- closed loop: wrk

LUA = """wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
{auth}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p95":%d,"p99":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def lua_script(workdir: Path, target: Target, stream: bool) -> Path:
    auth = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in target.headers.items())
    path = workdir / f"wrk-{target.name}-{'stream' if stream else 'json'}.lua"
    path.write_text(LUA.format(body=body(stream).decode(), auth=auth))
    return path


def closed_loop(
    stack: Stack, meter: Meter, target: Target, stream: bool, conc: int, head: float, window: float, lua: Path
) -> dict[str, Any]:
    """wrk with `conc` connections; throughput and CPU per request come from a steady window after `head` seconds.

    The window skips the ramp-up (every client's first request arrives at once) and the tear-down (wrk drops
    requests in flight), and counts requests where the upstream saw them arrive.
    """
    seconds = math.ceil(head + window + 0.3)  # wrk takes whole seconds
    argv = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{conc}", f"-d{seconds}s", "--timeout", "60s"]
    argv += ["-s", str(lua), f"http://127.0.0.1:{target.port}/v1/chat/completions"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    stack.procs.append(("wrk", proc))
    try:
        time.sleep(head)
        t0, c0, n0 = meter.sample(target)
        time.sleep(seconds - head - 0.3)
        t1, c1, n1 = meter.sample(target)
        out, _ = proc.communicate(timeout=seconds + 90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        stack.procs.remove(("wrk", proc))
    line = next((ln for ln in out.decode().splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {target.name}:\n{out.decode()[-1500:]}")
    w = json.loads(line[7:])
    done = n1 - n0
    return {
        "rps": done / (t1 - t0),
        "wrk_rps": w["requests"] / (w["duration_us"] / 1e6),
        "cpu_ms": (c1 - c0) / done * 1e3 if target.pid and done else None,
        "cpu_s": c1 - c0,
        "answered": done,
        "seconds": seconds,
        "p50": w["p50"] / 1e3,
        "p95": w["p95"] / 1e3,
        "p99": w["p99"] / 1e3,
        "requests": w["requests"],
        "errors": w["connect"] + w["write"] + w["status"] + w["timeout"],
    }


# ---------------------------------------------------------------- open loop: fixed-rate asyncio client


class _Exchange(asyncio.Protocol):
    """A keep-alive client connection carrying one request at a time; times the answer from its scheduled send."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.usable = True
        self.waiter: asyncio.Future[tuple[float, float | None, bool]] | None = None
        self.scheduled = 0.0
        self.first: float | None = None
        self.head = b""
        self.tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, payload: bytes, scheduled: float) -> asyncio.Future[tuple[float, float | None, bool]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.scheduled, self.first, self.head, self.tail = scheduled, None, b"", b""
        self.transport.write(payload)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._finish(False)
            self.usable = False
            if self.transport:
                self.transport.close()

    def on_body(self, chunk: bytes) -> None:
        if self.first is None:
            self.head += chunk
            if FIRST_CONTENT.search(self.head):
                self.first = time.perf_counter() - self.scheduled
                self.head = b""
        self.tail = (self.tail + chunk)[-64:]

    def on_message_complete(self) -> None:
        if not self.parser.should_keep_alive():
            self.usable = False
        self._finish(self.parser.get_status_code() == 200)

    def connection_lost(self, exc: Exception | None) -> None:
        self.usable = False
        self._finish(False)

    def _finish(self, ok: bool) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((time.perf_counter() - self.scheduled, self.first, ok))


async def _open_loop(port: int, payload: bytes, stream: bool, rate: float, seconds: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()

    async def connect() -> _Exchange:
        _, conn = await loop.create_connection(_Exchange, "127.0.0.1", port)
        return conn

    idle = [await connect() for _ in range(32)]
    latencies: list[float] = []
    firsts: list[float] = []
    errors = 0
    lags: list[float] = []

    async def one(scheduled: float) -> None:
        nonlocal errors
        conn = idle.pop() if idle else await connect()
        try:
            latency, first, ok = await asyncio.wait_for(conn.send(payload, scheduled), 30)
        except TimeoutError:
            errors += 1
            conn.usable = False
            if conn.transport:
                conn.transport.close()
            return
        if ok and (not stream or b"[DONE]" in conn.tail):
            latencies.append(latency)
            if stream and first is not None:
                firsts.append(first)
        else:
            errors += 1
        if conn.usable:
            idle.append(conn)
        elif conn.transport:
            conn.transport.close()

    tasks = []
    start = time.perf_counter() + 0.05
    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append(time.perf_counter() - scheduled)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    for conn in idle:
        if conn.transport:
            conn.transport.close()
    return {"latencies": latencies, "firsts": firsts, "errors": errors, "lag_p99": pct(lags, 0.99)}


def open_loop(meter: Meter, target: Target, stream: bool, rate: float, seconds: float) -> dict[str, Any]:
    payload = request_bytes(target, stream)
    _, c0, n0 = meter.sample(target)
    gc.disable()  # no collector pauses in the client's timings
    try:
        result = uvloop.run(_open_loop(target.port, payload, stream, rate, seconds))
    finally:
        gc.enable()
    _, c1, n1 = meter.sample(target)
    done = n1 - n0
    result["cpu_ms"] = (c1 - c0) / done * 1e3 if target.pid and done else None
    return result


def request_bytes(target: Target, stream: bool) -> bytes:
    content = body(stream)
    lines = [
        "POST /v1/chat/completions HTTP/1.1",
        f"host: 127.0.0.1:{target.port}",
        "content-type: application/json",
        *(f"{k}: {v}" for k, v in target.headers.items()),
        f"content-length: {len(content)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + content
