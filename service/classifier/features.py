"""Feature rows for a text: row 0 describes the whole answer, rows 1.. each sentence (for evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from service.classifier.embedding import FloatArray, StaticEmbedding
from service.classifier.lexicon import Hit, Lexicon
from service.classifier.text import Parsed, parse
from service.classifier.types import HARMS, VALUES

_HARM_NAMES = [f"{d}:{kind}" for d in HARMS for kind in ("plain", "weak", "distanced")]
_VALUE_NAMES = [f"{d}:{kind}" for d in VALUES for kind in ("plain", "attributed", "scoped", "person", "negated")]
_OTHER_NAMES = [
    "western:reference",
    "western:compared",
    "refusal:cue",
    "refusal:caveat",
    "refusal:first_sentence",
    "attribution:plain",
    "attribution:negated",
    "local:marker",
    "local:term",
    "local:term_explained",
    "first_person",
    "length",
]
LEXICAL_FEATURES: tuple[str, ...] = (*_HARM_NAMES, *_VALUE_NAMES, *_OTHER_NAMES)
_INDEX = {name: i for i, name in enumerate(LEXICAL_FEATURES)}
_FIRST_PERSON = frozenset({"i", "i'm", "i’m", "i'd", "i’d", "i'll", "i’ll", "me", "my"})
_APPOSITIVE = frozenset({"a", "an", "the", "which", "meaning", "or", "literally", "where", "when", "whose"})
_SCOPE = 12
_LENGTH = _INDEX["length"]
LOCAL_COLUMNS = frozenset({_INDEX["local:marker"], _INDEX["local:term"], _INDEX["local:term_explained"]})
_HARM_COLUMNS = {d: (_INDEX[f"{d}:plain"], _INDEX[f"{d}:distanced"]) for d in HARMS}
_WEAK_COLUMNS = {f"{d}~weak": _INDEX[f"{d}:weak"] for d in HARMS}
_VALUE_COLUMNS = {
    d: tuple(_INDEX[f"{d}:{k}"] for k in ("plain", "attributed", "scoped", "person", "negated")) for d in VALUES
}


@dataclass(frozen=True, slots=True)
class Features:
    """The parsed text, its cue hits, the answer's feature row (embedding columns, then lexical columns), and
    what `FeatureBuilder.sentence_rows` needs to build one row per sentence when evidence asks for it."""

    parsed: Parsed
    hits: list[Hit]
    row: FloatArray
    pieces: list[tuple[int, ...]]
    events: list[tuple[int, int]]


class FeatureBuilder:
    """Turns a text into features; holds the lexicon and the static embedding (both read-only)."""

    def __init__(self, lexicon: Lexicon, embedding: StaticEmbedding) -> None:
        self.lexicon = lexicon
        self.embedding = embedding
        self.width = embedding.dim + len(LEXICAL_FEATURES)

    def build(self, text: str) -> Features:
        parsed = parse(text)
        hits = self.lexicon.match(parsed)
        per_word = self.embedding.pieces_of(parsed.words)
        events = self._lexical(parsed, hits)
        dim = self.embedding.dim
        row = np.empty(self.width, dtype=np.float32)
        row[:dim] = self.embedding.mean(list(chain.from_iterable(per_word)))
        lex = np.bincount([c for _, c in events], minlength=len(LEXICAL_FEATURES)).astype(np.float32)
        lex[_LENGTH] = len(parsed.sentences)
        np.log1p(lex, out=row[dim:])
        return Features(parsed, hits, row, per_word, events)

    def sentence_rows(self, features: Features) -> FloatArray:
        """One feature row per sentence, built as the answer's row is but from that sentence alone."""
        parsed = features.parsed
        n_sent = len(parsed.sentences)
        width = len(LEXICAL_FEATURES)
        dim = self.embedding.dim
        out = np.zeros((n_sent, self.width), dtype=np.float32)
        ids = list(chain.from_iterable(features.pieces))
        segments = list(
            chain.from_iterable([s] * len(p) for s, p in zip(parsed.sentence, features.pieces, strict=True))
        )
        out[:, :dim] = self.embedding.segment_means(ids, segments, n_sent)
        lex = np.zeros((n_sent, width), dtype=np.float32)
        if features.events:
            cells = [s * width + c for s, c in features.events]
            lex += np.bincount(cells, minlength=n_sent * width).reshape(n_sent, width)
        lex[:, _LENGTH] = 1.0
        np.log1p(lex, out=out[:, dim:])
        return out

    def _lexical(self, parsed: Parsed, hits: list[Hit]) -> list[tuple[int, int]]:
        """(sentence, column) events; each adds one to that sentence's row and to the answer's row."""
        ix = _INDEX
        attributed: dict[int, int] = {}
        refusal_at: dict[int, int] = {}
        with_person: set[int] = set()
        comparing: set[int] = set()
        for h in hits:
            g = h.group
            if g == "attribution":
                if not h.negated:
                    attributed.setdefault(h.sentence, h.first)
            elif g == "refusal":
                refusal_at.setdefault(h.sentence, parsed.clause[h.first])
            elif g == "person":
                with_person.add(h.sentence)
            elif g == "compare":
                comparing.add(h.sentence)
        out: list[tuple[int, int]] = []
        add = out.append
        caveat = False
        for h in hits:
            g, s = h.group, h.sentence
            if g in _HARM_COLUMNS:
                add((s, _HARM_COLUMNS[g][0 if not (h.negated or h.distanced) else 1]))
            elif g in _WEAK_COLUMNS:
                if not (h.negated or h.distanced):
                    add((s, _WEAK_COLUMNS[g]))
            elif g in _VALUE_COLUMNS:
                plain, attr, scoped, person, negated = _VALUE_COLUMNS[g]
                if h.negated:
                    add((s, negated))
                    continue
                add((s, plain))
                if s in attributed:
                    add((s, attr))
                    if 0 <= h.first - attributed[s] <= _SCOPE:
                        add((s, scoped))
                if s in with_person:
                    add((s, person))
            elif g == "west_ref":
                if not (h.negated or h.distanced):
                    add((s, ix["western:reference"]))
                    if s in comparing:
                        add((s, ix["western:compared"]))
            elif g == "attribution":
                add((s, ix["attribution:negated" if h.negated else "attribution:plain"]))
                if not caveat and not h.negated and s in refusal_at and parsed.clause[h.first] > refusal_at[s]:
                    caveat = True
                    add((s, ix["refusal:caveat"]))
            elif g == "refusal":
                add((s, ix["refusal:cue"]))
                if s == 0:
                    add((s, ix["refusal:first_sentence"]))
            elif g == "local":
                add((s, ix["local:marker"]))
        known = self.embedding.known
        local_sentences = {h.sentence for h in hits if h.group == "local"}
        words, sentence = parsed.words, parsed.sentence
        first_person, term, explained = ix["first_person"], ix["local:term"], ix["local:term_explained"]
        for k, w in enumerate(words):
            if w in _FIRST_PERSON:
                add((sentence[k], first_person))
            elif len(w) >= 4 and w not in known and _is_term(w, known):
                s = sentence[k]
                add((s, term))
                if s in local_sentences or _explained(parsed, k):
                    add((s, explained))
        return out


def _is_term(word: str, known: frozenset[str]) -> bool:
    """A word outside the vocabulary that is not an English compound or inflection of known words."""
    if "-" in word:
        return not all(part in known for part in word.split("-"))
    if "'" in word or "’" in word:
        return False
    for suffix in ("s", "es", "ed", "ing", "ly", "er", "ers"):
        if word.endswith(suffix) and word[: -len(suffix)] in known:
            return False
    return word.isalpha()


def _explained(parsed: Parsed, k: int) -> bool:
    """An appositive right after the term: "omikuji, the paper fortunes ...", "zakat (alms ...)"."""
    if k + 1 >= len(parsed.words):
        return False
    return parsed.clause[k + 1] != parsed.clause[k] and parsed.words[k + 1] in _APPOSITIVE
