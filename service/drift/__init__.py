"""Bias drift: how far each tenant's recent scores have moved from their reference, per frame and dimension.

What is measured
    A series is one (tenant, frame, dimension). Each keeps a reference distribution of its scores, a
    sliding window of the last `window` scores, and a Page-Hinkley detector on the mean. The collector
    exports, at scrape time:

    - ``guardrail_drift{tenant,frame,dimension}``: Jensen-Shannon distance (base 2, in [0, 1]) between the
      reference and window histograms (`bins` equal bins over [0, 1]);
    - ``guardrail_drift_alarms_total{tenant,frame,dimension}``: Page-Hinkley alarms;
    - ``guardrail_frame_disparity{tenant,dimension}``: max minus min of the window means across the tenant's
      frames that have at least `min_samples_for_disparity` answers in their window (absent below two frames);
    - ``guardrail_drift_reference_complete{tenant,frame,dimension}``: 0 while the reference is being learned.

Why Jensen-Shannon distance rather than PSI
    It is bounded (0 identical, 1 disjoint), symmetric, a true metric, and defined when a bin is empty on
    one side, which with 10 bins and a few hundred answers is the normal case; PSI is unbounded and its
    value on empty bins is decided by the smoothing epsilon. 0.1 is the usual alarm level.

    The plug-in distance between two samples is biased upwards: two samples of 200 from one distribution
    sit near 0.12, above that alarm level. So the reported value subtracts the expected divergence under no
    change, (k - 1) / (8 ln 2) * (1/n_ref + 1/n_win) bits for k occupied bins, before the square root
    (`debias=True`). With reference and window of 200 it then averages about 0.04 on unchanged scores, with
    a 95th percentile near 0.12: alert at 0.15-0.2 with a `for:` clause, or use larger windows.

When it is reported
    The drift gauge appears once the reference is complete and the window holds `min_window_samples`
    (default max(30, window // 4), at most `window`). The detector runs once the reference is complete.

The sequential detector
    Two-sided Page-Hinkley against the reference mean, in score units: `delta` = 0.1 (mean shifts smaller than
    this are ignored), `lambda` = 5 (summed excess that raises an alarm; both sums restart after it). A shift of
    0.25 alarms after about 30 answers, before a 200-answer window says much; stationary scores raise
    essentially none. Alarms are counted, so alert on `increase(guardrail_drift_alarms_total[10m]) > 0`.

References
    From `{state_dir}/baselines/{tenant}.json` when it has the series (format in `service.drift.reference`;
    `guardrail drift baseline` writes one), else learned from the series' first `reference_size` answers and
    persisted atomically to `{state_dir}/references/{tenant}.json`, which is loaded at start, so a restart
    does not reset it. Unreadable files are logged and ignored. `guardrail drift show | reset` manage them.

Cost
    `DriftTracker.observe` appends to deques and updates the detectors (about 0.5 us per dimension); histograms
    and divergences are computed only at scrape time.
"""

from __future__ import annotations

from service.drift.collector import DriftCollector
from service.drift.detector import DetectorSettings, PageHinkley
from service.drift.divergence import debiased_js_distance, js_distance
from service.drift.reference import Reference, ReferenceSet
from service.drift.store import ReferenceStore
from service.drift.tracker import DriftSnapshot, DriftTracker, SeriesStatus

__all__ = [
    "DetectorSettings",
    "DriftCollector",
    "DriftSnapshot",
    "DriftTracker",
    "PageHinkley",
    "Reference",
    "ReferenceSet",
    "ReferenceStore",
    "SeriesStatus",
    "debiased_js_distance",
    "js_distance",
]
