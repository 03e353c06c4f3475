"""Feature rows for a text: row 0 describes the whole answer, rows 1.. each sentence (for evidence)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.classifier.embedding import FloatArray, StaticEmbedding
from service.classifier.lexicon import Hit, Lexicon
from service.classifier.text import Parsed, Token, parse
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
_WEAK = {f"{d}~weak": f"{d}:weak" for d in HARMS}
_SCOPE = 12
_APPOSITIVE = frozenset({"a", "an", "the", "which", "meaning", "or", "literally", "where", "when", "whose"})


@dataclass(frozen=True, slots=True)
class Features:
    """The parsed text, its cue hits, and the feature matrix (embedding columns, then lexical columns)."""

    parsed: Parsed
    hits: list[Hit]
    matrix: FloatArray


class FeatureBuilder:
    """Turns a text into features; holds the lexicon and the static embedding (both read-only)."""

    def __init__(self, lexicon: Lexicon, embedding: StaticEmbedding) -> None:
        self.lexicon = lexicon
        self.embedding = embedding
        self.width = embedding.dim + len(LEXICAL_FEATURES)

    def build(self, text: str) -> Features:
        parsed = parse(text)
        tokens = parsed.tokens
        hits = self.lexicon.match(tokens)
        n_sent = len(parsed.sentences)
        ids: list[int] = []
        segments: list[int] = []
        pieces = self.embedding.pieces
        for t in tokens:
            p = pieces(t.text)
            ids.extend(p)
            segments.extend([t.sentence] * len(p))
        doc, per = self.embedding.pool(ids, segments, n_sent)
        lex = np.zeros((n_sent + 1, len(LEXICAL_FEATURES)), dtype=np.float32)
        self._lexical(parsed, hits, lex)
        emb = np.vstack([doc[None, :], per]) if n_sent else doc[None, :]
        return Features(parsed, hits, np.hstack([emb, np.log1p(lex)]))

    def _lexical(self, parsed: Parsed, hits: list[Hit], lex: FloatArray) -> None:
        ix = _INDEX
        attributed: dict[int, int] = {}
        refusal_at: dict[int, int] = {}
        with_person: set[int] = set()
        comparing: set[int] = set()
        for h in hits:
            if h.group == "attribution" and not h.negated:
                attributed.setdefault(h.sentence, h.first)
            elif h.group == "refusal":
                refusal_at.setdefault(h.sentence, parsed.tokens[h.first].clause)
            elif h.group == "person":
                with_person.add(h.sentence)
            elif h.group == "compare":
                comparing.add(h.sentence)
        tokens = parsed.tokens

        def add(name: str, sentence: int, value: float = 1.0) -> None:
            col = ix[name]
            lex[0, col] += value
            lex[sentence + 1, col] += value

        for h in hits:
            g, s = h.group, h.sentence
            if g in HARMS:
                add(f"{g}:plain" if h.plain else f"{g}:distanced", s)
            elif g in _WEAK:
                if h.plain:
                    add(_WEAK[g], s)
            elif g == "west_ref":
                if h.plain:
                    add("western:reference", s)
                    if s in comparing:
                        add("western:compared", s)
            elif g in VALUES:
                if h.negated:
                    add(f"{g}:negated", s)
                else:
                    add(f"{g}:plain", s)
                    if s in attributed:
                        add(f"{g}:attributed", s)
                        if 0 <= h.first - attributed[s] <= _SCOPE:
                            add(f"{g}:scoped", s)
                    if s in with_person:
                        add(f"{g}:person", s)
            elif g == "attribution":
                add("attribution:negated" if h.negated else "attribution:plain", s)
            elif g == "refusal":
                add("refusal:cue", s)
                if s == 0:
                    add("refusal:first_sentence", s)
            elif g == "local":
                add("local:marker", s)
        for h in hits:
            if h.group == "attribution" and not h.negated and h.sentence in refusal_at:
                if tokens[h.first].clause > refusal_at[h.sentence]:
                    add("refusal:caveat", h.sentence)
                    break
        known = self.embedding.known
        local_sentences: set[int] = {h.sentence for h in hits if h.group == "local"}
        for k, t in enumerate(tokens):
            w = t.text
            if w in _FIRST_PERSON:
                add("first_person", t.sentence)
            if len(w) >= 4 and w not in known and _is_term(w, known):
                add("local:term", t.sentence)
                if t.sentence in local_sentences or _explained(tokens, k):
                    add("local:term_explained", t.sentence)
        for s in range(len(parsed.sentences)):
            lex[s + 1, ix["length"]] = 1.0
        lex[0, ix["length"]] = len(parsed.sentences)


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


def _explained(tokens: list[Token], k: int) -> bool:
    """An appositive right after the term: "omikuji, the paper fortunes ...", "zakat (alms ...)"."""
    if k + 1 >= len(tokens):
        return False
    nxt = tokens[k + 1]
    return nxt.clause != tokens[k].clause and nxt.text in _APPOSITIVE
