from __future__ import annotations

import numpy as np

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
        fast = [sigmoid(x) for x in scorer.projected.logits(f.ids, f.columns(), f.bag)]
        assert np.allclose(full, fast, atol=1e-5)


def test_resolve_thresholds() -> None:
    assert resolve_thresholds({"care": 0.5, "refusal": 0.4}, {"care": 0.9, "x": 0.1}) == {"care": 0.9, "refusal": 0.4}
    assert resolve_thresholds({"care": 0.5}, None) == {"care": 0.5}


def test_sentence_logits_equal_scoring_each_sentence_alone(scorer: HybridScorer) -> None:
    text = "The shrine is old. It stands on a hill above the town. Families visit at New Year to pray. A bus passes."
    f = scorer.builder.build(text)
    by_sentence = scorer.projected.sentence_logits(f.ids, f.piece_sentences(), f.events, f.parsed.n_sentences)
    assert by_sentence.shape == (4, 11)
    for k, (start, end) in enumerate(f.parsed.sentences):
        alone = scorer.builder.build(text[start:end])
        assert np.allclose(by_sentence[k], scorer.projected.logits(alone.ids, alone.columns(), set()), atol=1e-6)


def test_sentence_bag_counts_each_word_once_per_sentence(scorer: HybridScorer) -> None:
    projected = scorer.projected
    word = scorer.model.vocabulary[0]
    out = projected.sentence_bag([word, word, "zzqx", word], [0, 0, 1, 2], 3)
    row = projected.word_row(word)
    assert np.allclose(out[0], row) and np.allclose(out[1], 0.0) and np.allclose(out[2], row)
