"""POST /v1/score: score text a backend got elsewhere, under the tenant's thresholds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api.deps import current_tenant, json_body, services
from service.api.schemas import SCORE_BODY
from service.errors import InvalidRequest, ServiceUnavailable

router = APIRouter()

MAX_ITEMS = 64


@router.post("/v1/score", openapi_extra=SCORE_BODY)
async def score(request: Request) -> dict[str, Any]:
    """Body: ``{"text": "..."}`` or ``{"input": ["...", ...]}``; answers one result per text."""
    svc = services(request)
    tenant = current_tenant(request.headers, svc)
    body = await json_body(request.headers, request.stream(), svc)
    texts = _texts(body)
    results = []
    for text in texts:
        verdict = svc.judge.judge(tenant, [text])
        if verdict.assessment is None:
            raise ServiceUnavailable("The classifier failed on this text.", code="classifier_error")
        results.append(verdict.assessment.as_dict())
    out: dict[str, Any] = {"object": "guardrail.score", "classifier": svc.judge.scorer.version}
    if "text" in body:
        out.update(results[0])
    else:
        out["data"] = [{"index": i, **r} for i, r in enumerate(results)]
    return out


def _texts(body: dict[str, Any]) -> list[str]:
    if "text" in body:
        text = body["text"]
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequest("'text' must be a non-empty string.", param="text")
        return [text]
    items = body.get("input")
    if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
        raise InvalidRequest(f"Send 'text' (a string) or 'input' (1 to {MAX_ITEMS} strings).", param="input")
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise InvalidRequest(f"'input[{i}]' must be a non-empty string.", param=f"input[{i}]")
    return items
