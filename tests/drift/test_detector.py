"""The two-sided Page-Hinkley detector: quiet on stationary noise, quick on a sudden shift."""

from __future__ import annotations

import numpy as np
import pytest

from service.drift.detector import DetectorSettings, PageHinkley


def first_alarm(detector: PageHinkley, values: np.ndarray) -> int | None:
    for i, x in enumerate(values):
        if detector.update(float(x)):
            return i
    return None


@pytest.mark.parametrize(
    ("a", "b"), [(2.0, 5.0), (1.0, 9.0), (1.0, 1.0)], ids=["skewed", "harm-like", "uniform"],
)
def test_stationary_noise_raises_no_alarm(a: float, b: float) -> None:
    rng = np.random.default_rng(3)
    reference_mean = float(rng.beta(a, b, 200).mean())
    detector = PageHinkley(reference_mean, DetectorSettings())
    assert first_alarm(detector, rng.beta(a, b, 10_000)) is None
    assert detector.alarms == 0


@pytest.mark.parametrize("direction", [1.0, -1.0], ids=["up", "down"])
def test_sudden_shift_alarms_well_before_a_window_of_200(direction: float) -> None:
    rng = np.random.default_rng(4)
    detector = PageHinkley(0.5, DetectorSettings())
    assert first_alarm(detector, rng.uniform(0.3, 0.7, 500)) is None
    at = first_alarm(detector, rng.uniform(0.3, 0.7, 500) + direction * 0.3)
    assert at is not None and at < 50


def test_alarm_resets_the_sums_and_a_lasting_shift_keeps_counting() -> None:
    detector = PageHinkley(0.2, DetectorSettings(delta=0.1, lambda_=1.0))
    fired = [detector.update(0.7) for _ in range(30)]
    assert fired.index(True) == 2  # 0.4 excess per answer: 0.4, 0.8, 1.2 > 1
    assert detector.alarms == 10 and fired[-1]  # every third answer
    assert detector.up == 0.0 and detector.down == 0.0


@pytest.mark.parametrize(("delta", "lambda_"), [(-0.1, 5.0), (0.1, 0.0)], ids=["negative-delta", "zero-lambda"])
def test_settings_are_validated(delta: float, lambda_: float) -> None:
    with pytest.raises(ValueError):
        DetectorSettings(delta=delta, lambda_=lambda_)
