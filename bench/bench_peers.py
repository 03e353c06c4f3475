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
import dataclasses
import json
import os
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from peers.load import check_target, closed_loop, lua_script, open_loop
from peers.procstat import Meter, cpu_seconds, cpu_ticks, rss_bytes
from peers.report import report
from peers.shared import LABEL, LOAD_CORE, Plan, Results, Target, pct
from peers.stack import Stack, ensure_debian, ensure_litellm, guardrail_source, interruptible, start_all, versions

# ---------------------------------------------------------------- the run


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
