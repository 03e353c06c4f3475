"""Policy folders: what loads, and a readable line for every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.cli import main
from service.tenancy import PolicyError, load_policies
from tests.support import ACME_KEY, LUMEN_KEY


def test_the_shipped_policies_load(policies_dir: Path) -> None:
    policies = load_policies(policies_dir)
    assert len(policies.frames) >= 12 and set(policies.tenants) == {"acme-news", "lumen-faith"}
    lumen = policies.tenants["lumen-faith"]
    assert lumen.mode == "enforce" and lumen.thresholds == {"devaluing": 0.45}
    acme = policies.tenants["acme-news"]
    assert acme.on_classifier_error == "open" and acme.block_on == ["exoticizing", "western_default", "devaluing"]


def test_keys_resolve_to_their_tenant_only(policies_dir: Path) -> None:
    policies = load_policies(policies_dir)
    acme, lumen = policies.tenant_for_key(ACME_KEY), policies.tenant_for_key(LUMEN_KEY)
    assert acme is not None and acme.id == "acme-news"
    assert lumen is not None and lumen.id == "lumen-faith"
    assert policies.tenant_for_key(ACME_KEY + "x") is None
    assert policies.tenant_for_key("") is None


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace("default_frame: neutral-global", "default_frame: islamic"),
            "default_frame 'islamic' is not in allowed_frames",
        ),
        (lambda t: t.replace("  - east-asia\n", "  - atlantis\n"), "unknown frame 'atlantis'"),
        (lambda t: t.replace("id: acme-news", "id: acme"), "does not match the file name"),
        (lambda t: t.replace("mode: annotate", "mode: loud"), "mode"),
        (lambda t: t + "thresholds:\n  bravery: 0.3\n", "unknown dimension 'bravery'"),
        (lambda t: t + "thresholds:\n  care: 1.5\n", "must be within [0, 1]"),
        (lambda t: t + "block_on: [bravery]\n", "unknown dimension(s) in block_on"),
        (lambda t: t + ":\n  - [unbalanced", "cannot be read as YAML"),
    ],
    ids=[
        "default-not-allowed",
        "unknown-frame",
        "id-mismatch",
        "bad-mode",
        "threshold-dim",
        "threshold-range",
        "block-on",
        "broken-yaml",
    ],
)
def test_each_problem_is_reported_with_its_file(policies_dir: Path, edit: object, expected: str) -> None:
    path = policies_dir / "tenants" / "acme-news.yaml"
    path.write_text(edit(path.read_text()))  # type: ignore[operator]
    with pytest.raises(PolicyError) as err:
        load_policies(policies_dir)
    assert any(expected in p and "acme-news.yaml" in p for p in err.value.problems), err.value.problems


def test_a_key_shared_by_two_tenants_is_refused(policies_dir: Path) -> None:
    acme = (policies_dir / "tenants" / "acme-news.yaml").read_text()
    digest = next(line.split(":")[1].strip() for line in acme.splitlines() if "sha256" in line)
    lumen = policies_dir / "tenants" / "lumen-faith.yaml"
    lumen.write_text(
        "\n".join(f"    sha256: {digest}" if "sha256" in line else line for line in lumen.read_text().splitlines())
    )
    with pytest.raises(PolicyError, match="also a key of tenant"):
        load_policies(policies_dir)


def test_frames_need_their_fields(policies_dir: Path) -> None:
    (policies_dir / "frames" / "empty.yaml").write_text("id: empty\nname: Empty\n")
    with pytest.raises(PolicyError, match=r"empty.yaml: instruction: Field required"):
        load_policies(policies_dir)


def test_policies_check_command(policies_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "check", str(policies_dir)]) == 0
    assert "2 tenants" in capsys.readouterr().out
    (policies_dir / "frames" / "east-asia.yaml").write_text("id: west-asia\nname: x\ninstruction: y\n")
    assert main(["policies", "check", str(policies_dir)]) == 1
    err = capsys.readouterr().err
    assert "east-asia.yaml: id 'west-asia' does not match" in err and "problem(s)" in err
