"""Atomic reload: bad edits never replace the running policies, even under traffic."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.tenancy import PolicyStore
from tests.support import ACME_KEY, ServeProcess

pytestmark = pytest.mark.anyio


def test_bad_edit_keeps_the_running_policies(policies_dir: Path) -> None:
    results: list[bool] = []
    store = PolicyStore(policies_dir, on_reload=results.append)
    before = store.current
    (policies_dir / "tenants" / "acme-news.yaml").write_text("id: acme-news\n")
    assert store.reload() is False and store.current is before and "api_keys" in (store.last_error or "")
    assert results == [False]


async def test_reload_under_traffic_with_a_bad_file(
    client: httpx.AsyncClient, standin: Any, policies_dir: Path, registry: Any
) -> None:
    store = client._transport.app.state.services.policies  # type: ignore[attr-defined]
    path = policies_dir / "tenants" / "acme-news.yaml"
    good = path.read_text()
    body = {"model": "standin-lvlm", "messages": [{"role": "user", "content": "hi"}]}

    async def traffic() -> list[int]:
        codes = []
        for _ in range(30):
            r = await client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {ACME_KEY}"})
            codes.append(r.status_code)
        return codes

    async def edits() -> None:
        for i in range(10):
            path.write_text("id: acme-news\napi_keys: nope\n" if i % 2 == 0 else good.replace("annotate", "enforce"))
            store.reload()
            await asyncio.sleep(0)

    codes, _ = await asyncio.gather(traffic(), edits())
    assert codes == [200] * 30
    assert store.current.tenants["acme-news"].mode == "enforce"
    assert registry.get_sample_value("guardrail_policy_reloads_total", {"result": "failure"}) == 5.0
    assert registry.get_sample_value("guardrail_policy_reloads_total", {"result": "success"}) == 5.0
    assert registry.get_sample_value("guardrail_policy_files_valid") == 1.0
    path.write_text("id: acme-news\n")
    assert not store.reload()
    assert registry.get_sample_value("guardrail_policy_files_valid") == 0.0


async def test_file_watcher_picks_up_changes(policies_dir: Path) -> None:
    store = PolicyStore(policies_dir)
    stop = asyncio.Event()
    task = asyncio.create_task(store.watch(stop, debounce_ms=50))
    await asyncio.sleep(0.3)
    path = policies_dir / "tenants" / "acme-news.yaml"
    path.write_text(path.read_text().replace("mode: annotate", "mode: observe"))
    for _ in range(100):
        if store.current.tenants["acme-news"].mode == "observe":
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert store.current.tenants["acme-news"].mode == "observe"


def test_sighup_reloads_in_a_served_process(policies_dir: Path, tmp_path: Path) -> None:
    """A real `guardrail serve` process (signal handlers only exist on the main thread)."""
    with ServeProcess(policies_dir, "http://127.0.0.1:9/v1", tmp_path / "state") as served:
        path = policies_dir / "tenants" / "acme-news.yaml"
        path.write_text(path.read_text().replace("mode: annotate", "mode: observe"))
        served.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while 'guardrail_policy_reloads_total{result="success"} 1.0' not in httpx.get(f"{served.url}/metrics").text:
            assert time.monotonic() < deadline, "SIGHUP did not reload"
            time.sleep(0.1)
