"""Installing what is missing, starting and stopping the upstream and the proxies, versions."""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import harness
from harness import free_port

from peers.procstat import Meter
from peers.shared import (
    BENCH,
    LITELLM_SPEC,
    LITELLM_VENV,
    MASTER_KEY,
    MODEL,
    PROXY_CORE,
    REPO,
    TENANT_KEY,
    UPSTREAM_CORE,
    Target,
)

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
    harness.wait_ready(url, dict(stack.procs)[name], timeout, name, lambda: stack.log_tail(name))


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
