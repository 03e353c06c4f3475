"""Every Prometheus metric the guardrail exports, built on an injected registry.

Labels come only from configured tenant and frame ids, fixed dimension names and fixed outcomes;
anything else is recorded as ``other``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from service.classifier.types import DIMENSIONS
from service.drift import DriftTracker

OTHER = "other"
OUTCOMES = (
    "ok",  # answered, nothing flagged
    "flagged",  # answered, at least one dimension flagged
    "regenerated",  # enforce: first answer flagged, the regenerated one passed
    "blocked",  # enforce: the answer was replaced
    "classifier_error",  # scoring failed
    "upstream_error",  # vLLM failed, timed out or answered an error
    "client_error",  # the request was refused before reaching vLLM
    "cancelled",  # the client went away mid-stream
)
SCORE_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
LATENCY_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CLASSIFIER_BUCKETS = (0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25)


class Metrics:
    """The guardrail's metrics. Tests build it on a fresh `CollectorRegistry`."""

    def __init__(self, registry: CollectorRegistry, drift: DriftTracker | None = None) -> None:
        self.registry = registry
        self.drift = drift
        self.requests = Counter(
            "guardrail_requests",
            "Chat completions handled, by outcome.",
            ["tenant", "frame", "outcome"],
            registry=registry,
        )
        self.value_score = Histogram(
            "guardrail_value_score",
            "Classifier score of each answer, per dimension.",
            ["tenant", "frame", "dimension"],
            buckets=SCORE_BUCKETS,
            registry=registry,
        )
        self.flagged = Counter(
            "guardrail_flagged",
            "Answers flagged, per dimension.",
            ["tenant", "frame", "dimension"],
            registry=registry,
        )
        self.overhead = Histogram(
            "guardrail_overhead_seconds",
            "Time the guardrail adds to a request, upstream excluded.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.classifier = Histogram(
            "guardrail_classifier_seconds",
            "Time to score one answer.",
            buckets=CLASSIFIER_BUCKETS,
            registry=registry,
        )
        self.upstream = Histogram(
            "guardrail_upstream_seconds",
            "Time spent waiting on the upstream for a whole answer.",
            ["tenant"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.ttft = Histogram(
            "guardrail_time_to_first_token_seconds",
            "Time from request to the first content chunk of a stream.",
            ["tenant"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.upstream_errors = Counter(
            "guardrail_upstream_errors",
            "Upstream failures, by kind.",
            ["kind"],
            registry=registry,
        )
        self.classifier_errors = Counter(
            "guardrail_classifier_errors",
            "Scoring failures.",
            registry=registry,
        )
        self.policy_reloads = Counter(
            "guardrail_policy_reloads",
            "Policy reloads, by result.",
            ["result"],
            registry=registry,
        )
        self.policy_files_valid = Gauge(
            "guardrail_policy_files_valid",
            "1 while the policies folder on disk loads; 0 after a rejected reload, until a reload succeeds.",
            registry=registry,
            multiprocess_mode="livemin",
        )
        self.policy_reload_timestamp = Gauge(
            "guardrail_policy_last_reload_success_timestamp_seconds",
            "When policies last loaded successfully.",
            registry=registry,
            multiprocess_mode="livemax",
        )
        self._known_tenants: frozenset[str] = frozenset()
        self._known_frames: frozenset[str] = frozenset()
        self._children: dict[tuple[str, str], _AnswerSeries] = {}

    def configure(self, tenants: frozenset[str], frames: frozenset[str]) -> None:
        """Set the label values allowed for tenant and frame (called on every policy load)."""
        self._known_tenants = tenants
        self._known_frames = frames

    def label(self, tenant: str, frame: str) -> tuple[str, str]:
        return (
            tenant if tenant in self._known_tenants else OTHER,
            frame if frame in self._known_frames else OTHER,
        )

    def count_request(self, tenant: str, frame: str, outcome: str) -> None:
        t, f = self.label(tenant, frame)
        self.requests.labels(t, f, outcome if outcome in OUTCOMES else OTHER).inc()

    def record_answer(self, tenant: str, frame: str, scores: Mapping[str, float], flags: Mapping[str, bool]) -> None:
        key = self.label(tenant, frame)
        if self.drift is not None:
            self.drift.observe(key[0], key[1], scores)
        series = self._children.get(key)
        if series is None:
            series = self._children[key] = _AnswerSeries(self, *key)
        for dim, hist in series.scores.items():
            hist.observe(scores[dim])
            if flags.get(dim):
                series.flags[dim].inc()


class _AnswerSeries:
    """The labelled children for one (tenant, frame), cached: `.labels()` is not free on the hot path."""

    def __init__(self, metrics: Metrics, tenant: str, frame: str) -> None:
        self.scores = {d: metrics.value_score.labels(tenant, frame, d) for d in DIMENSIONS}
        self.flags = {d: metrics.flagged.labels(tenant, frame, d) for d in DIMENSIONS}


def exposition(registry: CollectorRegistry, multiproc_dir: Path | None) -> bytes:
    """The scrape body: this process's registry, or every worker's metrics merged in multiprocess mode."""
    if multiproc_dir is None:
        return generate_latest(registry)
    merged = CollectorRegistry()
    MultiProcessCollector(merged, path=str(multiproc_dir))  # type: ignore[no-untyped-call]
    return generate_latest(merged)
