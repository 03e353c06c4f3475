"""POST /v1/chat/completions."""

from __future__ import annotations

import time

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse

from service.api.deps import BodyDep, ServicesDep, TenantDep
from service.api.schemas import CHAT_BODY
from service.gateway.chat import JsonAnswer

router = APIRouter()

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


@router.post("/v1/chat/completions", response_model=None, openapi_extra=CHAT_BODY)
async def chat_completions(
    request: Request,
    svc: ServicesDep,
    tenant: TenantDep,
    body: BodyDep,
    x_cultural_frame: str | None = Header(default=None),
) -> Response:
    started = time.perf_counter()
    answer = await svc.gateway.complete(svc.policies.current, tenant, x_cultural_frame, body, started)
    if isinstance(answer, JsonAnswer):
        return Response(answer.body, status_code=answer.status, media_type="application/json", headers=answer.headers)
    return StreamingResponse(answer.chunks, media_type="text/event-stream", headers={**SSE_HEADERS, **answer.headers})
