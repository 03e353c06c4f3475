"""The metrics module, and what one request records."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from service.classifier.types import DIMENSIONS
from service.metrics import Metrics
from service.standin import Script
from tests.support import ACME_KEY


def test_unknown_ids_become_other() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.configure(frozenset({"t1"}), frozenset({"f1"}))
    metrics.count_request("t1", "f1", "ok")
    metrics.count_request("intruder", "f1; drop", "made-up")
    assert registry.get_sample_value("guardrail_requests_total", {"tenant": "t1", "frame": "f1", "outcome": "ok"}) == 1
    assert (
        registry.get_sample_value("guardrail_requests_total", {"tenant": "other", "frame": "other", "outcome": "other"})
        == 1
    )


def test_record_answer_observes_every_dimension() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.configure(frozenset({"t"}), frozenset({"f"}))
    scores = {d: 0.5 for d in DIMENSIONS}
    metrics.record_answer("t", "f", scores, {d: d == "care" for d in DIMENSIONS})
    for dim in DIMENSIONS:
        labels = {"tenant": "t", "frame": "f", "dimension": dim}
        assert registry.get_sample_value("guardrail_value_score_count", labels) == 1
        assert registry.get_sample_value("guardrail_value_score_sum", labels) == 0.5
    assert registry.get_sample_value("guardrail_flagged_total", {"tenant": "t", "frame": "f", "dimension": "care"}) == 1
    assert (
        registry.get_sample_value("guardrail_flagged_total", {"tenant": "t", "frame": "f", "dimension": "liberty"}) == 0
    )


@pytest.mark.anyio
async def test_one_request_is_counted_and_scraped(client: httpx.AsyncClient, standin: Any, registry: Any) -> None:
    standin.script = Script(answer="An exotic scene.")
    await client.post(
        "/v1/chat/completions",
        headers={"authorization": f"Bearer {ACME_KEY}"},
        json={"model": "standin-lvlm", "messages": [{"role": "user", "content": "x"}]},
    )
    labels = {"tenant": "acme-news", "frame": "neutral-global"}
    assert registry.get_sample_value("guardrail_requests_total", {**labels, "outcome": "flagged"}) == 1
    assert registry.get_sample_value("guardrail_flagged_total", {**labels, "dimension": "exoticizing"}) == 1
    assert registry.get_sample_value("guardrail_overhead_seconds_count") == 1
    assert registry.get_sample_value("guardrail_classifier_seconds_count") == 1
    scrape = await client.get("/metrics")
    assert scrape.status_code == 200 and "guardrail_value_score_bucket" in scrape.text
    assert ACME_KEY not in scrape.text and "Describe" not in scrape.text


@pytest.mark.anyio
async def test_drift_series_appear_once_reference_and_window_fill(
    settings: Any, scorer: Any, standin: Any, tmp_path: Any
) -> None:
    from service.app import create_app

    registry = CollectorRegistry()
    app = create_app(
        settings.model_copy(update={"drift_reference": 5, "drift_window": 5}), scorer=scorer, registry=registry
    )
    answers = iter(["A calm scene."] * 5 + ["An exotic, mysterious scene."] * 5)
    standin.script = Script(answer=lambda body: next(answers))
    labels = {"tenant": "acme-news", "frame": "neutral-global", "dimension": "exoticizing"}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as c:
            for _ in range(10):
                r = await c.post(
                    "/v1/chat/completions",
                    headers={"authorization": f"Bearer {ACME_KEY}"},
                    json={"model": "standin-lvlm", "messages": [{"role": "user", "content": "x"}]},
                )
                assert r.status_code == 200
            scrape = (await c.get("/metrics")).text
            assert registry.get_sample_value("guardrail_drift_reference_complete", labels) == 1
            drift = registry.get_sample_value("guardrail_drift", labels)
            assert drift is not None and drift > 0.5, scrape
    assert (settings.state_dir / "references" / "acme-news.json").exists()
