"""deploy/prometheus: the scrape configs, recording and alert rules, and their promtool unit tests.

promtool must be installed (`make tools`, Debian package `prometheus`): without it these tests fail rather
than skip, so a CI run cannot pass without having checked the rules.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.test_grafana_dashboard import known_metric_names, metric_names

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "deploy" / "prometheus"
CONFIG = PROMETHEUS / "prometheus.yml"
K8S_CONFIG = PROMETHEUS / "prometheus-k8s.yml"
RULE_FILES = (PROMETHEUS / "rules" / "recording.yml", PROMETHEUS / "rules" / "alerts.yml")
UNIT_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
RUNBOOKS = REPO / "docs" / "runbooks.md"

REQUIRED_ALERTS = {
    "GuardrailDriftHigh",
    "GuardrailFlagRateSpike",
    "GuardrailFrameDisparityHigh",
    "GuardrailUpstreamErrorRatioHigh",
    "GuardrailOverheadP99High",
    "GuardrailClassifierErrors",
    "GuardrailPolicyReloadFailing",
    "GuardrailDriftAlarms",
}
SEVERITIES = {"critical", "warning", "info"}

Rule = dict[str, Any]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is missing: `make tools` installs it (Debian package `prometheus`)")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, cwd=REPO)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def rules(path: Path) -> list[Rule]:
    return [rule for group in load(path)["groups"] for rule in group["rules"]]


def recording_rules() -> list[Rule]:
    return rules(RULE_FILES[0])


def alert_rules() -> list[Rule]:
    return rules(RULE_FILES[1])


# -------------------------------------------------------------------------------------------------- promtool


def test_promtool_checks_the_config() -> None:
    done = promtool("check", "config", str(CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kubernetes_config_checks_too(tmp_path: Path) -> None:
    """Debian's promtool has no Kubernetes discovery: check the rest of the file with a static target instead."""
    config = load(K8S_CONFIG)
    assert config["rule_files"] == load(CONFIG)["rule_files"]
    [job] = config["scrape_configs"]
    assert job.pop("kubernetes_sd_configs") == [{"role": "pod"}]
    job["static_configs"] = [{"targets": ["10.0.0.1:8080"]}]
    config["rule_files"] = [str(PROMETHEUS / f) for f in config["rule_files"]]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    done = promtool("check", "config", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_checks_the_rules() -> None:
    done = promtool("check", "rules", *map(str, RULE_FILES))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_pass() -> None:
    assert UNIT_TESTS
    done = promtool("test", "rules", *map(str, UNIT_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------------------------------ shape of the rules


def test_the_config_scrapes_the_guardrail_and_vllm_and_loads_every_rule_file() -> None:
    config = load(CONFIG)
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"guardrail", "vllm"} <= jobs
    assert {(PROMETHEUS / f).resolve() for f in config["rule_files"]} == {f.resolve() for f in RULE_FILES}


def test_recording_rule_names_follow_level_metric_operations() -> None:
    names = [rule["record"] for rule in recording_rules()]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z]+(?:_[a-z]+)*:guardrail_[a-z0-9_]+:[a-z0-9_]+", name), name


def test_recorded_series_carry_exactly_the_labels_their_level_names() -> None:
    """In the unit tests' expected samples, `tenant_frame_dimension:...` has tenant, frame and dimension only."""
    seen = set()
    for path in UNIT_TESTS:
        for group in load(path)["tests"]:
            for case in group.get("promql_expr_test", []):
                for sample in case.get("exp_samples", []):
                    name = sample["labels"].split("{")[0]
                    if name.count(":") != 2:
                        continue
                    labels = set(re.findall(r"(\w+)=\"", sample["labels"]))
                    assert labels == set(name.split(":")[0].split("_")), sample["labels"]
                    seen.add(name)
    assert seen == {rule["record"] for rule in recording_rules()}


def test_rule_expressions_name_only_metrics_that_exist() -> None:
    known = known_metric_names()
    for rule in recording_rules() + alert_rules():
        names = metric_names(rule["expr"])
        assert names, rule
        assert names <= known, f"{rule.get('record') or rule.get('alert')}: unknown {sorted(names - known)}"


def test_the_required_alerts_exist_with_severity_and_annotations() -> None:
    alerts = alert_rules()
    names = [a["alert"] for a in alerts]
    assert len(names) == len(set(names))
    assert set(names) == REQUIRED_ALERTS
    for alert in alerts:
        assert alert["labels"]["severity"] in SEVERITIES, alert["alert"]
        assert {"summary", "description", "runbook_url"} <= alert["annotations"].keys(), alert["alert"]


def test_every_runbook_url_points_at_a_section_of_the_runbooks() -> None:
    headings = re.findall(r"^## (\S+)\s*$", RUNBOOKS.read_text(), flags=re.MULTILINE)
    anchors = {heading.lower() for heading in headings}  # how GitHub and most renderers anchor "## Name"
    for alert in alert_rules():
        url = alert["annotations"]["runbook_url"]
        assert url == f"docs/runbooks.md#{alert['alert'].lower()}", alert["alert"]
        assert url.split("#")[1] in anchors, f"docs/runbooks.md has no section for {alert['alert']}"


def test_the_alert_levels_are_the_documented_ones() -> None:
    alerts = {a["alert"]: a for a in alert_rules()}
    assert "guardrail_drift:max > 0.1" in alerts["GuardrailDriftHigh"]["expr"]
    assert alerts["GuardrailDriftHigh"]["for"] == "15m"
    assert "offset 1w" in alerts["GuardrailFlagRateSpike"]["expr"]
    assert "2 *" in alerts["GuardrailFlagRateSpike"]["expr"]
    assert "p99_rate5m > 0.010" in alerts["GuardrailOverheadP99High"]["expr"]
    assert "guardrail_drift_alarms" in alerts["GuardrailDriftAlarms"]["expr"]


# ------------------------------------------------------------------------------------ coverage of the unit tests


def test_every_recording_rule_is_unit_tested() -> None:
    tested = {
        name
        for path in UNIT_TESTS
        for group in load(path)["tests"]
        for case in group.get("promql_expr_test", [])
        if case.get("exp_samples")
        for name in metric_names(case["expr"])
    }
    missing = {rule["record"] for rule in recording_rules()} - tested
    assert not missing, f"recording rules without a promql_expr_test: {sorted(missing)}"


def test_every_alert_fires_in_one_test_and_stays_quiet_in_another() -> None:
    fires: set[str] = set()
    quiet: set[str] = set()
    for path in UNIT_TESTS:
        for group in load(path)["tests"]:
            for case in group.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    names = {a["alert"] for a in alert_rules()}
    assert names - fires == set(), "alerts never shown firing"
    assert names - quiet == set(), "alerts never shown quiet"


def test_unit_tests_evaluate_recording_groups_before_alert_groups() -> None:
    """promtool orders groups arbitrarily unless told: an alert could read the previous evaluation's records."""
    for path in UNIT_TESTS:
        spec = load(path)
        files = [(path.parent / f).resolve() for f in spec["rule_files"]]
        groups = [group["name"] for f in files for group in load(f)["groups"]]
        assert spec.get("group_eval_order") == groups, path.name
