"""Splitting vLLM's SSE byte stream and reading its deltas."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _reference_events(data: bytes) -> tuple[list[bytes], bytes]:
    """The rule the splitter implements, written the slow obvious way: an event ends at a blank line."""
    events, start = [], 0
    for match in re.finditer(rb"\r?\n\r?\n", data):
        events.append(data[start : match.end()])
        start = match.end()
    return events, data[start:]


def _reference_data(event: bytes) -> bytes | None:
    lines = [line[5:].lstrip(b" ") for line in event.splitlines() if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None


SSE_BYTES = st.lists(st.sampled_from([b"data:", b"data: ", b" ", b"x", b"[DONE]", b"\n", b"\r", b":"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(pieces=SSE_BYTES, cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_splitting_and_reading_match_the_general_rule_for_any_bytes_and_chunking(
    pieces: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(pieces)
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    splitter = EventSplitter()
    events: list[bytes] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        events += splitter.feed(data[a:b])
    assert (events, splitter.pending) == _reference_events(data)
    for event in events:
        assert event_data(event) == _reference_data(event)
