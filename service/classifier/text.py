"""Split an answer into word tokens, clauses and sentences; character offsets are found only when asked for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain

MAX_CHARS = 16_000
"""Only the first MAX_CHARS characters are scored, so time per answer is bounded (about 15 ms at the cap)."""

_BREAK = re.compile(r"[.!?\n;:,()\[\]—–]")
_EDGE = "\"'“”‘’«»`*_/\\|<>{}~#@&%$^=+…-"
_CLAUSE_WORDS = frozenset({"but", "yet", "though", "although", "whereas", "while", "however"})
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,120})[\"”]|(?<!\w)['‘]([^'‘’\n]{1,80}?)['’](?!\w)")
_SEP = "\x00"


@dataclass(slots=True)
class Parsed:
    """Word tokens as parallel lists (lower-cased text, sentence, clause, inside quotes), and the character
    span of each sentence. `spans()` gives each token's character span, computed on first use."""

    text: str
    words: list[str]
    sentence: list[int]
    clause: list[int]
    quoted: list[bool]
    sentences: list[tuple[int, int]]
    raw: list[str]
    _spans: list[tuple[int, int]] | None = field(default=None, repr=False)

    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = _token_spans(self.text, self.raw)
        return self._spans


def cap(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


def _tokens(chunk: str) -> list[str]:
    return [w for w in (t.strip(_EDGE) for t in chunk.split()) if w]


def _token_spans(text: str, raw: list[str]) -> list[tuple[int, int]]:
    """Find each token after the previous one: only white space and punctuation that no token starts with lie
    between two tokens, so the first match is the token itself."""
    spans: list[tuple[int, int]] = []
    pos = 0
    find = text.find
    for word in raw:
        start = find(word, pos)
        pos = start + len(word)
        spans.append((start, pos))
    return spans


def parse(text: str) -> Parsed:
    """Tokenise `text` (already capped): split on white space, trim edge punctuation. Punctuation marks and
    "but"/"while"/... start a new clause; . ! ? and line breaks end a sentence (a full stop followed by a
    lower-case letter or digit does not)."""
    words: list[str] = []
    sentence_of: list[int] = []
    clause_of: list[int] = []
    bounds: list[tuple[int, int]] = []
    sentence = clause = 0
    sent_start = -1
    pos = 0
    n = len(text)
    for m in chain(_BREAK.finditer(text), (None,)):
        s, e = m.span() if m is not None else (n, n)
        found = _tokens(text[pos:s])
        if found:
            if sent_start < 0:
                sent_start = text.find(found[0], pos, s)
            words.extend(found)
            sentence_of.extend([sentence] * len(found))
            clause_of.extend([clause] * len(found))
        if m is None:
            break
        pos = e
        clause += 1
        c = text[s]
        if c in ".!?\n" and sent_start >= 0 and (c != "." or _ends_sentence(text, e)):
            bounds.append((sent_start, e if c != "\n" else s))
            sent_start = -1
            sentence += 1
    if sent_start >= 0:
        bounds.append((sent_start, len(text.rstrip())))
    raw = words
    if words:
        lowered = _SEP.join(words).lower().split(_SEP)
        words = lowered if len(lowered) == len(words) else [w.lower() for w in words]
        if not _CLAUSE_WORDS.isdisjoint(words):
            clause_of = _split_clauses(words, clause_of)
    parsed = Parsed(text, words, sentence_of, clause_of, [False] * len(words), bounds, raw)
    if "'" in text or '"' in text or "“" in text or "‘" in text:
        _mark_quoted(parsed)
    return parsed


def _split_clauses(words: list[str], clause_of: list[int]) -> list[int]:
    """Start a new clause at "but", "while", ... unless a punctuation mark just started one."""
    out: list[int] = []
    shift = 0
    for k, (w, c) in enumerate(zip(words, clause_of, strict=True)):
        if w in _CLAUSE_WORDS and k and clause_of[k - 1] == c:
            shift += 1
        out.append(c + shift)
    return out


def _mark_quoted(parsed: Parsed) -> None:
    quotes = [m.span() for m in _QUOTED.finditer(parsed.text)]
    if not quotes:
        return
    q = 0
    for k, (s, _) in enumerate(parsed.spans()):
        while q < len(quotes) and quotes[q][1] <= s:
            q += 1
        if q == len(quotes):
            break
        parsed.quoted[k] = quotes[q][0] < s


def _ends_sentence(text: str, end: int) -> bool:
    rest = text[end : end + 3].lstrip(" \"'”’)")
    return not rest or not (rest[0].islower() or rest[0].isdigit())
