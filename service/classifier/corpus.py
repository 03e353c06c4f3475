"""Reading labelled answers (the corpus format of data/LABELLING.md) and the fixed train/dev split."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from service.classifier.types import DIMENSIONS

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
DEV_PERCENT = 20


class CorpusError(ValueError):
    """A labelled file that cannot be read: the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled answer."""

    id: str
    text: str
    labels: dict[str, int]
    culture: str = ""
    kind: str = ""


def is_dev(example_id: str) -> bool:
    """Deterministic, file-order independent: about DEV_PERCENT% of ids, by a hash of the id."""
    digest = hashlib.sha256(example_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < DEV_PERCENT


def read_jsonl(path: Path) -> list[Example]:
    examples: list[Example] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: {exc.strerror}") from exc
    for n, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line.decode("utf-8"))
            labels = {d: int(row["labels"][d]) for d in DIMENSIONS}
            examples.append(
                Example(str(row["id"]), str(row["text"]), labels, str(row.get("culture", "")), str(row.get("kind", "")))
            )
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path}:{n}: not valid UTF-8") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}:{n}: not a labelled answer ({exc!r})") from exc
    return examples


def load_corpus(paths: Iterable[Path] | None = None) -> list[Example]:
    files = sorted(paths) if paths is not None else sorted(CORPUS_DIR.glob("*.jsonl"))
    examples = [e for p in files for e in read_jsonl(p)]
    seen: set[str] = set()
    for e in examples:
        if e.id in seen:
            raise CorpusError(f"duplicate id {e.id}")
        seen.add(e.id)
    return examples


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    train: list[Example] = []
    dev: list[Example] = []
    for e in examples:
        (dev if is_dev(e.id) else train).append(e)
    return train, dev
