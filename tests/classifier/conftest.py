"""Shared fixtures: the shipped scorer, loaded once per session, and a small labelled file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.classifier import HybridScorer, load_scorer
from service.classifier.types import DIMENSIONS


@pytest.fixture(scope="session")
def scorer() -> HybridScorer:
    return load_scorer()


def labelled(example_id: str, text: str, **positive: int) -> dict[str, object]:
    return {"id": example_id, "text": text, "labels": {d: positive.get(d, 0) for d in DIMENSIONS}}


@pytest.fixture
def labelled_file(tmp_path: Path) -> Path:
    rows = [
        labelled("t-1", "The dancers perform a mysterious, otherworldly ritual frozen in time.", exoticizing=1),
        labelled("t-2", "I can't determine what this woman values from a photograph.", refusal=1),
        labelled("t-3", "A red bus passes a row of shops in the afternoon rain."),
    ]
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
