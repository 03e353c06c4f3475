"""Feature rows for a text: row 0 describes the whole answer, rows 1.. each sentence (for evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np

from service.classifier.embedding import FloatArray, StaticEmbedding
from service.classifier.lexicon import Entry, Hit, Lexicon
from service.classifier.text import Parsed, parse
from service.classifier.types import HARMS, VALUES

_HARM_NAMES: Final = [f"{d}:{kind}" for d in HARMS for kind in ("plain", "weak", "distanced")]
_VALUE_NAMES: Final = [f"{d}:{kind}" for d in VALUES for kind in ("plain", "attributed", "scoped", "person", "negated")]
_OTHER_NAMES: Final = [
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
LEXICAL_FEATURES: Final[tuple[str, ...]] = (*_HARM_NAMES, *_VALUE_NAMES, *_OTHER_NAMES)
_INDEX: Final = {name: i for i, name in enumerate(LEXICAL_FEATURES)}
_FIRST_PERSON: Final = frozenset({"i", "i'm", "i’m", "i'd", "i’d", "i'll", "i’ll", "me", "my"})
_APPOSITIVE: Final = frozenset({"a", "an", "the", "which", "meaning", "or", "literally", "where", "when", "whose"})
_SCOPE: Final = 12
_LENGTH: Final = _INDEX["length"]
_MASKED: Final = frozenset({*HARMS, *(f"{d}~weak" for d in HARMS)})
"""Negated or distanced harm cues are left out of the embedding mean, as they are out of the cue counts."""
_MASKED_IF_NEGATED: Final = frozenset(VALUES)
"""So are negated value cues ("she does not appear to value independence"): in the corpus, an answer whose only
cues for a value are negated is labelled 0 for it 312 times in 335. They still count in the value's `negated`."""
MAX_COUNT: Final = 31
"""Lexical counts are capped here, so a long or repetitive answer cannot push one feature without bound."""
LOCAL_COLUMNS: Final = frozenset({_INDEX["local:marker"], _INDEX["local:term"], _INDEX["local:term_explained"]})
_HARM_COLUMNS: Final = {d: (_INDEX[f"{d}:plain"], _INDEX[f"{d}:distanced"]) for d in HARMS}
_WEAK_COLUMNS: Final = {f"{d}~weak": _INDEX[f"{d}:weak"] for d in HARMS}
_VALUE_COLUMNS: Final = {
    d: tuple(_INDEX[f"{d}:{k}"] for k in ("plain", "attributed", "scoped", "person", "negated")) for d in VALUES
}


_FIRST: Final = 1
_TERM: Final = 2
_CACHE_LIMIT: Final = 200_000


class _Word(NamedTuple):
    entry: Entry
    pieces: tuple[int, ...]
    kind: int


@dataclass(frozen=True, slots=True)
class Features:
    """A text's tokens and cue hits, its word-piece ids, and its lexical events: (sentence, column) pairs, each
    adding one to that column's count for the sentence and for the whole answer."""

    parsed: Parsed
    hits: list[Hit]
    pieces: list[tuple[int, ...]]
    events: list[tuple[int, int]]
    bag: set[str]
    """The distinct words, less the masked ones."""
    masked: frozenset[int]
    """Tokens of negated or distanced harm cues and of negated value cues: left out of the bag of words and of
    the embedding mean (their `pieces` are empty)."""

    @property
    def ids(self) -> list[int]:
        """The word-piece ids of the answer, in order (a new list on each call)."""
        out: list[int] = []
        for pieces in self.pieces:  # compiled, a plain loop is cheaper than itertools.chain
            out.extend(pieces)
        return out

    def columns(self) -> list[int]:
        return [c for _, c in self.events]


class FeatureBuilder:
    """Turns a text into features; holds the lexicon and the static embedding (both read-only).

    The answer's feature row is the mean of its word-piece vectors followed by log(1 + count) of each lexical
    feature; the model adds a bag of words (presence of each word of its vocabulary).
    """

    def __init__(self, lexicon: Lexicon, embedding: StaticEmbedding) -> None:
        self.lexicon = lexicon
        self.embedding = embedding
        self.width = embedding.dim + len(LEXICAL_FEATURES)
        self._words: dict[str, _Word] = {}

    def _word(self, word: str) -> _Word:
        known = self.embedding.known
        if word in _FIRST_PERSON:
            kind = _FIRST
        elif len(word) >= 4 and word not in known and _is_term(word, known):
            kind = _TERM
        else:
            kind = 0
        info = _Word(self.lexicon.entry(word), self.embedding.pieces(word), kind)
        if len(self._words) < _CACHE_LIMIT:
            self._words[word] = info
        return info

    def build(self, text: str) -> Features:
        parsed = parse(text)
        cache = self._words
        infos = [cache.get(w) or self._word(w) for w in parsed.words]
        hits = self.lexicon.match(parsed, [i.entry for i in infos])
        events = self._lexical(parsed, hits, [(k, i.kind) for k, i in enumerate(infos) if i.kind])
        events.extend((s, _LENGTH) for s in range(parsed.n_sentences))
        pieces = [i.pieces for i in infos]
        masked: set[int] = set()
        for h in hits:
            if (h.negated or h.distanced) and h.group in _MASKED or h.negated and h.group in _MASKED_IF_NEGATED:
                for k in range(h.first, h.last + 1):
                    pieces[k] = ()
                    masked.add(k)
        words = parsed.words
        bag = {w for k, w in enumerate(words) if k not in masked} if masked else set(words)
        return Features(parsed, hits, pieces, events, bag, frozenset(masked))

    def row(self, features: Features) -> FloatArray:
        """The answer's full feature row (used to train; scoring uses `model.Projected` instead)."""
        out = np.zeros(self.width, dtype=np.float32)
        ids = features.ids
        if ids:
            out[: self.embedding.dim] = self.embedding.vectors[ids].mean(axis=0)
        counts = np.bincount(features.columns(), minlength=len(LEXICAL_FEATURES))
        out[self.embedding.dim :] = np.log1p(np.minimum(counts, MAX_COUNT))
        return out

    def _lexical(self, parsed: Parsed, hits: list[Hit], special: list[tuple[int, int]]) -> list[tuple[int, int]]:
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
        local_sentences = {h.sentence for h in hits if h.group == "local"}
        sentence = parsed.sentence
        first_person, term, explained = ix["first_person"], ix["local:term"], ix["local:term_explained"]
        for k, kind in special:
            s = sentence[k]
            if kind == _FIRST:
                add((s, first_person))
            else:
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
