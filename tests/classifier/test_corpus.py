from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.classifier.corpus import CorpusError, is_dev, load_corpus, read_jsonl, split


def test_dev_split_is_deterministic_and_about_a_fifth() -> None:
    ids = [f"x-{n:04d}" for n in range(2000)]
    dev = [i for i in ids if is_dev(i)]
    assert dev == [i for i in ids if is_dev(i)]
    assert 0.17 < len(dev) / len(ids) < 0.23


def test_split_does_not_depend_on_order(labelled_file: Path) -> None:
    examples = read_jsonl(labelled_file)
    train, dev = split(examples)
    train_r, dev_r = split(list(reversed(examples)))
    assert {e.id for e in dev} == {e.id for e in dev_r}
    assert {e.id for e in train} | {e.id for e in dev} == {e.id for e in examples}


def test_shipped_corpus_reads_with_unique_ids() -> None:
    examples = load_corpus()
    assert len(examples) >= 1000
    assert len({e.id for e in examples}) == len(examples)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "a", "text": "\xff"}\n', "not valid UTF-8"),
        (b"{broken\n", "not a labelled answer"),
        (b'{"id": "a", "text": "t", "labels": {"care": 1}}\n', "not a labelled answer"),
    ],
    ids=["utf8", "json", "labels"],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=rf"c\.jsonl:1: {message}"):
        read_jsonl(path)


def test_duplicate_ids_are_rejected(tmp_path: Path, labelled_file: Path) -> None:
    copy = tmp_path / "copy.jsonl"
    copy.write_text(labelled_file.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CorpusError, match="duplicate id"):
        load_corpus([labelled_file, copy])
    assert json.loads(labelled_file.read_text(encoding="utf-8").splitlines()[0])["id"] == "t-1"
