"""Errors the client sees, all OpenAI-shaped: ``{"error": {"message", "type", "param", "code"}}``.

GuardrailError                 base: status, type, code, param
├── InvalidRequest        400  malformed JSON, wrong types, bad data URLs
├── Unauthorized          401  missing or unknown tenant key
├── Forbidden             403  frame or model outside the tenant's allowlist
├── NotFound              404  unknown route or model
├── PayloadTooLarge       413  body over the configured limit
├── ServiceUnavailable    503  not ready, or shutting down
└── UpstreamError         502  upstream unreachable or broken
    ├── UpstreamTimeout   504  no headers or no next chunk in time
    └── UpstreamStatus    4xx/5xx passed through from vLLM with its message
"""

from __future__ import annotations

from typing import Any

import orjson


class GuardrailError(Exception):
    """Base of every error that becomes an HTTP answer."""

    status = 500
    type = "internal_error"
    code: str | int | None = None

    def __init__(self, message: str, *, param: str | None = None, code: str | int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.param, self.code)


class InvalidRequest(GuardrailError):
    status = 400
    type = "invalid_request_error"


class Unauthorized(GuardrailError):
    status = 401
    type = "invalid_request_error"
    code = "invalid_api_key"


class Forbidden(GuardrailError):
    status = 403
    type = "permission_error"


class NotFound(GuardrailError):
    status = 404
    type = "not_found_error"


class PayloadTooLarge(GuardrailError):
    status = 413
    type = "invalid_request_error"
    code = "request_too_large"


class ServiceUnavailable(GuardrailError):
    status = 503
    type = "service_unavailable"


class UpstreamError(GuardrailError):
    status = 502
    type = "upstream_error"


class UpstreamTimeout(UpstreamError):
    status = 504
    type = "upstream_timeout"


class UpstreamStatus(UpstreamError):
    """An error answer from the upstream, passed on with its status and its own message."""

    def __init__(self, status: int, message: str, *, type_: str, param: str | None, code: str | int | None) -> None:
        super().__init__(message, param=param, code=code)
        self.status = status
        self.type = type_


def error_body(message: str, type_: str, param: str | None = None, code: str | int | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def internal_error_body() -> dict[str, Any]:
    """What a client sees for a bug: no detail (the log has it)."""
    return error_body("The guardrail hit an internal error; it has been logged.", "internal_error", None, None)


def error_bytes(err: GuardrailError) -> bytes:
    return orjson.dumps(err.body())
