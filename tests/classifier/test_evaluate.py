from __future__ import annotations

import pytest

from service.classifier.evaluate import Counts, count, kappa, macro_f1, table
from service.classifier.types import DIMENSIONS


def test_counts_precision_recall_f1() -> None:
    c = Counts(tp=3, fp=1, fn=2)
    assert c.precision == pytest.approx(0.75)
    assert c.recall == pytest.approx(0.6)
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Counts().f1 == 0.0


def test_count_and_macro() -> None:
    truth = [dict.fromkeys(DIMENSIONS, 0) | {"care": 1}, dict.fromkeys(DIMENSIONS, 0)]
    predicted = [dict.fromkeys(DIMENSIONS, False) | {"care": True}, dict.fromkeys(DIMENSIONS, False) | {"care": True}]
    counts = count(truth, predicted)
    assert counts["care"] == Counts(tp=1, fp=1, fn=0)
    assert macro_f1(counts) == pytest.approx(counts["care"].f1 / len(DIMENSIONS))
    assert "macro-F1" in table(counts) and "care" in table(counts)


def test_kappa_matches_the_textbook_example() -> None:
    # 50 items: both say yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> po 0.7, pe 0.5, kappa 0.4
    pairs = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    a = [{"care": x} for x, _ in pairs]
    b = [{"care": y} for _, y in pairs]
    assert kappa(a, b, "care") == pytest.approx(0.4)
    assert kappa(a, a, "care") == pytest.approx(1.0)
