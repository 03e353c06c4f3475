"""Build-time training: features for the train split, per-dimension logistic regression, thresholds by CV.

Needs scikit-learn (the `train` extra). The dev split is only scored at the end, for the report.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from service.classifier.corpus import Example, load_corpus, split
from service.classifier.embedding import FloatArray, StaticEmbedding
from service.classifier.evaluate import Counts, count, macro_f1
from service.classifier.features import FeatureBuilder, Features
from service.classifier.lexicon import build as build_lexicon
from service.classifier.model import LinearModel
from service.classifier.scorer import EMBEDDING_FILE, MODEL_FILE, WEIGHTS_DIR, load_scorer
from service.classifier.types import DIMENSIONS

C_GRID = (0.5, 1.0, 2.0)
EMBEDDING_WEIGHT_GRID = (0.1, 0.2)
BAG_WEIGHT_GRID = (1.0,)
CLASS_WEIGHT_GRID: tuple[str | None, ...] = ("balanced",)
"""Narrowed as the corpus grew: on 1,968, 2,672 answers every search chose bag weight 1.0 and balanced classes."""
MAX_FOLDS = 8
"""Corpus parts are grouped into at most this many folds (each fold still holds whole writers), so training
time grows with the corpus, not with the number of writers."""
JOBS = 2
MIN_DOCUMENTS = 3
MAX_SHARE = 0.2
"""A word joins the bag of words when at least MIN_DOCUMENTS training answers use it, and at most MAX_SHARE of
them (so function words, which carry a writer's style rather than meaning, stay out)."""
SEED = 20240917
METRICS_FILE = "metrics.json"


@dataclass(frozen=True)
class Choice:
    """The hyper-parameters shared by all dimensions, and one dimension's threshold and cross-validated F1."""

    c: float
    embedding_weight: float
    threshold: float
    cv_f1: float


def _logistic(c: float, class_weight: str | None = None) -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - depends on the build environment
        raise SystemExit("training needs the train extra: pip install -e '.[train]'") from exc
    return LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)


def folds_by_source(ids: Sequence[str], max_folds: int = MAX_FOLDS) -> list[np.ndarray]:
    """Whole corpus parts (the id prefix) per fold, so each fold is scored by a model that never saw its writers:
    one part per fold, or with more parts than `max_folds`, parts dealt largest first to the smallest fold.

    With fewer than three parts, five seeded random folds instead.
    """
    sources = np.array([i.rsplit("-", 1)[0] for i in ids])
    names = sorted(set(sources.tolist()))
    if len(names) < 3:
        order = np.random.default_rng(SEED).permutation(len(ids))
        return [order[k::5] for k in range(5)]
    sizes = {n: int(np.sum(sources == n)) for n in names}
    groups: list[list[str]] = [[] for _ in range(min(max_folds, len(names)))]
    for name in sorted(names, key=lambda n: (-sizes[n], n)):
        min(groups, key=lambda g: sum(sizes[n] for n in g)).append(name)
    return [np.flatnonzero(np.isin(sources, g)) for g in groups]


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The threshold with the best F1 once F1 is smoothed over +-0.05, so a lucky spike is not chosen."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    f1 = np.array([_f1(y, p >= t) for t in grid])
    smooth = np.convolve(np.pad(f1, 5, mode="edge"), np.ones(11) / 11, mode="valid")
    k = int(np.argmax(smooth))
    return float(grid[k]), float(f1[k])


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(y & pred))
    denom = float(np.sum(y) + np.sum(pred))
    return 2 * tp / denom if denom else 0.0


def _out_of_fold(
    z: FloatArray, y: np.ndarray, c: float, folds: list[np.ndarray], class_weight: str | None = None
) -> np.ndarray:
    from joblib import Parallel, delayed

    def held_out(held: np.ndarray) -> np.ndarray:
        keep = np.ones(len(z), dtype=bool)
        keep[held] = False
        probs: np.ndarray = _logistic(c, class_weight).fit(z[keep], y[keep]).predict_proba(z[held])[:, 1]
        return probs

    oof = np.zeros(len(z))
    fitted = Parallel(n_jobs=JOBS, prefer="threads")(delayed(held_out)(h) for h in folds)
    for held, probs in zip(folds, fitted, strict=True):
        oof[held] = probs
    return oof


def fit(
    x: FloatArray, bag: FloatArray, labels: np.ndarray, dim: int, folds: list[np.ndarray]
) -> tuple[LinearModel, dict[str, Choice], float]:
    """Pick one (C, embedding weight, bag weight, class weighting) by mean out-of-fold F1, thresholds per
    dimension, then refit on everything. Columns: embedding (standardised, times its weight), lexical, bag of
    words (times its weight)."""
    mean = np.concatenate([x.mean(axis=0), np.zeros(bag.shape[1], dtype=np.float32)])
    base_scale = np.ones(x.shape[1] + bag.shape[1], dtype=np.float32)
    base_scale[:dim] = 1.0 / np.maximum(x[:, :dim].std(axis=0), 1e-6)
    full = np.hstack([x, bag])
    ys = [labels[:, j].astype(bool) for j in range(len(DIMENSIONS))]

    def scaled(alpha: float, beta: float) -> tuple[FloatArray, FloatArray]:
        scale = base_scale.copy()
        scale[:dim] *= alpha
        scale[x.shape[1] :] *= beta
        return (full - mean) * scale, scale

    best: tuple[float, float, float, float, str | None, list[tuple[float, float]]] | None = None
    for alpha in EMBEDDING_WEIGHT_GRID:
        for beta in BAG_WEIGHT_GRID:
            z, _ = scaled(alpha, beta)
            for c in C_GRID:
                for cw in CLASS_WEIGHT_GRID:
                    picked = [best_threshold(y, _out_of_fold(z, y, c, folds, cw)) for y in ys]
                    macro = float(np.mean([f for _, f in picked]))
                    if best is None or macro > best[0] + 1e-9:
                        best = (macro, c, alpha, beta, cw, picked)
    assert best is not None
    macro, c, alpha, beta, class_weight, picked = best
    z, scale = scaled(alpha, beta)
    weights = np.zeros((full.shape[1], len(DIMENSIONS)), dtype=np.float32)
    bias = np.zeros(len(DIMENSIONS), dtype=np.float32)
    for j, y in enumerate(ys):
        model = _logistic(c, class_weight).fit(z, y)
        weights[:, j] = model.coef_[0]
        bias[j] = float(model.intercept_[0])
    choices = {d: Choice(c, alpha, t, f) for d, (t, f) in zip(DIMENSIONS, picked, strict=True)}
    thresholds = {d: choices[d].threshold for d in DIMENSIONS}
    meta: dict[str, object] = {
        "trained_on": int(len(x)),
        "c": c,
        "embedding_weight": alpha,
        "bag_weight": beta,
        "class_weight": class_weight,
    }
    return LinearModel(mean, scale, weights, bias, thresholds, meta=meta), choices, beta


def vocabulary(features: Sequence[Features]) -> tuple[str, ...]:
    counts = Counter(w for f in features for w in f.bag)
    limit = MAX_SHARE * len(features)
    return tuple(sorted(w for w, n in counts.items() if MIN_DOCUMENTS <= n <= limit))


def bag_matrix(features: Sequence[Features], words: tuple[str, ...]) -> FloatArray:
    index = {w: k for k, w in enumerate(words)}
    out = np.zeros((len(features), len(words)), dtype=np.float32)
    for r, f in enumerate(features):
        cols = [index[w] for w in f.bag if w in index]
        out[r, cols] = 1.0
    return out


def featurise(builder: FeatureBuilder, examples: Sequence[Example]) -> tuple[list[Features], FloatArray, np.ndarray]:
    features = [builder.build(e.text) for e in examples]
    x = np.vstack([builder.row(f) for f in features]).astype(np.float32)
    y = np.array([[e.labels[d] for d in DIMENSIONS] for e in examples], dtype=np.int8)
    return features, x, y


def train(out_dir: Path = WEIGHTS_DIR, distill: bool = False, log: Any = print) -> dict[str, Counts]:
    """Write model.npz and metrics.json into `out_dir` (and embedding.npz: copied from the package, or distilled
    when asked or when there is none); return the dev split's counts."""
    embedding_path = out_dir / EMBEDDING_FILE
    shipped = WEIGHTS_DIR / EMBEDDING_FILE
    if not distill and not embedding_path.is_file() and shipped.is_file():
        shutil.copyfile(shipped, embedding_path)
    if distill or not embedding_path.is_file():
        from service.classifier.distill import distill_embedding

        log("distilling the static embedding from MiniLM-L6 (model2vec, offline)...")
        distill_embedding().save(embedding_path)
    builder = FeatureBuilder(build_lexicon(), StaticEmbedding.load(embedding_path))
    examples = load_corpus()
    train_set, dev_set = split(examples)
    log(f"corpus: {len(examples)} answers, train {len(train_set)}, dev {len(dev_set)} (dev is never fitted)")
    features, x, y = featurise(builder, train_set)
    words = vocabulary(features)
    folds = folds_by_source([e.id for e in train_set])
    model, choices, beta = fit(x, bag_matrix(features, words), y, builder.embedding.dim, folds)
    model = replace(model, vocabulary=words)
    first = next(iter(choices.values()))
    log(
        f"chosen by cross-validation over corpus parts: C={first.c}, embedding weight={first.embedding_weight}, "
        f"bag-of-words weight={beta} ({len(words)} words), class weight={model.meta['class_weight']}"
    )
    for d, c in choices.items():
        log(f"  {d:<16} threshold={c.threshold:.2f} cv-F1={c.cv_f1:.3f}")
    model.save(out_dir / MODEL_FILE)
    scorer = load_scorer(str(out_dir))
    predicted = [scorer.score(e.text).flags for e in dev_set]
    dev = count([e.labels for e in dev_set], predicted)
    report = {
        "version": scorer.version,
        "train": len(train_set),
        "dev": len(dev_set),
        "cv_f1": {d: round(c.cv_f1, 4) for d, c in choices.items()},
        "cv_macro_f1": round(float(np.mean([c.cv_f1 for c in choices.values()])), 4),
        "thresholds": {d: c.threshold for d, c in choices.items()},
        "dev_metrics": {
            d: {
                "precision": round(c.precision, 4),
                "recall": round(c.recall, 4),
                "f1": round(c.f1, 4),
                "support": c.support,
            }
            for d, c in dev.items()
        },
        "dev_macro_f1": round(macro_f1(dev), 4),
    }
    (out_dir / METRICS_FILE).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return dev
