"""CPU time and RSS of a process tree from /proc, and a meter over several proxies."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from peers.shared import PAGE, TICK, Target

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
