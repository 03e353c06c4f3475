"""The reference file format: what parses, what is refused, and the round trip."""

from __future__ import annotations

import math
from typing import Any

import pytest

from service.drift.reference import BASELINE, LEARNED, Reference, ReferenceSet


def test_learned_reference_round_trips() -> None:
    ref = Reference.learn([0.05, 0.15, 0.15, 0.95, float("nan")], 10)
    assert ref.counts == (1, 2, 0, 0, 0, 0, 0, 0, 0, 1) and ref.n == 4 and ref.mean == pytest.approx(0.325)
    body = ReferenceSet(10, {"f": {"care": ref}}).to_json()
    assert body["frames"]["f"]["care"] == {"counts": [1, 2, 0, 0, 0, 0, 0, 0, 0, 1], "mean": 0.325, "n": 4}
    assert ReferenceSet.from_json(body, LEARNED).frames["f"]["care"] == ref


def test_probabilities_without_n_or_mean() -> None:
    ref = Reference.from_json({"probabilities": [0.5, 0.5, 0, 0]}, 4, BASELINE)
    assert math.isinf(ref.n) and ref.mean == pytest.approx(0.25) and ref.source == BASELINE
    assert "n" not in ref.to_json()


@pytest.mark.parametrize(
    "body",
    [
        {"counts": [1, 2, 3]},
        {"counts": [1, 2, 3, -1]},
        {"counts": [0, 0, 0, 0]},
        {"counts": [1, 1, 1, 1], "probabilities": [0.25] * 4},
        {"probabilities": [0.5, 0.1, 0.1, 0.1]},
        {"counts": [1, 1, 1, 1], "n": 0},
        {"counts": [1, 1, 1, 1], "mean": 2},
        {"counts": [1, True, 1, 1]},
        [1, 1, 1, 1],
    ],
    ids=["short", "negative", "all-zero", "both", "not-summing-to-1", "zero-n", "mean-out-of-range", "bool",
         "not-an-object"],
)
def test_invalid_series_are_refused(body: Any) -> None:
    with pytest.raises(ValueError):
        Reference.from_json(body, 4, BASELINE)


@pytest.mark.parametrize(
    "body",
    [
        {"format": "v0", "bins": 4, "frames": {}},
        {"bins": 1, "frames": {}},
        {"bins": 4},
        {"bins": 4, "frames": {"f": 1}},
    ],
    ids=["format", "bins", "no-frames", "frame-not-an-object"],
)
def test_invalid_files_are_refused(body: Any) -> None:
    with pytest.raises(ValueError):
        ReferenceSet.from_json(body, BASELINE)
