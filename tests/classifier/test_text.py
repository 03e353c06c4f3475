from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from service.classifier.text import _QUOTED, MAX_CHARS, cap, parse

READABLE_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,120})[\"”]|(?<!\w)['‘]([^'‘’\n]{1,80}?)['’](?!\w)")
"""What `_QUOTED` finds, written plainly (the shipped one is reordered so the regex engine can skip ahead)."""


def test_tokens_are_lower_cased_and_found_back_in_the_text() -> None:
    text = "Far from primitive, the 'Exotic' rite isn't mysterious. It's Diwali, e.g. the festival!"
    parsed = parse(text)
    assert parsed.words[:3] == ["far", "from", "primitive"]
    assert [text[s:e].lower() for s, e in parsed.spans()] == parsed.words


def test_sentences_end_at_stops_but_not_before_lower_case() -> None:
    parsed = parse("It is e.g. a test. Next one! And a line\nthird")
    assert [parsed.text[s:e] for s, e in parsed.sentences] == [
        "It is e.g. a test.",
        "Next one!",
        "And a line",
        "third",
    ]


def test_punctuation_and_but_open_new_clauses() -> None:
    parsed = parse("Not mysterious, exotic; quiet but busy")
    clause = dict(zip(parsed.words, parsed.clause, strict=True))
    assert clause["not"] == clause["mysterious"] != clause["exotic"]
    assert clause["quiet"] != clause["busy"]


def test_quoted_words_are_marked() -> None:
    parsed = parse("What brochures call 'exotic' is “ordinary” here, isn't it?")
    quoted = dict(zip(parsed.words, parsed.quoted, strict=True))
    assert quoted["exotic"] and quoted["ordinary"]
    assert not quoted["brochures"] and not quoted["isn't"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab é\n'‘’\"“”.x", max_size=200))
def test_quoted_phrases_are_those_the_readable_pattern_finds(text: str) -> None:
    assert [m.span() for m in _QUOTED.finditer(text)] == [m.span() for m in READABLE_QUOTED.finditer(text)]


def test_empty_and_blank_texts_have_no_tokens() -> None:
    for text in ("", "   \n\t", "... ,,, !!"):
        parsed = parse(text)
        assert parsed.words == [] and parsed.n_sentences == 0


def test_cap_keeps_the_first_max_chars() -> None:
    assert cap("x" * (MAX_CHARS + 10)) == "x" * MAX_CHARS
    assert cap("short") == "short"
