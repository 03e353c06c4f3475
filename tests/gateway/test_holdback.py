"""The enforce-mode sentence gate."""

from __future__ import annotations

from service.gateway.holdback import SentenceGate


def run(pieces: list[str], bad: str | None) -> tuple[list[bytes], list[str], bool]:
    checked: list[str] = []

    def check(text: str) -> bool:
        checked.append(text)
        return bad is not None and bad in text

    gate = SentenceGate(check)
    out: list[bytes] = []
    for piece in pieces:
        out += gate.push(piece.encode(), piece)
        if gate.blocked:
            return out, checked, True
    out += gate.finish()
    return out, checked, gate.blocked


def test_clean_text_is_released_whole_and_in_order() -> None:
    pieces = ["One sen", "tence. Two ", "sentences! Th", "ree"]
    out, checked, blocked = run(pieces, None)
    assert not blocked and b"".join(out) == "".join(pieces).encode()
    assert checked == ["One sentence. ", "Two sentences! ", "Three"]


def test_a_flagged_sentence_is_never_released() -> None:
    out, _, blocked = run(["Fine here. Then a ba", "d word. After."], "bad")
    assert blocked and b"".join(out) == b""  # the straddling piece held the start of the bad sentence


def test_held_back_is_at_most_the_current_sentence() -> None:
    gate = SentenceGate(lambda _: False)
    assert gate.push(b"a", "Hello there. ") == [b"a"]
    assert gate.push(b"b", "Still going") == []
    assert gate.push(b"c", " on. And") == [b"b"]
    assert gate.finish() == [b"c"]


def test_decimal_points_are_not_sentence_ends() -> None:
    _, checked, _ = run(["It costs 3.", "5 dollars. Ok"], None)
    assert checked[0] == "It costs 3.5 dollars. "


def test_events_without_text_keep_their_place() -> None:
    gate = SentenceGate(lambda _: False)
    assert gate.push(b"role", "") == [b"role"]
    assert gate.push(b"t1", "Half") == []
    assert gate.push(b"usage", "") == []
    assert gate.finish() == [b"t1", b"usage"]
