"""The one client of the vLLM server: its routes, timeouts, and error mapping, over `http1.Pool`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import orjson

from service.errors import UpstreamError, UpstreamStatus, UpstreamTimeout
from service.gateway.http1 import HTTPError, Pool, Response, Timeout

JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}
HEALTH_SECONDS = 2.0


class UpstreamStream:
    """An open streamed answer. Iterate `chunks()`; always `close()` (it aborts an unfinished generation)."""

    def __init__(self, response: Response) -> None:
        self._response = response

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.chunks():
                yield chunk
        except Timeout:
            raise UpstreamTimeout("The model server stopped sending before the stream finished.") from None
        except HTTPError:
            raise UpstreamError("The connection to the model server broke mid-stream.") from None

    def close(self) -> None:
        # A finished connection goes back to the pool; an unfinished one is closed, which makes vLLM abort.
        self._response.release()


class Upstream:
    """Talks to an OpenAI-compatible base URL such as ``http://vllm:8000/v1``."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        connect_timeout: float = 5.0,
        timeout: float = 60.0,
        max_connections: int = 256,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.pool = Pool(
            self.base_url, connect_timeout=connect_timeout, read_timeout=timeout, max_connections=max_connections
        )
        prefix = urlsplit(self.base_url).path
        headers = dict(JSON_HEADERS)
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self._chat = self.pool.head("POST", f"{prefix}/chat/completions", headers)
        self._models = self.pool.head("GET", f"{prefix}/models", headers)
        self._health = self.pool.head("GET", f"{prefix.removesuffix('/v1')}/health", {})

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streamed completion, parsed; an upstream error answer raises `UpstreamStatus`."""
        return await _read_json(await self._send(self._chat, orjson.dumps(body)))

    async def open_chat_stream(self, body: dict[str, Any]) -> UpstreamStream:
        return UpstreamStream(await self._send(self._chat, orjson.dumps(body)))

    async def models(self) -> dict[str, Any]:
        return await _read_json(await self._send(self._models, None))

    async def healthy(self) -> bool:
        try:
            async with asyncio.timeout(HEALTH_SECONDS):
                response = await self.pool.request(self._health)
                await response.read()
                if response.status == 404:
                    await self.models()
                    return True
        except (HTTPError, UpstreamError, TimeoutError):
            return False
        return response.status == 200

    async def aclose(self) -> None:
        await self.pool.aclose()

    async def _send(self, head: bytes, body: bytes | None) -> Response:
        try:
            response = await self.pool.request(head, body)
        except Timeout:
            raise UpstreamTimeout("The model server did not answer in time.") from None
        except HTTPError as exc:
            raise UpstreamError(f"The model server {exc}.") from None
        if response.status >= 400:
            try:
                raw = await response.read()
            except HTTPError:
                raw = b""
            raise error_from_upstream(response.status, raw)
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


async def _read_json(response: Response) -> dict[str, Any]:
    """A whole answer, read (which releases it) and parsed as one JSON object."""
    try:
        raw = await response.read()
    except Timeout:
        raise UpstreamTimeout("The model server did not finish its answer in time.") from None
    except HTTPError:
        raise UpstreamError("The connection to the model server broke before the answer ended.") from None
    return _json_object(raw)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UpstreamError("The model server answered with something that is not JSON.") from None
    if not isinstance(data, dict):
        raise UpstreamError("The model server answered with JSON that is not an object.")
    return data


__all__ = ["Upstream", "UpstreamStream", "error_from_upstream"]
