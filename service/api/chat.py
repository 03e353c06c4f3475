"""POST /v1/chat/completions: the hot path, served as plain ASGI in front of FastAPI's middleware stack.

Every other route goes through FastAPI. This one carries every proxied request, and FastAPI's layers (the error,
body-limit and exit-stack middlewares, routing, Request and Response objects, the task group that watches a
stream for a disconnect) cost about a fifth of the guardrail's CPU per request (bench/README.md). So `serve`
reads the body, writes the JSON or SSE answer, answers errors in the same OpenAI shape as the app's error
handlers, and stops the upstream stream when the client goes away. The route is still in the OpenAPI document
(`OPENAPI`, added by `app.GuardrailApp.openapi`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from service.api.deps import Services, current_tenant, json_body
from service.api.schemas import CHAT_BODY
from service.errors import GuardrailError, error_body, error_bytes, internal_error_body
from service.gateway.chat import JsonAnswer

PATH = "/v1/chat/completions"
SSE_HEADERS = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
}
OPENAPI: dict[str, Any] = {
    "post": {
        "summary": "Chat Completions",
        "description": "OpenAI's chat completions, through the tenant's cultural frame, scored on the way back.",
        "operationId": "chat_completions_v1_chat_completions_post",
        "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {}}}}},
        **CHAT_BODY,
    }
}

log = logging.getLogger("guardrail")


class _ClientGone(Exception):
    """The client disconnected before its request body arrived: there is no one to answer."""


async def serve(svc: Services, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["method"] != "POST":
        body = error_body("Method Not Allowed", "invalid_request_error", None, 405)
        await _send_json(send, 405, orjson.dumps(body), {"allow": "POST"}.items())
        return
    started = time.perf_counter()
    headers = Headers(scope=scope)
    try:
        tenant = current_tenant(headers, svc)
        body = await json_body(headers, _body(receive), svc)
        frame = headers.get("x-cultural-frame")
        answer = await svc.gateway.complete(svc.policies.current, tenant, frame, body, started)
    except GuardrailError as exc:
        await _send_json(send, exc.status, error_bytes(exc))
        return
    except _ClientGone:
        return
    except Exception as exc:
        log.exception("unhandled error", exc_info=exc)
        await _send_json(send, 500, orjson.dumps(internal_error_body()))
        return
    if isinstance(answer, JsonAnswer):
        await _send_json(send, answer.status, answer.body, answer.headers.items())
        return
    sse_headers = {**SSE_HEADERS, **answer.headers}
    await send({"type": "http.response.start", "status": 200, "headers": _raw(sse_headers.items())})
    await _relay_until_gone(answer.chunks, receive, send)


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def _relay_until_gone(chunks: AsyncGenerator[bytes, None], receive: Receive, send: Send) -> None:
    """Send every chunk from this task while a watcher task waits for the client to go; if it goes first, the
    watcher cancels the sending (closing `chunks` closes the upstream stream). Sending from the request's own task,
    not a second one joined by `asyncio.wait`, lets the first chunk leave without a turn of the event loop."""
    relaying = asyncio.current_task()
    assert relaying is not None
    gone = finished = False

    def client_gone(watcher: asyncio.Future[None]) -> None:
        nonlocal gone
        if finished or watcher.cancelled():
            return
        watcher.exception()  # retrieved: a failing receive() also means there is no one left to send to
        gone = True
        relaying.cancel()

    watching = asyncio.ensure_future(_disconnect(receive))
    watching.add_done_callback(client_gone)
    try:
        await _send_all(chunks, send)
    except asyncio.CancelledError:
        if not gone or relaying.uncancel() > 0:
            raise  # cancelled from outside (shutdown), not by the watcher
    finally:
        finished = True
        watching.cancel()


async def _send_all(chunks: AsyncGenerator[bytes, None], send: Send) -> None:
    try:
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        await chunks.aclose()


async def _disconnect(receive: Receive) -> None:
    """Returns when the client has gone (servers also say so once the response is complete)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send_json(send: Send, status: int, body: bytes, extra: Iterable[tuple[str, str]] = ()) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *_raw(extra)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _raw(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
