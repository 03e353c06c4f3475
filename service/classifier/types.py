"""The classifier's public vocabulary: dimension names, the assessment it returns, the scorer protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

FRAMING = ("exoticizing", "western_default", "devaluing", "local_grounding")
VALUES = ("care", "fairness", "loyalty", "authority", "sanctity", "liberty")
DIMENSIONS: tuple[str, ...] = (*FRAMING, *VALUES, "refusal")
HARMS = ("exoticizing", "western_default", "devaluing")


@dataclass(frozen=True, slots=True)
class Span:
    """A character span of the scored text that drove a flag."""

    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class Assessment:
    """Scores in [0, 1], flags at the given thresholds, and evidence spans, one entry per dimension."""

    scores: dict[str, float]
    flags: dict[str, bool]
    evidence: dict[str, list[Span]] = field(default_factory=dict)
    version: str = ""

    def flagged(self) -> list[str]:
        return [d for d in DIMENSIONS if self.flags.get(d)]

    def as_dict(self) -> dict[str, object]:
        return {
            "scores": {d: round(self.scores[d], 4) for d in DIMENSIONS},
            "flags": {d: self.flags[d] for d in DIMENSIONS},
            "evidence": {
                d: [s.as_dict() for s in self.evidence.get(d, [])] for d in DIMENSIONS if self.evidence.get(d)
            },
        }


class Scorer(Protocol):
    """Anything that scores an answer. Implementations must be thread-safe and load everything up front."""

    version: str
    default_thresholds: Mapping[str, float]

    def score(self, text: str, thresholds: Mapping[str, float] | None = None) -> Assessment: ...
