"""Splitting vLLM's SSE byte stream and reading its deltas."""

from __future__ import annotations

import pytest

from service.gateway.sse import EventSplitter, StreamState, event_data

STREAM = (
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,'
    b'"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,'
    b'"delta":{"content":"Hel"},"finish_reason":null}]}\n\n'
    b": keep-alive\n\n"
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":5,"model":"m","choices":[{"index":0,'
    b'"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


@pytest.mark.parametrize("size", [1, 7, 64, len(STREAM)], ids=["bytewise", "small", "medium", "whole"])
def test_events_survive_any_chunking(size: int) -> None:
    splitter = EventSplitter()
    events: list[bytes] = []
    for i in range(0, len(STREAM), size):
        events += splitter.feed(STREAM[i : i + size])
    assert b"".join(events) == STREAM and splitter.pending == b""
    state = StreamState()
    payloads = [event_data(e) for e in events]
    assert payloads[2] is None and payloads[-1] == b"[DONE]"
    for p in payloads[:-1]:
        if p is not None:
            state.add(p)
    assert state.choice_texts() == ["Hello"] and state.chunk_id == "chatcmpl-1" and state.created == 5


def test_error_events_in_both_shapes_are_recognised() -> None:
    for payload in (b'{"error": {"message": "boom", "code": 500}}', b'{"object": "error", "message": "boom"}'):
        state = StreamState()
        assert state.add(payload) == "" and state.error is not None


def test_garbage_payloads_add_nothing() -> None:
    state = StreamState()
    assert state.add(b"not json") == "" and state.add(b"[1]") == "" and state.choice_texts() == [""]
