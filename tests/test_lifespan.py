"""What the app's lifespan does to the process beyond building its objects."""

from __future__ import annotations

import gc

import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.anyio


async def test_startup_freezes_what_it_built_and_shutdown_releases_it(app: FastAPI) -> None:
    gc.unfreeze()
    async with app.router.lifespan_context(app):
        services = app.state.services
        assert gc.get_freeze_count() > 1000
        # frozen objects are outside the generations the collector walks
        assert not any(o is services for o in gc.get_objects())
    assert gc.get_freeze_count() == 0
    assert any(o is services for o in gc.get_objects())
