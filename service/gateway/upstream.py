"""The one HTTP client to the vLLM server: timeouts, connection pooling, and error mapping."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from service.errors import UpstreamError, UpstreamStatus, UpstreamTimeout

JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}


class Upstream:
    """Talks to an OpenAI-compatible base URL such as ``http://vllm:8000/v1``."""

    def __init__(self, base_url: str, client: httpx.AsyncClient, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.headers = dict(JSON_HEADERS)
        if api_key:
            self.headers["authorization"] = f"Bearer {api_key}"
        root = self.base_url.removesuffix("/v1")
        self.health_url = f"{root}/health"

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streamed completion, parsed; an upstream error answer raises `UpstreamStatus`."""
        response = await self._send("POST", "/chat/completions", body, stream=False)
        return _json_object(response.content)

    async def open_chat_stream(self, body: dict[str, Any]) -> httpx.Response:
        """Open a streamed completion; the caller must `aclose()` the response."""
        return await self._send("POST", "/chat/completions", body, stream=True)

    async def models(self) -> dict[str, Any]:
        response = await self._send("GET", "/models", None, stream=False)
        return _json_object(response.content)

    async def healthy(self) -> bool:
        try:
            response = await self.client.get(self.health_url, headers=self.headers, timeout=2.0)
        except httpx.HTTPError:
            return False
        if response.status_code == 404:
            try:
                await self.models()
            except UpstreamError:
                return False
            return True
        return response.status_code == 200

    async def _send(self, method: str, path: str, body: dict[str, Any] | None, *, stream: bool) -> httpx.Response:
        content = orjson.dumps(body) if body is not None else None
        request = self.client.build_request(method, self.base_url + path, content=content, headers=self.headers)
        try:
            response = await self.client.send(request, stream=stream)
        except httpx.TimeoutException:
            raise UpstreamTimeout("The model server did not answer in time.") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(f"The model server could not be reached ({type(exc).__name__}).") from None
        if response.status_code >= 400:
            try:
                raw = await response.aread()
            except httpx.HTTPError:
                raw = b""
            finally:
                await response.aclose()
            raise error_from_upstream(response.status_code, raw)
        return response


def error_from_upstream(status: int, raw: bytes) -> UpstreamStatus:
    """Map both vLLM error shapes (nested ``{"error": {...}}`` and the older flat one) to ours."""
    message, type_, param, code = f"The model server answered HTTP {status}.", "upstream_error", None, None
    try:
        data = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        nested = data.get("error")
        detail: dict[str, Any] = nested if isinstance(nested, dict) else data
        if isinstance(detail.get("message"), str):
            message = detail["message"]
        elif isinstance(detail.get("detail"), str):
            message = detail["detail"]
        if isinstance(detail.get("type"), str):
            type_ = detail["type"]
        if isinstance(detail.get("param"), str):
            param = detail["param"]
        if isinstance(detail.get("code"), str | int):
            code = detail["code"]
    if status >= 500 and status != 503:
        return UpstreamStatus(
            502, f"The model server failed: {message}", type_="upstream_error", param=param, code=code
        )
    return UpstreamStatus(status, message, type_=type_, param=param, code=code)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UpstreamError("The model server answered with something that is not JSON.") from None
    if not isinstance(data, dict):
        raise UpstreamError("The model server answered with JSON that is not an object.")
    return data


def build_client(connect_timeout: float, timeout: float, max_connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=connect_timeout, pool=connect_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
    )
