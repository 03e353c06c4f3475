"""Which rows of the model's logit table (`model.Projected`) an answer adds up, and which each of its sentences
adds up when scored alone. Plain lists and dicts, so that setup.py can compile it with the rest of the hot path.

The table holds one row per word piece, one per (lexical column, count) pair, one per bag-of-words word and a
last one for the intercept; see `model.Projected`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from service.classifier.features import MAX_COUNT, Features

COUNTS: Final = MAX_COUNT + 1
"""Rows per lexical column: one for each count from 0 to MAX_COUNT (higher counts use the last)."""


class Layout:
    """Row numbers of the table built for `n_pieces` word pieces, `n_lexical` lexical columns and `vocabulary`."""

    def __init__(self, n_pieces: int, n_lexical: int, vocabulary: Sequence[str]) -> None:
        self.lexical_base = n_pieces
        bag_base = n_pieces + n_lexical * COUNTS
        self.bag_rows: dict[str, int] = {w: bag_base + k for k, w in enumerate(vocabulary)}
        self.intercept = bag_base + len(vocabulary)
        self.size = self.intercept + 1

    def lexical(self, column: int, count: int) -> int:
        return self.lexical_base + column * COUNTS + (count if count < MAX_COUNT else MAX_COUNT)

    def answer(self, features: Features) -> tuple[list[int], int]:
        """The rows the whole answer adds up, and how many of them come first as word pieces (to be averaged)."""
        rows = features.ids
        n_pieces = len(rows)
        counts: dict[int, int] = {}
        for _, column in features.events:
            counts[column] = counts.get(column, 0) + 1
        for column, count in counts.items():
            rows.append(self.lexical(column, count))
        bag_rows = self.bag_rows
        for word in features.bag:
            row = bag_rows.get(word, -1)
            if row >= 0:
                rows.append(row)
        rows.append(self.intercept)
        return rows, n_pieces

    def sentences(self, features: Features) -> tuple[list[int], list[float], list[int]]:
        """Each sentence as if scored alone: its word pieces (weighted 1/their number, so they average), its
        lexical counts, each of its distinct bag words once (less masked ones, as for the answer) and the
        intercept. Returns the rows grouped by sentence, their weights, and where each sentence's rows start."""
        parsed = features.parsed
        n = parsed.n_sentences
        pieces: list[list[int]] = [[] for _ in range(n)]
        bags: list[dict[int, None]] = [{} for _ in range(n)]
        counts: list[dict[int, int]] = [{} for _ in range(n)]
        sentence_of, masked, bag_rows = parsed.sentence, features.masked, self.bag_rows
        for k, word in enumerate(parsed.words):
            s = sentence_of[k]
            pieces[s].extend(features.pieces[k])
            if k not in masked:
                row = bag_rows.get(word, -1)
                if row >= 0:
                    bags[s][row] = None
        for s, column in features.events:
            counted = counts[s]
            counted[column] = counted.get(column, 0) + 1
        rows: list[int] = []
        weights: list[float] = []
        starts: list[int] = []
        for s in range(n):
            starts.append(len(rows))
            if pieces[s]:
                rows.extend(pieces[s])
                weights.extend([1.0 / len(pieces[s])] * len(pieces[s]))
            for column, count in counts[s].items():
                rows.append(self.lexical(column, count))
            rows.extend(bags[s])
            rows.append(self.intercept)
            weights.extend([1.0] * (len(rows) - len(weights)))
        return rows, weights, starts
