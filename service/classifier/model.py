"""The learned part: standardised features times one logistic-regression weight column per dimension."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.classifier.embedding import FloatArray
from service.classifier.types import DIMENSIONS


@dataclass(frozen=True)
class LinearModel:
    """Weights (features x dimensions), bias, feature scaling and the thresholds tuned at training time."""

    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    bias: FloatArray
    thresholds: dict[str, float]
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
        folded = self.weights * self.scale[:, None]
        offset = self.bias - (self.mean * self.scale) @ self.weights
        pieces = (vectors @ folded[:dim]).astype(np.float64)
        return Projected(pieces, folded[dim:].astype(np.float64), offset.astype(np.float64))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            dimensions=np.array(DIMENSIONS),
            thresholds=np.array([self.thresholds[d] for d in DIMENSIONS], dtype=np.float32),
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: Path, width: int) -> LinearModel:
        with np.load(path, allow_pickle=False) as data:
            dims = tuple(str(d) for d in data["dimensions"])
            if dims != DIMENSIONS:
                raise ValueError(f"{path}: trained for dimensions {dims}, expected {DIMENSIONS}")
            weights = data["weights"].astype(np.float32)
            if weights.shape != (width, len(DIMENSIONS)):
                raise ValueError(f"{path}: weights of shape {weights.shape}, features give width {width}")
            thresholds = {d: float(t) for d, t in zip(DIMENSIONS, data["thresholds"], strict=True)}
            meta = json.loads(str(data["meta"]))
            return cls(
                data["mean"].astype(np.float32),
                data["scale"].astype(np.float32),
                weights,
                data["bias"].astype(np.float32),
                thresholds,
                meta,
            )


_MAX_COUNT = 32


class Projected:
    """The linear model rewritten as one table of logit contributions, so scoring is a single gather:
    one row per word piece (averaged over the answer's pieces), one row per (lexical column, count) pair
    (log(1 + count) times that column's weights), and a last row for the intercept."""

    def __init__(self, pieces: npt.NDArray[np.float64], lexical: npt.NDArray[np.float64], offset: Any) -> None:
        n_pieces, dims = pieces.shape
        self.n_lexical = lexical.shape[0]
        counts = np.log1p(np.arange(_MAX_COUNT, dtype=np.float64))
        by_count = (counts[None, :, None] * lexical[:, None, :]).reshape(-1, dims)
        self.table = np.ascontiguousarray(np.vstack([pieces, by_count, offset[None, :]]))
        self._lexical_base = n_pieces
        self._intercept = len(self.table) - 1
        self.pieces = pieces
        self.lexical = lexical
        self.offset = offset

    def logits(self, ids: list[int], columns: list[int]) -> list[float]:
        base = self._lexical_base
        rows = ids + [base + c * _MAX_COUNT + min(n, _MAX_COUNT - 1) for c, n in Counter(columns).items()]
        rows.append(self._intercept)
        weights = [1.0 / len(ids)] * len(ids) if ids else []
        weights.extend([1.0] * (len(rows) - len(ids)))
        out: list[float] = np.dot(weights, self.table[rows]).tolist()
        return out

    def sentence_logits(self, ids: list[int], sentences: list[int], events: list[tuple[int, int]], n: int) -> Any:
        """Logits per sentence (shape [n, dimensions]); `sentences[k]` is the sentence of ids[k]."""
        width = self.n_lexical
        counts = np.bincount([s * width + c for s, c in events], minlength=n * width).reshape(n, width)
        total = np.log1p(counts) @ self.lexical + self.offset
        if ids:
            seg = np.asarray(sentences, dtype=np.intp)
            sums = np.zeros((n, total.shape[1]))
            np.add.at(sums, seg, self.pieces[ids])
            total += sums / np.maximum(np.bincount(seg, minlength=n), 1)[:, None]
        return total


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
