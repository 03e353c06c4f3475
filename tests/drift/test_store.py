"""ReferenceStore: atomic writes, per-frame deletes, and file names only from safe tenant ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.drift.reference import BASELINE, LEARNED, Reference, ReferenceSet
from service.drift.store import ReferenceStore


def two_frames() -> ReferenceSet:
    ref = Reference.learn([0.1, 0.2, 0.9], 10)
    return ReferenceSet(10, {"f1": {"care": ref}, "f2": {"care": ref}})


def test_save_is_atomic_and_readable(state_dir: Path) -> None:
    store = ReferenceStore(state_dir)
    store.save(LEARNED, "acme", two_frames())
    store.save(LEARNED, "acme", two_frames())
    folder = state_dir / "references"
    assert [p.name for p in folder.iterdir()] == ["acme.json"]
    assert json.loads((folder / "acme.json").read_text())["format"] == "guardrail-drift-reference/1"
    loaded = store.load(LEARNED, "acme")
    assert loaded is not None and set(loaded.frames) == {"f1", "f2"}
    assert store.tenants(LEARNED) == ["acme"] and store.tenants(BASELINE) == []


def test_delete_one_frame_then_the_last(state_dir: Path) -> None:
    store = ReferenceStore(state_dir)
    store.save(LEARNED, "acme", two_frames())
    assert store.delete(LEARNED, "acme", "f1")
    remaining = store.load(LEARNED, "acme")
    assert remaining is not None and set(remaining.frames) == {"f2"}
    assert not store.delete(LEARNED, "acme", "f1")
    assert store.delete(LEARNED, "acme", "f2") and not store.path(LEARNED, "acme").exists()
    assert not store.delete(LEARNED, "acme")


@pytest.mark.parametrize("tenant", ["../x", ".hidden", "a/b", ""], ids=["parent", "dot", "slash", "empty"])
def test_unsafe_tenant_ids_never_name_a_file(state_dir: Path, tenant: str) -> None:
    store = ReferenceStore(state_dir)
    with pytest.raises(ValueError):
        store.path(LEARNED, tenant)
    assert store.load(LEARNED, tenant) is None
