"""Settings, keys and the records every part of the peers benchmark passes around."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[1]
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

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


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
