"""Split an answer into word tokens, clauses and sentences, keeping character offsets into the input."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 16_000
"""Only the first MAX_CHARS characters are scored, so time per answer is bounded (about 15 ms at the cap)."""

_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[.!?;:,()\[\]—–\n]|(?<=\s)-(?=\s)")
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,120})[\"”]|(?<!\w)['‘]([^'‘’\n]{1,80}?)['’](?!\w)")
_SENTENCE_END = frozenset(".!?\n")
_CLAUSE_END = frozenset(",;:()[]—–-") | _SENTENCE_END
_CLAUSE_WORDS = frozenset({"but", "yet", "though", "although", "whereas", "while", "however"})


@dataclass(frozen=True, slots=True)
class Token:
    """A lower-cased word with its character span, sentence and clause index, and whether it is quoted."""

    text: str
    start: int
    end: int
    sentence: int
    clause: int
    quoted: bool


@dataclass(frozen=True, slots=True)
class Parsed:
    """The tokens of a text and the character span of each sentence."""

    text: str
    tokens: list[Token]
    sentences: list[tuple[int, int]]


def cap(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    if "'" not in text and '"' not in text and "“" not in text and "‘" not in text:
        return []
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def parse(text: str) -> Parsed:
    """Tokenise `text` (already capped). Punctuation only moves the sentence and clause counters."""
    quotes = _quoted_spans(text)
    tokens: list[Token] = []
    sentence_bounds: list[tuple[int, int]] = []
    sentence = clause = 0
    sent_start: int | None = None
    sent_end = 0
    q = 0
    for m in _TOKEN.finditer(text):
        s, e = m.start(), m.end()
        word = m.group()
        if len(word) == 1 and not word.isalnum():
            if word in _CLAUSE_END:
                clause += 1
            if word in _SENTENCE_END and sent_start is not None:
                if word != "." or _ends_sentence(text, e):
                    sentence_bounds.append((sent_start, e if word != "\n" else sent_end))
                    sent_start = None
                    sentence += 1
            continue
        lower = word.lower()
        if lower in _CLAUSE_WORDS:
            clause += 1
        while q < len(quotes) and quotes[q][1] <= s:
            q += 1
        quoted = q < len(quotes) and quotes[q][0] < s
        if sent_start is None:
            sent_start = s
        sent_end = e
        tokens.append(Token(lower, s, e, sentence, clause, quoted))
    if sent_start is not None:
        sentence_bounds.append((sent_start, sent_end))
    return Parsed(text, tokens, sentence_bounds)


def _ends_sentence(text: str, end: int) -> bool:
    """A full stop ends a sentence unless a lower-case letter or digit follows it ("e.g. the", "3.5")."""
    rest = text[end : end + 3].lstrip(" \"'”’)")
    return not rest or not (rest[0].islower() or rest[0].isdigit())
