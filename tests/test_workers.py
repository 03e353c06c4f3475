"""`guardrail serve --workers 2`: metrics merge across workers (prometheus_client multiprocess mode)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx

from service.standin import Script
from tests.support import ACME_KEY, ServeProcess


def requests_total(metrics: str) -> float:
    return sum(
        float(v) for v in re.findall(r'^guardrail_requests_total\{[^}]*outcome="ok"[^}]*\} (\S+)$', metrics, re.M)
    )


def test_two_workers_report_one_merged_view(policies_dir: Path, standin: Any, tmp_path: Path) -> None:
    standin.script = Script(answer="Families share sweets at dusk.")
    with ServeProcess(
        policies_dir,
        f"{standin.url}/v1",
        tmp_path / "state",
        GUARDRAIL_WORKERS="2",
        GUARDRAIL_DRIFT_REFERENCE="5",
        GUARDRAIL_DRIFT_WINDOW="5",
        GUARDRAIL_DRIFT_PUBLISH_SECONDS="0.2",
    ) as served:
        body = {"model": "standin-lvlm", "messages": [{"role": "user", "content": "x"}]}
        with httpx.Client(base_url=served.url, timeout=10) as c:
            for _ in range(40):
                # A new connection each time so the kernel spreads requests over both workers.
                r = httpx.post(
                    f"{served.url}/v1/chat/completions",
                    json=body,
                    headers={"authorization": f"Bearer {ACME_KEY}", "connection": "close"},
                )
                assert r.status_code == 200
            time.sleep(1.0)
            scrapes = [c.get("/metrics", headers={"connection": "close"}).text for _ in range(6)]
            labelled = {m for s in scrapes for m in re.findall(r'pid="(\d+)"', s)}
            multiproc = tmp_path / "state" / "prometheus-multiproc"
            writers = {p.stem.rsplit("_", 1)[-1] for p in multiproc.glob("counter_*.db")}
    assert all(requests_total(s) == 40 for s in scrapes), [requests_total(s) for s in scrapes]
    assert all("guardrail_drift_reference_complete{" in s for s in scrapes)
    assert not labelled  # merged series carry no per-worker label
    assert len(writers) == 2  # both workers served and wrote their share
