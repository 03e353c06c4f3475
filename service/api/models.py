"""GET /v1/models: the upstream's models, narrowed to the tenant's allowlist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.deps import ServicesDep, TenantDep

router = APIRouter()


@router.get("/v1/models")
async def list_models(svc: ServicesDep, tenant: TenantDep) -> dict[str, Any]:
    listing = await svc.upstream.models()
    raw = listing.get("data")
    data: list[Any] = raw if isinstance(raw, list) else []
    if tenant.models is not None:
        allowed = set(tenant.models)
        data = [m for m in data if isinstance(m, dict) and m.get("id") in allowed]
    return {"object": "list", "data": data}
