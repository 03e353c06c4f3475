"""DriftCollector: exports a DriftTracker's state at scrape time, as a prometheus_client custom collector."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from service.drift.tracker import DriftTracker

SERIES_LABELS = ["tenant", "frame", "dimension"]


class DriftCollector(Collector):
    """Register on the app's registry: `registry.register(DriftCollector(tracker))`.

    Yields `guardrail_drift` (JS distance of the window from the reference, once both are big enough),
    `guardrail_frame_disparity` (spread of window means across the tenant's frames),
    `guardrail_drift_alarms_total` (Page-Hinkley alarms) and `guardrail_drift_reference_complete` (0 or 1).
    """

    def __init__(self, tracker: DriftTracker) -> None:
        self.tracker = tracker

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        drift, disparity, alarms, complete = self._families()
        snapshot = self.tracker.snapshot()
        for s in snapshot.series:
            labels = [s.tenant, s.frame, s.dimension]
            if s.drift is not None:
                drift.add_metric(labels, s.drift)
            alarms.add_metric(labels, s.alarms)
            complete.add_metric(labels, 1.0 if s.reference_complete else 0.0)
        for (tenant, dimension), spread in sorted(snapshot.disparity.items()):
            disparity.add_metric([tenant, dimension], spread)
        yield from (drift, disparity, alarms, complete)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, CounterMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "guardrail_drift",
                "Jensen-Shannon distance (base 2, bias-corrected) of the recent window of scores from the reference.",
                labels=SERIES_LABELS,
            ),
            GaugeMetricFamily(
                "guardrail_frame_disparity",
                "Spread (max - min) of recent mean scores across the tenant's frames with enough answers.",
                labels=["tenant", "dimension"],
            ),
            CounterMetricFamily(
                "guardrail_drift_alarms",
                "Page-Hinkley alarms: sudden shifts of the mean score away from the reference mean.",
                labels=SERIES_LABELS,
            ),
            GaugeMetricFamily(
                "guardrail_drift_reference_complete",
                "1 once the series has its reference (baseline file or learned), else 0.",
                labels=SERIES_LABELS,
            ),
        )
