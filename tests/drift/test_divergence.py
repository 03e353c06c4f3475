"""Jensen-Shannon distance and its bias correction, on distributions with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from service.drift.divergence import bin_counts, debiased_js_distance, js_distance


@pytest.mark.parametrize(
    "p",
    [[1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [3, 0, 7, 1], [0, 0, 0, 5]],
    ids=["point", "uniform", "counts-with-empty-bin", "last-bin"],
)
def test_identical_distributions_are_at_distance_zero(p: list[float]) -> None:
    assert js_distance(p, p) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("p", "q"),
    [([1, 0], [0, 1]), ([5, 5, 0, 0], [0, 0, 1, 3]), ([0, 0, 0, 1], [0.5, 0.5, 0, 0])],
    ids=["two-points", "halves", "probabilities"],
)
def test_disjoint_distributions_are_at_distance_one(p: list[float], q: list[float]) -> None:
    assert js_distance(p, q) == pytest.approx(1.0, abs=1e-9)


def test_known_value_and_symmetry() -> None:
    # p = (1, 0), q = (1/2, 1/2), m = (3/4, 1/4): JSD = 1/2 log2(4/3) + 1/4 log2(2/3) + 1/4 log2(2)
    expected = math.sqrt(0.5 * math.log2(4 / 3) + 0.25 * math.log2(2 / 3) + 0.25)
    assert js_distance([1, 0], [0.5, 0.5]) == pytest.approx(expected)
    assert js_distance([0.5, 0.5], [1, 0]) == pytest.approx(expected)


def test_counts_and_probabilities_give_the_same_distance() -> None:
    assert js_distance([2, 6, 2], [10, 0, 10]) == pytest.approx(js_distance([0.2, 0.6, 0.2], [0.5, 0, 0.5]))


def test_binning_puts_edges_and_out_of_range_scores_in_the_edge_bins() -> None:
    counts = bin_counts([0.0, 0.05, 0.1, 0.95, 1.0, -0.2, 1.5, float("nan")], 10)
    assert counts.tolist() == [3, 1, 0, 0, 0, 0, 0, 0, 0, 3]


def test_bias_correction_removes_the_noise_floor_of_small_samples() -> None:
    rng = np.random.default_rng(7)
    raw, corrected = [], []
    for _ in range(200):
        ref, win = bin_counts(rng.beta(2, 5, 200), 10), bin_counts(rng.beta(2, 5, 200), 10)
        raw.append(js_distance(ref, win))
        corrected.append(debiased_js_distance(ref, win, reference_n=200))
        assert corrected[-1] <= raw[-1]
    assert np.mean(raw) > 0.1  # the plug-in estimate alone would sit above the usual alarm level
    assert np.mean(corrected) < 0.06


def test_bias_correction_keeps_a_real_shift() -> None:
    rng = np.random.default_rng(8)
    ref = bin_counts(rng.beta(2, 5, 200), 10)
    shifted = bin_counts(np.clip(rng.beta(2, 5, 200) + 0.2, 0, 1), 10)
    assert debiased_js_distance(ref, shifted, reference_n=200) > 0.3


def test_bias_correction_with_an_exact_reference_and_an_empty_window() -> None:
    ref = np.array([0.5, 0.5, 0.0])
    assert debiased_js_distance(ref, np.array([50.0, 50.0, 0.0]), reference_n=math.inf) == 0.0
    assert debiased_js_distance(ref, np.zeros(3), reference_n=math.inf) == 0.0
