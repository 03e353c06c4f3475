"""An instant upstream in vLLM 0.32's wire format, cheap enough to sit beside the load generator.

Every chat completion is the same ~120-word answer: one JSON body, or a stream of 40 content chunks (about
three words each) between vLLM's role chunk and finishing chunk, then a usage chunk when
``stream_options.include_usage`` asks for it, then ``data: [DONE]``. Bytes follow
scripts/vllm/observed_wire_format.md: compact JSON, header order, LF-only SSE events, one HTTP chunk per event.

It is a raw asyncio protocol on uvloop with httptools, answering from templates rebuilt once a second (for
``created`` and ``date``) with only the completion id filled in per request, so the upstream stays far cheaper
than anything measured in front of it. Each SSE event is its own write, as a token-by-token server sends them.

Routes: ``GET /health``, ``GET /v1/models``, ``POST /v1/chat/completions`` (404 in vLLM's shape for another
model) and ``GET /bench/stats`` (``{"chat": N}``, completions answered so far, read by the benchmark).

    .venv/bin/python bench/upstream_fast.py --port 8000 [--model bench-model]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from email.utils import formatdate
from typing import Any, cast

import httptools
import orjson
import uvloop

from service.standin import wire
from service.standin.vllm import model_entry

ANSWER = (
    "The photo shows a family gathered around a low table for a festival meal in the late afternoon light. "
    "The dishes are arranged with care, and the elders are seated first, which suggests that the occasion "
    "honours the older generation and the ties that hold the household together. Several people are smiling "
    "and passing food to one another, while two children wait politely for their turn. A small altar in the "
    "corner holds fruit, incense and a framed portrait, so the meal may also remember someone who has died. "
    "The clothing is a mix of everyday wear and festive colours, and the room is modest but clean. Nothing in "
    "the picture alone tells us which community this is, so any reading of its values should stay tentative."
)
CHUNKS = 40
COMPLETION_TOKENS = 160
ID_PLACEHOLDER = b"chatcmpl-@@@@@@@@@@@@@@@@"  # same length as a real id: "chatcmpl-" + 16 hex digits
FINGERPRINT = "vllm-0.32.0-be9c4a11"


def pieces(text: str, n: int) -> list[str]:
    """Split the answer into n runs of whole words; every run after the first keeps its leading space."""
    words = text.split(" ")
    step = len(words) / n
    bounds = [round(i * step) for i in range(n + 1)]
    runs = [" ".join(words[bounds[i] : bounds[i + 1]]) for i in range(n)]
    return [run if i == 0 else " " + run for i, run in enumerate(runs)]


def _compact(obj: Any) -> bytes:
    return orjson.dumps(obj)


class Templates:
    """The bytes of every answer for one value of `created`, with ID_PLACEHOLDER where the id goes."""

    def __init__(self, model: str, created: int) -> None:
        self.created = created
        self.date = formatdate(created, usegmt=True).encode()
        self.model = model
        placeholder = ID_PLACEHOLDER.decode()

        def event(obj: dict[str, Any]) -> bytes:
            data = b"data: " + _compact(obj) + b"\n\n"
            return b"%x\r\n%s\r\n" % (len(data), data)

        events = [
            event(
                wire.chunk(placeholder, created, model, [wire.role_choice()], prompt_token_ids=None, prompt_text=None)
            )
        ]
        events += [
            event(wire.chunk(placeholder, created, model, [wire.content_choice(p)])) for p in pieces(ANSWER, CHUNKS)
        ]
        events.append(event(wire.chunk(placeholder, created, model, [wire.finish_choice()])))
        self.stream_events = events
        self.stream_usage_head = wire.chunk(placeholder, created, model, [])
        done = b"data: [DONE]\n\n"
        self.stream_done = b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done)
        self.stream_headers = (
            b"HTTP/1.1 200 OK\r\ndate: " + self.date + b"\r\nserver: uvicorn\r\n"
            b"content-type: text/event-stream; charset=utf-8\r\nvary: Origin\r\ntransfer-encoding: chunked\r\n\r\n"
        )

    def json_response(self, obj: Any, status: bytes = b"200 OK") -> bytes:
        body = obj if isinstance(obj, bytes) else _compact(obj)
        return (
            b"HTTP/1.1 " + status + b"\r\ndate: " + self.date + b"\r\nserver: uvicorn\r\n"
            b"content-length: %d\r\ncontent-type: application/json\r\nvary: Origin\r\n\r\n" % len(body)
        ) + body

    def completion_response(self, prompt_tokens: int) -> bytes:
        usage = {
            "prompt_tokens": prompt_tokens,
            "total_tokens": prompt_tokens + COMPLETION_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
        }
        return self.json_response(
            wire.completion(ID_PLACEHOLDER.decode(), self.created, self.model, ANSWER, 1, FINGERPRINT, usage)
        )

    def usage_event(self, prompt_tokens: int) -> bytes:
        usage = {
            "prompt_tokens": prompt_tokens,
            "total_tokens": prompt_tokens + COMPLETION_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
        }
        data = b"data: " + _compact({**self.stream_usage_head, "usage": usage, "system_fingerprint": FINGERPRINT})
        data += b"\n\n"
        return b"%x\r\n%s\r\n" % (len(data), data)


class Upstream:
    """Shared state: the model name, the current templates and the count of completions answered."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.ids = itertools.count(1)
        self.answered = 0
        self._templates = Templates(model, int(time.time()))

    @property
    def templates(self) -> Templates:
        now = int(time.time())
        if now != self._templates.created:
            self._templates = Templates(self.model, now)
        return self._templates

    def models_body(self) -> bytes:
        return _compact({"object": "list", "data": [model_entry(self.model, int(time.time()))]})


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; requests are answered in order as they complete."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's TCPTransport does not subclass it

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                self.transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        method = self.parser.get_method()
        path = self.url.split(b"?", 1)[0]
        t = self.upstream.templates
        if method == b"POST" and path == b"/v1/chat/completions":
            self.chat(transport, t, b"".join(self.body))
        elif path == b"/health":
            head = b"HTTP/1.1 200 OK\r\ndate: " + t.date + b"\r\nserver: uvicorn\r\n"
            transport.write(head + b"content-length: 0\r\nvary: Origin\r\n\r\n")
        elif path == b"/v1/models":
            transport.write(t.json_response(self.upstream.models_body()))
        elif path == b"/bench/stats":
            transport.write(t.json_response({"chat": self.upstream.answered}))
        else:
            transport.write(t.json_response({"detail": "Not Found"}, b"404 Not Found"))
        if not self.parser.should_keep_alive():
            transport.close()

    def chat(self, transport: asyncio.Transport, t: Templates, raw: bytes) -> None:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            error = {"message": "JSON decode error", "type": "Bad Request", "param": "body", "code": 400}
            transport.write(t.json_response({"error": error}, b"400 Bad Request"))
            return
        model = body.get("model")
        if model != self.upstream.model:
            error = {
                "message": f"The model `{model}` does not exist. Valid aliases: {self.upstream.model}.",
                "type": "NotFoundError",
                "param": "model",
                "code": 404,
            }
            transport.write(t.json_response({"error": error}, b"404 Not Found"))
            return
        self.upstream.answered += 1
        completion_id = b"chatcmpl-%016x" % next(self.upstream.ids)
        prompt_tokens = 0
        for message in body.get("messages") or ():
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                prompt_tokens += len(content.split())
        if not body.get("stream"):
            transport.write(t.completion_response(prompt_tokens).replace(ID_PLACEHOLDER, completion_id))
            return
        events = t.stream_events
        transport.write(t.stream_headers + events[0].replace(ID_PLACEHOLDER, completion_id))
        for event in events[1:]:
            transport.write(event.replace(ID_PLACEHOLDER, completion_id))
        options = body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            transport.write(t.usage_event(prompt_tokens).replace(ID_PLACEHOLDER, completion_id))
        transport.write(t.stream_done)


async def serve(host: str, port: int, model: str) -> None:
    upstream = Upstream(model)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(upstream), host, port, backlog=4096, reuse_address=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", default="bench-model")
    args = parser.parse_args()
    uvloop.run(serve(args.host, args.port, args.model))


if __name__ == "__main__":
    main()
