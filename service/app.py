"""`create_app(settings)`: the lifespan builds the shared objects; every error handler is registered here."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from service import __version__
from service.api import chat, health, models, score
from service.api.deps import Services
from service.classifier import load_scorer
from service.classifier.types import Scorer
from service.drift import DriftCollector, DriftTracker
from service.drift.publisher import DriftPublisher
from service.errors import GuardrailError, error_body, internal_error_body
from service.gateway.chat import ChatGateway
from service.gateway.upstream import Upstream
from service.gateway.verdict import Judge
from service.metrics import Metrics
from service.settings import Settings
from service.tenancy.store import PolicyStore

log = logging.getLogger("guardrail")


class GuardrailApp(FastAPI):
    """FastAPI, except that chat completions are served before its middleware stack (`service/api/chat.py`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == chat.PATH:
            await chat.serve(self.state.services, scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def openapi(self) -> dict[str, Any]:
        fresh = self.openapi_schema is None
        schema = super().openapi()  # built once, then cached
        if fresh:
            schema["paths"] = {chat.PATH: chat.OPENAPI, **schema["paths"]}
        return schema


def create_app(
    settings: Settings, *, scorer: Scorer | None = None, registry: CollectorRegistry | None = None
) -> FastAPI:
    """Build the app. Policies load (and fail fast) when the lifespan starts, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        judge_scorer = scorer if scorer is not None else load_scorer(settings.classifier_path)
        metrics_registry = registry if registry is not None else CollectorRegistry()
        drift = DriftTracker(
            reference_size=settings.drift_reference, window=settings.drift_window, state_dir=settings.state_dir
        )
        drift_collector = DriftCollector(drift) if settings.prometheus_multiproc_dir is None else None
        publisher = DriftPublisher(drift, metrics_registry) if drift_collector is None else None
        if drift_collector is not None:
            metrics_registry.register(drift_collector)
        metrics = Metrics(metrics_registry, drift)

        def loaded() -> None:
            current = store.current
            metrics.configure(frozenset(current.tenants), frozenset(current.frames))
            metrics.policy_files_valid.set(1)
            metrics.policy_reload_timestamp.set(time.time())

        def on_reload(ok: bool) -> None:
            metrics.policy_reloads.labels("success" if ok else "failure").inc()
            if ok:
                loaded()
            else:
                metrics.policy_files_valid.set(0)

        store = PolicyStore(settings.policies_dir, on_reload=on_reload)
        loaded()
        judge = Judge(judge_scorer, metrics)
        upstream = Upstream(
            settings.upstream_url,
            settings.upstream_api_key,
            connect_timeout=settings.upstream_connect_timeout,
            timeout=settings.upstream_timeout,
            max_connections=settings.upstream_max_connections,
        )
        app.state.services = Services(
            settings=settings,
            policies=store,
            upstream=upstream,
            judge=judge,
            metrics=metrics,
            gateway=ChatGateway(upstream, judge, metrics),
        )
        # What is built so far (classifier tables, policies, metrics) lives as long as the app. Frozen, the
        # cycle collector no longer walks it: a full collection over it took about 45 ms on the build machine,
        # a pause every request in flight would wait out.
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        watcher = asyncio.create_task(store.watch(stop)) if settings.watch_policies else None
        publishing = (
            asyncio.create_task(_publish_every(publisher, settings.drift_publish_seconds, stop)) if publisher else None
        )
        loop = asyncio.get_running_loop()
        on_main_thread = threading.current_thread() is threading.main_thread()
        if on_main_thread:
            loop.add_signal_handler(signal.SIGHUP, store.reload)
        try:
            yield
        finally:
            stop.set()
            if on_main_thread:
                loop.remove_signal_handler(signal.SIGHUP)
            for task in (watcher, publishing):
                if task is not None:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            await upstream.aclose()
            if drift_collector is not None:
                metrics_registry.unregister(drift_collector)
            gc.unfreeze()

    # FastAPI's own OpenTelemetry hooks would look up the global providers on every request; this service's
    # telemetry is its Prometheus metrics.
    no_telemetry: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
    app = GuardrailApp(title="Cultural guardrail", version=__version__, lifespan=lifespan, telemetry=no_telemetry)
    app.include_router(models.router)
    app.include_router(score.router)
    app.include_router(health.router)
    _register_error_handlers(app)
    return app


def create_app_from_env() -> FastAPI:
    """The factory uvicorn's workers call (`guardrail serve --workers N`): settings from GUARDRAIL_* variables."""
    return create_app(Settings())


async def _publish_every(publisher: DriftPublisher, seconds: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        publisher.publish()
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            continue


def _register_error_handlers(app: FastAPI) -> None:
    async def guardrail_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GuardrailError)
        return JSONResponse(exc.body(), status_code=exc.status)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        return JSONResponse(
            error_body(str(exc.detail), kind, None, exc.status_code), status_code=exc.status_code, headers=exc.headers
        )

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "header", "query")) or None
        message = f"Invalid request: {first.get('msg', 'malformed input')}"
        return JSONResponse(error_body(message, "invalid_request_error", param, None), status_code=400)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(internal_error_body(), status_code=500)

    app.add_exception_handler(GuardrailError, guardrail_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
