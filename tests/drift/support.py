"""Synthetic classifier scores for the drift tests: seeded, with an optional planted shift."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from service.classifier.types import DIMENSIONS, HARMS

# Per dimension, the Beta(a, b) its scores follow: framing harms low and skewed, the rest spread out.
SHAPES = {d: (1.0, 9.0) if d in HARMS else (2.0, 5.0) for d in DIMENSIONS}


def answers(rng: np.random.Generator, n: int, shift: Mapping[str, float] | None = None) -> list[dict[str, float]]:
    """`n` answers' scores; `shift` adds a constant to some dimensions (clipped to [0, 1])."""
    columns = {d: rng.beta(a, b, n) + (shift or {}).get(d, 0.0) for d, (a, b) in SHAPES.items()}
    return [{d: float(min(max(columns[d][i], 0.0), 1.0)) for d in DIMENSIONS} for i in range(n)]
