"""Shared fixtures: a policies copy per test, the vLLM stand-in on loopback, the app with its lifespan."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from service.app import create_app
from service.settings import Settings
from service.standin import Script, create_standin
from tests.support import CueScorer, LoopbackServer

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def policies_dir(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(REPO / "policies", target)
    return target


@pytest.fixture(scope="session")
def standin_server() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_standin()) as server:
        yield server


@pytest.fixture
def standin(standin_server: LoopbackServer) -> Iterator[Any]:
    """The stand-in's app state, reset for each test: set `.script`, read `.received`."""
    state = standin_server.server.config.app.state
    state.script = Script()
    state.received = []
    state.disconnects = 0
    state.sent = {}
    state.url = standin_server.url
    yield state


@pytest.fixture
def scorer() -> CueScorer:
    return CueScorer()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def settings(policies_dir: Path, standin: Any, tmp_path: Path) -> Settings:
    return Settings(
        upstream_url=f"{standin.url}/v1",
        policies_dir=policies_dir,
        upstream_timeout=2.0,
        state_dir=tmp_path / "state",
        watch_policies=False,
        max_body_bytes=256 * 1024,
    )


@pytest.fixture
def app(settings: Settings, scorer: CueScorer, registry: CollectorRegistry) -> FastAPI:
    return create_app(settings, scorer=scorer, registry=registry)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://guardrail") as c:
            yield c
