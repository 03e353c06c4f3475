"""A reference distribution per series, and the JSON format shared by baseline and learned reference files.

One file per tenant::

    {
      "format": "guardrail-drift-reference/1",
      "bins": 10,
      "frames": {
        "<frame id>": {
          "<dimension>": {"counts": [12, 40, 0, ...], "n": 200, "mean": 0.18},
          "<dimension>": {"probabilities": [0.1, 0.3, ...], "n": 5000}
        }
      }
    }

Each series gives `counts` (raw answers per bin) or `probabilities` (summing to 1), one number per bin of
equal width over [0, 1]. `n` (optional) is the sample size: it defaults to the sum of `counts`, and for
`probabilities` to infinity (treated as exact). `mean` (optional) is the mean score the sequential
detector compares against; without it, the mean of the bin centres is used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from service.drift.divergence import bin_centres, bin_counts

FORMAT = "guardrail-drift-reference/1"
BASELINE = "baseline"
LEARNED = "learned"


@dataclass(frozen=True, slots=True)
class Reference:
    """What a series is compared against: a histogram, its sample size and its mean score."""

    counts: tuple[float, ...]
    n: float
    mean: float
    source: str = LEARNED

    @property
    def bins(self) -> int:
        return len(self.counts)

    @classmethod
    def learn(cls, scores: Sequence[float], bins: int) -> Reference:
        values = [s for s in scores if s == s]
        counts = bin_counts(values, bins)
        mean = math.fsum(values) / len(values) if values else 0.0
        return cls(tuple(float(c) for c in counts), float(len(values)), mean, LEARNED)

    @classmethod
    def from_json(cls, obj: Any, bins: int, source: str) -> Reference:
        if not isinstance(obj, Mapping):
            raise ValueError("a series must be an object with 'counts' or 'probabilities'")
        if ("counts" in obj) == ("probabilities" in obj):
            raise ValueError("a series needs exactly one of 'counts' and 'probabilities'")
        key = "counts" if "counts" in obj else "probabilities"
        values = obj[key]
        if not isinstance(values, list) or len(values) != bins:
            raise ValueError(f"'{key}' must be a list of {bins} numbers")
        if not all(_is_number(v) and v >= 0 for v in values):
            raise ValueError(f"'{key}' must hold non-negative numbers")
        total = math.fsum(values)
        if total <= 0:
            raise ValueError(f"'{key}' must not all be zero")
        if key == "probabilities" and abs(total - 1.0) > 1e-3:
            raise ValueError("'probabilities' must sum to 1")
        n = obj.get("n", total if key == "counts" else math.inf)
        if "n" in obj and not (_is_number(n) and n > 0):
            raise ValueError("'n' must be a positive number")
        mean = obj.get("mean")
        if mean is None:
            mean = float(np.dot(np.asarray(values, dtype=np.float64), bin_centres(bins)) / total)
        elif not _is_number(mean) or not 0.0 <= mean <= 1.0:
            raise ValueError("'mean' must be a number in [0, 1]")
        return cls(tuple(float(v) for v in values), float(n), float(mean), source)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"counts": [_plain(c) for c in self.counts], "mean": round(self.mean, 6)}
        if math.isfinite(self.n):
            body["n"] = _plain(self.n)
        return body


@dataclass(frozen=True, slots=True)
class ReferenceSet:
    """The references of one tenant's file: frame -> dimension -> reference."""

    bins: int
    frames: dict[str, dict[str, Reference]]

    @classmethod
    def from_json(cls, obj: Any, source: str) -> ReferenceSet:
        if not isinstance(obj, Mapping):
            raise ValueError("the file must hold a JSON object")
        if obj.get("format", FORMAT) != FORMAT:
            raise ValueError(f"unknown format {obj.get('format')!r}, expected {FORMAT!r}")
        bins = obj.get("bins")
        if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2:
            raise ValueError("'bins' must be an integer >= 2")
        frames = obj.get("frames")
        if not isinstance(frames, Mapping):
            raise ValueError("'frames' must map frame ids to dimensions")
        parsed: dict[str, dict[str, Reference]] = {}
        for frame, dims in frames.items():
            if not isinstance(dims, Mapping):
                raise ValueError(f"frame {frame!r}: must map dimensions to series")
            series: dict[str, Reference] = {}
            for dim, body in dims.items():
                try:
                    series[str(dim)] = Reference.from_json(body, bins, source)
                except ValueError as exc:
                    raise ValueError(f"frame {frame!r}, dimension {dim!r}: {exc}") from None
            parsed[str(frame)] = series
        return cls(bins, parsed)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "bins": self.bins,
            "frames": {
                frame: {dim: ref.to_json() for dim, ref in sorted(dims.items())}
                for frame, dims in sorted(self.frames.items())
            },
        }


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
