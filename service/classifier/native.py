"""Whether the classifier's hot path runs compiled: setup.py builds `text`, `lexicon`, `features`, `rows`, `model`
and `scorer` with mypyc when a C compiler is at hand, and installs them as plain Python otherwise (same
behaviour, slower)."""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

from service.classifier import features, lexicon, model, rows, scorer, text

HOT_PATH: tuple[ModuleType, ...] = (text, lexicon, features, rows, model, scorer)


def is_compiled(module: ModuleType) -> bool:
    return str(module.__file__).endswith(tuple(EXTENSION_SUFFIXES))


def describe() -> str:
    compiled = [m.__name__.rpartition(".")[2] for m in HOT_PATH if is_compiled(m)]
    return f"compiled with mypyc ({', '.join(compiled)})" if compiled else "plain Python"


def stale() -> list[str]:
    """Compiled modules whose source was edited after the build (in a checkout: run `make install` again)."""
    out = []
    for module in HOT_PATH:
        if is_compiled(module):
            built = Path(str(module.__file__))
            source = built.with_name(module.__name__.rpartition(".")[2] + ".py")
            if source.is_file() and source.stat().st_mtime > built.stat().st_mtime:
                out.append(f"{built.name} is older than {source.name}")
    return out
