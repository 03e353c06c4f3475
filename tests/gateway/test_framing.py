"""Frame injection."""

from __future__ import annotations

from service.gateway.framing import inject, reinforced


def test_system_merge_and_prepend() -> None:
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    out = inject(msgs, "FRAME", "system")
    assert out[0] == {"role": "system", "content": "FRAME\n\nBe brief."} and msgs[0]["content"] == "Be brief."
    out = inject([{"role": "user", "content": "hi"}], "FRAME", "system")
    assert out == [{"role": "system", "content": "FRAME"}, {"role": "user", "content": "hi"}]


def test_system_parts_get_a_leading_text_part() -> None:
    msgs = [{"role": "system", "content": [{"type": "text", "text": "Be brief."}]}]
    assert inject(msgs, "F", "system")[0]["content"] == [
        {"type": "text", "text": "F"},
        {"type": "text", "text": "Be brief."},
    ]


def test_user_prefix_goes_to_the_first_user_turn_only() -> None:
    msgs = [
        {"role": "assistant", "content": "earlier"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
    ]
    out = inject(msgs, "F", "user_prefix")
    assert [m["content"] for m in out] == ["earlier", "F\n\na", "b"]


def test_reinforced_instruction_keeps_the_frame() -> None:
    text = reinforced("Take a Yoruba frame.")
    assert text.startswith("Take a Yoruba frame.") and "Western" in text
