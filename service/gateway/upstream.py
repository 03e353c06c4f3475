"""The one HTTP client to the vLLM server (aiohttp): timeouts, connection pooling, and error mapping.

aiohttp's client costs about a tenth of httpx's CPU per proxied request here (bench/bench_overhead.py), which
matters for a proxy whose whole budget is about a millisecond.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson

from service.errors import UpstreamError, UpstreamStatus, UpstreamTimeout

JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}


class UpstreamStream:
    """An open streamed answer. Iterate `chunks()`; always `close()` (it aborts an unfinished generation)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except TimeoutError:
            raise UpstreamTimeout("The model server stopped sending before the stream finished.") from None
        except aiohttp.ClientError:
            raise UpstreamError("The connection to the model server broke mid-stream.") from None

    def close(self) -> None:
        # release() hands a finished connection back to the pool and closes an unfinished one,
        # which is what makes vLLM abort the request.
        self._response.release()


class Upstream:
    """Talks to an OpenAI-compatible base URL such as ``http://vllm:8000/v1``."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.headers = dict(JSON_HEADERS)
        if api_key:
            self.headers["authorization"] = f"Bearer {api_key}"
        self.health_url = f"{self.base_url.removesuffix('/v1')}/health"

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streamed completion, parsed; an upstream error answer raises `UpstreamStatus`."""
        response = await self._send("POST", "/chat/completions", body)
        try:
            raw = await response.read()
        except TimeoutError:
            raise UpstreamTimeout("The model server did not finish its answer in time.") from None
        except aiohttp.ClientError:
            raise UpstreamError("The connection to the model server broke before the answer ended.") from None
        finally:
            response.release()
        return _json_object(raw)

    async def open_chat_stream(self, body: dict[str, Any]) -> UpstreamStream:
        return UpstreamStream(await self._send("POST", "/chat/completions", body))

    async def models(self) -> dict[str, Any]:
        response = await self._send("GET", "/models", None)
        try:
            return _json_object(await response.read())
        finally:
            response.release()

    async def healthy(self) -> bool:
        try:
            async with self.session.get(self.health_url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            return False
        if status == 404:
            try:
                await self.models()
            except UpstreamError:
                return False
            return True
        return status == 200

    async def _send(self, method: str, path: str, body: dict[str, Any] | None) -> aiohttp.ClientResponse:
        data = orjson.dumps(body) if body is not None else None
        try:
            response = await self.session.request(method, self.base_url + path, data=data, headers=self.headers)
        except TimeoutError:
            raise UpstreamTimeout("The model server did not answer in time.") from None
        except aiohttp.ClientError as exc:
            raise UpstreamError(f"The model server could not be reached ({type(exc).__name__}).") from None
        if response.status >= 400:
            try:
                raw = await response.read()
            except (aiohttp.ClientError, TimeoutError):
                raw = b""
            finally:
                response.release()
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


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise UpstreamError("The model server answered with something that is not JSON.") from None
    if not isinstance(data, dict):
        raise UpstreamError("The model server answered with JSON that is not an object.")
    return data


def build_session(connect_timeout: float, timeout: float, max_connections: int) -> aiohttp.ClientSession:
    """Must be called inside the running event loop (the app's lifespan)."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout, sock_read=timeout),
        connector=aiohttp.TCPConnector(limit=max_connections, ttl_dns_cache=300),
        auto_decompress=True,
        skip_auto_headers=("User-Agent",),
    )


__all__ = ["Upstream", "UpstreamStream", "build_session", "error_from_upstream"]
