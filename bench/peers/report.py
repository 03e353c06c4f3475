"""The markdown tables bench/README.md carries."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from peers.shared import LABEL, TARGETS, Plan, Results, pct

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
