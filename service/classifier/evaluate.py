"""Per-dimension precision, recall and F1 of a scorer on labelled answers, and the table that prints them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.classifier.corpus import Example
from service.classifier.types import DIMENSIONS, Scorer


@dataclass(frozen=True, slots=True)
class Counts:
    """Confusion counts of one dimension."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


def count(truth: Sequence[Mapping[str, int]], predicted: Sequence[Mapping[str, bool]]) -> dict[str, Counts]:
    result: dict[str, Counts] = {}
    for d in DIMENSIONS:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t[d] and p[d])
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if not t[d] and p[d])
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t[d] and not p[d])
        result[d] = Counts(tp, fp, fn)
    return result


def macro_f1(counts: Mapping[str, Counts]) -> float:
    return sum(c.f1 for c in counts.values()) / len(counts)


def evaluate(scorer: Scorer, examples: Sequence[Example]) -> dict[str, Counts]:
    predicted = [scorer.score(e.text).flags for e in examples]
    return count([e.labels for e in examples], predicted)


def kappa(truth: Sequence[Mapping[str, int]], other: Sequence[Mapping[str, int]], dim: str) -> float:
    """Cohen's kappa of two annotators on one dimension (1.0 when both are constant and equal)."""
    n = len(truth)
    a = [bool(t[dim]) for t in truth]
    b = [bool(o[dim]) for o in other]
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def table(counts: Mapping[str, Counts], title: str = "") -> str:
    lines = [title] if title else []
    lines.append(f"{'dimension':<16} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}")
    for d, c in counts.items():
        lines.append(f"{d:<16} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.support:8d}")
    lines.append(f"{'macro-F1':<16} {'':>6} {'':>6} {macro_f1(counts):6.3f}")
    return "\n".join(lines)
