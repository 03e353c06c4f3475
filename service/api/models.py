"""GET /v1/models: the upstream's models, narrowed to the tenant's allowlist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.api.deps import current_tenant, services

router = APIRouter()


@router.get("/v1/models")
async def list_models(request: Request) -> dict[str, Any]:
    svc = services(request)
    tenant = current_tenant(request.headers, svc)
    listing = await svc.upstream.models()
    raw = listing.get("data")
    data: list[Any] = raw if isinstance(raw, list) else []
    if tenant.models is not None:
        allowed = set(tenant.models)
        data = [m for m in data if isinstance(m, dict) and m.get("id") in allowed]
    return {"object": "list", "data": data}
