"""Liveness, readiness, and the Prometheus scrape endpoint."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from service.api.deps import services
from service.errors import ServiceUnavailable, Unauthorized
from service.metrics import exposition

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, str]:
    svc = services(request)
    if svc.draining:
        raise ServiceUnavailable("Shutting down.")
    if not await svc.upstream.healthy():
        raise ServiceUnavailable("The model server is not answering.", code="upstream_unavailable")
    return {"status": "ready"}


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    svc = services(request)
    token = svc.settings.metrics_token
    if token:
        presented = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(presented.encode(), token.encode()):
            raise Unauthorized("This scrape endpoint needs its bearer token.")
    body = exposition(svc.metrics.registry, svc.settings.prometheus_multiproc_dir)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
