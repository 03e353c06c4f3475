"""DriftTracker: per-series windows, references and change detectors, updated once per scored answer."""

from __future__ import annotations

import logging
import math
import threading
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.classifier.types import DIMENSIONS
from service.drift.detector import DetectorSettings, PageHinkley
from service.drift.divergence import bin_counts, debiased_js_distance, js_distance
from service.drift.reference import BASELINE, LEARNED, Reference, ReferenceSet
from service.drift.store import ReferenceStore, safe_id

log = logging.getLogger("guardrail.drift")


@dataclass(frozen=True, slots=True)
class SeriesStatus:
    """One (tenant, frame, dimension) at one instant; `drift` is None until it can be reported."""

    tenant: str
    frame: str
    dimension: str
    reference_complete: bool
    reference_source: str | None
    samples: int
    mean: float | None
    drift: float | None
    alarms: int


@dataclass(frozen=True, slots=True)
class DriftSnapshot:
    """Everything the collector exports, computed from one consistent copy of the tracker's state."""

    series: list[SeriesStatus]
    disparity: dict[tuple[str, str], float]


class _Ring:
    """The last `capacity` scores as 4-byte floats: a full window costs 2 KB, not the 16 KB of a deque of floats."""

    __slots__ = ("values", "capacity", "next")

    def __init__(self, capacity: int) -> None:
        self.values = array("f")
        self.capacity = capacity
        self.next = 0

    def append(self, x: float) -> None:
        if len(self.values) < self.capacity:
            self.values.append(x)
            return
        self.values[self.next] = x
        self.next = (self.next + 1) % self.capacity

    def __len__(self) -> int:
        return len(self.values)


def _alarms(series: _Series) -> int:
    return series.detector.alarms if series.detector else 0


class _Series:
    __slots__ = ("dimension", "window", "learning", "reference", "detector")

    def __init__(self, dimension: str, window: int, reference: Reference | None, detector: DetectorSettings) -> None:
        self.dimension = dimension
        self.window = _Ring(window)
        self.learning = array("f")
        self.reference: Reference | None = None
        self.detector: PageHinkley | None = None
        if reference is not None:
            self.adopt(reference, detector)

    def adopt(self, reference: Reference, detector: DetectorSettings) -> None:
        self.reference = reference
        self.detector = PageHinkley(reference.mean, detector)
        self.learning = array("f")

    def restart(self) -> None:
        self.reference = None
        self.detector = None
        self.learning = array("f")


class DriftTracker:
    """Tracks every (tenant, frame, dimension) series of classifier scores.

    `observe` is the hot path: it appends each score to the series' window and either feeds the
    Page-Hinkley detector or, until the reference is complete, collects the score for it. Divergences and
    disparities are computed only in `snapshot`, at scrape time. Tenant and frame must come from bounded,
    configured ids (pass them through `Metrics.label`): each new pair creates series and state files.
    Thread-safe: one lock guards the state; `snapshot` copies under it and computes outside it.
    """

    def __init__(
        self,
        reference_size: int,
        window: int,
        bins: int = 10,
        *,
        state_dir: Path,
        min_samples_for_disparity: int = 30,
        min_window_samples: int | None = None,
        detector: DetectorSettings | None = None,
        debias: bool = True,
        dimensions: Sequence[str] = DIMENSIONS,
    ) -> None:
        if reference_size < 1 or window < 1 or bins < 2 or min_samples_for_disparity < 1:
            raise ValueError("reference_size, window and min_samples_for_disparity must be >= 1, bins >= 2")
        self.reference_size = reference_size
        self.window = window
        self.bins = bins
        self.min_window_samples = min(window, min_window_samples or max(30, window // 4))
        self.min_samples_for_disparity = min(window, min_samples_for_disparity)
        self.detector = detector or DetectorSettings()
        self.debias = debias
        self.dimensions = tuple(dimensions)
        self.store = ReferenceStore(state_dir)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._groups: dict[tuple[str, str], list[_Series]] = {}
        self._baselines = self._load(BASELINE)
        self._learned = {t: s.frames for t, s in self._load(LEARNED).items()}

    def observe(self, tenant: str, frame: str, scores: Mapping[str, float]) -> None:
        """Record one scored answer. Costs a few microseconds; never computes a divergence."""
        completed = False
        with self._lock:
            group = self._groups.get((tenant, frame))
            if group is None:
                group = self._groups[(tenant, frame)] = self._new_group(tenant, frame)
            for series in group:
                x = scores.get(series.dimension)
                if x is None or x != x:
                    continue
                series.window.append(x)
                if series.detector is not None:
                    series.detector.update(x)
                    continue
                series.learning.append(x)
                if len(series.learning) >= self.reference_size:
                    reference = Reference.learn(series.learning.tolist(), self.bins)
                    series.adopt(reference, self.detector)
                    self._learned.setdefault(tenant, {}).setdefault(frame, {})[series.dimension] = reference
                    completed = True
        if completed:
            self._persist(tenant, merge=True)

    def reset(self, tenant: str, frame: str | None = None) -> None:
        """Forget the tenant's learned references (all frames, or one) so they are learned anew."""
        with self._lock:
            learned = self._learned.get(tenant, {})
            for f in [frame] if frame is not None else list(learned):
                learned.pop(f, None)
            for (t, f), group in self._groups.items():
                if t == tenant and frame in (None, f):
                    for series in group:
                        if series.reference is None or series.reference.source == LEARNED:
                            series.restart()
        self._persist(tenant)

    def snapshot(self) -> DriftSnapshot:
        """Divergence, window mean and alarms of every series, and frame disparity per tenant and dimension."""
        with self._lock:
            copies = [
                (tenant, frame, s.dimension, s.reference, s.window.values.tolist(), _alarms(s))
                for (tenant, frame), group in self._groups.items()
                for s in group
            ]
        statuses = [self._status(*copy) for copy in copies]
        return DriftSnapshot(statuses, self._disparity(statuses))

    def _status(
        self, tenant: str, frame: str, dimension: str, reference: Reference | None, window: list[float], alarms: int
    ) -> SeriesStatus:
        samples = len(window)
        mean = math.fsum(window) / samples if samples else None
        drift = None
        if reference is not None and samples >= self.min_window_samples:
            counts = bin_counts(np.array(window, dtype=np.float64), self.bins)
            ref = np.asarray(reference.counts, dtype=np.float64)
            drift = debiased_js_distance(ref, counts, reference.n) if self.debias else js_distance(ref, counts)
        return SeriesStatus(
            tenant,
            frame,
            dimension,
            reference is not None,
            reference.source if reference else None,
            samples,
            mean,
            drift,
            alarms,
        )

    def _disparity(self, statuses: list[SeriesStatus]) -> dict[tuple[str, str], float]:
        means: dict[tuple[str, str], list[float]] = {}
        for s in statuses:
            if s.mean is not None and s.samples >= self.min_samples_for_disparity:
                means.setdefault((s.tenant, s.dimension), []).append(s.mean)
        return {key: max(values) - min(values) for key, values in means.items() if len(values) >= 2}

    def _new_group(self, tenant: str, frame: str) -> list[_Series]:
        baseline = self._baselines.get(tenant)
        base = baseline.frames.get(frame, {}) if baseline else {}
        learned = self._learned.get(tenant, {}).get(frame, {})
        return [_Series(dim, self.window, base.get(dim) or learned.get(dim), self.detector) for dim in self.dimensions]

    def _persist(self, tenant: str, merge: bool = False) -> None:
        """Write the tenant's learned references under a lock held across processes (the workers of one replica).

        With `merge` (a series just finished learning), the first writer wins: any series already in the file takes
        that reference instead of its own, so every worker measures drift against the same reference and keeps it
        after a restart. Without it (a reset), the file becomes exactly what this tracker holds.
        """
        if not safe_id(tenant):
            log.warning("drift: tenant id %r cannot name a file; its reference is kept in memory only", tenant)
            return
        with self._write_lock:
            try:
                with self.store.locked(LEARNED):
                    on_disk = self.store.load(LEARNED, tenant) if merge else None
                    with self._lock:
                        learned = self._learned.setdefault(tenant, {})
                        if on_disk is not None and on_disk.bins == self.bins:
                            for frame, dims in on_disk.frames.items():
                                for dimension, reference in dims.items():
                                    learned.setdefault(frame, {})[dimension] = reference
                                    self._take(tenant, frame, dimension, reference)
                        frames = {f: dict(dims) for f, dims in learned.items() if dims}
                    if frames:
                        self.store.save(LEARNED, tenant, ReferenceSet(self.bins, frames))
                    else:
                        self.store.delete(LEARNED, tenant)
            except OSError as exc:
                log.error("drift: cannot persist the reference of tenant %r (%s)", tenant, exc)

    def _take(self, tenant: str, frame: str, dimension: str, reference: Reference) -> None:
        """Use another worker's learned reference for a series that has none or its own learned one."""
        for series in self._groups.get((tenant, frame), ()):
            if series.dimension != dimension:
                continue
            current = series.reference
            if current is None or (current.source == LEARNED and current != reference):
                series.adopt(reference, self.detector)

    def _load(self, kind: str) -> dict[str, ReferenceSet]:
        usable = {}
        for tenant, refs in self.store.load_all(kind).items():
            if refs.bins != self.bins:
                log.error(
                    "drift: the %s of tenant %r has %d bins, not %d; ignoring it", kind, tenant, refs.bins, self.bins
                )
                continue
            usable[tenant] = refs
        return usable
