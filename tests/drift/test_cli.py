"""`guardrail drift show | reset | baseline`, driven through an argparse parser as `guardrail` builds it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from service.drift import DriftTracker
from service.drift.cli import register
from service.drift.divergence import bin_counts
from tests.drift.support import answers

MakeTracker = Callable[..., DriftTracker]
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog="guardrail")
        register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(list(argv))
        code: int = args.func(args)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def learned(make_tracker: MakeTracker, rng: np.random.Generator) -> DriftTracker:
    """A tracker whose tenant `acme` has learned references for frames f1 and f2."""
    tracker = make_tracker(reference_size=40)
    for frame in ("f1", "f2"):
        for row in answers(rng, 40):
            tracker.observe("acme", frame, row)
    return tracker


def test_show_prints_a_table_of_references(run: Run, state_dir: Path, learned: DriftTracker) -> None:
    code, out, _ = run("drift", "show", "--state-dir", str(state_dir))
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:4] == ["TENANT", "FRAME", "DIMENSION", "SOURCE"]
    assert len(lines) == 1 + 2 * 11
    assert lines[1].split()[:5] == ["acme", "f1", "exoticizing", "learned", "40"]


def test_show_json_filtered_by_tenant(run: Run, state_dir: Path, learned: DriftTracker) -> None:
    code, out, _ = run("drift", "show", "--state-dir", str(state_dir), "--tenant", "acme", "--json")
    rows = json.loads(out)
    assert code == 0 and {(r["frame"], r["source"]) for r in rows} == {("f1", "learned"), ("f2", "learned")}
    assert all(abs(sum(r["probabilities"]) - 1) < 1e-3 and r["n"] == 40 for r in rows)
    _, out, _ = run("drift", "show", "--state-dir", str(state_dir), "--tenant", "nobody", "--json")
    assert json.loads(out) == []


def test_show_reads_the_state_dir_from_the_environment(run: Run, state_dir: Path, learned: DriftTracker,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARDRAIL_STATE_DIR", str(state_dir))
    code, out, _ = run("drift", "show")
    assert code == 0 and "acme" in out


def test_show_survives_a_corrupt_file(run: Run, state_dir: Path) -> None:
    (state_dir / "references").mkdir(parents=True)
    (state_dir / "references" / "acme.json").write_text("{oops")
    code, out, _ = run("drift", "show", "--state-dir", str(state_dir))
    assert code == 0 and "no references" in out


def test_reset_one_frame_then_the_tenant(run: Run, state_dir: Path, learned: DriftTracker,
                                         make_tracker: MakeTracker) -> None:
    code, out, _ = run("drift", "reset", "acme", "--frame", "f1", "--state-dir", str(state_dir))
    assert code == 0 and "reset" in out
    restarted = make_tracker(reference_size=40)
    restarted.observe("acme", "f1", {"care": 0.2})
    restarted.observe("acme", "f2", {"care": 0.2})
    complete = {s.frame: s.reference_complete for s in restarted.snapshot().series if s.dimension == "care"}
    assert complete == {"f1": False, "f2": True}

    code, _, _ = run("drift", "reset", "acme", "--state-dir", str(state_dir))
    assert code == 0 and not (state_dir / "references" / "acme.json").exists()
    code, out, _ = run("drift", "reset", "acme", "--state-dir", str(state_dir))
    assert code == 0 and "no learned reference" in out


def test_reset_rejects_a_path_as_tenant(run: Run, state_dir: Path) -> None:
    code, _, err = run("drift", "reset", "../etc", "--state-dir", str(state_dir))
    assert code == 2 and "not a tenant id" in err


def test_baseline_pins_the_learned_reference(run: Run, state_dir: Path, learned: DriftTracker,
                                             make_tracker: MakeTracker) -> None:
    code, _, _ = run("drift", "baseline", "acme", "--state-dir", str(state_dir))
    assert code == 0
    pinned = json.loads((state_dir / "baselines" / "acme.json").read_text())
    assert set(pinned["frames"]) == {"f1", "f2"}
    code, _, err = run("drift", "baseline", "acme", "--state-dir", str(state_dir))
    assert code == 1 and "--force" in err
    tracker = make_tracker()
    tracker.observe("acme", "f1", {"care": 0.2})
    assert {s.reference_source for s in tracker.snapshot().series} == {"baseline"}


def test_baseline_from_scored_jsonl(run: Run, state_dir: Path, tmp_path: Path, make_tracker: MakeTracker,
                                    rng: np.random.Generator) -> None:
    rows = answers(rng, 500)
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps({"id": i, "scores": row}) + "\n" for i, row in enumerate(rows)))
    code, out, _ = run("drift", "baseline", "acme", "--from-jsonl", str(scored), "--frame", "f9",
                       "--state-dir", str(state_dir))
    assert code == 0 and "500 answers" in out
    saved = json.loads((state_dir / "baselines" / "acme.json").read_text())["frames"]["f9"]
    assert saved["care"]["counts"] == bin_counts([r["care"] for r in rows], 10).tolist()

    tracker = make_tracker(window=500)
    for row in answers(rng, 500):
        tracker.observe("acme", "f9", row)
    series = tracker.snapshot().series
    assert {s.reference_source for s in series} == {"baseline"}
    assert np.mean([s.drift for s in series]) < 0.08


@pytest.mark.parametrize(
    ("content", "extra"), [("not json\n", ["--frame", "f1"]), ('{"scores": {}}\n', [])], ids=["bad-line", "no-frame"],
)
def test_baseline_from_bad_jsonl_fails_cleanly(run: Run, state_dir: Path, tmp_path: Path, content: str,
                                               extra: list[str]) -> None:
    scored = tmp_path / "scored.jsonl"
    scored.write_text(content)
    code, _, err = run("drift", "baseline", "acme", "--from-jsonl", str(scored), *extra, "--state-dir", str(state_dir))
    assert code in (1, 2) and err.startswith("guardrail drift:")
    assert not (state_dir / "baselines" / "acme.json").exists()
