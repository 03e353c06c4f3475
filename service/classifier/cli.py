"""`guardrail score` and `guardrail classifier train|eval|agreement`, registered on the main parser by `register`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from service.classifier.text import MAX_CHARS
from service.classifier.types import DIMENSIONS

MAX_LINE_BYTES = 4 * 1024 * 1024
SECOND_ANNOTATOR = Path(__file__).parent / "data" / "agreement" / "second_annotator.jsonl"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    score = subparsers.add_parser(
        "score",
        help="score answers: TEXT, stdin, or --jsonl FILE (- for stdin)",
        description=f"Scores one text (TEXT, or all of stdin) or one JSON object a line with --jsonl. "
        f"Only the first {MAX_CHARS} characters of a text are scored.",
    )
    score.add_argument("text", nargs="?", help="the answer to score (default: read stdin)")
    score.add_argument("--jsonl", metavar="FILE", help='one {"id", "text"} object a line; - for stdin')
    score.add_argument("--threshold", action="append", default=[], metavar="DIM=VALUE", help="override a threshold")
    score.add_argument("--weights", metavar="DIR", help="folder with embedding.npz and model.npz")
    score.set_defaults(func=_score)

    classifier = subparsers.add_parser("classifier", help="train or evaluate the value-attribution classifier")
    actions = classifier.add_subparsers(dest="classifier_action", required=True)
    train = actions.add_parser("train", help="retrain from data/corpus and write the shipped weights")
    train.add_argument("--distill", action="store_true", help="re-distil the static embedding (needs torch)")
    train.add_argument("--out", metavar="DIR", help="write the weights here instead of the package folder")
    train.set_defaults(func=_train)
    evaluate = actions.add_parser("eval", help="per-dimension precision/recall/F1 on labelled JSONL files")
    evaluate.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl")
    evaluate.add_argument("--split", choices=("all", "train", "dev"), default="all", help="only this split's ids")
    evaluate.add_argument("--weights", metavar="DIR", help="folder with embedding.npz and model.npz")
    evaluate.set_defaults(func=_eval)
    agreement = actions.add_parser(
        "agreement", help="how a second annotator's labels agree with the corpus (P/R/F1 and Cohen's kappa)"
    )
    agreement.add_argument(
        "second", nargs="?", type=Path, default=SECOND_ANNOTATOR, help="JSONL of {id, labels} (default: %(default)s)"
    )
    agreement.add_argument(
        "--corpus", nargs="+", type=Path, metavar="FILE.jsonl", help="labelled files to compare (default: the corpus)"
    )
    agreement.set_defaults(func=_agreement)


def _thresholds(pairs: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r} in --threshold (one of {', '.join(DIMENSIONS)})")
        try:
            out[name] = float(value)
        except ValueError:
            raise ValueError(f"--threshold {pair!r}: the value must be a number") from None
        if not 0.0 <= out[name] <= 1.0:
            raise ValueError(f"--threshold {pair!r}: the value must be in [0, 1]")
    return out


def _score(args: argparse.Namespace) -> int:
    from service.classifier import load_scorer

    try:
        thresholds = _thresholds(args.threshold)
    except ValueError as exc:
        print(f"guardrail score: {exc}", file=sys.stderr)
        return 2
    if args.jsonl is not None and args.text is not None:
        print("guardrail score: give TEXT or --jsonl, not both", file=sys.stderr)
        return 2
    scorer = load_scorer(args.weights)
    out = sys.stdout
    if args.jsonl is None:
        if args.text is not None:
            text = args.text
        else:
            try:
                text = sys.stdin.buffer.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                print(f"guardrail score: stdin is not valid UTF-8 (byte {exc.start})", file=sys.stderr)
                return 2
        if not text.strip():
            print("guardrail score: empty text, nothing to score", file=sys.stderr)
            return 2
        _write(out, scorer.score(text, thresholds).as_dict())
        return 0
    failures = 0
    try:
        for number, item in _jsonl(args.jsonl):
            if isinstance(item, BadLine):
                failures += 1
                print(f"guardrail score: line {number}: {item.error}", file=sys.stderr)
                bad: dict[str, Any] = {"line": number, "error": item.error}
                if item.id is not None:
                    bad["id"] = item.id  # the caller can match the failure to its input
                _write(out, bad)
                continue
            row: dict[str, Any] = {"id": item["id"]} if "id" in item else {}
            row.update(scorer.score(item["text"], thresholds).as_dict())
            _write(out, row)
    except OSError as exc:
        print(f"guardrail score: {args.jsonl}: {exc.strerror}", file=sys.stderr)
        return 2
    return 1 if failures else 0


def _write(out: IO[str], row: dict[str, Any]) -> None:
    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()


class BadLine(NamedTuple):
    """A --jsonl line that cannot be scored: what is wrong, and the input's id when it had one."""

    error: str
    id: Any = None


def _jsonl(source: str) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """Yield (line number, object with a non-empty "text") or (line number, what is wrong with the line)."""
    stream = sys.stdin.buffer if source == "-" else open(source, "rb")
    try:
        for number, raw in enumerate(_lines(stream), start=1):
            if raw is None:
                yield number, BadLine(f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if not raw.strip():
                continue
            yield number, _parse_line(raw)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES)
            yield None
            continue
        yield raw


def _parse_line(raw: bytes) -> dict[str, Any] | BadLine:
    try:
        item = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return BadLine(f"not valid UTF-8 (byte {exc.start})")
    except ValueError:
        return BadLine("not a JSON object")
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return BadLine(
            'expected a JSON object with a "text" string', item.get("id") if isinstance(item, dict) else None
        )
    if not item["text"].strip():
        return BadLine("empty text, nothing to score", item.get("id"))
    return item


def _train(args: argparse.Namespace) -> int:
    from service.classifier.evaluate import table
    from service.classifier.train import train

    kwargs: dict[str, Any] = {"distill": args.distill}
    if args.out:
        kwargs["out_dir"] = Path(args.out)
        kwargs["out_dir"].mkdir(parents=True, exist_ok=True)
    dev = train(**kwargs)
    print(table(dev, "dev split (never used for fitting or thresholds)"))
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from service.classifier.corpus import load_corpus
    from service.classifier.evaluate import count, kappa, table

    try:
        corpus = {e.id: e.labels for e in load_corpus(args.corpus)}
        rows = [json.loads(line) for line in args.second.read_text(encoding="utf-8").splitlines() if line.strip()]
        second = {str(r["id"]): {d: int(r["labels"][d]) for d in DIMENSIONS} for r in rows}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"guardrail classifier agreement: {exc}", file=sys.stderr)
        return 2
    ids = sorted(i for i in second if i in corpus)
    if not ids:
        print("guardrail classifier agreement: no id in common with the corpus", file=sys.stderr)
        return 2
    truth, other = [corpus[i] for i in ids], [second[i] for i in ids]
    flags = [{d: bool(v) for d, v in o.items()} for o in other]
    print(table(count(truth, flags), f"{len(ids)} answers: second annotator against the corpus labels"))
    print("Cohen's kappa: " + ", ".join(f"{d} {kappa(truth, other, d):.3f}" for d in DIMENSIONS))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from service.classifier import load_scorer
    from service.classifier.corpus import CorpusError, is_dev, read_jsonl
    from service.classifier.evaluate import evaluate, table

    try:
        examples = [e for f in args.files for e in read_jsonl(f)]
    except CorpusError as exc:
        print(f"guardrail classifier eval: {exc}", file=sys.stderr)
        return 2
    if args.split != "all":
        examples = [e for e in examples if is_dev(e.id) == (args.split == "dev")]
    if not examples:
        print("guardrail classifier eval: no labelled answers to evaluate", file=sys.stderr)
        return 2
    scorer = load_scorer(args.weights)
    print(table(evaluate(scorer, examples), f"{len(examples)} answers, classifier {scorer.version}"))
    return 0
