"""DriftCollector read through a fresh CollectorRegistry, as Prometheus would scrape it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from service.drift import DriftCollector, DriftTracker
from service.metrics import Metrics
from tests.drift.support import answers

MakeTracker = Callable[..., DriftTracker]


def labels(frame: str = "f1", dimension: str = "exoticizing") -> dict[str, str]:
    return {"tenant": "acme", "frame": frame, "dimension": dimension}


def test_series_appear_as_references_complete(registry: CollectorRegistry, make_tracker: MakeTracker,
                                              rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=50, window=200)
    registry.register(DriftCollector(tracker))
    assert registry.get_sample_value("guardrail_drift_reference_complete", labels()) is None
    for row in answers(rng, 49):
        tracker.observe("acme", "f1", row)
    assert registry.get_sample_value("guardrail_drift_reference_complete", labels()) == 0
    assert registry.get_sample_value("guardrail_drift", labels()) is None
    assert registry.get_sample_value("guardrail_drift_alarms_total", labels()) == 0
    for row in answers(rng, 1):
        tracker.observe("acme", "f1", row)
    assert registry.get_sample_value("guardrail_drift_reference_complete", labels()) == 1
    assert registry.get_sample_value("guardrail_drift", labels()) == pytest.approx(0.0, abs=0.05)


def test_drift_alarms_and_disparity_are_exported(registry: CollectorRegistry, make_tracker: MakeTracker,
                                                 rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=100, window=200)
    registry.register(DriftCollector(tracker))
    for frame in ("f1", "f2"):
        for row in answers(rng, 100):
            tracker.observe("acme", frame, row)
    for row in answers(rng, 150, shift={"exoticizing": 0.5}):
        tracker.observe("acme", "f1", row)
    snapshot = {(s.frame, s.dimension): s for s in tracker.snapshot().series}
    assert registry.get_sample_value("guardrail_drift", labels()) == pytest.approx(snapshot["f1", "exoticizing"].drift)
    assert (registry.get_sample_value("guardrail_drift", labels()) or 0.0) > 0.5
    assert (registry.get_sample_value("guardrail_drift_alarms_total", labels()) or 0.0) >= 1
    assert registry.get_sample_value("guardrail_drift_alarms_total", labels("f2")) == 0
    spread = registry.get_sample_value("guardrail_frame_disparity", {"tenant": "acme", "dimension": "exoticizing"})
    assert spread is not None and spread > 0.3


def test_exposition_types_and_no_clash_with_the_app_metrics(registry: CollectorRegistry,
                                                            make_tracker: MakeTracker) -> None:
    Metrics(registry)
    tracker = make_tracker()
    registry.register(DriftCollector(tracker))
    tracker.observe("acme", "f1", {"care": 0.3})
    text = generate_latest(registry).decode()
    assert "# TYPE guardrail_drift gauge" in text
    assert "# TYPE guardrail_frame_disparity gauge" in text
    assert "# TYPE guardrail_drift_alarms_total counter" in text
    with pytest.raises(ValueError):
        registry.register(DriftCollector(tracker))  # the names are claimed once, as for any metric


def test_scrapes_while_observing_from_another_thread(registry: CollectorRegistry, make_tracker: MakeTracker,
                                                     rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=20, window=50)
    registry.register(DriftCollector(tracker))
    rows = answers(rng, 2000)
    errors: list[BaseException] = []

    def observe() -> None:
        try:
            for i, row in enumerate(rows):
                tracker.observe("acme", f"f{i % 4}", row)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=observe)
    thread.start()
    scrapes = 0
    while thread.is_alive() or scrapes == 0:
        generate_latest(registry)
        scrapes += 1
    thread.join()
    assert not errors
    assert registry.get_sample_value("guardrail_drift_reference_complete", labels("f3")) == 1
