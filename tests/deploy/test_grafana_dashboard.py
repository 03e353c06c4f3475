"""deploy/grafana: the provisioned data source and dashboard, checked offline.

The dashboard JSON is checked at the schema level (identity, panels, grid, data source, variables), and every
PromQL expression in it may name only metrics that exist: what `service.metrics.Metrics` registers, the drift
package's three series, and the recording rules in deploy/prometheus/rules/recording.yml. The metric-name
helpers here are shared with test_prometheus_rules.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from service.metrics import Metrics

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "guardrail.json"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "dashboards.yml"
RECORDING_RULES = REPO / "deploy" / "prometheus" / "rules" / "recording.yml"

# Exported by the drift package (a custom collector on the same registry); names fixed in DESIGN.md.
DRIFT_METRICS = frozenset({"guardrail_drift", "guardrail_frame_disparity", "guardrail_drift_alarms_total"})

# PromQL words that look like identifiers but are neither metrics nor followed by "(".
PROMQL_WORDS = frozenset(
    {
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "inf",
        "nan",
        "atan2",
    }
)
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")

Json = dict[str, Any]


# ---------------------------------------------------------------------------------------------- shared helpers


def exported_metric_names() -> set[str]:
    """Every series name the service's own metrics produce when scraped, with counter and histogram suffixes."""
    registry = CollectorRegistry()
    Metrics(registry)
    names: set[str] = set()
    for family in registry.collect():
        if family.type == "counter":
            names |= {f"{family.name}_total", f"{family.name}_created"}
        elif family.type == "histogram":
            names |= {f"{family.name}{suffix}" for suffix in ("_bucket", "_sum", "_count", "_created")}
        elif family.type == "summary":
            names |= {f"{family.name}{suffix}" for suffix in ("", "_sum", "_count", "_created")}
        else:
            names.add(family.name)
    return names


def recording_rule_names() -> set[str]:
    rules = yaml.safe_load(RECORDING_RULES.read_text())
    return {rule["record"] for group in rules["groups"] for rule in group["rules"]}


def known_metric_names() -> set[str]:
    return exported_metric_names() | DRIFT_METRICS | recording_rule_names()


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects, ignoring functions, keywords, label names and values."""
    s = re.sub(r"\$\{[^}]*\}|\$\w+", "x", expr)  # Grafana variables ($tenant, ${frame}, $__rate_interval)
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', " ", s)  # string literals
    s = re.sub(r"\{[^}]*\}", " ", s)  # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)  # range selectors and subqueries
    s = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)  # label lists
    s = re.sub(r"(?<![\w:.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:ms|[smhdwy])*", " ", s)  # numbers, durations
    names = set()
    for match in _IDENT.finditer(s):
        word = match.group()
        if word.lower() in PROMQL_WORDS or re.match(r"\s*\(", s[match.end() :]):
            continue  # a keyword, or a function / aggregation call
        names.add(word)
    return names


# ------------------------------------------------------------------------------------------------ dashboard


@pytest.fixture(scope="module")
def dashboard() -> Json:
    data: Json = json.loads(DASHBOARD.read_text())
    return data


@pytest.fixture(scope="module")
def datasource_uid() -> str:
    provisioned = yaml.safe_load(DATASOURCES.read_text())
    [source] = [d for d in provisioned["datasources"] if d["type"] == "prometheus"]
    uid: str = source["uid"]
    return uid


def all_panels(dashboard: Json) -> Iterator[Json]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # collapsed rows hold their panels


def queries(dashboard: Json) -> Iterator[tuple[str, str]]:
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def variable_query(variable: Json) -> str:
    query = variable["query"]
    text: str = query["query"] if isinstance(query, dict) else query
    return text


def test_data_source_provisioning() -> None:
    provisioned = yaml.safe_load(DATASOURCES.read_text())
    assert provisioned["apiVersion"] == 1
    [source] = provisioned["datasources"]
    assert source["type"] == "prometheus"
    assert source["uid"] and source["access"] == "proxy"
    assert source["url"] == "http://prometheus:9090"  # the compose service
    assert source["isDefault"] is True


def test_dashboard_provider() -> None:
    provisioned = yaml.safe_load(PROVIDERS.read_text())
    assert provisioned["apiVersion"] == 1
    [provider] = provisioned["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def test_dashboard_identity(dashboard: Json) -> None:
    assert re.fullmatch(r"[a-z0-9-]{1,40}", dashboard["uid"])
    assert dashboard["title"] == "Cultural guardrail"
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    assert "id" not in dashboard or dashboard["id"] is None  # provisioned dashboards get their id from Grafana
    assert dashboard["time"]["from"].startswith("now-")


def test_panels_have_unique_ids_and_fit_the_grid(dashboard: Json) -> None:
    panels = list(all_panels(dashboard))
    ids = [p["id"] for p in panels]
    assert all(isinstance(i, int) for i in ids)
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    boxes = []
    for panel in panels:
        grid = panel["gridPos"]
        assert {"h", "w", "x", "y"} <= grid.keys(), panel["title"]
        assert all(isinstance(grid[k], int) and grid[k] >= 0 for k in "hwxy"), panel["title"]
        assert grid["w"] >= 1 and grid["h"] >= 1 and grid["x"] + grid["w"] <= 24, panel["title"]
        boxes.append((panel["title"], grid["x"], grid["y"], grid["x"] + grid["w"], grid["y"] + grid["h"]))
    for i, (title, x0, y0, x1, y1) in enumerate(boxes):
        for other, a0, b0, a1, b1 in boxes[i + 1 :]:
            assert x1 <= a0 or a1 <= x0 or y1 <= b0 or b1 <= y0, f"{title!r} overlaps {other!r}"


def test_every_panel_and_query_uses_the_provisioned_data_source(dashboard: Json, datasource_uid: str) -> None:
    for panel in all_panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": datasource_uid}, panel["title"]
        assert panel["targets"], f"{panel['title']!r} has no query"
        for target in panel["targets"]:
            assert target.get("datasource", panel["datasource"]) == panel["datasource"], panel["title"]
    for variable in dashboard["templating"]["list"]:
        assert variable["datasource"] == {"type": "prometheus", "uid": datasource_uid}, variable["name"]


def test_template_variables(dashboard: Json) -> None:
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert {"tenant", "frame", "dimension"} <= variables.keys()
    known = known_metric_names()
    for name in ("tenant", "frame", "dimension"):
        variable = variables[name]
        assert variable["type"] == "query"
        match = re.fullmatch(r"label_values\((?P<selector>.+),\s*(?P<label>\w+)\)", variable_query(variable))
        assert match, f"${name} must come from label_values(metric, {name})"
        assert match["label"] == name
        selected = metric_names(match["selector"])
        assert selected and selected <= known, f"${name} reads {selected - known or 'no metric'}"


def test_every_query_names_only_metrics_that_exist(dashboard: Json) -> None:
    known = known_metric_names()
    exprs = list(queries(dashboard))
    assert exprs
    for title, expr in exprs:
        names = metric_names(expr)
        assert names, f"{title!r}: no metric found in {expr!r}"
        assert names <= known, f"{title!r} queries metrics nobody exports: {sorted(names - known)}"


def test_per_tenant_row_has_the_panels_an_sre_needs(dashboard: Json) -> None:
    panels = dashboard["panels"]
    [start] = [i for i, p in enumerate(panels) if p["type"] == "row" and p.get("repeat") == "tenant"]
    end = next((i for i in range(start + 1, len(panels)) if panels[i]["type"] == "row"), len(panels))
    row = panels[start + 1 : end]
    selected = {name for panel in row for t in panel["targets"] for name in metric_names(t["expr"])}
    assert {
        "tenant_frame_dimension:guardrail_value_score:mean5m",  # scores over time by frame
        "tenant_frame_dimension:guardrail_flagged_per_answer:ratio_rate5m",  # flag rate
        "tenant_frame_dimension:guardrail_drift:max",  # drift
        "tenant_dimension:guardrail_value_score:frame_disparity1h",  # disparity
        "tenant_dimension:guardrail_frame_disparity:max",
        "job:guardrail_overhead_seconds:p99_rate5m",  # overhead
        "tenant:guardrail_upstream_seconds:p50_rate5m",  # upstream latency
        "tenant:guardrail_upstream_seconds:p99_rate5m",
        "tenant_outcome:guardrail_requests:ratio_rate5m",  # error ratio
        "tenant:guardrail_time_to_first_token_seconds:p99_rate5m",  # TTFT
        "tenant_outcome:guardrail_requests:rate5m",  # requests by outcome
    } <= selected
    for panel in row:  # a series with a tenant label shows the row's own tenant only
        for target in panel["targets"]:
            levels = {label for name in metric_names(target["expr"]) for label in name.split(":")[0].split("_")}
            if "tenant" in levels:
                assert 'tenant="$tenant"' in target["expr"], panel["title"]


def test_every_query_parses(dashboard: Json, tmp_path: Path) -> None:
    """promtool parses each query once the Grafana variables are replaced by values."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: `make tools` installs it (Debian package `prometheus`)")
    substitutions = {"$tenant": "acme-news", "$frame": "hindu", "$dimension": "care", "$__rate_interval": "1m"}
    rules = []
    for i, (_title, expr) in enumerate(queries(dashboard)):
        for variable, value in substitutions.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, expr
        rules.append({"record": f"dashboard:query_{i}:check", "expr": expr})
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("guardrail_requests_total", {"guardrail_requests_total"}),
        (
            'sum by (tenant, le) (rate(guardrail_upstream_seconds_bucket{tenant="$tenant", le!="+Inf"}[5m]))',
            {"guardrail_upstream_seconds_bucket"},
        ),
        (
            "histogram_quantile(0.99, sum by (job, le) (rate(guardrail_overhead_seconds_bucket[$__rate_interval])))",
            {"guardrail_overhead_seconds_bucket"},
        ),
        (
            "a:b:c / on (tenant) group_left () (x_total offset 1w > 0) and ignoring (frame) y unless z",
            {"a:b:c", "x_total", "y", "z"},
        ),
        (
            "time() - max by (instance) (guardrail_policy_last_reload_success_timestamp_seconds)",
            {"guardrail_policy_last_reload_success_timestamp_seconds"},
        ),
        (
            "max_over_time(tenant:guardrail_requests:rate5m[1h:5m]) * 1e3 > bool 2.5",
            {"tenant:guardrail_requests:rate5m"},
        ),
        ('label_replace(up{job="vllm"}, "replica", "$1", "instance", "(.*)")', {"up"}),
    ],
)
def test_metric_name_parser(expr: str, expected: set[str]) -> None:
    assert metric_names(expr) == expected


def test_known_metrics_include_the_service_series() -> None:
    names = exported_metric_names()
    assert {
        "guardrail_requests_total",
        "guardrail_value_score_bucket",
        "guardrail_value_score_sum",
        "guardrail_value_score_count",
        "guardrail_flagged_total",
        "guardrail_overhead_seconds_bucket",
        "guardrail_policy_last_reload_success_timestamp_seconds",
    } <= names
    assert "guardrail_requests" not in names  # a counter is scraped with its _total suffix
    assert "no_such_metric_total" not in known_metric_names()
