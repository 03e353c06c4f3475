from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.classifier import HybridScorer, load_scorer
from service.classifier.text import MAX_CHARS
from service.classifier.types import DIMENSIONS


def test_every_dimension_has_a_score_in_range_and_a_flag(scorer: HybridScorer) -> None:
    result = scorer.score("The elders seem devoted to the shrine and to their village.")
    assert set(result.scores) == set(result.flags) == set(DIMENSIONS)
    assert all(0.0 <= v <= 1.0 for v in result.scores.values())
    assert all(result.flags[d] == (result.scores[d] >= scorer.default_thresholds[d]) for d in DIMENSIONS)


def test_version_names_the_weights(scorer: HybridScorer) -> None:
    assert re.fullmatch(r"vc-\d+\.\d+\.\d+\+[0-9a-f]{8}", scorer.version)
    assert scorer.score("A market stall.").version == scorer.version


def test_negated_devaluing_cue_does_not_flag(scorer: HybridScorer) -> None:
    text = "Far from primitive, the irrigation system is a feat of engineering."
    assert not scorer.score(text).flags["devaluing"]
    assert (
        scorer.score("The irrigation system is primitive.").scores["devaluing"] > scorer.score(text).scores["devaluing"]
    )


def test_quoted_exotic_is_distanced(scorer: HybridScorer) -> None:
    text = "What outsiders call 'exotic' is, for residents, an ordinary market day."
    assert not scorer.score(text).flags["exoticizing"]


def test_everyday_care_is_not_the_value(scorer: HybridScorer) -> None:
    assert not scorer.score("She is taking care not to trip on the wet steps.").flags["care"]


def test_refusal_and_caveat(scorer: HybridScorer) -> None:
    assert scorer.score("I can't determine what this man values from a photograph.").flags["refusal"]
    caveat = scorer.score("From the image alone it is hard to be sure, but she seems to value her family.")
    assert not caveat.flags["refusal"]


def test_evidence_points_at_the_cue(scorer: HybridScorer) -> None:
    text = "The masked dancers perform a mysterious, otherworldly ritual that seems frozen in time."
    result = scorer.score(text)
    assert result.flags["exoticizing"]
    spans = result.evidence["exoticizing"]
    assert {s.text for s in spans} >= {"mysterious", "otherworldly", "frozen in time"}
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert set(result.evidence) == set(result.flagged())


def test_evidence_skips_negated_cues(scorer: HybridScorer) -> None:
    text = "The chant is not mysterious at all, yet the painted masks look bizarre and otherworldly."
    result = scorer.score(text)
    assert result.flags["exoticizing"]
    assert "mysterious" not in {s.text for s in result.evidence["exoticizing"]}


def test_evidence_offsets_survive_unusual_characters(scorer: HybridScorer) -> None:
    text = "«Ça va» — 👋🏽 The shrine\u00a0feels mystical, exotic and otherworldly…"
    result = scorer.score(text)
    for spans in result.evidence.values():
        assert all(text[s.start : s.end] == s.text for s in spans)


def test_tenant_thresholds_override_defaults(scorer: HybridScorer) -> None:
    text = "The elders seem devoted to the shrine."
    base = scorer.score(text)
    never = scorer.score(text, {d: 1.01 for d in DIMENSIONS})
    always = scorer.score(text, {"care": 0.0})
    assert not any(never.flags.values())
    assert always.flags["care"]
    assert always.scores == base.scores
    assert all(always.flags[d] == base.flags[d] for d in DIMENSIONS if d != "care")


def test_unknown_threshold_names_are_ignored(scorer: HybridScorer) -> None:
    assert scorer.score("A quiet street.", {"nonsense": 0.0}).flags == scorer.score("A quiet street.").flags


@pytest.mark.parametrize(
    "text", ["", "   ", "\n\n", "...!?", "\x00\x01"], ids=["empty", "spaces", "newlines", "punct", "ctrl"]
)
def test_empty_text_scores_zero(scorer: HybridScorer, text: str) -> None:
    result = scorer.score(text)
    assert not any(result.flags.values())
    assert all(v == 0.0 for v in result.scores.values())
    assert result.evidence == {}


def test_huge_text_is_capped(scorer: HybridScorer) -> None:
    unit = "The mysterious, exotic dancers seem devoted to the sacred shrine. "
    huge = unit * (1_000_000 // len(unit))
    result = scorer.score(huge)
    assert result.flags["exoticizing"]
    for spans in result.evidence.values():
        assert all(s.end <= MAX_CHARS for s in spans)


def test_lone_surrogates_and_odd_unicode_do_not_crash(scorer: HybridScorer) -> None:
    result = scorer.score("bad \ud800 surrogate, İstanbul ﬁne ǅ mysterious")
    assert set(result.scores) == set(DIMENSIONS)
    result.as_dict()


def test_concurrent_scoring_matches_sequential(scorer: HybridScorer) -> None:
    texts = [f"Answer {i}: the pilgrims seem devout and the festival looks exotic {'x' * i}." for i in range(40)]
    expected = [scorer.score(t).as_dict() for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda t: scorer.score(t).as_dict(), texts))
    assert got == expected


def test_load_scorer_reports_missing_weights(tmp_path: object) -> None:
    with pytest.raises(FileNotFoundError, match="classifier weights missing"):
        load_scorer(str(tmp_path))
