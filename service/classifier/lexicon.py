"""Cue matching over word tokens, with negation and distancing (quotes, "what outsiders call") marked per hit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.classifier import cues
from service.classifier.text import Token

_NEGATION_WINDOW = 5
_DISTANCE_WINDOW = 8
_CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Hit:
    """One cue match: its group (a dimension or a helper list), token range and context."""

    group: str
    first: int
    last: int
    sentence: int
    negated: bool
    distanced: bool

    @property
    def plain(self) -> bool:
        return not (self.negated or self.distanced)


@dataclass(frozen=True, slots=True)
class _Atom:
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    any: bool


def _atom(spec: str) -> _Atom:
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    any_word = False
    for alt in spec.split("|"):
        if alt == "*":
            any_word = True
        elif alt.endswith("*"):
            prefixes.append(alt[:-1])
        elif alt.startswith("*"):
            suffixes.append(alt[1:])
        else:
            exact.add(alt)
    return _Atom(frozenset(exact), tuple(prefixes), tuple(suffixes), any_word)


class Lexicon:
    """Compiled cue lists. `match` is thread-safe: its only state is a word cache that tolerates races."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        atoms: dict[str, int] = {}
        self._atoms: list[_Atom] = []
        self._patterns: list[tuple[str, tuple[int, ...]]] = []
        for group, entries in groups.items():
            for entry in entries:
                ids: list[int] = []
                for spec in entry.split():
                    if spec not in atoms:
                        atoms[spec] = len(self._atoms)
                        self._atoms.append(_atom(spec))
                    ids.append(atoms[spec])
                self._patterns.append((group, tuple(ids)))
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._suffix: dict[str, list[int]] = {}
        self._any = [i for i, a in enumerate(self._atoms) if a.any]
        for i, a in enumerate(self._atoms):
            for w in a.exact:
                self._exact.setdefault(w, []).append(i)
            for p in a.prefixes:
                self._prefix.setdefault(p, []).append(i)
            for s in a.suffixes:
                self._suffix.setdefault(s, []).append(i)
        self._by_first: dict[int, list[int]] = {}
        for pid, (_, ids) in enumerate(self._patterns):
            self._by_first.setdefault(ids[0], []).append(pid)
        self._cache: dict[str, tuple[frozenset[int], tuple[int, ...]]] = {}

    def _lookup(self, word: str) -> tuple[frozenset[int], tuple[int, ...]]:
        found = self._cache.get(word)
        if found is not None:
            return found
        ids: list[int] = list(self._any)
        ids.extend(self._exact.get(word, ()))
        for n in range(1, len(word) + 1):
            ids.extend(self._prefix.get(word[:n], ()))
            ids.extend(self._suffix.get(word[-n:], ()))
        atom_set = frozenset(ids)
        starts = tuple(p for a in atom_set for p in self._by_first.get(a, ()))
        found = (atom_set, starts)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[word] = found
        return found

    def match(self, tokens: Sequence[Token]) -> list[Hit]:
        hits: list[Hit] = []
        looked = [self._lookup(t.text) for t in tokens]
        n = len(tokens)
        for i, (_, starts) in enumerate(looked):
            if not starts:
                continue
            sentence = tokens[i].sentence
            for pid in starts:
                group, ids = self._patterns[pid]
                last = i + len(ids) - 1
                if last >= n or tokens[last].sentence != sentence:
                    continue
                if all(ids[k] in looked[i + k][0] for k in range(1, len(ids))):
                    hits.append(
                        Hit(group, i, last, sentence, _negated(tokens, i), _distanced(tokens, i, last))
                    )
        return hits


def _negated(tokens: Sequence[Token], i: int) -> bool:
    clause = tokens[i].clause
    for k in range(i - 1, max(-1, i - 1 - _NEGATION_WINDOW), -1):
        t = tokens[k]
        if t.clause != clause:
            return False
        nxt = tokens[k + 1].text
        if (t.text, nxt) in cues.NEGATING_PAIRS or (t.text in cues.NEGATORS and nxt not in cues.NEGATION_BREAKERS):
            return not any(tokens[m].text in cues.REVERSING_VERBS for m in range(k + 1, i))
    return False


def _distanced(tokens: Sequence[Token], first: int, last: int) -> bool:
    if tokens[first].quoted and tokens[last].quoted:
        return True
    clause = tokens[first].clause
    for k in range(first - 1, max(-1, first - 1 - _DISTANCE_WINDOW), -1):
        t = tokens[k]
        if t.clause != clause:
            return False
        if t.text in cues.DISTANCERS:
            return True
    return False


def build() -> Lexicon:
    groups: dict[str, Sequence[str]] = {**cues.HARM_CUES, **cues.VALUE_CUES}
    for dim, weak in cues.WEAK_HARM_CUES.items():
        groups[f"{dim}~weak"] = weak
    groups["west_ref"] = cues.WESTERN_REFERENCES
    groups["compare"] = cues.COMPARISONS
    groups["person"] = cues.PERSON_WORDS
    groups["attribution"] = cues.ATTRIBUTION
    groups["refusal"] = cues.REFUSAL_CUES
    groups["local"] = cues.LOCAL_MARKERS
    return Lexicon(groups)
