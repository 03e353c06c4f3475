from __future__ import annotations

import numpy as np
import pytest

from service.classifier import HybridScorer
from service.classifier.model import resolve_thresholds, sigmoid


def test_projected_scoring_equals_the_full_linear_model(scorer: HybridScorer) -> None:
    texts = [
        "The elders seem devoted to the shrine and to their village; it is a mysterious, exotic place.",
        "I can't say what she values. Diwali is basically India's Christmas.",
        "",
    ]
    builder, model = scorer.builder, scorer.model
    for text in texts:
        f = builder.build(text)
        bag = np.array([1.0 if w in f.bag else 0.0 for w in model.vocabulary], dtype=np.float32)
        row = np.concatenate([builder.row(f), bag])
        full = model.probabilities(row)
        fast = [sigmoid(x) for x in scorer.projected.logits(f)]
        assert np.allclose(full, fast, atol=1e-5)


def test_resolve_thresholds() -> None:
    assert resolve_thresholds({"care": 0.5, "refusal": 0.4}, {"care": 0.9, "x": 0.1}) == {"care": 0.9, "refusal": 0.4}
    assert resolve_thresholds({"care": 0.5}, None) == {"care": 0.5}


def _by_sentence(scorer: HybridScorer, text: str) -> np.ndarray:
    out: np.ndarray = scorer.projected.sentence_logits(scorer.builder.build(text))
    return out


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        (
            "The shrine is old and the shrine is quiet. It stands on a hill above the town, devoted to Inari. "
            "Families visit at New Year to pray; they seem to value tradition and tradition alone. A bus passes.",
            False,
        ),
        # negated cues are masked in a sentence scored alone as they are in the answer
        (
            "She does not appear to value independence. She values her family and her independence. Nothing "
            "mysterious or exotic.",
            True,
        ),
    ],
)
def test_sentence_logits_equal_scoring_each_sentence_alone(scorer: HybridScorer, text: str, negated: bool) -> None:
    assert {"shrine", "tradition", "independence"} <= set(scorer.model.vocabulary)  # repeated words count once
    by_sentence = _by_sentence(scorer, text)
    assert by_sentence.shape == (text.count(".") + text.count("!"), 11)
    features = scorer.builder.build(text)
    assert bool(features.masked) == negated
    sentences = features.parsed.sentences
    for k, (start, end) in enumerate(sentences):
        alone = scorer.builder.build(text[start:end])
        expected = scorer.projected.logits(alone)
        assert np.allclose(by_sentence[k], expected, atol=1e-6)
