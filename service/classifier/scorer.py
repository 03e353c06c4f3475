"""The hybrid scorer: cue lexicons plus a linear model over a static embedding, with evidence spans."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from service.classifier import cues
from service.classifier.embedding import StaticEmbedding
from service.classifier.features import LOCAL_COLUMNS, FeatureBuilder, Features
from service.classifier.lexicon import build as build_lexicon
from service.classifier.model import LinearModel, resolve_thresholds, sigmoid
from service.classifier.text import cap
from service.classifier.types import DIMENSIONS, HARMS, VALUES, Assessment, Span

VERSION = "1.0.0"
WEIGHTS_DIR = Path(__file__).parent
EMBEDDING_FILE = "embedding.npz"
MODEL_FILE = "model.npz"
_MAX_SPANS = 5
_CUE_GROUPS = {*HARMS, *VALUES, "refusal"}


class HybridScorer:
    """Scores an answer on every dimension. Read-only after construction, so safe to share between threads."""

    def __init__(self, builder: FeatureBuilder, model: LinearModel, version: str) -> None:
        self.builder = builder
        self.model = model
        self.projected = model.project(builder.embedding.vectors)
        self.version = version
        self.default_thresholds: Mapping[str, float] = dict(model.thresholds)

    def score(self, text: str, thresholds: Mapping[str, float] | None = None) -> Assessment:
        limits = resolve_thresholds(self.default_thresholds, thresholds)
        features = self.builder.build(cap(text))
        if not features.parsed.words:
            return Assessment(dict.fromkeys(DIMENSIONS, 0.0), dict.fromkeys(DIMENSIONS, False), {}, self.version)
        logits = self.projected.logits(features)
        scores = {d: sigmoid(x) for d, x in zip(DIMENSIONS, logits, strict=True)}
        flags = {d: scores[d] >= limits[d] for d in DIMENSIONS}
        flagged = [d for d in DIMENSIONS if flags[d]]
        evidence = _Evidence(self, features).collect(flagged) if flagged else {}
        return Assessment(scores, flags, evidence, self.version)


class _Evidence:
    """Spans for flagged dimensions. Cue dimensions: their own cues, neither negated nor distanced (for a value,
    those in sentences that attribute something, if any). local_grounding: the sentence with the most local
    terms and meaning markers. Otherwise, or with no such cue, the sentence the model scores highest alone."""

    def __init__(self, scorer: HybridScorer, features: Features) -> None:
        self.scorer = scorer
        self.features = features
        self._by_sentence: np.ndarray | None = None

    def by_sentence(self) -> np.ndarray:
        """Each sentence's logits scored alone, shape [sentences, dimensions]; computed once, on first use."""
        if self._by_sentence is None:
            self._by_sentence = self.scorer.projected.sentence_logits(self.features)
        return self._by_sentence

    def collect(self, dims: list[str]) -> dict[str, list[Span]]:
        return {d: self.spans(d) for d in dims}

    def spans(self, dim: str) -> list[Span]:
        features = self.features
        parsed = features.parsed
        spans: list[tuple[int, int]] = []
        if dim in _CUE_GROUPS:
            hits = [h for h in features.hits if h.group == dim and (dim == "refusal" or h.plain)]
            if dim in VALUES and hits:
                attributing = {h.sentence for h in features.hits if h.group == "attribution" and not h.negated}
                hits = [h for h in hits if h.sentence in attributing] or hits
            spans = _merge([(parsed.span(h.first)[0], parsed.span(h.last)[1]) for h in hits])
        elif dim == "local_grounding":
            counts = Counter(s for s, c in features.events if c in LOCAL_COLUMNS)
            if counts:
                spans = [parsed.sentence_span(counts.most_common(1)[0][0])]
        if not spans and parsed.n_sentences == 1:
            spans = [parsed.sentence_span(0)]
        elif not spans and parsed.n_sentences:
            spans = [parsed.sentence_span(int(np.argmax(self.by_sentence()[:, DIMENSIONS.index(dim)])))]
        return [Span(s, e, parsed.text[s:e]) for s, e in spans[:_MAX_SPANS]]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    digest.update(Path(cues.__file__).read_bytes())
    return digest.hexdigest()[:8]


def load_scorer(path: str | None = None) -> HybridScorer:
    """Load the shipped weights (or those in folder `path`). Call once at start-up; share the result."""
    folder = Path(path) if path is not None else WEIGHTS_DIR
    embedding_path, model_path = folder / EMBEDDING_FILE, folder / MODEL_FILE
    for p in (embedding_path, model_path):
        if not p.is_file():
            raise FileNotFoundError(f"classifier weights missing: {p} (run `guardrail classifier train`)")
    builder = FeatureBuilder(build_lexicon(), StaticEmbedding.load(embedding_path))
    model = LinearModel.load(model_path, builder.width)
    return HybridScorer(builder, model, f"vc-{VERSION}+{_fingerprint(embedding_path, model_path)}")
