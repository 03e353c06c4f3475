"""Policy data: frames and tenants as validated pydantic models, and the immutable snapshot they form."""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.classifier.types import DIMENSIONS, HARMS

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class Frame(BaseModel):
    """A cultural frame of reference: the instruction text injected into the prompt."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    instruction: str = Field(min_length=1)
    region: str | None = None
    languages: list[str] = Field(default_factory=list)
    version: int | str | None = None


class ApiKey(BaseModel):
    """A tenant key, stored only as the SHA-256 hex digest of the key."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class Tenant(BaseModel):
    """One tenant's configuration. Only the fields DESIGN.md names are required."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str | None = None
    api_keys: list[ApiKey] = Field(min_length=1)
    default_frame: str
    allowed_frames: list[str] = Field(min_length=1)
    mode: Literal["observe", "annotate", "enforce"] = "annotate"
    thresholds: dict[str, float] = Field(default_factory=dict)
    injection: Literal["system", "user_prefix"] = "system"
    on_classifier_error: Literal["open", "closed"] = "open"
    models: list[str] | None = None
    block_on: list[str] = Field(default_factory=lambda: list(HARMS))
    blocked_message: str = "This answer was withheld because it did not meet this service's cultural-framing policy."
    cache_salt: str | None = None
    image_url_hosts: list[str] | None = None  # None: any http(s) host; a list: only these; []: data: URLs only

    @field_validator("image_url_hosts")
    @classmethod
    def _lower_hosts(cls, value: list[str] | None) -> list[str] | None:
        return [host.lower().strip() for host in value] if value is not None else None

    @field_validator("thresholds")
    @classmethod
    def _known_threshold_dims(cls, value: dict[str, float]) -> dict[str, float]:
        for dim, threshold in value.items():
            if dim not in DIMENSIONS:
                raise ValueError(f"unknown dimension {dim!r} in thresholds (known: {', '.join(DIMENSIONS)})")
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"threshold for {dim!r} must be within [0, 1], got {threshold}")
        return value

    @field_validator("block_on")
    @classmethod
    def _known_block_dims(cls, value: list[str]) -> list[str]:
        unknown = [d for d in value if d not in DIMENSIONS]
        if unknown:
            raise ValueError(f"unknown dimension(s) in block_on: {', '.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _default_is_allowed(self) -> Tenant:
        if self.default_frame not in self.allowed_frames:
            raise ValueError(f"default_frame {self.default_frame!r} is not in allowed_frames")
        return self

    @property
    def salt(self) -> str:
        """Keeps this tenant's prefix cache apart from every other tenant's in vLLM."""
        return self.cache_salt or hashlib.sha256(f"guardrail-tenant:{self.id}".encode()).hexdigest()[:32]


class Policies:
    """An immutable snapshot of every frame and tenant; swapped whole on reload."""

    def __init__(self, frames: dict[str, Frame], tenants: dict[str, Tenant]) -> None:
        self.frames = frames
        self.tenants = tenants
        self._keys: list[tuple[bytes, Tenant]] = [
            (bytes.fromhex(key.sha256), tenant) for tenant in tenants.values() for key in tenant.api_keys
        ]

    def tenant_for_key(self, key: str) -> Tenant | None:
        """Find the tenant owning a presented key, comparing every stored digest in constant time."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
        found: Tenant | None = None
        for stored, tenant in self._keys:
            if hmac.compare_digest(stored, digest):
                found = tenant
        return found


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
