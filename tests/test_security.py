"""Secrets stay secret, and a tenant's image policy keeps the upstream away from addresses it should not fetch."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import ACME_KEY, LUMEN_KEY

pytestmark = pytest.mark.anyio


async def test_keys_never_reach_logs_metrics_or_errors(
    client: httpx.AsyncClient, standin: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"model": "standin-lvlm", "messages": [{"role": "user", "content": "hello"}]}
    seen = []
    for key in (ACME_KEY, LUMEN_KEY, "sk-guess-" + ACME_KEY[-8:]):
        r = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})
        seen.append(r.text)
    seen.append((await client.get("/metrics")).text)
    seen.append(caplog.text)
    for text in seen:
        assert ACME_KEY not in text and LUMEN_KEY not in text and ACME_KEY[-8:] not in text
    assert all("sk-demo" not in str(b) for b in standin.received)  # nothing forwards the tenant key upstream


async def test_policies_hold_only_hashes() -> None:
    for path in (Path(__file__).resolve().parent.parent / "policies" / "tenants").glob("*.yaml"):
        text = path.read_text()
        assert "sha256:" in text
        assert all(line.strip().startswith("#") for line in text.splitlines() if "sk-" in line), path


async def test_image_hosts_policy_blocks_remote_urls(
    client: httpx.AsyncClient, standin: Any, policies_dir: Path
) -> None:
    path = policies_dir / "tenants" / "acme-news.yaml"
    path.write_text(path.read_text() + "image_url_hosts: [images.example.org]\n")
    assert client._transport.app.state.services.policies.reload()  # type: ignore[attr-defined]

    def ask(url: str) -> dict[str, Any]:
        return {
            "model": "standin-lvlm",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": url}},
                    ],
                }
            ],
        }

    auth = {"authorization": f"Bearer {ACME_KEY}"}
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8000/v1/models",
        "https://evil.example.com/x.png",
    ):
        r = await client.post("/v1/chat/completions", json=ask(url), headers=auth)
        assert r.status_code == 400 and "not allowed" in r.json()["error"]["message"]
    assert standin.received == []
    r = await client.post("/v1/chat/completions", json=ask("https://images.example.org/a.png"), headers=auth)
    assert r.status_code == 200
