"""The guardrail beside its peers: throughput, latency, CPU and memory per proxy, measured in one interleaved run.

Starts an instant upstream in vLLM's wire format (bench/upstream_fast.py: ~120-word answers, 40-chunk streams)
and three proxies in front of it: nginx (one worker, proxy_pass with upstream keepalive: the floor for any proxy
hop), LiteLLM's proxy (one worker, the same upstream as an OpenAI-compatible model, no callbacks) and the
guardrail (`guardrail serve`, one worker, the repo's policies, demo tenant, scoring and metrics on). Then, for
whole and streamed answers, it measures every target, cycling through them round after round so that noise on
this shared machine hits all of them alike:

- closed loop (wrk, 16 and 64 clients): throughput, p50/p95/p99 latency, and CPU per request of the proxy's
  process tree (/proc, children included) over a steady window, long enough for a slow proxy's queue to fill;
- open loop (an asyncio client in this process, requests sent on a fixed schedule, latency counted from the
  scheduled send time): latency and time to first content chunk, and what each proxy adds over calling the
  upstream directly at the same rate. The rate is `--rate` (100/s), or 40% of a proxy's closed-loop throughput
  when it cannot sustain that, with a direct run at the same rate as its baseline;
- RSS of each proxy (largest seen) and its CPU when idle.

One core per proxy: the proxies are pinned to core 1 and only the one being measured runs (the others are
stopped with SIGSTOP, so their timers cannot take its core); wrk, this client and the upstream share core 0, so
the direct and nginx throughputs are what core 0 can drive, not limits of nginx. Installs what is missing (nginx
and wrk from Debian, LiteLLM's proxy in its own venv under ~/.cache/cultural-guardrail/), stops everything it
started on Ctrl-C or error too, and prints markdown tables for bench/README.md.

    .venv/bin/python bench/bench_peers.py              # about 10 minutes (make bench)
    .venv/bin/python bench/bench_peers.py --quick      # about 2 minutes, one short round
    .venv/bin/python bench/bench_peers.py --rev HEAD   # the guardrail of a commit, not the working tree
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httptools
import httpx
import uvloop
from harness import free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
from upstream_fast import ANSWER  # noqa: E402

TENANT_KEY = "sk-demo-acme-0c7a51f2d9e84b36"
MASTER_KEY = "sk-bench-master-7d2e9a41"
MODEL = "bench-model"
LITELLM_SPEC = "litellm[proxy]==1.106.12"  # pinned: a peer that changes under the table is no baseline
LITELLM_VENV = Path.home() / ".cache" / "cultural-guardrail" / "bench-litellm-venv"
PROXY_CORE, LOAD_CORE, UPSTREAM_CORE = "1", "0", "0"
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
PROMPT = "What might the people in this photo value? Describe the scene in about 120 words."
FIRST_CONTENT = re.compile(rb'"content":\s*"[^"]')
TARGETS = ("direct", "nginx", "litellm", "guardrail")
LABEL = {"direct": "direct", "nginx": "nginx", "litellm": "LiteLLM", "guardrail": "guardrail"}


@dataclass(frozen=True)
class Plan:
    rounds: int
    closed_seconds: float
    open_seconds: float
    warm_seconds: float
    concurrencies: tuple[int, ...]
    rate: float
    utilisation: float
    cell_cap: float
    open_cap: float


@dataclass
class Target:
    name: str
    port: int
    headers: dict[str, str]
    pid: int | None  # the proxy's root process; None for direct


@dataclass
class Results:
    closed: list[dict[str, Any]] = field(default_factory=list)
    open: list[dict[str, Any]] = field(default_factory=list)
    rss: dict[str, int] = field(default_factory=dict)
    idle: dict[str, float] = field(default_factory=dict)  # CPU seconds per second with no requests
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- installing what is missing


def ensure_debian(binary: str, package: str) -> None:
    if shutil.which(binary):
        return
    print(f"==> installing {package} (Debian)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_litellm() -> Path:
    litellm = LITELLM_VENV / "bin" / "litellm"
    if litellm.exists():
        return litellm
    print(f"==> installing {LITELLM_SPEC} into {LITELLM_VENV} (first run: about a minute)", flush=True)
    base = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable
    subprocess.run([base, "-m", "venv", str(LITELLM_VENV)], check=True)
    pip = [str(LITELLM_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([*pip, LITELLM_SPEC], check=True)
    return litellm


# ---------------------------------------------------------------- processes


class Stack:
    """Every process the benchmark starts, each in its own session so that it can be stopped as a group."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._logs: list[IO[bytes]] = []

    def start(self, name: str, argv: list[str], core: str, env: dict[str, str] | None = None) -> int:
        base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # no database for LiteLLM
        log = (self.workdir / f"{name}.log").open("wb")
        self._logs.append(log)
        proc = subprocess.Popen(
            ["taskset", "-c", core, *argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**base, **(env or {})},
            cwd=self.workdir,
            start_new_session=True,
        )
        self.procs.append((name, proc))
        return proc.pid  # taskset execs the command: same pid

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.workdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGCONT)  # a stopped process would not act on SIGTERM
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for _, proc in reversed(self.procs):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        for log in self._logs:
            log.close()


def wait_ready(stack: Stack, name: str, url: str, timeout: float = 120) -> None:
    proc = dict(stack.procs)[name]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited before it was ready:\n{stack.log_tail(name)}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{name} not ready at {url} after {timeout:.0f}s:\n{stack.log_tail(name)}")


# ---------------------------------------------------------------- /proc accounting


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children[ppid].append(int(entry.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, ()))
    return pids


def _stat_ticks(path: str, first: int, last: int) -> int:
    return sum(int(v) for v in Path(path).read_text().rsplit(")", 1)[1].split()[first:last])


def cpu_seconds(root: int) -> float:
    """CPU time the process tree has used: its live threads to the nanosecond, the rest in 10 ms ticks.

    /proc/PID/stat's utime+stime (ticks) cover the whole process, exited threads and reaped children included,
    but are too coarse for nginx's tens of microseconds per request; /proc/PID/task/TID/schedstat is exact but
    only for threads still alive. So: schedstat of every live thread, plus the process's ticks that its live
    threads do not account for (threads that came and went), plus its reaped children's ticks (cutime+cstime).
    """
    ns, ticks = 0, 0
    for pid in _tree(root):
        try:
            live_ticks = 0
            for task in os.scandir(f"/proc/{pid}/task"):
                ns += int(Path(task.path, "schedstat").read_text().split()[0])
                live_ticks += _stat_ticks(f"{task.path}/stat", 11, 13)
            ticks += max(0, _stat_ticks(f"/proc/{pid}/stat", 11, 13) - live_ticks)
            ticks += _stat_ticks(f"/proc/{pid}/stat", 13, 15)
        except (OSError, ValueError, IndexError):
            continue
    return ns / 1e9 + ticks / TICK


def cpu_ticks(root: int) -> float:
    """utime+stime+cutime+cstime of the process tree, in seconds (10 ms resolution): a cross-check."""
    ticks = 0
    for pid in _tree(root):
        try:
            ticks += _stat_ticks(f"/proc/{pid}/stat", 11, 15)
        except (OSError, ValueError):
            continue
    return ticks / TICK


def rss_bytes(root: int) -> int:
    total = 0
    for pid in _tree(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
    return total


class Meter:
    """Reads the proxy's CPU time and the upstream's count of answered completions at one instant."""

    def __init__(self, upstream_port: int, upstream_pid: int) -> None:
        self.stats_url = f"http://127.0.0.1:{upstream_port}/bench/stats"
        self.upstream_pid = upstream_pid

    def answered(self) -> int:
        with urllib.request.urlopen(self.stats_url, timeout=10) as r:
            count: int = json.load(r)["chat"]
            return count

    def sample(self, target: Target) -> tuple[float, float, int]:
        cpu = cpu_seconds(target.pid) if target.pid else 0.0
        return time.perf_counter(), cpu, self.answered()

    def settle(self, target: Target, limit: float = 20) -> None:
        """Wait until the proxy (and the upstream) stop working on what the last run left in flight."""
        pids = [p for p in (target.pid, self.upstream_pid) if p]
        deadline = time.monotonic() + limit
        before = sum(cpu_seconds(p) for p in pids)
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = sum(cpu_seconds(p) for p in pids)
            if now - before <= 0.02:
                return
            before = now


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


# ---------------------------------------------------------------- the run


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rotated(items: list[Any], n: int) -> list[Any]:
    k = n % len(items)
    return items[k:] + items[:k]


def choose_rate(plan: Plan, closed: list[dict[str, Any]], mode: str, target: str) -> float:
    """`plan.rate`, or less for a proxy whose closed-loop throughput says it cannot keep up with it."""
    caps = [r["rps"] for r in closed if r["mode"] == mode and r["target"] == target]
    if not caps:
        return plan.rate
    capacity = statistics.median(caps)
    if capacity * plan.utilisation >= plan.rate:
        return plan.rate
    rate = capacity * plan.utilisation
    return float(max(2, int(rate / 5) * 5 if rate >= 10 else int(rate)))


class Isolation:
    """Only the proxy being measured runs: the others are stopped (SIGSTOP) so their timers cannot take its core."""

    def __init__(self, targets: dict[str, Target]) -> None:
        self.pids = {t.name: t.pid for t in targets.values() if t.pid}
        self.running = set(self.pids)

    def only(self, name: str) -> None:
        for other, pid in self.pids.items():
            if other != name and other in self.running:
                os.killpg(pid, signal.SIGSTOP)
                self.running.discard(other)
        if name in self.pids and name not in self.running:
            os.killpg(self.pids[name], signal.SIGCONT)
            self.running.add(name)

    def resume_all(self) -> None:
        for name, pid in self.pids.items():
            if name not in self.running:
                os.killpg(pid, signal.SIGCONT)
                self.running.add(name)


def cell_length(plan: Plan, expected_rps: float | None, conc: int) -> tuple[float, float, bool]:
    """Head and window of a closed-loop cell, long enough that a slow target reaches and shows its steady state.

    A closed loop at `conc` clients keeps each request waiting about conc/throughput seconds: skip 1.5 of those
    before measuring and measure over at least 2, within `plan.cell_cap`; the third value says whether that fit.
    """
    head = plan.closed_seconds * 0.25
    window = plan.closed_seconds - head - 0.3
    latency = conc / expected_rps if expected_rps else 0.0
    head, window = max(head, 1.5 * latency), max(window, 2 * latency)
    if head + window + 0.3 <= plan.cell_cap:
        return head, window, True
    return plan.cell_cap * 0.4, plan.cell_cap * 0.6 - 0.3, False


def open_seconds(plan: Plan, rate: float) -> float:
    """Long enough for about 100 requests at a low rate, within `plan.open_cap`."""
    return max(plan.open_seconds, min(plan.open_cap, 100 / rate))


def measure(plan: Plan, stack: Stack, meter: Meter, targets: dict[str, Target], workdir: Path) -> Results:
    results = Results()
    modes = [("json", False), ("stream", True)]
    luas = {(t.name, s): lua_script(workdir, t, s) for t in targets.values() for s in (False, True)}
    isolation = Isolation(targets)
    expected: dict[tuple[str, str], float] = {}

    def track_rss() -> None:
        for t in targets.values():
            if t.pid:
                results.rss[t.name] = max(results.rss.get(t.name, 0), rss_bytes(t.pid))

    def idle_cpu() -> None:
        isolation.resume_all()
        proxies = [t for t in targets.values() if t.pid]
        before = {t.name: cpu_seconds(t.pid) for t in proxies if t.pid}
        time.sleep(3)
        for t in proxies:
            if t.pid:
                results.idle[t.name] = max(0.0, cpu_seconds(t.pid) - before[t.name]) / 3

    print(f"==> warm-up: {plan.warm_seconds:g} s per target and mode, 4 clients", flush=True)
    for t in targets.values():
        isolation.only(t.name)
        for mode, stream in modes:
            r = closed_loop(
                stack,
                meter,
                t,
                stream,
                4,
                plan.warm_seconds * 0.4,
                plan.warm_seconds * 0.6 - 0.3,
                luas[(t.name, stream)],
            )
            expected[(t.name, mode)] = max(r["rps"], r["wrk_rps"])
            meter.settle(t)
    track_rss()
    idle_cpu()
    ticks_start = {t.name: cpu_ticks(t.pid) for t in targets.values() if t.pid}
    precise_start = {t.name: cpu_seconds(t.pid) for t in targets.values() if t.pid}
    rates: dict[tuple[str, str], float] = {}
    order = list(targets)
    for rnd in range(plan.rounds):
        print(f"==> round {rnd + 1}/{plan.rounds}: closed loop", flush=True)
        for mode, stream in modes:
            for conc in plan.concurrencies:
                for name in rotated(order, rnd):
                    t = targets[name]
                    isolation.only(name)
                    head, window, steady = cell_length(plan, expected.get((name, mode)), conc)
                    r = closed_loop(stack, meter, t, stream, conc, head, window, luas[(name, stream)])
                    r.update(round=rnd, mode=mode, conc=conc, target=name, steady=steady)
                    results.closed.append(r)
                    if r["rps"] > 0:
                        expected[(name, mode)] = r["rps"]
                    cpu = f"{r['cpu_ms']:.3f} ms CPU/req" if r["cpu_ms"] is not None else ""
                    print(
                        f"    {mode:6} c={conc:<3} {name:9} {r['rps']:8.1f} req/s  p50 {r['p50']:8.2f} ms  {cpu}"
                        f"  ({r['seconds']} s{'' if steady else ', NOT STEADY'})"
                        f"{'  ERRORS ' + str(r['errors']) if r['errors'] else ''}",
                        flush=True,
                    )
                    meter.settle(t)
                    track_rss()
        if not rates:
            low = [r for r in results.closed if r["conc"] == min(plan.concurrencies)]
            rates = {(mode, name): choose_rate(plan, low, mode, name) for mode, _ in modes for name in order}
        print(f"==> round {rnd + 1}/{plan.rounds}: open loop", flush=True)
        for mode, stream in modes:
            runs = {(name, rates[(mode, name)]) for name in order}
            runs |= {("direct", rate) for _, rate in runs}
            for name, rate in rotated(sorted(runs, key=lambda x: (order.index(x[0]), -x[1])), rnd):
                t = targets[name]
                isolation.only(name)
                r = open_loop(meter, t, stream, rate, open_seconds(plan, rate))
                r.update(round=rnd, mode=mode, target=name, rate=rate)
                results.open.append(r)
                ttfc = f"  TTFC p50 {pct(r['firsts'], 0.5) * 1e3:6.2f} ms" if stream else ""
                print(
                    f"    {mode:6} {rate:5g}/s {name:9} p50 {pct(r['latencies'], 0.5) * 1e3:6.2f} ms"
                    f"  p99 {pct(r['latencies'], 0.99) * 1e3:7.2f} ms{ttfc}"
                    f"  (n={len(r['latencies'])}, send lag p99 {r['lag_p99'] * 1e3:.2f} ms)"
                    f"{'  ERRORS ' + str(r['errors']) if r['errors'] else ''}",
                    flush=True,
                )
                meter.settle(t)
                track_rss()
    isolation.resume_all()
    for t in targets.values():
        if t.pid:
            ticks = cpu_ticks(t.pid) - ticks_start[t.name]
            precise = cpu_seconds(t.pid) - precise_start[t.name]
            if abs(ticks - precise) > 0.05 + 0.05 * ticks:
                results.notes.append(
                    f"{LABEL[t.name]}: CPU {precise:.2f} s from schedstat vs {ticks:.2f} s from utime+stime"
                )
    return results


# ---------------------------------------------------------------- report


def _ms(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None or v != v else f"{v:.{digits}f}"


def _x(v: float | None, base: float | None) -> str:
    if v is None or not base:
        return "n/a"
    ratio = v / base
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2f}×" if ratio >= 0.1 else f"{ratio:.2g}×"


def _table(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """A markdown table; the first `left` columns align left, the rest (numbers) right."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i < left else "--:" for i in range(len(header))) + "|",
    ]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _cost(results: Results, mode: str, name: str) -> float | None:
    """CPU ms per request over all closed-loop cells of a proxy (steady ones only, when there are any)."""
    runs = [r for r in results.closed if r["mode"] == mode and r["target"] == name]
    runs = [r for r in runs if r["steady"]] or runs
    answered = sum(r["answered"] for r in runs)
    if name == "direct" or not answered:
        return None
    return float(sum(r["cpu_s"] for r in runs) / answered * 1e3)


def summary_table(plan: Plan, results: Results, closed: dict[tuple[str, int, str], dict[str, Any]]) -> list[str]:
    rows = []
    for name in ("nginx", "litellm", "guardrail"):
        if not any(key[2] == name for key in closed):
            continue
        row = [LABEL[name]]
        for mode in ("json", "stream"):
            cost = _cost(results, mode, name)
            row.append(_ms(cost, 3))
            row += [_x(cost, _cost(results, mode, peer)) for peer in ("nginx", "litellm")]
        for mode in ("json", "stream"):
            best = max(a["rps"] for key, a in closed.items() if key[0] == mode and key[2] == name)
            row.append(f"{best:.0f}")
        row.append(f"{results.rss.get(name, 0) / 2**20:.0f}")
        row.append(f"{results.idle.get(name, 0) * 100:.1f}%")
        rows.append(row)
    header = ["proxy", "CPU ms / whole answer", "× nginx", "× LiteLLM", "CPU ms / 40-chunk stream", "× nginx"]
    header += ["× LiteLLM", "best req/s, whole", "best req/s, streamed", "RSS MB", "idle CPU"]
    return _table(header, rows)


def closed_table(plan: Plan, closed: dict[tuple[str, int, str], dict[str, Any]]) -> list[str]:
    rows = []
    for mode in ("json", "stream"):
        for conc in plan.concurrencies:
            cell = {key[2]: a for key, a in closed.items() if key[:2] == (mode, conc)}
            direct_rps = cell["direct"]["rps"] if "direct" in cell else None
            lite_rps = cell["litellm"]["rps"] if "litellm" in cell else None
            lite_cpu = cell["litellm"]["cpu"] if "litellm" in cell else None
            for name in TARGETS:
                if name not in cell:
                    continue
                a = cell[name]
                spread = f" ±{a['spread']:.0f}%" if plan.rounds > 1 else ""
                rows.append(
                    [
                        "streamed" if mode == "stream" else "whole",
                        str(conc),
                        LABEL[name],
                        f"{a['rps']:.0f}{spread}{'' if a['steady'] else ' †'}",
                        _x(a["rps"], direct_rps),
                        _x(a["rps"], lite_rps),
                        _ms(a["p50"]),
                        _ms(a["p95"]),
                        _ms(a["p99"]),
                        "-" if a["cpu"] is None else _ms(a["cpu"], 3),
                        "-" if a["cpu"] is None else _x(a["cpu"], lite_cpu),
                        str(a["errors"]),
                    ]
                )
    header = ["answer", "clients", "target", "req/s", "× direct", "× LiteLLM", "p50 ms", "p95 ms", "p99 ms"]
    header += ["CPU ms/req", "CPU × LiteLLM", "errors"]
    return _table(header, rows, left=3)


def open_table(results: Results, mode: str) -> list[str]:
    """Per (target, rate): percentiles of each round, then the median over rounds, so one noisy round cannot
    decide a figure; *added* pairs each round's run with the direct run at the same rate in that round."""
    runs: dict[tuple[str, float], dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in results.open:
        if r["mode"] == mode:
            runs[(r["target"], r["rate"])][r["round"]] = r
    streamed = mode == "stream"

    def ms(values: list[float]) -> str:
        return _ms(statistics.median(values) * 1e3) if values else "n/a"

    def added(values: list[float]) -> str:
        return f"{statistics.median(values) * 1e3:+.2f}" if values else "n/a"

    rows = []
    for (name, rate), by_round in sorted(runs.items(), key=lambda kv: (TARGETS.index(kv[0][0]), -kv[0][1])):
        base = runs.get(("direct", rate), {})
        stats: dict[str, list[float]] = defaultdict(list)
        for rnd, r in by_round.items():
            for key, q in (("p50", 0.5), ("p99", 0.99)):
                for series in ("latencies", "firsts"):
                    if not r[series]:
                        continue
                    value = pct(r[series], q)
                    stats[f"{series}_{key}"].append(value)
                    if name != "direct" and rnd in base and base[rnd][series]:
                        stats[f"added_{series}_{key}"].append(value - pct(base[rnd][series], q))
            stats["lag"].append(r["lag_p99"])
            if r["cpu_ms"] is not None:
                stats["cpu"].append(r["cpu_ms"])
        proxy = name != "direct"
        row = [LABEL[name], f"{rate:g}", str(sum(len(r["latencies"]) for r in by_round.values()))]
        row += [ms(stats["latencies_p50"]), ms(stats["latencies_p99"])]
        row += [added(stats["added_latencies_p50"]), added(stats["added_latencies_p99"])] if proxy else ["-", "-"]
        if streamed:
            row += [ms(stats["firsts_p50"]), ms(stats["firsts_p99"])]
            row += [added(stats["added_firsts_p50"]), added(stats["added_firsts_p99"])] if proxy else ["-", "-"]
        row += ["-" if not stats["cpu"] else _ms(statistics.median(stats["cpu"]), 3), ms(stats["lag"])]
        row.append(str(sum(r["errors"] for r in by_round.values())))
        rows.append(row)
    header = ["target", "rate/s", "n", "p50 ms", "p99 ms", "added p50", "added p99"]
    if streamed:
        header += ["TTFC p50", "TTFC p99", "added TTFC p50", "added TTFC p99"]
    return _table(header + ["CPU ms/req", "send lag p99", "errors"], rows)


def report(plan: Plan, results: Results, meta: dict[str, str]) -> str:
    by_cell: dict[tuple[str, int, str], list[dict[str, Any]]] = defaultdict(list)
    for r in results.closed:
        by_cell[(r["mode"], r["conc"], r["target"])].append(r)
    closed = {}
    for key, runs in by_cell.items():
        rps = [r["rps"] for r in runs]
        answered = sum(r["answered"] for r in runs)
        med = statistics.median(rps)
        closed[key] = {
            "rps": med,
            "spread": (max(rps) - min(rps)) / med * 100 if med else 0.0,
            "p50": statistics.median(r["p50"] for r in runs),
            "p95": statistics.median(r["p95"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "cpu": sum(r["cpu_s"] for r in runs) / answered * 1e3 if key[2] != "direct" and answered else None,
            "errors": sum(r["errors"] for r in runs),
            "steady": all(r["steady"] for r in runs),
        }
    out = ["What each proxy costs (CPU per request from the closed-loop cells, all concurrencies pooled):", ""]
    out += summary_table(plan, results, closed)
    out += [
        "",
        f"Closed loop: wrk, one connection per client, {plan.rounds} round(s) of at least {plan.closed_seconds:g} s "
        "per cell; req/s is the median over rounds"
        + (" ± the spread between rounds" if plan.rounds > 1 else "")
        + "; CPU is the proxy's own, per request:",
        "",
    ]
    out += closed_table(plan, closed)
    if not all(r["steady"] for r in results.closed):
        out += [
            "",
            f"† cut at {plan.cell_cap:g} s, too short for this target at this concurrency to reach a steady state: "
            "throughput and CPU per request are rough.",
        ]
    intro = (
        f"Open loop, {{}}: requests sent on a fixed schedule (at least {plan.open_seconds:g} s per round), latency "
        "from the scheduled send time, in ms, median over rounds of each round's percentile; *added* is the "
        "target's percentile minus direct's at the same rate in the same round; *send lag* is how late this "
        "client sent (a noise gauge)"
    )
    out += ["", intro.format("whole answers") + ":", ""]
    out += open_table(results, "json")
    out += ["", intro.format("40-chunk streams") + "; TTFC is the time to the first chunk with content:", ""]
    out += open_table(results, "stream")
    if results.notes:
        out += ["", "Notes: " + "; ".join(results.notes) + "."]
    out += ["", "; ".join(f"{k}: {v}" for k, v in meta.items())]
    return "\n".join(out)


def versions() -> dict[str, str]:
    def run(argv: list[str]) -> str:
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        return (p.stdout + p.stderr).strip().splitlines()[0] if (p.stdout + p.stderr).strip() else "?"

    lite = LITELLM_VENV / "bin" / "python"
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.machine(),
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {cpu}",
        "nginx": run(["nginx", "-v"]).split("/")[-1],
        "LiteLLM": run([str(lite), "-c", "import importlib.metadata as m; print(m.version('litellm'))"]),
        "wrk": run(["wrk", "-v"]).split()[1] if run(["wrk", "-v"]) != "?" else "?",
        "python": platform.python_version(),
    }


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGINT both raise KeyboardInterrupt, even where a shell started us with SIGINT ignored."""

    def bye(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = {sig: signal.signal(sig, bye) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def guardrail_source(rev: str | None, workdir: Path) -> tuple[Path, str]:
    """The repository itself, or the `service` and `policies` folders of one commit (`--rev`), unpacked; and
    which of them it is, resolved now (others may commit while the benchmark runs)."""

    def git(*argv: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *argv], capture_output=True, text=True, check=True).stdout

    if rev is None:
        return REPO, "working tree at " + git("describe", "--always", "--dirty").strip()
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}").strip()
    dest = workdir / "guardrail-src"
    dest.mkdir()
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, "service", "policies"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar.stdout, check=True)
    return dest, commit[:10]


def start_all(stack: Stack, workdir: Path, litellm: Path, source: Path) -> tuple[dict[str, Target], Meter]:
    ports = {name: free_port() for name in ("upstream", "nginx", "litellm", "guardrail")}
    up = ports["upstream"]
    up_pid = stack.start(
        "upstream",
        [sys.executable, str(BENCH / "upstream_fast.py"), "--port", str(up), "--model", MODEL],
        UPSTREAM_CORE,
    )
    conf = (BENCH / "nginx.conf.template").read_text()
    for key, value in {"@PREFIX@": str(workdir), "@UPSTREAM_PORT@": str(up), "@PORT@": str(ports["nginx"])}.items():
        conf = conf.replace(key, value)
    (workdir / "nginx.conf").write_text(conf)
    nginx_pid = stack.start(
        "nginx", ["nginx", "-p", str(workdir), "-e", str(workdir / "nginx-error.log"), "-c", "nginx.conf"], PROXY_CORE
    )
    lite_env = {
        "BENCH_UPSTREAM_BASE": f"http://127.0.0.1:{up}/v1",
        "LITELLM_MASTER_KEY": MASTER_KEY,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
    }
    lite_pid = stack.start(
        "litellm",
        [str(litellm), "--config", str(BENCH / "litellm_config.yaml"), "--host", "127.0.0.1"]
        + ["--port", str(ports["litellm"]), "--num_workers", "1"],
        PROXY_CORE,
        lite_env,
    )
    guard_pid = stack.start(
        "guardrail",
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(ports["guardrail"])]
        + ["--upstream", f"http://127.0.0.1:{up}/v1", "--policies", str(source / "policies")]
        + ["--state-dir", str(workdir / "guardrail-state")],
        PROXY_CORE,
        {"PYTHONPATH": str(source), "GUARDRAIL_SHUTDOWN_GRACE_SECONDS": "2", "GUARDRAIL_LOG_LEVEL": "warning"},
    )
    wait_ready(stack, "upstream", f"http://127.0.0.1:{up}/health")
    wait_ready(stack, "nginx", f"http://127.0.0.1:{ports['nginx']}/health")
    wait_ready(stack, "guardrail", f"http://127.0.0.1:{ports['guardrail']}/readyz")
    wait_ready(stack, "litellm", f"http://127.0.0.1:{ports['litellm']}/health/liveliness")
    targets = {
        "direct": Target("direct", up, {}, None),
        "nginx": Target("nginx", ports["nginx"], {}, nginx_pid),
        "litellm": Target("litellm", ports["litellm"], {"Authorization": f"Bearer {MASTER_KEY}"}, lite_pid),
        "guardrail": Target("guardrail", ports["guardrail"], {"Authorization": f"Bearer {TENANT_KEY}"}, guard_pid),
    }
    return targets, Meter(up, up_pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one short round (about 2 minutes)")
    parser.add_argument("--rounds", type=int, help="rounds through all targets (default 3, quick 1)")
    parser.add_argument("--rate", type=float, default=100.0, help="open-loop rate in requests/s (default 100)")
    parser.add_argument("--concurrency", type=int, action="append", help="closed-loop clients (default 16 and 64)")
    parser.add_argument("--rev", help="measure the guardrail of this commit instead of the working tree")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--report", type=Path, metavar="JSON", help="only print the tables of an earlier --json")
    args = parser.parse_args()
    if args.report:
        saved = json.loads(args.report.read_text())
        print(report(Plan(**saved["plan"]), Results(**saved["results"]), saved["meta"]))
        return
    plan = Plan(
        rounds=args.rounds or (1 if args.quick else 3),
        closed_seconds=2.0 if args.quick else 4.0,
        open_seconds=3.0 if args.quick else 5.0,
        warm_seconds=1.0 if args.quick else 2.0,
        concurrencies=tuple(args.concurrency or (16, 64)),
        rate=args.rate,
        utilisation=0.4,
        cell_cap=6.0 if args.quick else 40.0,
        open_cap=5.0 if args.quick else 15.0,
    )
    os.sched_setaffinity(0, {int(LOAD_CORE)})  # this process is the open-loop load generator
    ensure_debian("nginx", "nginx")
    ensure_debian("wrk", "wrk")
    litellm = ensure_litellm()
    workdir = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    stack = Stack(workdir)
    command = shlex.join([".venv/bin/python", "bench/bench_peers.py", *sys.argv[1:]])
    if os.environ.get("MAKELEVEL"):
        command = "make bench" + (f" BENCH_ARGS={shlex.quote(shlex.join(sys.argv[1:]))}" if sys.argv[1:] else "")
    ok = False
    try:
        with interruptible():
            print(f"==> starting the upstream, nginx, LiteLLM and the guardrail (logs in {workdir})", flush=True)
            source, measured = guardrail_source(args.rev, workdir)
            targets, meter = start_all(stack, workdir, litellm, source)
            for t in targets.values():
                for stream in (False, True):
                    check_target(t, stream)
            print("==> every target answers the upstream's full text, whole and streamed", flush=True)
            results = measure(plan, stack, meter, targets, workdir)
            found = versions()
            meta = {"date": found.pop("date"), "guardrail": measured, **found, "command": command}
            print("\n" + report(plan, results, meta))
            if args.json:
                saved = {"plan": dataclasses.asdict(plan), "meta": meta, "results": dataclasses.asdict(results)}
                args.json.write_text(json.dumps(saved, indent=1))
            ok = True
    except KeyboardInterrupt:
        print("\ninterrupted; stopping everything", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        stack.stop()
        if ok:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
