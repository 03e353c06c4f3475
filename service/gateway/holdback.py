"""Sentence gate for streams that must not let unscored or blocked text out (enforce mode; annotate mode under
on_classifier_error: closed): release text only after the sentence it completes was scored."""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at terminal punctuation (with closing quotes or brackets) followed by white space, or at a
# newline. Punctuation at the very end of the text is not yet a boundary: the next chunk may be "5" in "3.5".
_END = re.compile(r"(?:[.!?…。！？]+[\"'”’)\]]*\s+|\n+)")


class SentenceGate:
    """Holds events until every sentence their text belongs to has passed `check`.

    At most the current sentence (plus the one event that straddles its start) is held back.
    """

    def __init__(self, check: Callable[[str], bool]) -> None:
        self._check = check
        self._text: list[str] = []
        self._length = 0
        self._checked = 0
        self._pending: list[tuple[bytes, int]] = []
        self.blocked = False

    def push(self, event: bytes, added: str) -> list[bytes]:
        """Add one event and the text it carries; return the events that may go out now."""
        if added:
            self._text.append(added)
            self._length += len(added)
        self._pending.append((event, self._length))
        if not added:
            return self._release(self._checked)
        text = "".join(self._text)
        last_end = None
        for match in _END.finditer(text, self._checked):
            last_end = match.end()
        if last_end is None:
            return self._release(self._checked)
        return self._gate(text, last_end)

    def finish(self) -> list[bytes]:
        """The stream ended: check whatever text is left, then release everything or nothing."""
        text = "".join(self._text)
        if self._checked < len(text):
            return self._gate(text, len(text))
        return self._release(self._length)

    def _gate(self, text: str, end: int) -> list[bytes]:
        if self._check(text[self._checked : end]):
            self.blocked = True
            self._pending.clear()
            return []
        self._checked = end
        return self._release(end)

    def _release(self, upto: int) -> list[bytes]:
        out: list[bytes] = []
        while self._pending and self._pending[0][1] <= upto:
            out.append(self._pending.pop(0)[0])
        return out
