"""The guardrail in front of a real vLLM serving SmolLM2-135M-Instruct on the CPU."""

from __future__ import annotations

import re
import time

import httpx
import openai
import pytest

from tests.integration.conftest import VllmServer
from tests.support import ACME_KEY, LoopbackServer

pytestmark = pytest.mark.vllm
VLLM_KIND = "smollm2"
MODEL = "smollm2-135m-instruct"


@pytest.fixture
def oai(guardrail: LoopbackServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{guardrail.url}/v1", api_key=ACME_KEY, max_retries=0, timeout=120)


def test_non_stream_answer_is_scored(oai: openai.OpenAI) -> None:
    r = oai.chat.completions.create(
        model=MODEL,
        max_tokens=60,
        temperature=0,
        messages=[{"role": "user", "content": "In two sentences, what do families do during Diwali?"}],
        extra_headers={"X-Cultural-Frame": "south-asia"},
    )
    text = r.choices[0].message.content or ""
    assert len(text.split()) >= 5
    guardrail = r.model_extra["guardrail"]  # type: ignore[index]
    assert guardrail["frame"] == "south-asia" and set(guardrail["scores"]) >= {"care", "exoticizing", "refusal"}
    assert guardrail["classifier"] and r.usage is not None and r.usage.prompt_tokens > 100  # frame injected


def test_stream_with_usage_ends_with_the_verdict(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model=MODEL,
        max_tokens=40,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Describe a Shinto shrine visit at New Year."}],
        extra_body={"cultural_frame": "east-asia"},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert any(c.usage and c.usage.completion_tokens > 0 for c in chunks)
    assert chunks[-1].choices == [] and chunks[-1].model_extra["guardrail"]["frame"] == "east-asia"  # type: ignore[index]


def test_vllm_errors_pass_through(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        oai.chat.completions.create(model=MODEL, max_tokens=-1, messages=[{"role": "user", "content": "hi"}])
    assert "max_tokens" in str(bad.value)
    with pytest.raises(openai.NotFoundError):
        oai.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError) as long:
        oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "word " * 5000}])
    assert long.value.status_code == 400


def test_models_and_readiness(guardrail: LoopbackServer, oai: openai.OpenAI) -> None:
    assert [m.id for m in oai.models.list()] == [MODEL]
    assert httpx.get(f"{guardrail.url}/readyz").status_code == 200


def test_cancelling_a_stream_stops_generation_in_vllm(guardrail: LoopbackServer, vllm: VllmServer) -> None:
    def running() -> float:
        text = httpx.get(f"{vllm.url}/metrics").text
        values = re.findall(r"^vllm:num_requests_running\{[^}]*\} ([0-9.]+)$", text, re.M)
        return sum(float(v) for v in values)

    body = {
        "model": MODEL,
        "stream": True,
        "max_tokens": 1500,
        "ignore_eos": True,
        "messages": [{"role": "user", "content": "Write a very long story."}],
    }
    with httpx.Client(timeout=60) as c:
        with c.stream(
            "POST", f"{guardrail.url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {ACME_KEY}"}
        ) as r:
            lines = r.iter_lines()
            for _ in range(5):
                next(lines)
            assert running() == 1
    deadline = time.monotonic() + 10  # 1,500 tokens would take about a minute on this CPU
    while running() > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert running() == 0
