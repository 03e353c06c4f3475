"""Hypothesis on the body parser and frame injection: only clean 400s, and injection never loses a part."""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import InvalidRequest
from service.gateway.framing import inject
from service.gateway.request import check_chat_body, parse_json_object

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
parts = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, st.text()),
    st.builds(
        lambda u: {"type": "image_url", "image_url": {"url": u}},
        st.sampled_from(["data:image/png;base64,iVBORw0KGgo=", "https://example.org/a.png"]),
    ),
)
messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["system", "user", "assistant", "developer"]),
            "content": st.one_of(st.text(), st.lists(parts, max_size=3), st.none()),
        }
    ),
    min_size=1,
    max_size=5,
)


@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
@settings(max_examples=300, deadline=None)
def test_any_body_parses_or_fails_with_a_400(raw: bytes) -> None:
    try:
        body = parse_json_object(raw)
        check_chat_body(body, None)
    except InvalidRequest as err:
        assert err.status == 400 and err.message


@given(st.fixed_dictionaries({"model": json_values, "messages": json_values, "stream": json_values}))
@settings(max_examples=300, deadline=None)
def test_wrong_types_are_400s(body: dict[str, Any]) -> None:
    try:
        check_chat_body(body, [])
    except InvalidRequest as err:
        assert err.param is not None


@given(messages, st.text(min_size=1), st.sampled_from(["system", "user_prefix"]))
@settings(max_examples=300, deadline=None)
def test_injection_keeps_every_message_and_part(msgs: list[dict[str, Any]], instruction: str, mode: str) -> None:
    before = copy.deepcopy(msgs)
    out = inject(msgs, instruction, mode)
    assert msgs == before  # the caller's messages are untouched
    dumped = orjson.dumps(out).decode()
    for message in msgs:
        content = message["content"]
        for part in content if isinstance(content, list) else []:
            assert orjson.dumps(part).decode() in dumped
    assert len(out) in (len(msgs), len(msgs) + 1)
    assert (
        sum(
            1
            for m in out
            if m.get("content") == instruction
            or (isinstance(m.get("content"), str) and m["content"].startswith(instruction + "\n\n"))
            or (isinstance(m.get("content"), list) and m["content"][:1] == [{"type": "text", "text": instruction}])
        )
        >= 1
    )
