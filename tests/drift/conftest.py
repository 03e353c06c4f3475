"""Fixtures for the drift tests: a state directory, a seeded generator and a tracker factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from service.drift import DriftTracker


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)


@pytest.fixture
def make_tracker(state_dir: Path) -> Callable[..., DriftTracker]:
    """A tracker on the test's state directory; keyword arguments override the small defaults."""

    def make(**kwargs: Any) -> DriftTracker:
        options: dict[str, Any] = {"reference_size": 100, "window": 200, "state_dir": state_dir}
        options.update(kwargs)
        return DriftTracker(**options)

    return make
