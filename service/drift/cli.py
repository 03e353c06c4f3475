"""`guardrail drift show | reset | baseline`: inspect and manage the persisted references."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.classifier.types import DIMENSIONS
from service.drift.reference import BASELINE, LEARNED, Reference, ReferenceSet
from service.drift.store import ReferenceStore, safe_id


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `drift show | reset | baseline` to the `guardrail` parser's subcommands."""
    drift = subparsers.add_parser("drift", help="bias-drift references: show, reset, baseline")
    actions = drift.add_subparsers(dest="action", required=True)

    show = actions.add_parser("show", help="print the persisted references (baselines and learned)")
    _state_dir_flag(show)
    show.add_argument("--tenant")
    show.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    show.set_defaults(func=_show)

    reset = actions.add_parser("reset", help="delete a learned reference so it is learned anew (restart after)")
    reset.add_argument("tenant")
    reset.add_argument("--frame")
    _state_dir_flag(reset)
    reset.set_defaults(func=_reset)

    baseline = actions.add_parser(
        "baseline",
        help="pin the learned reference as the tenant's baseline, or build one from scored JSONL",
    )
    baseline.add_argument("tenant")
    baseline.add_argument(
        "--from-jsonl",
        type=Path,
        metavar="FILE",
        help="lines of `guardrail score --jsonl` output ('-' for stdin); needs --frame",
    )
    baseline.add_argument("--frame", help="the frame the JSONL answers were produced under")
    baseline.add_argument("--bins", type=int, default=10)
    baseline.add_argument("--force", action="store_true", help="replace an existing baseline")
    _state_dir_flag(baseline)
    baseline.set_defaults(func=_baseline)


def _state_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=None, help="default: GUARDRAIL_STATE_DIR, else .state")


def _store(args: argparse.Namespace) -> ReferenceStore:
    if args.state_dir is not None:
        return ReferenceStore(args.state_dir)
    from pydantic import ValidationError

    from service.settings import Settings

    try:
        settings = Settings()  # every field has a default or comes from the env
    except ValidationError as exc:
        raise SystemExit(f"guardrail drift: invalid GUARDRAIL_* settings: {exc}") from None
    return ReferenceStore(settings.state_dir)


def _show(args: argparse.Namespace) -> int:
    store = _store(args)
    rows: list[dict[str, Any]] = []
    for kind in (BASELINE, LEARNED):
        tenants = [args.tenant] if args.tenant else store.tenants(kind)
        for tenant in tenants:
            refs = store.load(kind, tenant) if safe_id(tenant) else None
            for frame, dims in (refs.frames if refs else {}).items():
                rows.extend(_row(tenant, frame, dim, kind, ref) for dim, ref in dims.items())
    rows.sort(key=lambda r: (r["tenant"], r["frame"], _dim_order(r["dimension"]), r["source"]))
    if args.json:
        print(json.dumps(rows, indent=1))
    elif not rows:
        print(f"no references under {store.state_dir}")
    else:
        _print_table(rows)
    return 0


def _reset(args: argparse.Namespace) -> int:
    if not safe_id(args.tenant):
        print(f"guardrail drift: {args.tenant!r} is not a tenant id", file=sys.stderr)
        return 2
    store = _store(args)
    what = f"tenant {args.tenant}" + (f", frame {args.frame}" if args.frame else "")
    if store.delete(LEARNED, args.tenant, args.frame):
        print(f"reset the learned reference of {what}; restart the service to learn it anew")
    else:
        print(f"no learned reference for {what}")
    if store.path(BASELINE, args.tenant).exists():
        print(f"note: {store.path(BASELINE, args.tenant)} exists and takes precedence over learned references")
    return 0


def _baseline(args: argparse.Namespace) -> int:
    if not safe_id(args.tenant):
        print(f"guardrail drift: {args.tenant!r} is not a tenant id", file=sys.stderr)
        return 2
    store = _store(args)
    target = store.path(BASELINE, args.tenant)
    existing = store.load(BASELINE, args.tenant)
    if args.from_jsonl is None:
        learned = store.load(LEARNED, args.tenant)
        if learned is None:
            print(f"guardrail drift: no learned reference for tenant {args.tenant}", file=sys.stderr)
            return 1
        if target.exists() and not args.force:
            print(f"guardrail drift: {target} exists; --force replaces it", file=sys.stderr)
            return 1
        store.save(BASELINE, args.tenant, learned)
        print(f"wrote {target} from the learned reference ({len(learned.frames)} frames)")
        return 0
    if not args.frame:
        print("guardrail drift: --from-jsonl needs --frame", file=sys.stderr)
        return 2
    try:
        series = _read_scores(args.from_jsonl)
    except (OSError, ValueError) as exc:
        print(f"guardrail drift: {args.from_jsonl}: {exc}", file=sys.stderr)
        return 1
    if existing is not None and existing.bins != args.bins:
        print(f"guardrail drift: {target} has {existing.bins} bins, not {args.bins}", file=sys.stderr)
        return 1
    frames = dict(existing.frames) if existing else {}
    if args.frame in frames and not args.force:
        print(f"guardrail drift: {target} already has frame {args.frame}; --force replaces it", file=sys.stderr)
        return 1
    frames[args.frame] = {dim: Reference.learn(values, args.bins) for dim, values in series.items()}
    store.save(BASELINE, args.tenant, ReferenceSet(args.bins, frames))
    answers = max(len(v) for v in series.values())
    print(f"wrote frame {args.frame} of {target} from {answers} answers")
    return 0


def _read_scores(path: Path) -> dict[str, list[float]]:
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    series: dict[str, list[float]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            scores = json.loads(line)["scores"]
            for dim in DIMENSIONS:
                if dim in scores:
                    series.setdefault(dim, []).append(float(scores[dim]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"line {number}: expected an object with 'scores' ({exc})") from None
    if not series:
        raise ValueError("no scores found")
    return series


def _row(tenant: str, frame: str, dim: str, kind: str, ref: Reference) -> dict[str, Any]:
    total = sum(ref.counts)
    return {
        "tenant": tenant,
        "frame": frame,
        "dimension": dim,
        "source": kind,
        "n": ref.n if ref.n != float("inf") else None,
        "mean": round(ref.mean, 4),
        "probabilities": [round(c / total, 4) for c in ref.counts],
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    header = ("TENANT", "FRAME", "DIMENSION", "SOURCE", "N", "MEAN", "HISTOGRAM")
    body = [
        (
            r["tenant"],
            r["frame"],
            r["dimension"],
            r["source"],
            "-" if r["n"] is None else f"{r['n']:g}",
            f"{r['mean']:.3f}",
            _sparkline(r["probabilities"]),
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    for line in [header, *body]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _sparkline(probabilities: list[float]) -> str:
    blocks = " .:-=+*#%@"
    top = max(probabilities) or 1.0
    return "[" + "".join(blocks[round(p / top * (len(blocks) - 1))] for p in probabilities) + "]"


def _dim_order(dim: str) -> int:
    return DIMENSIONS.index(dim) if dim in DIMENSIONS else len(DIMENSIONS)
