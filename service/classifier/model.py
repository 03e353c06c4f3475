"""The learned part: standardised features times one logistic-regression weight column per dimension."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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
    _folded: FloatArray = field(init=False, repr=False, compare=False)
    _offset: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = (self.weights * self.scale[:, None]).astype(np.float32)
        object.__setattr__(self, "_folded", folded)
        object.__setattr__(self, "_offset", (self.bias - (self.mean * self.scale) @ self.weights).astype(np.float32))

    def probabilities(self, features: FloatArray) -> FloatArray:
        """P(dimension) for one feature row (shape [width]) or a matrix of rows (shape [n, width])."""
        logits: FloatArray = features @ self._folded + self._offset
        return np.reciprocal(np.float32(1.0) + np.exp(-np.clip(logits, -30.0, 30.0)))

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


def resolve_thresholds(defaults: Mapping[str, float], overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Tenant thresholds win per dimension; unknown names are ignored (the policy loader validates them)."""
    merged = dict(defaults)
    if overrides:
        for d, t in overrides.items():
            if d in merged:
                merged[d] = float(t)
    return merged
