"""Checks of the deployment artifacts (Dockerfile, deploy/compose.yaml, deploy/k8s/), offline and without Docker."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def venv_tool(name: str) -> str | None:
    """A command-line tool installed beside the running Python (the test extra), else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    return shutil.which(name)
