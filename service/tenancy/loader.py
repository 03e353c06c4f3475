"""Read and validate a policies folder; every problem is reported, each with its file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from service.tenancy.models import Frame, Policies, Tenant

M = TypeVar("M", bound=BaseModel)


class PolicyError(Exception):
    """A policies folder that cannot be used, with one readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_policies(root: Path) -> Policies:
    problems: list[str] = []
    if not root.is_dir():
        raise PolicyError([f"{root}: not a directory"])
    frames = _load_kind(root / "frames", Frame, problems)
    tenants = _load_kind(root / "tenants", Tenant, problems)
    if not frames:
        problems.append(f"{root / 'frames'}: no frames defined")
    if not tenants:
        problems.append(f"{root / 'tenants'}: no tenants defined")
    seen_keys: dict[str, str] = {}
    for tenant in tenants.values():
        path = root / "tenants" / f"{tenant.id}.yaml"
        for frame_id in tenant.allowed_frames:
            if frame_id not in frames:
                problems.append(f"{path}: allowed_frames names unknown frame {frame_id!r}")
        for model_id in tenant.models or []:
            if not model_id:
                problems.append(f"{path}: models has an empty entry")
        for key in tenant.api_keys:
            owner = seen_keys.setdefault(key.sha256, tenant.id)
            if owner != tenant.id:
                problems.append(f"{path}: api key {key.name!r} is also a key of tenant {owner!r}")
    if problems:
        raise PolicyError(problems)
    return Policies(frames, tenants)


def _load_kind(folder: Path, model: type[M], problems: list[str]) -> dict[str, M]:
    items: dict[str, M] = {}
    if not folder.is_dir():
        problems.append(f"{folder}: missing folder")
        return items
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml") or path.name.startswith("."):
            continue
        data = _read_yaml(path, problems)
        if data is None:
            continue
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "(file)"
                problems.append(f"{path}: {where}: {err['msg']}")
            continue
        item_id = getattr(item, "id")  # noqa: B009 - both models carry an id
        if item_id != path.stem:
            problems.append(f"{path}: id {item_id!r} does not match the file name {path.stem!r}")
            continue
        items[item_id] = item
    return items


def _read_yaml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path}: cannot be read as YAML: {exc}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a mapping at the top level")
        return None
    return data
