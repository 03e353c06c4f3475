"""DriftPublisher: drift as ordinary gauges, for prometheus_client's multiprocess mode (several workers).

A custom collector only sees the worker that answers the scrape, so with several workers each one publishes
its tracker's state into multiprocess gauges every few seconds instead; the scrape then merges the workers
(`livemax`: the worst live worker, as the fleet recording rules take the worst replica).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from service.drift.collector import SERIES_LABELS
from service.drift.tracker import DriftTracker


class DriftPublisher:
    """Copies a tracker's snapshot into gauges and an alarm counter; call `publish()` periodically."""

    def __init__(self, tracker: DriftTracker, registry: CollectorRegistry) -> None:
        self.tracker = tracker
        self.drift = Gauge(
            "guardrail_drift",
            "Jensen-Shannon distance of the recent window of scores from the reference.",
            SERIES_LABELS,
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.disparity = Gauge(
            "guardrail_frame_disparity",
            "Spread of recent mean scores across the tenant's frames.",
            ["tenant", "dimension"],
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.complete = Gauge(
            "guardrail_drift_reference_complete",
            "1 once the series has its reference, else 0.",
            SERIES_LABELS,
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.alarms = Counter(
            "guardrail_drift_alarms",
            "Page-Hinkley alarms: sudden shifts of the mean score.",
            SERIES_LABELS,
            registry=registry,
        )
        self._published_alarms: dict[tuple[str, str, str], int] = {}

    def publish(self) -> None:
        snapshot = self.tracker.snapshot()
        for s in snapshot.series:
            key = (s.tenant, s.frame, s.dimension)
            if s.drift is not None:
                self.drift.labels(*key).set(s.drift)
            self.complete.labels(*key).set(1.0 if s.reference_complete else 0.0)
            new_alarms = s.alarms - self._published_alarms.get(key, 0)
            self.alarms.labels(*key).inc(max(0, new_alarms))
            self._published_alarms[key] = s.alarms
        for (tenant, dimension), spread in snapshot.disparity.items():
            self.disparity.labels(tenant, dimension).set(spread)
