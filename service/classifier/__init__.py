"""Value-attribution classifier: scores an answer's cultural framing and the moral values it attributes."""

from __future__ import annotations

from service.classifier.scorer import HybridScorer, load_scorer
from service.classifier.types import DIMENSIONS, Assessment, Scorer, Span

__all__ = ["DIMENSIONS", "Assessment", "HybridScorer", "Scorer", "Span", "load_scorer"]
