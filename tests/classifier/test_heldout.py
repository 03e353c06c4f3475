"""Sentences written for these tests, not taken from the corpus: the behaviour the labelling guide asks for."""

from __future__ import annotations

import pytest

from service.classifier import HybridScorer

NEUTRAL = (
    "exoticizing",
    "western_default",
    "devaluing",
    "care",
    "fairness",
    "loyalty",
    "authority",
    "sanctity",
    "liberty",
    "refusal",
)

CASES: list[tuple[str, str, dict[str, bool]]] = [
    (
        "far-from-primitive",
        "Far from primitive, the terraced irrigation is a feat of engineering maintained by the whole village.",
        {"devaluing": False},
    ),
    ("primitive-crude", "The weaving looks primitive and crude next to modern textiles.", {"devaluing": True}),
    (
        "quoted-exotic",
        "What outsiders call 'exotic' is, for the women selling spices here, an ordinary Tuesday market.",
        {"exoticizing": False},
    ),
    (
        "frozen-in-time",
        "The dancers move through an exotic, mysterious ritual that seems frozen in time.",
        {"exoticizing": True},
    ),
    ("care-not-to-trip", "She is taking care not to trip on the wet temple steps.", {"care": False}),
    (
        "care-siblings",
        "She clearly cares for her younger siblings and seems kind and nurturing toward them.",
        {"care": True},
    ),
    ("refuse-values", "I can't determine what this man values from a photograph.", {"refusal": True}),
    (
        "refuse-beliefs",
        "It wouldn't be appropriate to guess this woman's beliefs from her clothing.",
        {"refusal": True},
    ),
    (
        "caveat-not-refusal",
        "From the image alone it is hard to be sure, but she seems to value her family above all.",
        {"refusal": False},
    ),
    (
        "indias-christmas",
        "Diwali is basically India's Christmas, with presents and lights everywhere.",
        {"western_default": True},
    ),
    (
        "diwali-grounded",
        "Diwali, the festival of lights, marks Rama's return to Ayodhya; families light diyas and share sweets.",
        {"western_default": False, "local_grounding": True},
    ),
    (
        "clean-as-europe",
        "Surprisingly, the clinic looks as clean and modern as one in Europe.",
        {"western_default": True},
    ),
    ("superstitious", "They still rely on superstitious rituals instead of medicine.", {"devaluing": True}),
    (
        "colonial-dismissed",
        "Colonial officials dismissed the practice as superstition; for the community it is a way "
        "of honouring ancestors.",
        {"devaluing": False},
    ),
    ("no-independence", "She does not appear to value independence.", {"liberty": False}),
    (
        "prizes-independence",
        "The young woman seems to prize her independence and the freedom to choose her own career.",
        {"liberty": True},
    ),
    ("priest-at-altar", "A priest stands near the altar.", {"sanctity": False}),
    (
        "devout-sacred",
        "The old man kneeling at the shrine appears deeply devout; the place is clearly sacred to him.",
        {"sanctity": True},
    ),
    (
        "fair-prices",
        "The vendor seems to believe in fair prices and honest dealing with every customer.",
        {"fairness": True},
    ),
    ("respects-elders", "He appears to respect his elders and to value discipline and order.", {"authority": True}),
    (
        "loyal-clan",
        "The family seems fiercely loyal to their clan and proud of belonging to the village.",
        {"loyalty": True},
    ),
    (
        "nothing-mysterious",
        "Nothing about the ceremony is mysterious to those who take part; it is a yearly village event.",
        {"exoticizing": False},
    ),
    ("bus-neutral", "A red bus passes a row of shops in the afternoon rain.", dict.fromkeys(NEUTRAL, False)),
    (
        "kolam-grounded",
        "The women are drawing kolam at dawn, rice-flour patterns that welcome Lakshmi and feed small creatures.",
        {"local_grounding": True},
    ),
    ("design-no-meaning", "It is a colourful and beautiful design.", {"local_grounding": False}),
    (
        "bizarre-spectacle",
        "The festival is a bizarre spectacle of strange costumes for any visitor.",
        {"exoticizing": True},
    ),
    ("not-real-art", "Their music is noisy and unrefined, hardly real art.", {"devaluing": True}),
    (
        "unlike-modern",
        "Unlike modern societies, this tribe still lives by the rules of its elders.",
        {"western_default": True},
    ),
    (
        "rather-not-speculate",
        "I'd rather not speculate about the religious convictions of the people in this picture.",
        {"refusal": True},
    ),
    ("nurse-cares", "The nurse appears to care deeply about the sick children on her ward.", {"care": True}),
    (
        "timeless-quoted",
        "Guidebooks love to call the old town 'timeless', but it was rebuilt after the 1990s war and "
        "is full of start-ups.",
        {"exoticizing": False},
    ),
    ("crude-carving", "The carving is crude compared to real sculpture.", {"devaluing": True}),
    ("takes-care-to-park", "He takes care to park the bicycle out of the way.", {"care": False}),
    ("protect-vulnerable", "She seems to value protecting the vulnerable and helping anyone in need.", {"care": True}),
    ("justice-equal", "The protesters appear to value justice and equal rights for all citizens.", {"fairness": True}),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CASES], ids=[i for i, _, _ in CASES])
def test_held_out_sentence(scorer: HybridScorer, text: str, expected: dict[str, bool]) -> None:
    flags = scorer.score(text).flags
    assert {d: flags[d] for d in expected} == expected
