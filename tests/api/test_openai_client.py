"""The official `openai` client against the guardrail under a real uvicorn, stand-in vLLM on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from fastapi import FastAPI

from service.standin import Script
from tests.support import ACME_KEY, LoopbackServer

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()


@pytest.fixture
def oai(app: FastAPI) -> Iterator[openai.OpenAI]:
    with LoopbackServer(app) as server:
        yield openai.OpenAI(base_url=f"{server.url}/v1", api_key=ACME_KEY, max_retries=0, timeout=10)


def test_non_stream_with_frame_and_image(oai: openai.OpenAI, standin: Any) -> None:
    standin.script = Script(answer="Families light diyas for Diwali, with devotion.")
    completion = oai.chat.completions.create(
        model="standin-lvlm",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is happening here?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            }
        ],
        extra_headers={"X-Cultural-Frame": "south-asia"},
    )
    assert completion.choices[0].message.content == "Families light diyas for Diwali, with devotion."
    guardrail = completion.model_extra["guardrail"]  # type: ignore[index]
    assert guardrail["frame"] == "south-asia"
    assert guardrail["flags"]["local_grounding"] and guardrail["flags"]["sanctity"]
    sent = standin.received[-1]["messages"]
    assert sent[0]["role"] == "system" and sent[1]["content"][1]["image_url"]["url"].endswith(PNG)


def test_stream_with_usage(oai: openai.OpenAI, standin: Any) -> None:
    standin.script = Script(answer="An exotic festival at the edge of town.", chunk_chars=4)
    stream = oai.chat.completions.create(
        model="standin-lvlm",
        messages=[{"role": "user", "content": "Describe."}],
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"cultural_frame": "latin-america"},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "An exotic festival at the edge of town."
    usage = [c.usage for c in chunks if c.usage]
    assert usage and usage[0].completion_tokens == 8
    last = chunks[-1]
    assert last.choices == [] and last.model_extra["guardrail"]["flags"]["exoticizing"] is True  # type: ignore[index]
    assert standin.received[-1].get("cultural_frame") is None


def test_errors_raise_the_right_openai_exceptions(oai: openai.OpenAI, standin: Any) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        oai.chat.completions.create(model="standin-lvlm", messages=[{"role": "user", "content": "x"}], max_tokens=-1)
    assert bad.value.param == "max_tokens"
    with pytest.raises(openai.NotFoundError):
        oai.chat.completions.create(model="missing", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.PermissionDeniedError) as denied:
        oai.chat.completions.create(
            model="standin-lvlm",
            messages=[{"role": "user", "content": "x"}],
            extra_headers={"X-Cultural-Frame": "islamic"},
        )
    assert denied.value.code == "frame_not_allowed"
    bad_key = openai.OpenAI(base_url=str(oai.base_url), api_key="sk-nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad_key.chat.completions.create(model="standin-lvlm", messages=[{"role": "user", "content": "x"}])


def test_models_listing(oai: openai.OpenAI, standin: Any) -> None:
    assert [m.id for m in oai.models.list()] == ["standin-lvlm"]
