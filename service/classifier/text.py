"""Split an answer into word tokens, clauses and sentences; character offsets are found only when asked for."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Final

MAX_CHARS: Final = 16_000
"""Only the first MAX_CHARS characters are scored, so time per answer is bounded (about 15 ms at the cap)."""

_BREAK: Final = re.compile(r"([.!?;:,()\[\]—–])")
_EDGE: Final = "\"'“”‘’«»`*_/\\|<>{}~#@&%$^=+…-"
_OPENERS: Final = "\"'“‘«([ "
_CLAUSE_WORDS: Final = frozenset({"but", "yet", "though", "although", "whereas", "while", "however"})
_QUOTED: Final = re.compile(
    r"""[\"“'‘](?:(?<=[\"“])[^\"“”\n]{1,120}[\"”]"""
    r"""|(?<=['‘])(?<!\w['‘])[^'‘’\n]{1,80}?['’](?!\w))"""
)
"""A double-quoted phrase, or a single-quoted one whose opening mark does not follow a letter (not "Mary's").
Written to start with one character class, so the regex engine skips straight to quote marks (6× cheaper)."""
_CLOSERS: Final = ".!?\"'”’)]"
_SEP: Final = "\x00"
_JUNK: Final = frozenset(_EDGE)
_BREAK_CHARS: Final = frozenset(".!?;:,()[]—–")


@dataclass(slots=True)
class Parsed:
    """Word tokens as parallel lists (lower-cased text, sentence, clause, inside quotes) and, per sentence, its
    first and last token. Character spans are found on demand, and only as far into the text as asked."""

    text: str
    words: list[str]
    sentence: list[int]
    clause: list[int]
    quoted: list[bool]
    sentence_tokens: list[tuple[int, int]]
    raw: list[str]
    _spans: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def span(self, k: int) -> tuple[int, int]:
        """Character span of token k. Tokens are found in order, each after the previous one: only white space
        and punctuation that no token starts with lie between two tokens, so the first match is the token."""
        spans = self._spans
        if k >= len(spans):
            text, raw = self.text, self.raw
            pos = spans[-1][1] if spans else 0
            for j in range(len(spans), k + 1):
                word = raw[j]
                start = text.find(word, pos)
                pos = start + len(word)
                spans.append((start, pos))
        return spans[k]

    def spans(self) -> list[tuple[int, int]]:
        if self.raw:
            self.span(len(self.raw) - 1)
        return self._spans

    @property
    def n_sentences(self) -> int:
        return len(self.sentence_tokens)

    def sentence_span(self, i: int) -> tuple[int, int]:
        """Character span of sentence i, from its first word to its closing punctuation."""
        first, last = self.sentence_tokens[i]
        end = self.span(last)[1]
        text = self.text
        limit = min(len(text), end + 3)
        while end < limit and text[end] in _CLOSERS:
            end += 1
        return self._spans[first][0], end

    @property
    def sentences(self) -> list[tuple[int, int]]:
        return [self.sentence_span(i) for i in range(self.n_sentences)]


def cap(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


class _Builder:
    __slots__ = ("words", "sentence_of", "clause_of", "bounds", "sentence", "clause", "first", "pending")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.sentence_of: list[int] = []
        self.clause_of: list[int] = []
        self.bounds: list[tuple[int, int]] = []
        self.sentence = 0
        self.clause = 0
        self.first = -1
        self.pending = False

    def end_sentence(self) -> None:
        if self.first >= 0:
            self.bounds.append((self.first, len(self.words) - 1))
            self.sentence += 1
            self.first = -1
        self.pending = False

    def add(self, word: str, opener: str) -> None:
        if self.pending:
            self.pending = False
            if not (opener.islower() or opener.isdigit()):
                self.end_sentence()
        if self.first < 0:
            self.first = len(self.words)
        self.words.append(word)
        self.sentence_of.append(self.sentence)
        self.clause_of.append(self.clause)

    def token(self, tok: str) -> None:
        """A white-space delimited token that is not a plain word: split at punctuation marks."""
        last = tok[-1]
        if last in _BREAK_CHARS and tok[:-1].isalnum():
            self.add(tok[:-1], tok[0])
            self.clause += 1
            if last in "!?":
                self.end_sentence()
            elif last == ".":
                self.pending = True
            return
        parts = _BREAK.split(tok) if not _BREAK_CHARS.isdisjoint(tok) else [tok]
        for k, part in enumerate(parts):
            if k % 2:
                self.clause += 1
                if part in "!?":
                    self.end_sentence()
                elif part == "." and self.first >= 0:
                    self.pending = True
                continue
            word = part.strip(_EDGE)
            if word and not all(c in _JUNK or not c.isprintable() for c in word):
                self.add(word, part.lstrip(_OPENERS)[:1])


def parse(text: str) -> Parsed:
    """Tokenise `text` (already capped): split on white space, then at punctuation marks, trimming quotes and
    symbols off word edges. Punctuation marks and "but"/"while"/... start a new clause; . ! ? and line breaks
    end a sentence (a full stop followed by a lower-case letter or a digit does not)."""
    b = _Builder()
    words, sentence_of, clause_of = b.words, b.sentence_of, b.clause_of
    for line in text.splitlines():
        toks = line.split()
        # Letters and digits only: a word as it stands. (isalnum, not isalpha: same tokens, and compiled it is a
        # direct call rather than a method lookup.)
        special = [k for k, t in enumerate(toks) if not t.isalnum()]
        special.append(len(toks))
        start = 0
        for stop in special:
            if start < stop and b.pending:
                b.add(toks[start], toks[start][0])
                start += 1
            if start < stop:
                if b.first < 0:
                    b.first = len(words)
                words.extend(toks[start:stop])
                sentence_of.extend([b.sentence] * (stop - start))
                clause_of.extend([b.clause] * (stop - start))
            if stop < len(toks):
                b.token(toks[stop])
            start = stop + 1
        b.end_sentence()
        b.clause += 1
    raw = words
    if words:
        lowered = _SEP.join(words).lower().split(_SEP)
        words = lowered if len(lowered) == len(raw) else [w.lower() for w in raw]
        if not _CLAUSE_WORDS.isdisjoint(words):
            clause_of = _split_clauses(words, clause_of)
    parsed = Parsed(text, words, sentence_of, clause_of, [False] * len(words), b.bounds, raw)
    if '"' in text or "“" in text or "‘" in text or " '" in text or "('" in text or text[:1] == "'":
        _mark_quoted(parsed)
    return parsed


def _split_clauses(words: list[str], clause_of: list[int]) -> list[int]:
    """Start a new clause at "but", "while", ... unless a punctuation mark just started one."""
    breaks = [k for k, w in enumerate(words) if w in _CLAUSE_WORDS and k and clause_of[k - 1] == clause_of[k]]
    if not breaks:
        return clause_of
    out = clause_of[: breaks[0]]
    for shift, (start, stop) in enumerate(zip(breaks, [*breaks[1:], len(words)], strict=True), start=1):
        out.extend([c + shift for c in clause_of[start:stop]])
    return out


def _mark_quoted(parsed: Parsed) -> None:
    quotes = [m.span() for m in _QUOTED.finditer(parsed.text)]
    if not quotes:
        return
    starts = [s for s, _ in parsed.spans()]
    quoted = parsed.quoted
    for q_start, q_end in quotes:
        for k in range(bisect_right(starts, q_start), bisect_left(starts, q_end)):
            quoted[k] = True
