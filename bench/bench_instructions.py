"""Classifier cost in CPU instructions, counted by valgrind: the A/B that machine noise cannot blur.

Wall-clock and CPU time on the shared build machine swing by 30% between runs minutes apart; instruction counts
do not (with a fixed hash seed and one BLAS thread, two runs give the same count). This runs a child Python
under `valgrind --tool=cachegrind` twice per target, once scoring nothing and once scoring `--calls` answers of
about 1,000 characters, and reports the difference per call, beside the same count for `json.dumps` of those
texts (a baseline in the same run).
Targets: the working tree, and with `--rev` a commit checked out into a temporary worktree (its code and its
weights, scoring the working tree's texts). About 30 s per target; needs Debian's valgrind.

    .venv/bin/python bench/bench_instructions.py [--rev HEAD~3] [--calls 400] [--stage score|build|parse]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = """
import glob, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2] + "/bench"]  # the target's service package, then the working tree's bench
from bench_classifier import answers
from service.classifier import load_scorer
from service.classifier.text import parse
files = sorted(glob.glob(sys.argv[2] + "/service/classifier/data/corpus/*.jsonl"))
texts = answers(1000, 200, [json.loads(line)["text"] for f in files for line in open(f) if line.strip()])
scorer = load_scorer()
calls, stage = int(sys.argv[3]), sys.argv[4]
fn = {"score": scorer.score, "build": scorer.builder.build, "parse": parse, "json": json.dumps}[stage]
for t in texts:
    fn(t)
for i in range(calls):
    fn(texts[i % len(texts)])
"""


def instructions(root: Path, calls: int, stage: str) -> int:
    argv = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    argv += [sys.executable, "-c", CHILD, str(root), str(REPO), str(calls), stage]
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{done.stderr[-1500:]}")
    return int(found.group(1).replace(",", ""))


def per_call(root: Path, calls: int, stage: str) -> float:
    return (instructions(root, calls, stage) - instructions(root, 0, stage)) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", help="also count this commit's classifier")
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--stage", choices=("score", "build", "parse"), default="score")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    targets = [("working tree", REPO)]
    with tempfile.TemporaryDirectory() as tmp:
        if args.rev:
            worktree = Path(tmp) / "rev"
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(worktree), args.rev], check=True)
            targets.append((args.rev, worktree))
        try:
            baseline = per_call(REPO, args.calls, "json")
            print(f"{'target':<16} {args.stage + ' instructions/call':>28} {'× json.dumps':>14}")
            for name, root in targets:
                count = per_call(root, args.calls, args.stage)
                print(f"{name:<16} {count:28,.0f} {count / baseline:14.0f}")
            print(f"{'json.dumps':<16} {baseline:28,.0f} {1:14.0f}")
        finally:
            if args.rev:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(worktree)], check=False)


if __name__ == "__main__":
    main()
