"""The learned part: standardised features times one logistic-regression weight column per dimension."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.classifier.embedding import FloatArray
from service.classifier.features import Features
from service.classifier.rows import COUNTS, Layout
from service.classifier.types import DIMENSIONS


@dataclass(frozen=True)
class LinearModel:
    """Weights (features x dimensions), bias, feature scaling and the thresholds tuned at training time."""

    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    bias: FloatArray
    thresholds: dict[str, float]
    vocabulary: tuple[str, ...] = ()
    """Bag-of-words columns, after the builder's columns."""
    meta: dict[str, object] = field(default_factory=dict)

    def probabilities(self, features: FloatArray) -> FloatArray:
        """P(dimension) for one feature row (shape [width]) or a matrix of rows (shape [n, width])."""
        logits = ((features - self.mean) * self.scale) @ self.weights + self.bias
        probs: FloatArray = np.reciprocal(1.0 + np.exp(-np.clip(logits, -30.0, 30.0))).astype(np.float32)
        return probs

    def project(self, vectors: FloatArray) -> Projected:
        """Fold scaling into the weights and push the embedding weights through every word-piece vector, so
        scoring needs one small gather instead of a mean embedding times a weight matrix."""
        dim = vectors.shape[1]
        n_lexical = len(self.weights) - dim - len(self.vocabulary)
        folded = (self.weights * self.scale[:, None]).astype(np.float64)
        offset = self.bias - (self.mean * self.scale) @ self.weights
        pieces = vectors @ folded[:dim]
        lexical = folded[dim : dim + n_lexical]
        return Projected(pieces, lexical, folded[dim + n_lexical :], self.vocabulary, offset.astype(np.float64))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            dimensions=np.array(DIMENSIONS),
            thresholds=np.array([self.thresholds[d] for d in DIMENSIONS], dtype=np.float32),
            vocabulary=np.array(self.vocabulary, dtype=str),
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: Path, width: int) -> LinearModel:
        """Read a saved model; `width` is the feature builder's width (the bag of words comes on top)."""
        with np.load(path, allow_pickle=False) as data:
            dims = tuple(str(d) for d in data["dimensions"])
            if dims != DIMENSIONS:
                raise ValueError(f"{path}: trained for dimensions {dims}, expected {DIMENSIONS}")
            weights = data["weights"].astype(np.float32)
            vocabulary = tuple(str(w) for w in data["vocabulary"])
            if weights.shape != (width + len(vocabulary), len(DIMENSIONS)):
                raise ValueError(f"{path}: weights of shape {weights.shape}, features give width {width}")
            thresholds = {d: float(t) for d, t in zip(DIMENSIONS, data["thresholds"], strict=True)}
            return cls(
                data["mean"].astype(np.float32),
                data["scale"].astype(np.float32),
                weights,
                data["bias"].astype(np.float32),
                thresholds,
                vocabulary,
                json.loads(str(data["meta"])),
            )


class Projected:
    """The linear model rewritten as one table of logit contributions, so scoring is a single gather:
    one row per word piece (averaged over the answer's pieces), one row per (lexical column, count) pair
    (log(1 + count) times that column's weights), one per bag-of-words word, and a last one for the intercept.
    `rows.Layout` numbers the rows and says which of them an answer, or each of its sentences, adds up."""

    def __init__(
        self,
        pieces: npt.NDArray[np.float64],
        lexical: npt.NDArray[np.float64],
        bag: npt.NDArray[np.float64],
        vocabulary: tuple[str, ...],
        offset: Any,
    ) -> None:
        dims = pieces.shape[1]
        counts = np.log1p(np.arange(COUNTS, dtype=np.float64))
        by_count = (counts[None, :, None] * lexical[:, None, :]).reshape(-1, dims)
        self.table = np.ascontiguousarray(np.vstack([pieces, by_count, bag, offset[None, :]]))
        self.layout = Layout(len(pieces), len(lexical), vocabulary)
        assert self.layout.size == len(self.table)
        self._ones = np.ones(4096)
        self._ones.flags.writeable = False

    def logits(self, features: Features) -> list[float]:
        rows, n = self.layout.answer(features)
        picked = self.table.take(np.array(rows, dtype=np.intp), axis=0)
        ones = self._ones if len(rows) <= len(self._ones) else np.ones(len(rows))
        total = ones[: len(rows) - n] @ picked[n:]  # a dot product sums the rows: 4x cheaper than .sum(axis=0)
        if n:
            total += (ones[:n] @ picked[:n]) / n
        out: list[float] = total.tolist()
        return out

    def sentence_logits(self, features: Features) -> Any:
        """Each sentence's logits as if it were scored alone (shape [sentences, dimensions]), by one gather from
        the same table."""
        rows, weights, starts = self.layout.sentences(features)
        picked = self.table.take(np.array(rows, dtype=np.intp), axis=0)
        picked *= np.array(weights)[:, None]
        return np.add.reduceat(picked, starts, axis=0)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def resolve_thresholds(defaults: Mapping[str, float], overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Tenant thresholds win per dimension; unknown names are ignored (the policy loader validates them)."""
    merged = dict(defaults)
    if overrides:
        for d, t in overrides.items():
            if d in merged:
                merged[d] = float(t)
    return merged
