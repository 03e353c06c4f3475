from __future__ import annotations

import os
import shutil
import sysconfig

import pytest

from service.classifier import native


def test_compiled_modules_are_not_older_than_their_sources() -> None:
    # An editable install imports a module's compiled build before its .py file, so an edit made after the
    # build would not run at all; `make test` rebuilds first, and this catches a bare `pytest`.
    assert native.stale() == [], "rebuild the compiled classifier modules: make install"


def test_the_hot_path_is_compiled_where_a_compiler_is_at_hand() -> None:
    # setup.py compiles when it finds the C compiler Python was built with; a silent build failure shows here.
    compiler = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
    if os.environ.get("GUARDRAIL_PURE_PYTHON") == "1" or shutil.which(compiler) is None:
        pytest.skip("no C compiler here: the classifier runs as plain Python")
    assert all(native.is_compiled(m) for m in native.HOT_PATH), native.describe()
