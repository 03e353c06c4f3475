"""A real Prometheus scrapes the guardrail while a planted shift flows: drift, disparity and an alert react.

Prometheus (Debian's package, installed by `make tools`) runs on loopback with the repository's own recording
and alert rules, scraping every second. The stand-in upstream answers alike for two frames until one frame
starts getting exoticising answers.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry

from service.app import create_app
from service.settings import Settings
from service.standin import Script
from tests.support import ACME_KEY, LoopbackServer, free_port

REPO = Path(__file__).resolve().parent.parent
CALM = [
    "Families visit the shrine at New Year to pray for health and good fortune for the year ahead.",
    "A grandmother lights incense at the family altar while the children watch.",
    "People queue at the temple gate, and a volunteer hands out tea to those waiting in the cold.",
]
EXOTIC = [
    "The exotic, mysterious ritual seems frozen in time, a strange spectacle from another world.",
    "An enchanting, otherworldly ceremony straight out of a fairy tale, mystical and primitive.",
    "Bizarre chanting fills the air, as if this tribe had never left some ancient, mysterious age.",
]
SHIFTED, CONTROL = "east-asia", "south-asia"


@pytest.fixture
def guardrail(settings: Settings, standin: Any) -> Iterator[LoopbackServer]:
    tuned = settings.model_copy(update={"drift_reference": 20, "drift_window": 20})
    with LoopbackServer(create_app(tuned, registry=CollectorRegistry())) as server:
        yield server


@pytest.fixture
def prometheus(guardrail: LoopbackServer, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus is missing: `make tools` installs Debian's package"
    rules = []
    for name in ("recording.yml", "alerts.yml"):
        # Same rules; `for:` shortened so a pending alert shows within the test's seconds.
        doc = yaml.safe_load((REPO / "deploy" / "prometheus" / "rules" / name).read_text())
        for group in doc["groups"]:
            group["interval"] = "1s"
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = "1m"
        path = tmp_path / name
        path.write_text(yaml.safe_dump(doc))
        rules.append(str(path))
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": rules,
        "scrape_configs": [{"job_name": "guardrail", "static_configs": [{"targets": [f"127.0.0.1:{guardrail.port}"]}]}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: httpx.get(f"{url}/-/ready").status_code == 200, "prometheus ready")
        yield url
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


def wait(check: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def query(prom: str, promql: str) -> dict[str, float]:
    """Instant query; the result as {frame or tenant/dimension label: value}."""
    data = httpx.get(f"{prom}/api/v1/query", params={"query": promql}).json()["data"]["result"]
    return {r["metric"].get("frame", r["metric"].get("alertstate", "")): float(r["value"][1]) for r in data}


def send(guardrail: LoopbackServer, standin: Any, frame: str, answers: Iterator[str], n: int) -> None:
    with httpx.Client(base_url=guardrail.url, timeout=10) as c:
        for _ in range(n):
            text = next(answers)
            standin.script = Script(answer=text)
            r = c.post(
                "/v1/chat/completions",
                headers={"authorization": f"Bearer {ACME_KEY}", "x-cultural-frame": frame},
                json={"model": "standin-lvlm", "messages": [{"role": "user", "content": "Describe."}]},
            )
            assert r.status_code == 200


def test_drift_disparity_and_alert_react_to_a_planted_shift(
    guardrail: LoopbackServer, prometheus: str, standin: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    drift_q = 'guardrail_drift{tenant="acme-news",dimension="exoticizing"}'
    disparity_q = 'tenant_dimension:guardrail_frame_disparity:max{tenant="acme-news",dimension="exoticizing"}'
    alert_q = 'ALERTS{alertname="GuardrailDriftHigh",dimension="exoticizing"}'

    # Reference (20 answers) and a full quiet window (20 more) for both frames.
    for frame in (SHIFTED, CONTROL):
        send(guardrail, standin, frame, itertools.cycle(CALM), 40)
    wait(lambda: len(query(prometheus, drift_q)) == 2, "drift series for both frames")
    time.sleep(3)
    before = {
        "drift": query(prometheus, drift_q),
        "disparity": query(prometheus, disparity_q),
        "alerts": query(prometheus, alert_q),
    }
    assert all(v < 0.1 for v in before["drift"].values()), before
    assert before["alerts"] == {}

    # The shift: one frame starts getting exoticising answers; the other stays as it was.
    send(guardrail, standin, SHIFTED, itertools.cycle(EXOTIC), 20)
    send(guardrail, standin, CONTROL, itertools.cycle(CALM), 20)
    wait(lambda: query(prometheus, drift_q).get(SHIFTED, 0) > 0.1, "drift on the shifted frame")
    wait(lambda: query(prometheus, disparity_q), "frame disparity")
    wait(lambda: query(prometheus, alert_q), "the drift alert to go pending")
    after = {
        "drift": query(prometheus, drift_q),
        "disparity": query(prometheus, disparity_q),
        "alerts": query(prometheus, f'{alert_q[:-1]},frame="{SHIFTED}"}}'),
    }
    assert after["drift"][SHIFTED] > 0.1 and after["drift"][CONTROL] < 0.1, after
    assert max(after["disparity"].values()) > 0.25, after
    assert not query(prometheus, f'{alert_q[:-1]},frame="{CONTROL}"}}'), "the control frame must stay quiet"
    with capsys.disabled():
        print(f"\nPromQL before the shift: {before}\nPromQL after the shift:  {after}")
