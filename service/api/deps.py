"""What routes need from a request: the shared state, the calling tenant, the read body.

Plain calls rather than FastAPI dependencies: resolving `Depends` costs more CPU per request than the
work itself, and the proxy's budget is under a millisecond.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from service.errors import PayloadTooLarge, ServiceUnavailable, Unauthorized
from service.gateway.chat import ChatGateway
from service.gateway.request import parse_json_object
from service.gateway.upstream import Upstream
from service.gateway.verdict import Judge
from service.metrics import Metrics
from service.settings import Settings
from service.tenancy.models import Tenant
from service.tenancy.store import PolicyStore


@dataclass(slots=True)
class Services:
    """Everything built once in the lifespan and shared by every request."""

    settings: Settings
    policies: PolicyStore
    upstream: Upstream
    judge: Judge
    metrics: Metrics
    gateway: ChatGateway
    draining: bool = False


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def current_tenant(headers: Mapping[str, str], svc: Services) -> Tenant:
    if svc.draining:
        raise ServiceUnavailable("This replica is shutting down; retry on another.", code="shutting_down")
    header = headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Missing API key: send 'Authorization: Bearer <key>'.")
    tenant = svc.policies.current.tenant_for_key(key.strip())
    if tenant is None:
        raise Unauthorized("Incorrect API key provided.")
    return tenant


async def json_body(headers: Mapping[str, str], chunks: AsyncIterator[bytes], svc: Services) -> dict[str, Any]:
    """The body (read from `chunks`) as one JSON object, within the configured size limit."""
    limit = svc.settings.max_body_bytes
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is larger than this service's limit of {limit} bytes.")
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than this service's limit of {limit} bytes.")
        parts.append(chunk)
    return parse_json_object(b"".join(parts))
