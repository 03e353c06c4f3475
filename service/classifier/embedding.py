"""A static word-piece embedding (model2vec-distilled MiniLM) read from an .npz file, with NumPy-only pooling."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

_PIECE = re.compile(r"\w+|[^\w\s]")
_CACHE_LIMIT = 200_000
_MAX_WORD = 100

FloatArray = npt.NDArray[np.float32]


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


class StaticEmbedding:
    """Word-piece vocabulary and one vector per piece; a text's vector is the normalised mean of its pieces."""

    def __init__(self, vocab: Sequence[str], vectors: FloatArray) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim = int(self.vectors.shape[1])
        self._ids = {w: i for i, w in enumerate(vocab)}
        self._cache: dict[str, tuple[int, ...]] = {}
        self.known = frozenset(w for w in vocab if w.isalpha())
        """Whole words in the vocabulary: a word outside it is likely a local or rare term."""

    @classmethod
    def load(cls, path: Path) -> StaticEmbedding:
        with np.load(path, allow_pickle=False) as data:
            vocab = [str(w) for w in data["vocab"]]
            vectors = data["vectors"].astype(np.float32)
        return cls(vocab, vectors)

    def save(self, path: Path) -> None:
        vocab = sorted(self._ids, key=self._ids.__getitem__)
        np.savez_compressed(path, vocab=np.array(vocab), vectors=self.vectors.astype(np.float16))

    def pieces(self, word: str) -> tuple[int, ...]:
        """Word-piece ids of one lower-cased word, as BERT's uncased tokenizer splits it; unknown pieces dropped."""
        found = self._cache.get(word)
        if found is not None:
            return found
        ids: list[int] = []
        for part in _PIECE.findall(_strip_accents(word)):
            ids.extend(self._wordpiece(part))
        result = tuple(ids)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[word] = result
        return result

    def _wordpiece(self, word: str) -> list[int]:
        if len(word) > _MAX_WORD:
            return []
        out: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece_id = None
            while start < end:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                piece_id = self._ids.get(sub)
                if piece_id is not None:
                    break
                end -= 1
            if piece_id is None:
                return []
            out.append(piece_id)
            start = end
        return out
