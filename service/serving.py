"""Run the app under uvicorn with a graceful drain: on SIGTERM, answer new requests 503 until in-flight ones end.

The listener stays open while draining, so a client (or a load balancer that has not yet noticed `/readyz`
failing) gets a clear 503 instead of a refused connection. The process exits once no request is in flight,
or when the grace period runs out; a second signal exits at once.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI

from service.settings import Settings

log = logging.getLogger("guardrail.serving")

# No access log (metrics count requests), no X-Forwarded-* rewriting (nothing here reads the client's address), no
# "server: uvicorn" header: each is work on every request that this service has no use for.
UVICORN_OPTIONS: dict[str, Any] = {"access_log": False, "proxy_headers": False, "server_header": False}


class DrainingServer(uvicorn.Server):
    """A uvicorn server whose first exit signal starts a drain instead of closing the listener."""

    def __init__(self, config: uvicorn.Config, app: FastAPI, grace_seconds: float) -> None:
        super().__init__(config)
        self._app = app
        self._grace = grace_seconds
        self._drain_started: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        services = getattr(self._app.state, "services", None)
        if self._drain_started is not None or services is None:
            super().handle_exit(sig, frame)
            return
        self._drain_started = time.monotonic()
        services.draining = True
        log.info("draining: new requests get 503; waiting up to %.0fs for in-flight ones", self._grace)

    async def on_tick(self, counter: int) -> bool:
        if self._drain_started is not None and not self.should_exit:
            idle = not self.server_state.tasks
            if idle or time.monotonic() - self._drain_started > self._grace:
                self.should_exit = True
        return await super().on_tick(counter)


def serve(app: FastAPI, settings: Settings) -> None:
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)),
        **UVICORN_OPTIONS,
    )
    DrainingServer(config, app, settings.shutdown_grace_seconds).run()  # run() picks uvloop when installed


def serve_workers(settings: Settings, overrides: dict[str, Any]) -> None:
    """Several uvicorn workers: each builds its own app from the environment; metrics merge through files.

    Workers inherit the flags as GUARDRAIL_* variables and PROMETHEUS_MULTIPROC_DIR (cleared at every start,
    as prometheus_client requires). Drift is tracked per worker and published as the worst live worker.
    """
    multiproc = settings.state_dir / "prometheus-multiproc"
    shutil.rmtree(multiproc, ignore_errors=True)
    multiproc.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc)
    for field, value in overrides.items():
        os.environ[f"GUARDRAIL_{field.upper()}"] = str(value)
    uvicorn.run(
        "service.app:create_app_from_env",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)),
        **UVICORN_OPTIONS,
    )
