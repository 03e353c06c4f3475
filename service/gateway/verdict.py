"""Score an answer for a tenant and decide what happens to it: pass, flag, regenerate or block."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from service.classifier.types import DIMENSIONS, Assessment, Scorer
from service.metrics import Metrics
from service.tenancy.models import Tenant

log = logging.getLogger("guardrail.verdict")


@dataclass(slots=True)
class Verdict:
    """The classifier's assessment (None when scoring failed) and what the tenant's policy makes of it."""

    assessment: Assessment | None
    blocking: list[str]
    failed: bool = False

    @property
    def must_block(self) -> bool:
        """A dimension the tenant acts on is flagged (in annotate mode this only marks the answer)."""
        return bool(self.blocking)

    @property
    def action(self) -> str:
        """The action for an answer the client gets unchanged: the gateway says "blocked" or "regenerated"
        itself, and only when it did replace the text."""
        if self.failed:
            return "classifier_error"
        return "flagged" if self.must_block else "pass"


def outcome(action: str) -> str:
    """The `outcome` label of guardrail_requests_total for a verdict's action."""
    return "ok" if action == "pass" else action


class Judge:
    """Scores text with the shared scorer under a tenant's thresholds, timing and counting each call."""

    def __init__(self, scorer: Scorer, metrics: Metrics) -> None:
        self.scorer = scorer
        self.metrics = metrics

    def judge(self, tenant: Tenant, texts: list[str]) -> Verdict:
        thresholds = tenant.thresholds or None
        start = time.perf_counter()
        try:
            assessments = [self.scorer.score(text, thresholds) for text in texts or [""]]
        except Exception:
            log.exception("classifier failed")
            self.metrics.classifier_errors.inc()
            return Verdict(None, ["classifier_error"] if tenant.on_classifier_error == "closed" else [], failed=True)
        finally:
            self.metrics.classifier.observe(time.perf_counter() - start)
        assessment = assessments[0] if len(assessments) == 1 else _worst(assessments)
        blocking = [d for d in tenant.block_on if assessment.flags.get(d)]
        return Verdict(assessment, blocking)


def _worst(assessments: list[Assessment]) -> Assessment:
    """Several choices: per dimension, the highest score and its evidence (spans refer to that choice)."""
    scores: dict[str, float] = {}
    flags: dict[str, bool] = {}
    evidence = {}
    for dim in DIMENSIONS:
        top = max(assessments, key=lambda a: a.scores[dim])
        scores[dim] = top.scores[dim]
        flags[dim] = any(a.flags[dim] for a in assessments)
        if top.evidence.get(dim):
            evidence[dim] = top.evidence[dim]
    return Assessment(scores, flags, evidence, assessments[0].version)


def guardrail_object(frame: str, mode: str, action: str, verdict: Verdict, version: str) -> dict[str, Any]:
    """The `guardrail` object attached to every answer (DESIGN.md contract)."""
    out: dict[str, Any] = {"frame": frame, "mode": mode, "action": action, "classifier": version}
    if verdict.assessment is not None:
        out.update(verdict.assessment.as_dict())
    else:
        out.update({"scores": {}, "flags": {}, "evidence": {}, "error": "the classifier failed on this answer"})
    return out


def flags_header(verdict: Verdict) -> str:
    if verdict.assessment is None:
        return "classifier_error"
    return ",".join(verdict.assessment.flagged()) or "none"
