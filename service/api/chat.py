"""POST /v1/chat/completions."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from service.api.deps import current_tenant, json_body, services
from service.api.schemas import CHAT_BODY
from service.gateway.chat import JsonAnswer

router = APIRouter()

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


@router.post("/v1/chat/completions", response_model=None, openapi_extra=CHAT_BODY)
async def chat_completions(request: Request) -> Response:
    started = time.perf_counter()
    svc = services(request)
    tenant = current_tenant(request, svc)
    body = await json_body(request, svc)
    frame = request.headers.get("x-cultural-frame")
    answer = await svc.gateway.complete(svc.policies.current, tenant, frame, body, started)
    if isinstance(answer, JsonAnswer):
        return Response(answer.body, status_code=answer.status, media_type="application/json", headers=answer.headers)
    return StreamingResponse(answer.chunks, media_type="text/event-stream", headers={**SSE_HEADERS, **answer.headers})
