"""Cross-validation folds keep every corpus part (one writer) whole, whatever the number of parts."""

from __future__ import annotations

import numpy as np

from service.classifier.train import folds_by_source


def _ids(sizes: dict[str, int]) -> list[str]:
    return [f"{part}-{k:04d}" for part, n in sizes.items() for k in range(n)]


def test_each_part_is_its_own_fold_when_there_are_few() -> None:
    ids = _ids({"aa": 5, "bb": 3, "cc": 4})
    folds = folds_by_source(ids, max_folds=8)
    assert sorted(sorted({ids[i][:2] for i in f}) for f in folds) == [["aa"], ["bb"], ["cc"]]


def test_many_parts_are_grouped_whole_into_balanced_folds() -> None:
    sizes = {f"p{k:02d}": 100 + 10 * k for k in range(20)}
    ids = _ids(sizes)
    folds = folds_by_source(ids, max_folds=8)
    assert len(folds) == 8
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(ids)))  # every answer held out exactly once
    parts_of = [{ids[i].split("-")[0] for i in f} for f in folds]
    assert all(not (a & b) for n, a in enumerate(parts_of) for b in parts_of[n + 1 :])  # no writer in two folds
    lengths = [len(f) for f in folds]
    assert max(lengths) - min(lengths) <= max(sizes.values())
