"""Reference files under the state directory: baselines (written by people) and learned references.

    {state_dir}/baselines/{tenant}.json    takes precedence, never written by the service
    {state_dir}/references/{tenant}.json   learned from the first answers, written atomically

A file that cannot be read or parsed is logged and ignored: the service starts fresh rather than crash. Workers of
one replica share the directory; `locked` serialises their read-merge-write of learned references.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from service.drift.reference import BASELINE, LEARNED, ReferenceSet

log = logging.getLogger("guardrail.drift")

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_DIRS = {BASELINE: "baselines", LEARNED: "references"}


def safe_id(tenant: str) -> bool:
    """Whether `tenant` can name a file (tenant ids come from policy file names, so they normally can)."""
    return _SAFE_ID.fullmatch(tenant) is not None


class ReferenceStore:
    """Reads and writes the per-tenant reference files of one state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)

    def path(self, kind: str, tenant: str) -> Path:
        if not safe_id(tenant):
            raise ValueError(f"tenant id {tenant!r} cannot name a file")
        return self.state_dir / _DIRS[kind] / f"{tenant}.json"

    def tenants(self, kind: str) -> list[str]:
        folder = self.state_dir / _DIRS[kind]
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json") if safe_id(p.stem))

    def load(self, kind: str, tenant: str) -> ReferenceSet | None:
        """The tenant's file, or None when it is absent or unusable (logged)."""
        try:
            path = self.path(kind, tenant)
        except ValueError:
            return None
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.error("drift: cannot read %s (%s); ignoring it", path, exc)
            return None
        try:
            return ReferenceSet.from_json(json.loads(raw.decode("utf-8")), kind)
        except (ValueError, RecursionError) as exc:
            log.error("drift: %s is not a usable reference file (%s); ignoring it", path, exc)
            return None

    def load_all(self, kind: str) -> dict[str, ReferenceSet]:
        found = {t: self.load(kind, t) for t in self.tenants(kind)}
        return {t: s for t, s in found.items() if s is not None}

    @contextmanager
    def locked(self, kind: str) -> Iterator[None]:
        """Exclusive across every process using this state directory (the workers of one replica)."""
        folder = self.state_dir / _DIRS[kind]
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def save(self, kind: str, tenant: str, references: ReferenceSet) -> None:
        """Write atomically: a temporary file in the same folder, fsync, then rename over the old one."""
        path = self.path(kind, tenant)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(references.to_json(), indent=1) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{tenant}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, kind: str, tenant: str, frame: str | None = None) -> bool:
        """Remove the tenant's file, or one frame from it; True when something was removed."""
        path = self.path(kind, tenant)
        if frame is None:
            existed = path.exists()
            path.unlink(missing_ok=True)
            return existed
        current = self.load(kind, tenant)
        if current is None or frame not in current.frames:
            return False
        rest = {f: dims for f, dims in current.frames.items() if f != frame}
        if rest:
            self.save(kind, tenant, ReferenceSet(current.bins, rest))
        else:
            path.unlink(missing_ok=True)
        return True
