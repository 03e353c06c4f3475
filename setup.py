"""Build hook: compiles the classifier's hot path (tokeniser, cue matcher, feature builder, the linear model and
the scorer) to C with mypyc, which about halves the instructions scoring takes. Without a C compiler, or with
GUARDRAIL_PURE_PYTHON=1, the same modules are installed as plain Python and behave identically. Everything else
lives in pyproject.toml."""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

from setuptools import Extension, setup

NATIVE = [
    "service/classifier/text.py",
    "service/classifier/lexicon.py",
    "service/classifier/features.py",
    "service/classifier/rows.py",
    "service/classifier/model.py",
    "service/classifier/scorer.py",
]


def native_modules() -> list[Extension]:
    compiler = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
    if os.environ.get("GUARDRAIL_PURE_PYTHON") == "1" or shutil.which(compiler) is None:
        return []
    if not all(Path(p).is_file() for p in NATIVE):  # a dependencies-only install (see the Dockerfile)
        return []
    from mypyc.build import mypycify

    # mypy's own settings in pyproject.toml name a plugin the isolated build does not install, hence no config.
    return mypycify(["--config-file=", "--ignore-missing-imports", *NATIVE], group_name="guardrail_native")


setup(ext_modules=native_modules())
