"""Cue matching over word tokens, with negation and distancing (quotes, "what outsiders call") marked per hit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from service.classifier import cues
from service.classifier.text import Parsed

_NEGATION_WINDOW: Final = 5
_DISTANCE_WINDOW: Final = 8
_CACHE_LIMIT: Final = 200_000
_CONTEXT_FREE: Final = frozenset({"refusal", "person", "compare", "local"})
_NEGATORS: Final = cues.NEGATORS
_NEGATING_PAIRS: Final = cues.NEGATING_PAIRS
_NEGATION_BREAKERS: Final = cues.NEGATION_BREAKERS
_NEGATION_STARTS: Final = cues.NEGATORS | {a for a, _ in cues.NEGATING_PAIRS}
_REVERSING_VERBS: Final = cues.REVERSING_VERBS
_DISTANCERS: Final = cues.DISTANCERS
# Final: compiled, these are read as constants rather than looked up in the module on every use.


class Hit:
    """One cue match: its group (a dimension or a helper list), token range and context."""

    __slots__ = ("group", "first", "last", "sentence", "negated", "distanced")

    def __init__(self, group: str, first: int, last: int, sentence: int, negated: bool, distanced: bool) -> None:
        self.group = group
        self.first = first
        self.last = last
        self.sentence = sentence
        self.negated = negated
        self.distanced = distanced

    @property
    def plain(self) -> bool:
        return not (self.negated or self.distanced)

    def __repr__(self) -> str:
        return (
            f"Hit({self.group!r}, {self.first}, {self.last}, sentence={self.sentence}, negated={self.negated}, "
            f"distanced={self.distanced})"
        )


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


class _Node:
    __slots__ = ("children", "groups", "by_word", "by_atom")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.groups: list[str] = []
        self.by_word: dict[str, list[_Node]] = {}
        """Children reached by an exact next word."""
        self.by_atom: list[tuple[int, _Node]] = []
        """Children whose atom is a prefix, suffix or wildcard: checked against the next word's atoms."""

    def index(self, atoms: list[_Atom]) -> None:
        for a, child in self.children.items():
            spec = atoms[a]
            if spec.prefixes or spec.suffixes or spec.any:
                self.by_atom.append((a, child))
            else:
                for w in spec.exact:
                    self.by_word.setdefault(w, []).append(child)
            child.index(atoms)


class Entry(NamedTuple):
    atoms: frozenset[int]
    groups: tuple[str, ...]
    """Groups of one-word cues this word completes."""
    longer: tuple[_Node, ...]
    """Trie nodes from which longer cues starting with this word continue."""
    next_words: dict[str, list[_Node]]
    """The second step of those cues, by exact next word..."""
    next_atoms: tuple[tuple[int, _Node], ...]
    """...and by prefix, suffix or wildcard atom."""


class Lexicon:
    """Compiled cue lists: a trie over atoms. `match` is thread-safe: its only state is a word cache."""

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        atoms: dict[str, int] = {}
        specs: list[_Atom] = []
        self._root = _Node()
        for group, entries in groups.items():
            for entry in entries:
                node = self._root
                for spec in entry.split():
                    if spec not in atoms:
                        atoms[spec] = len(specs)
                        specs.append(_atom(spec))
                    node = node.children.setdefault(atoms[spec], _Node())
                if group not in node.groups:
                    node.groups.append(group)
        self._root.index(specs)
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._suffix: dict[str, list[int]] = {}
        self._any = [i for i, a in enumerate(specs) if a.any]
        for i, a in enumerate(specs):
            for w in a.exact:
                self._exact.setdefault(w, []).append(i)
            for p in a.prefixes:
                self._prefix.setdefault(p, []).append(i)
            for s in a.suffixes:
                self._suffix.setdefault(s, []).append(i)
        self._cache: dict[str, Entry] = {}

    def entry(self, word: str) -> Entry:
        """What the lexicon knows about one lower-cased word (cached)."""
        return self._cache.get(word) or self._entry(word)

    def _entry(self, word: str) -> Entry:
        ids: list[int] = list(self._any)
        ids.extend(self._exact.get(word, ()))
        for n in range(1, len(word) + 1):
            ids.extend(self._prefix.get(word[:n], ()))
            ids.extend(self._suffix.get(word[-n:], ()))
        atoms = frozenset(ids)
        root = self._root.children
        starts = [root[a] for a in root.keys() & atoms]
        groups = tuple(g for node in starts for g in node.groups)
        longer = tuple(node for node in starts if node.children)
        next_words: dict[str, list[_Node]] = {}
        for node in longer:
            for w, children in node.by_word.items():
                next_words.setdefault(w, []).extend(children)
        next_atoms = tuple(pair for node in longer for pair in node.by_atom)
        entry = Entry(atoms, groups, longer, next_words, next_atoms)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[word] = entry
        return entry

    def match(self, parsed: Parsed, entries: Sequence[Entry] | None = None) -> list[Hit]:
        """All cue hits in `parsed`; `entries` (one `entry(word)` per token) may be passed if already known."""
        words = parsed.words
        if entries is None:
            cache = self._cache
            entries = [cache.get(w) or self._entry(w) for w in words]
        sentence = parsed.sentence
        n = len(entries)
        context = _Context(parsed)
        hits: list[Hit] = []
        add = hits.append
        plain = context.plain
        for i in [k for k, e in enumerate(entries) if e[1] or e[2]]:
            entry = entries[i]
            groups, longer = entry.groups, entry.longer
            si = sentence[i]
            for group in groups:
                if plain or group in _CONTEXT_FREE:
                    add(Hit(group, i, i, si, False, False))
                else:
                    add(context.hit(group, i, i, si))
            if not longer:
                continue
            j = i + 1
            if j >= n or sentence[j] != si:
                continue
            nxt = entry.next_words.get(words[j], [])
            if entry.next_atoms:
                following = entries[j].atoms
                nxt = nxt + [child for a, child in entry.next_atoms if a in following]
            while nxt:
                for node in nxt:
                    for group in node.groups:
                        add(Hit(group, i, j, si, False, False) if plain else context.hit(group, i, j, si))
                frontier = [node for node in nxt if node.children]
                j += 1
                if not frontier or j >= n or sentence[j] != si:
                    break
                word = words[j]
                following = entries[j].atoms
                nxt = []
                for c in frontier:
                    nxt.extend(c.by_word.get(word, ()))
                    if c.by_atom:
                        nxt.extend(child for a, child in c.by_atom if a in following)
        return hits


class _Context:
    """Where negators and distancing words sit in one parsed text, found once and shared by all hits."""

    __slots__ = ("parsed", "negators", "distancers", "plain")

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        words = parsed.words
        self.negators: list[int] = []
        self.distancers: list[int] = []
        if not _NEGATION_STARTS.isdisjoint(words):
            self.negators = [k for k, w in enumerate(words) if w in _NEGATION_STARTS and _negates(words, k)]
        if not _DISTANCERS.isdisjoint(words):
            self.distancers = [k for k, w in enumerate(words) if w in _DISTANCERS]
        self.plain = not (self.negators or self.distancers or True in parsed.quoted)
        """No negator, distancing word or quote anywhere: every hit is plain, no need to look."""

    def hit(self, group: str, first: int, last: int, sentence: int) -> Hit:
        if group in _CONTEXT_FREE:
            return Hit(group, first, last, sentence, False, False)
        return Hit(group, first, last, sentence, self._negated(first), self._distanced(first, last))

    def _negated(self, i: int) -> bool:
        if not self.negators:
            return False
        clauses, words = self.parsed.clause, self.parsed.words
        for k in reversed(self.negators):
            if i - _NEGATION_WINDOW <= k < i and clauses[k] == clauses[i]:
                return not any(words[m] in _REVERSING_VERBS for m in range(k + 1, i))
        return False

    def _distanced(self, first: int, last: int) -> bool:
        quoted = self.parsed.quoted
        if quoted[first] and quoted[last]:
            return True
        if not self.distancers:
            return False
        clauses = self.parsed.clause
        return any(first - _DISTANCE_WINDOW <= k < first and clauses[k] == clauses[first] for k in self.distancers)


def _negates(words: list[str], k: int) -> bool:
    nxt = words[k + 1] if k + 1 < len(words) else ""
    if (words[k], nxt) in _NEGATING_PAIRS:
        return True
    return words[k] in _NEGATORS and nxt not in _NEGATION_BREAKERS


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
