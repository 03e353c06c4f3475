"""DriftTracker: references, windows, drift, alarms, disparity, persistence across restarts."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from service.classifier.types import DIMENSIONS
from service.drift import DriftTracker, SeriesStatus
from tests.drift.support import answers

MakeTracker = Callable[..., DriftTracker]


def feed(tracker: DriftTracker, rows: list[dict[str, float]], tenant: str = "acme", frame: str = "f1") -> None:
    for row in rows:
        tracker.observe(tenant, frame, row)


def status(tracker: DriftTracker, frame: str = "f1", dimension: str = "exoticizing",
           tenant: str = "acme") -> SeriesStatus:
    matches = [s for s in tracker.snapshot().series if (s.tenant, s.frame, s.dimension) == (tenant, frame, dimension)]
    assert len(matches) == 1
    return matches[0]


def test_no_drift_on_the_same_distribution(make_tracker: MakeTracker, rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=1000, window=1000)
    feed(tracker, answers(rng, 3000))
    drifts = [s.drift for s in tracker.snapshot().series]
    assert all(d is not None and d < 0.1 for d in drifts), drifts


def test_planted_shift_drifts_beyond_the_alarm_level(make_tracker: MakeTracker, rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=1000, window=1000)
    feed(tracker, answers(rng, 1000))
    feed(tracker, answers(rng, 1000, shift={"exoticizing": 0.3}))
    assert (status(tracker).drift or 0.0) > 0.1
    others = [s.drift for s in tracker.snapshot().series if s.dimension != "exoticizing"]
    assert all(d is not None and d < 0.1 for d in others), others


def test_drift_waits_for_the_reference_and_enough_window(make_tracker: MakeTracker,
                                                         rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=50, window=200, min_window_samples=80)
    feed(tracker, answers(rng, 49))
    assert not status(tracker).reference_complete and status(tracker).drift is None
    feed(tracker, answers(rng, 30))
    assert status(tracker).reference_complete and status(tracker).samples == 79
    assert status(tracker).drift is None
    feed(tracker, answers(rng, 1))
    assert status(tracker).drift is not None


def test_page_hinkley_alarms_before_the_window_fills(make_tracker: MakeTracker, rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=100, window=400)
    feed(tracker, answers(rng, 100))
    feed(tracker, answers(rng, 500))
    assert all(s.alarms == 0 for s in tracker.snapshot().series)
    feed(tracker, answers(rng, 60, shift={"care": 0.3}))
    series = {s.dimension: s for s in tracker.snapshot().series}
    assert series["care"].alarms >= 1
    assert all(s.alarms == 0 for d, s in series.items() if d != "care")


def test_frame_disparity_reacts_to_one_frame_shifting(make_tracker: MakeTracker, rng: np.random.Generator) -> None:
    tracker = make_tracker(window=300)
    for frame in ("f1", "f2", "f3"):
        feed(tracker, answers(rng, 300), frame=frame)
    before = tracker.snapshot().disparity
    assert set(before) == {("acme", d) for d in DIMENSIONS}
    assert max(before.values()) < 0.05
    feed(tracker, answers(rng, 300, shift={"exoticizing": 0.4}), frame="f2")
    after = tracker.snapshot().disparity
    assert after[("acme", "exoticizing")] > 0.3
    assert max(v for (_, d), v in after.items() if d != "exoticizing") < 0.05


def test_frame_disparity_needs_two_frames_with_enough_answers(make_tracker: MakeTracker,
                                                              rng: np.random.Generator) -> None:
    tracker = make_tracker(min_samples_for_disparity=30)
    feed(tracker, answers(rng, 100), frame="f1")
    feed(tracker, answers(rng, 29), frame="f2")
    feed(tracker, answers(rng, 100), tenant="other-tenant", frame="f3")
    assert tracker.snapshot().disparity == {}
    feed(tracker, answers(rng, 1), frame="f2")
    assert set(tracker.snapshot().disparity) == {("acme", d) for d in DIMENSIONS}


def test_learned_reference_survives_a_restart(make_tracker: MakeTracker, state_dir: Path,
                                              rng: np.random.Generator) -> None:
    first = make_tracker(reference_size=100)
    feed(first, answers(rng, 100))
    path = state_dir / "references" / "acme.json"
    saved = json.loads(path.read_text())
    assert saved["bins"] == 10 and set(saved["frames"]["f1"]) == set(DIMENSIONS)
    assert sum(saved["frames"]["f1"]["care"]["counts"]) == 100

    second = make_tracker(reference_size=100)
    feed(second, answers(rng, 1))
    restarted = status(second, dimension="care")
    assert restarted.reference_complete and restarted.reference_source == "learned"
    assert restarted.samples == 1
    assert not list(state_dir.glob("references/.*.tmp"))


def test_restart_keeps_frames_not_seen_since(make_tracker: MakeTracker, state_dir: Path,
                                             rng: np.random.Generator) -> None:
    feed(make_tracker(reference_size=20), answers(rng, 20), frame="f1")
    second = make_tracker(reference_size=20)
    feed(second, answers(rng, 20), frame="f2")
    saved = json.loads((state_dir / "references" / "acme.json").read_text())
    assert set(saved["frames"]) == {"f1", "f2"}


def test_workers_sharing_a_state_dir_keep_the_first_learned_reference(make_tracker: MakeTracker, state_dir: Path,
                                                                        rng: np.random.Generator) -> None:
    # two workers of one replica, both started before either persisted anything
    first, second = make_tracker(reference_size=100), make_tracker(reference_size=100)
    path = state_dir / "references" / "acme.json"
    feed(first, answers(rng, 100))
    persisted = json.loads(path.read_text())["frames"]["f1"]["exoticizing"]
    shifted = answers(rng, 300, shift={"exoticizing": 0.4})
    feed(second, shifted[:100])  # completes its own reference on shifted answers...
    assert json.loads(path.read_text())["frames"]["f1"]["exoticizing"] == persisted  # ...but the first one stays
    feed(second, shifted[100:])
    assert (status(second).drift or 0.0) > 0.1  # measured against the shared reference, the shift shows
    alone = make_tracker(reference_size=100, state_dir=state_dir / "other")
    feed(alone, shifted)
    drift_alone = status(alone).drift
    assert drift_alone is not None and drift_alone < 0.1  # against its own shifted reference it would not


def write_baseline(state_dir: Path, tenant: str, frames: dict[str, object], bins: int = 10) -> None:
    folder = state_dir / "baselines"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{tenant}.json").write_text(json.dumps({"bins": bins, "frames": frames}))


def test_baseline_file_takes_precedence(make_tracker: MakeTracker, state_dir: Path,
                                        rng: np.random.Generator) -> None:
    feed(make_tracker(reference_size=50), answers(rng, 50))  # a learned reference exists too
    high = [0.0] * 9 + [1.0]
    write_baseline(state_dir, "acme", {"f1": {"exoticizing": {"probabilities": high}}})
    tracker = make_tracker(reference_size=50)
    feed(tracker, answers(rng, 60))
    exo = status(tracker)
    assert exo.reference_source == "baseline" and (exo.drift or 0.0) > 0.9
    care = status(tracker, dimension="care")
    assert care.reference_source == "learned" and care.drift is not None and care.drift < 0.2


def test_baseline_with_other_bins_is_ignored(make_tracker: MakeTracker, state_dir: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    write_baseline(state_dir, "acme", {"f1": {"care": {"counts": [1, 1, 1, 1, 1]}}}, bins=5)
    with caplog.at_level(logging.ERROR, "guardrail.drift"):
        tracker = make_tracker()
    tracker.observe("acme", "f1", {"care": 0.5})
    assert not status(tracker, dimension="care").reference_complete
    assert "5 bins, not 10" in caplog.text


@pytest.mark.parametrize("kind", ["references", "baselines"])
@pytest.mark.parametrize(
    "content", ["{not json", '{"bins": 10, "frames": {"f1": {"care": {"counts": [1, 2]}}}}', "[]", "\udcff"],
    ids=["syntax", "wrong-length", "not-an-object", "not-utf8"],
)
def test_corrupt_state_file_is_logged_and_ignored(make_tracker: MakeTracker, state_dir: Path, kind: str,
                                                  content: str, rng: np.random.Generator,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    path = state_dir / kind / "acme.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with caplog.at_level(logging.ERROR, "guardrail.drift"):
        tracker = make_tracker(reference_size=30)
    assert "not a usable reference file" in caplog.text
    feed(tracker, answers(rng, 30))
    assert status(tracker).reference_source == "learned"
    learned = json.loads((state_dir / "references" / "acme.json").read_text())
    assert "f1" in learned["frames"]


def test_reset_forgets_the_learned_reference(make_tracker: MakeTracker, state_dir: Path,
                                             rng: np.random.Generator) -> None:
    tracker = make_tracker(reference_size=20)
    feed(tracker, answers(rng, 20), frame="f1")
    feed(tracker, answers(rng, 20), frame="f2")
    tracker.reset("acme", "f1")
    assert not status(tracker, frame="f1").reference_complete
    assert status(tracker, frame="f2").reference_complete
    assert set(json.loads((state_dir / "references" / "acme.json").read_text())["frames"]) == {"f2"}
    tracker.reset("acme")
    assert not (state_dir / "references" / "acme.json").exists()
    feed(tracker, answers(rng, 20), frame="f1")
    assert status(tracker, frame="f1").reference_complete


def test_missing_and_nan_scores_are_skipped(make_tracker: MakeTracker) -> None:
    tracker = make_tracker()
    tracker.observe("acme", "f1", {"care": float("nan"), "liberty": 0.4, "not-a-dimension": 0.9})
    series = {s.dimension: s for s in tracker.snapshot().series}
    assert set(series) == set(DIMENSIONS)
    assert series["liberty"].samples == 1 and series["care"].samples == 0


def test_tenant_that_cannot_name_a_file_stays_in_memory(make_tracker: MakeTracker, state_dir: Path,
                                                        rng: np.random.Generator,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    tracker = make_tracker(reference_size=10)
    with caplog.at_level(logging.WARNING, "guardrail.drift"):
        feed(tracker, answers(rng, 10), tenant="../escape")
    assert status(tracker, tenant="../escape").reference_complete
    assert not list(state_dir.rglob("*.json")) and "memory only" in caplog.text


def test_constructor_rejects_nonsense(state_dir: Path) -> None:
    with pytest.raises(ValueError):
        DriftTracker(reference_size=0, window=10, state_dir=state_dir)
