from __future__ import annotations

import pytest

from service.classifier.lexicon import Hit, Lexicon
from service.classifier.text import parse


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon({"harm": ("mysterious*", "frozen in time", "*'s christmas", "kind of * halloween")})


def hits(lexicon: Lexicon, text: str) -> list[Hit]:
    return [h for h in lexicon.match(parse(text)) if h.group == "harm"]


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("A mysterious rite.", True),
        ("Nothing about the rite is mysterious.", False),
        ("Far from mysterious, it is a village fair.", False),
        ("It is not only mysterious but loud.", True),
        ("They have never moved past their mysterious rites.", True),
        ("What outsiders call 'mysterious' is ordinary.", False),
        ("Colonial officials dismissed it as mysterious.", False),
        ("Not at all, it is loud; mysterious too.", True),
    ],
    ids=["plain", "nothing-is", "far-from", "not-only", "never-moved-past", "quoted", "dismissed-as", "other-clause"],
)
def test_negation_and_distancing(lexicon: Lexicon, text: str, plain: bool) -> None:
    found = hits(lexicon, text)
    assert len(found) == 1
    assert found[0].plain is plain


def test_multi_word_prefix_suffix_and_wildcard_atoms(lexicon: Lexicon) -> None:
    parsed = parse("Frozen in time, Diwali is India's Christmas, a kind of Hindu Halloween, mysteriously.")
    spans = parsed.spans()
    texts = {parsed.text[spans[h.first][0] : spans[h.last][1]] for h in lexicon.match(parsed)}
    assert texts == {"Frozen in time", "India's Christmas", "kind of Hindu Halloween", "mysteriously"}


def test_cues_do_not_cross_sentences(lexicon: Lexicon) -> None:
    assert hits(lexicon, "It was frozen. In time it thawed.") == []
