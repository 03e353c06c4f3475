"""The live policy snapshot: loaded at start-up, swapped atomically on SIGHUP or file change."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from watchfiles import awatch

from service.tenancy.loader import PolicyError, load_policies
from service.tenancy.models import Policies

log = logging.getLogger("guardrail.policies")


class PolicyStore:
    """Holds the current `Policies`; a failed reload keeps the running snapshot and reports why."""

    def __init__(self, root: Path, on_reload: Callable[[bool], None] | None = None) -> None:
        self.root = root
        self.current: Policies = load_policies(root)
        self._on_reload = on_reload
        self.last_error: str | None = None

    def reload(self) -> bool:
        try:
            fresh = load_policies(self.root)
        except PolicyError as exc:
            self.last_error = str(exc)
            log.error("policy reload rejected, keeping the running policies:\n%s", exc)
            self._report(False)
            return False
        self.current = fresh
        self.last_error = None
        log.info("policies reloaded: %d tenants, %d frames", len(fresh.tenants), len(fresh.frames))
        self._report(True)
        return True

    def _report(self, ok: bool) -> None:
        if self._on_reload is not None:
            self._on_reload(ok)

    async def watch(self, stop: asyncio.Event, debounce_ms: int = 200) -> None:
        """Reload whenever a file under the policies folder changes, until `stop` is set."""
        async for _changes in awatch(self.root, stop_event=stop, debounce=debounce_ms, recursive=True):
            self.reload()
