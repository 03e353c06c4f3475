"""deploy/compose.yaml: valid against the Compose Specification schema, and wired the way the stack needs."""

from __future__ import annotations

import json
import re
import shlex
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

from tests.deploy import REPO

COMPOSE = REPO / "deploy" / "compose.yaml"
PROMETHEUS = REPO / "deploy" / "prometheus"
GRAFANA = REPO / "deploy" / "grafana"

Service = dict[str, Any]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Service]:
    result: dict[str, Service] = compose["services"]
    return result


def _binds(service: Service) -> list[tuple[Path, str, bool]]:
    """(host path, container path, read-only) of each bind mount, host paths resolved as Compose does."""
    out = []
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        if source.startswith((".", "/")):
            out.append(((COMPOSE.parent / source).resolve(), target, "ro" in mode))
    return out


def _flags(command: list[str]) -> dict[str, str]:
    flags = {}
    for arg in command:
        name, _, value = arg.partition("=")
        flags[name] = value
    return flags


def test_valid_against_the_compose_spec_schema(compose: dict[str, Any]) -> None:
    # The Compose Specification schema vendored in check-jsonschema: offline.
    ref = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(ref.read_text())
    jsonschema.validate(compose, schema)


def test_the_four_services(services: dict[str, Service]) -> None:
    assert set(services) == {"vllm", "guardrail", "prometheus", "grafana"}


@pytest.mark.parametrize("name", ["vllm", "prometheus", "grafana"])
def test_images_are_pinned(services: dict[str, Service], name: str) -> None:
    image = services[name]["image"]
    repo, _, tag = image.partition(":")
    assert tag and tag != "latest" and re.search(r"\d+\.\d+", tag), f"pin a release: {image}"
    assert repo == {"vllm": "vllm/vllm-openai", "prometheus": "prom/prometheus", "grafana": "grafana/grafana"}[name]


def test_vllm_serves_a_real_lvlm_on_a_gpu(services: dict[str, Service]) -> None:
    vllm = services["vllm"]
    flags = _flags(vllm["command"])
    assert flags["--model"] == "Qwen/Qwen2.5-VL-7B-Instruct"
    assert 4096 <= int(flags["--max-model-len"]) <= 32768, "within the model's context, bounded for one GPU"
    limits = json.loads(flags["--limit-mm-per-prompt"])
    assert limits["image"] >= 1
    assert 0 < float(flags["--gpu-memory-utilization"]) < 1
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert "ports" not in vllm, "vLLM is reached through the guardrail only"
    health = vllm["healthcheck"]
    assert health["test"][0] == "CMD" and "http://127.0.0.1:8000/health" in health["test"][-1]
    compile(health["test"][-1], "<healthcheck>", "exec")


def test_guardrail_is_built_here_and_waits_for_a_healthy_vllm(services: dict[str, Service]) -> None:
    guardrail = services["guardrail"]
    context = (COMPOSE.parent / guardrail["build"]["context"]).resolve()
    assert context == REPO and (context / guardrail["build"]["dockerfile"]).is_file()
    assert guardrail["depends_on"]["vllm"]["condition"] == "service_healthy"
    assert "8080:8080" in guardrail["ports"]


def test_guardrail_upstream_is_the_vllm_service(services: dict[str, Service]) -> None:
    url = urlparse(services["guardrail"]["environment"]["GUARDRAIL_UPSTREAM_URL"])
    assert url.hostname == "vllm" and url.path == "/v1"
    assert url.port == int(_flags(services["vllm"]["command"])["--port"])


def test_guardrail_policies_are_mounted_read_only(services: dict[str, Service]) -> None:
    guardrail = services["guardrail"]
    policies_dir = guardrail["environment"]["GUARDRAIL_POLICIES_DIR"]
    binds = {target: (source, ro) for source, target, ro in _binds(guardrail)}
    source, read_only = binds[policies_dir]
    assert source == REPO / "policies" and read_only
    assert guardrail["read_only"] is True, "root filesystem read-only, as on Kubernetes"
    assert any(v.endswith(":" + guardrail["environment"]["GUARDRAIL_STATE_DIR"]) for v in guardrail["volumes"])


def test_guardrail_healthcheck_uses_readyz(services: dict[str, Service]) -> None:
    test = services["guardrail"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"] and "http://127.0.0.1:8080/readyz" in test[-1]
    compile(test[-1], "<healthcheck>", "exec")


def test_prometheus_and_grafana_mounts(services: dict[str, Service]) -> None:
    prometheus = {target: (source, ro) for source, target, ro in _binds(services["prometheus"])}
    assert prometheus["/etc/prometheus/prometheus.yml"] == (PROMETHEUS / "prometheus.yml", True)
    assert prometheus["/etc/prometheus/rules"] == (PROMETHEUS / "rules", True)
    config_flag = _flags(services["prometheus"]["command"])["--config.file"]
    assert config_flag == "/etc/prometheus/prometheus.yml"
    grafana = {target: (source, ro) for source, target, ro in _binds(services["grafana"])}
    assert grafana["/etc/grafana/provisioning"] == (GRAFANA / "provisioning", True)
    assert grafana["/var/lib/grafana/dashboards"] == (GRAFANA / "dashboards", True)
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["guardrail", "prometheus", "grafana"])
def test_bind_mount_sources_exist(services: dict[str, Service], name: str) -> None:
    absent = []
    for source, _target, _ro in _binds(services[name]):
        monitoring = next((d for d in (PROMETHEUS, GRAFANA) if source.is_relative_to(d)), None)
        if monitoring is not None and not monitoring.exists():
            absent.append(source)  # that monitoring folder is absent altogether; checked in full once it exists
            continue
        assert source.exists(), f"{name} mounts {source}, which is not in the repository"
    if absent:
        pytest.skip(f"not in this checkout yet: {', '.join(str(p.relative_to(REPO)) for p in absent)}")


def test_named_volumes_are_declared(compose: dict[str, Any], services: dict[str, Service]) -> None:
    used = {v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if not v.startswith((".", "/"))}
    assert used <= set(compose["volumes"])


def test_published_ports(services: dict[str, Service]) -> None:
    published = {name: s.get("ports", []) for name, s in services.items()}
    assert published["vllm"] == []
    assert published["prometheus"] == ["127.0.0.1:9090:9090"]
    assert published["grafana"] == ["127.0.0.1:3000:3000"]


# --- the monitoring config the stack mounts: it must agree with the mount points and service names -----------


def test_prometheus_config_fits_the_mounts() -> None:
    config_path = PROMETHEUS / "prometheus.yml"
    if not config_path.is_file():
        pytest.skip("deploy/prometheus/prometheus.yml is not there")
    config = yaml.safe_load(config_path.read_text())
    # rule_files resolve against the config file's folder, /etc/prometheus, where rules/ is mounted.
    matched: set[Path] = set()
    for pattern in config.get("rule_files", []):
        assert not pattern.startswith("/") or pattern.startswith("/etc/prometheus/rules/"), pattern
        relative = pattern.removeprefix("/etc/prometheus/")
        assert relative.startswith("rules/"), f"{pattern} is outside the mounted rules folder"
        found = set(PROMETHEUS.glob(relative))
        assert found, f"{pattern} matches no rule file"
        matched |= found
    assert matched == set((PROMETHEUS / "rules").glob("*.yml")), "every rule file is loaded"
    # A scrape job reaches the guardrail service on its port.
    targets = json.dumps(config["scrape_configs"])
    assert re.search(r'"guardrail(:8080)?"', targets) and "8080" in targets


def test_grafana_provisioning_fits_the_mounts() -> None:
    providers = sorted((GRAFANA / "provisioning" / "dashboards").glob("*.y*ml"))
    datasources = sorted((GRAFANA / "provisioning" / "datasources").glob("*.y*ml"))
    if not providers and not datasources:
        pytest.skip("deploy/grafana/provisioning/ is not there")
    for path in providers:
        for provider in yaml.safe_load(path.read_text()).get("providers", []):
            folder = provider["options"]["path"]
            assert folder.startswith("/var/lib/grafana/dashboards"), f"{path.name}: {folder} is not mounted"
    assert (GRAFANA / "dashboards" / "guardrail.json").is_file()
    urls = [
        d.get("url", "")
        for path in datasources
        for d in yaml.safe_load(path.read_text()).get("datasources", [])
        if d.get("type") == "prometheus"
    ]
    assert urls, "a Prometheus datasource is provisioned"
    for url in urls:
        parsed = urlparse(url)
        assert (parsed.hostname, parsed.port) == ("prometheus", 9090), url


def test_commands_are_argument_lists(services: dict[str, Service]) -> None:
    # A list keeps the JSON of --limit-mm-per-prompt in one argument, with no shell quoting involved.
    for name in ("vllm", "prometheus"):
        command = services[name]["command"]
        assert isinstance(command, list) and all(isinstance(a, str) for a in command)
        assert all(shlex.split(a) for a in command)
