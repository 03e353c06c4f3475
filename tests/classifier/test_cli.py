from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service.classifier.cli import register
from service.classifier.types import DIMENSIONS

REPO = Path(__file__).resolve().parents[2]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="guardrail")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_score_text_prints_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", "The masked dancers perform a mysterious, otherworldly ritual frozen in time."]) == 0
    [row] = lines(capsys.readouterr().out)
    assert set(row) >= {"scores", "flags", "evidence"}
    assert set(row["scores"]) == set(DIMENSIONS)
    assert row["flags"]["exoticizing"] is True


def test_score_threshold_flag_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", "--threshold", "refusal=0", "A quiet street."]) == 0
    [row] = lines(capsys.readouterr().out)
    assert row["flags"]["refusal"] is True


@pytest.mark.parametrize("pair", ["nonsense=0.5", "care=x", "care=2"], ids=["unknown", "not-a-number", "range"])
def test_score_rejects_bad_thresholds(capsys: pytest.CaptureFixture[str], pair: str) -> None:
    assert run(["score", "--threshold", pair, "text"]) == 2
    assert "--threshold" in capsys.readouterr().err or "unknown dimension" in capsys.readouterr().err


def test_score_empty_text_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", "   "]) == 2
    assert "empty text" in capsys.readouterr().err


def test_score_jsonl_keeps_ids_and_reports_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "I can\'t determine what this woman values from a photograph."}\n'
        b"\n"
        b'{"text": "A red bus passes a row of shops."}\n'
        b'{"id": "bad", "text": "\xff\xfe not utf-8"}\n'
        b'{"id": "empty", "text": "  "}\n'
        b"not json\n"
    )
    assert run(["score", "--jsonl", str(path)]) == 1
    captured = capsys.readouterr()
    rows = lines(captured.out)
    assert rows[0]["id"] == "a" and rows[0]["flags"]["refusal"] is True
    assert "id" not in rows[1] and "scores" in rows[1]
    assert [r.get("error") for r in rows[2:]] == [
        "not valid UTF-8 (byte 23)",
        "empty text, nothing to score",
        "not a JSON object",
    ]
    assert rows[3]["id"] == "empty"  # a parsed line that fails keeps its id
    assert "line 4" in captured.err


def test_score_jsonl_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["score", "--jsonl", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_score_stdin_rejects_non_utf8() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from service.cli import main; sys.exit(main())", "score"],
        input=b"\xff\xfe broken",
        capture_output=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 2
    assert b"not valid UTF-8" in done.stderr


def test_eval_prints_a_table(labelled_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["classifier", "eval", str(labelled_file)]) == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out
    assert all(d in out for d in DIMENSIONS)


def test_eval_rejects_unlabelled_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "text": "no labels"}\n', encoding="utf-8")
    assert run(["classifier", "eval", str(path)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_agreement_scores_a_second_annotator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    second = tmp_path / "second.jsonl"
    labels = [dict.fromkeys(DIMENSIONS, 0) | {"care": 1}, dict.fromkeys(DIMENSIONS, 0)]
    corpus.write_text(
        "".join(json.dumps({"id": f"t-{i}", "text": "x", "labels": lab}) + "\n" for i, lab in enumerate(labels)),
        encoding="utf-8",
    )
    disagree = dict.fromkeys(DIMENSIONS, 0) | {"care": 1}
    second.write_text(
        json.dumps({"id": "t-0", "labels": labels[0]}) + "\n" + json.dumps({"id": "t-1", "labels": disagree}) + "\n",
        encoding="utf-8",
    )
    assert run(["classifier", "agreement", str(second), "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    care = next(line for line in out.splitlines() if line.startswith("care "))
    assert care.split()[1:4] == ["0.500", "1.000", "0.667"]
    assert "2 answers" in out and "care 0.000" in out


def test_agreement_reports_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["classifier", "agreement", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
