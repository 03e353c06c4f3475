"""A scriptable stand-in for vLLM's OpenAI server (ids, `object` fields, usage chunk, both error shapes).

The shapes follow what vLLM 0.32's OpenAI server was seen to send (scripts/vllm/observed_wire_format.md):
compact JSON, LF-only SSE events, a first chunk with the role, one finishing chunk, an optional usage chunk
with ``"choices": []``, then ``data: [DONE]``.

Tests change `app.state.script` to plant behaviour (an answer, a failure, a hang) and read
`app.state.received` to see exactly what the guardrail forwarded.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from service.standin import wire

DEFAULT_ANSWER = (
    "The photo shows a family gathered around a low table for a festival meal. The dishes are arranged with "
    "care, and the elders are seated first, which suggests the occasion honours the family's older generation. "
    "Several people are smiling and passing food to one another."
)


@dataclass
class Script:
    """What the stand-in does next. Every field has a harmless default."""

    answer: str | Callable[[dict[str, Any]], str] = DEFAULT_ANSWER
    chunk_chars: int = 12
    models: tuple[str, ...] = ("standin-lvlm",)
    fail_status: int | None = None
    fail_shape: str = "nested"  # "nested" (vLLM >= 0.10.1), "flat" (older), "detail" (FastAPI 404)
    fail_message: str = "planted failure"
    stream_error_after: int | None = None  # content chunks before an in-stream error event
    cut_after: int | None = None  # content chunks before the connection is dropped
    hang_before_headers: float = 0.0
    hang_after: int | None = None  # content chunks before a pause of `hang_seconds`
    hang_seconds: float = 0.0
    chunk_delay: float = 0.0
    garbage: bytes | None = None  # sent with status 200 instead of a proper answer
    record_sent: bool = False  # keep every streamed body in app.state.sent, by completion id

    def text_for(self, body: dict[str, Any]) -> str:
        return self.answer(body) if callable(self.answer) else self.answer


def create_standin(script: Script | None = None) -> Starlette:
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", _chat, methods=["POST"]),
            Route("/v1/models", _models, methods=["GET"]),
            Route("/health", _health, methods=["GET"]),
        ]
    )
    app.state.script = script or Script()
    app.state.received = []
    app.state.disconnects = 0
    app.state.sent = {}
    app.state.fingerprint = f"vllm-0.32.0-{uuid.uuid4().hex[:8]}"
    return app


def _script(request: Request) -> Script:
    script: Script = request.app.state.script
    return script


async def _health(request: Request) -> Response:
    return Response(b"", status_code=200)


def model_entry(model: str, created: int) -> dict[str, Any]:
    """One entry of vLLM's `/v1/models` list, as vLLM 0.32 writes it."""
    permission = {
        "id": f"modelperm-{uuid.uuid4().hex[:16]}", "object": "model_permission", "created": created,
        "allow_create_engine": False, "allow_sampling": True, "allow_logprobs": True,
        "allow_search_indices": False, "allow_view": True, "allow_fine_tuning": False, "organization": "*",
        "group": None, "is_blocking": False,
    }
    return {
        "id": model, "object": "model", "created": created, "owned_by": "vllm", "root": f"/models/{model}",
        "parent": None, "max_model_len": 2048, "permission": [permission],
    }


async def _models(request: Request) -> Response:
    created = int(time.time())
    return _json({"object": "list", "data": [model_entry(m, created) for m in _script(request).models]})


def _json(obj: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json")


def _error(script: Script, status: int, message: str, type_: str, param: str | None) -> Response:
    if script.fail_shape == "flat":
        return _json({"object": "error", "message": message, "type": type_, "param": param, "code": status}, status)
    if script.fail_shape == "detail":
        return _json({"detail": message}, status)
    return _json({"error": {"message": message, "type": type_, "param": param, "code": status}}, status)


async def _chat(request: Request) -> Response:
    script = _script(request)
    body = orjson.loads(await request.body())
    request.app.state.received.append(body)
    if script.hang_before_headers:
        await asyncio.sleep(script.hang_before_headers)
    if script.garbage is not None:
        kind = "text/event-stream; charset=utf-8" if body.get("stream") else "application/json"
        return Response(script.garbage, status_code=200, media_type=kind)
    if script.fail_status is not None:
        return _error(script, script.fail_status, script.fail_message, "BadRequestError", None)
    model = body.get("model")
    if model not in script.models:
        return _error(
            script,
            404,
            f"The model `{model}` does not exist. Valid aliases: {', '.join(script.models)}.",
            "NotFoundError",
            "model",
        )
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens < 1:
        return _error(
            script,
            400,
            f"max_tokens must be at least 1, got {max_tokens}. (parameter=max_tokens, value={max_tokens})",
            "BadRequestError",
            "max_tokens",
        )
    text = script.text_for(body)
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:16]}"
    created = int(time.time())
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    usage = {
        "prompt_tokens": prompt_tokens,
        "total_tokens": prompt_tokens + len(text.split()),
        "completion_tokens": len(text.split()),
    }
    fingerprint = request.app.state.fingerprint
    if body.get("stream"):
        chunks = _stream(request, script, body, text, completion_id, created, model, usage)
        if script.record_sent:
            chunks = _recorded(chunks, request.app.state.sent, completion_id)
        return StreamingResponse(chunks, media_type="text/event-stream; charset=utf-8")
    n = body.get("n") or 1
    return _json(wire.completion(completion_id, created, model, text, n, fingerprint, usage))


async def _stream(
    request: Request,
    script: Script,
    body: dict[str, Any],
    text: str,
    completion_id: str,
    created: int,
    model: str,
    usage: dict[str, Any],
) -> AsyncIterator[bytes]:
    def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
        return b"data: " + orjson.dumps(wire.chunk(completion_id, created, model, choices, **extra)) + b"\n\n"

    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    try:
        yield chunk([wire.role_choice()], prompt_token_ids=None, prompt_text=None)
        pieces = [text[i : i + script.chunk_chars] for i in range(0, len(text), script.chunk_chars)]
        for n, piece in enumerate(pieces):
            if script.stream_error_after is not None and n == script.stream_error_after:
                yield (
                    b"data: "
                    + orjson.dumps(
                        {
                            "error": {
                                "message": script.fail_message,
                                "type": "InternalServerError",
                                "param": None,
                                "code": 500,
                            }
                        }
                    )
                    + b"\n\n"
                )
                yield b"data: [DONE]\n\n"
                return
            if script.cut_after is not None and n == script.cut_after:
                raise ConnectionResetError("planted cut")
            if script.hang_after is not None and n == script.hang_after:
                await asyncio.sleep(script.hang_seconds)
            if script.chunk_delay:
                await asyncio.sleep(script.chunk_delay)
            yield chunk([wire.content_choice(piece)])
        yield chunk([wire.finish_choice()])
        if include_usage:
            yield chunk([], usage=usage, system_fingerprint=request.app.state.fingerprint)
        yield b"data: [DONE]\n\n"
    except asyncio.CancelledError:
        request.app.state.disconnects += 1
        raise


async def _recorded(chunks: AsyncIterator[bytes], sent: dict[str, bytes], completion_id: str) -> AsyncIterator[bytes]:
    parts: list[bytes] = []
    async for part in chunks:
        parts.append(part)
        yield part
    sent[completion_id] = b"".join(parts)
