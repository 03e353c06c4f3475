"""`guardrail`: serve | score | policies check | keys new | standin | classifier train/eval."""

from __future__ import annotations

import argparse
import hashlib
import secrets
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.classifier.cli import register as register_classifier
from service.drift.cli import register as register_drift

# Flags of `guardrail serve` and the Settings field each one sets; unset flags leave env/defaults alone.
SERVE_FLAGS: dict[str, tuple[str, type]] = {
    "host": ("--host", str),
    "port": ("--port", int),
    "upstream_url": ("--upstream", str),
    "policies_dir": ("--policies", str),
    "upstream_timeout": ("--upstream-timeout", float),
    "drift_reference": ("--drift-reference", int),
    "drift_window": ("--drift-window", int),
    "state_dir": ("--state-dir", str),
    "max_body_bytes": ("--max-body-bytes", int),
    "metrics_token": ("--metrics-token", str),
    "workers": ("--workers", int),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="guardrail", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the guardrail HTTP service")
    for field, (flag, kind) in SERVE_FLAGS.items():
        serve.add_argument(flag, dest=field, type=kind, default=None)
    serve.set_defaults(func=_serve)

    policies = sub.add_parser("policies", help="policy folder tools").add_subparsers(dest="action", required=True)
    check = policies.add_parser("check", help="validate a policies folder")
    check.add_argument("dir", type=Path)
    check.set_defaults(func=_policies_check)

    keys = sub.add_parser("keys", help="tenant key tools").add_subparsers(dest="action", required=True)
    new = keys.add_parser("new", help="make a new key and print it with the sha256 line for the tenant file")
    new.add_argument("--name", default="default")
    new.set_defaults(func=_keys_new)

    standin = sub.add_parser("standin", help="run the vLLM wire-format stand-in upstream (tests, demo, bench)")
    standin.add_argument("--host", default="127.0.0.1")
    standin.add_argument("--port", type=int, default=8000)
    standin.add_argument("--model", action="append", dest="models")
    standin.set_defaults(func=_standin)

    register_classifier(sub)
    register_drift(sub)

    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def _serve(args: argparse.Namespace) -> int:
    from service.settings import Settings

    overrides: dict[str, Any] = {f: getattr(args, f) for f in SERVE_FLAGS if getattr(args, f) is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for err in exc.errors():
            print(f"guardrail: setting {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
        return 2
    from service.tenancy import PolicyError, load_policies

    try:
        load_policies(settings.policies_dir)
    except PolicyError as exc:
        print(f"guardrail: policies in {settings.policies_dir} cannot be used:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    from service.app import create_app
    from service.serving import serve, serve_workers

    if settings.workers > 1:
        serve_workers(settings, overrides)
    else:
        serve(create_app(settings), settings)
    return 0


def _policies_check(args: argparse.Namespace) -> int:
    from service.tenancy import PolicyError, load_policies

    try:
        policies = load_policies(args.dir)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {args.dir}", file=sys.stderr)
        return 1
    print(f"{args.dir}: ok ({len(policies.tenants)} tenants, {len(policies.frames)} frames)")
    return 0


def _keys_new(args: argparse.Namespace) -> int:
    key = "sk-" + secrets.token_urlsafe(32)
    print(f"key (give it to the tenant, it is not stored): {key}")
    print("add to the tenant's api_keys:")
    print(f"  - name: {args.name}")
    print(f"    sha256: {hashlib.sha256(key.encode()).hexdigest()}")
    return 0


def _standin(args: argparse.Namespace) -> int:
    import uvicorn

    from service.standin import Script, create_standin

    script = Script(models=tuple(args.models)) if args.models else Script()
    uvicorn.run(create_standin(script), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
