"""POST /v1/chat/completions through the ASGI app, with the vLLM stand-in on loopback."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from service.standin import Script
from tests.support import ACME_KEY, LUMEN_KEY, CueScorer

pytestmark = pytest.mark.anyio

ACME = {"authorization": f"Bearer {ACME_KEY}"}
LUMEN = {"authorization": f"Bearer {LUMEN_KEY}"}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()


def chat(**extra: Any) -> dict[str, Any]:
    return {"model": "standin-lvlm", "messages": [{"role": "user", "content": "Describe the photo."}], **extra}


def sse_payloads(text: str) -> list[Any]:
    out: list[Any] = []
    for block in text.split("\n\n"):
        if block.startswith("data: "):
            data = block[6:]
            out.append(data if data == "[DONE]" else orjson.loads(data))
    return out


async def test_answer_carries_the_guardrail_object_and_headers(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(answer="The mysterious ritual looks primitive.")
    r = await client.post("/v1/chat/completions", json=chat(), headers=ACME)
    assert r.status_code == 200
    body = r.json()
    assert body["choices"][0]["message"]["content"] == "The mysterious ritual looks primitive."
    g = body["guardrail"]
    assert g["frame"] == "neutral-global" and g["classifier"] == "cue-test-1" and g["action"] == "flagged"
    assert g["flags"]["exoticizing"] and g["flags"]["devaluing"] and not g["flags"]["care"]
    assert g["evidence"]["exoticizing"] == [{"start": 4, "end": 14, "text": "mysterious"}]
    assert r.headers["x-guardrail-frame"] == "neutral-global"
    assert r.headers["x-guardrail-flags"] == "exoticizing,devaluing"
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")


async def test_frame_instruction_is_injected_into_the_system_message(client: httpx.AsyncClient, standin: Any) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    r = await client.post(
        "/v1/chat/completions", json=chat(messages=messages), headers={**ACME, "x-cultural-frame": "east-asia"}
    )
    assert r.status_code == 200 and r.json()["guardrail"]["frame"] == "east-asia"
    sent = standin.received[-1]
    system = sent["messages"][0]
    assert system["role"] == "system" and system["content"].endswith("\n\nBe brief.")
    assert "East Asia" in system["content"] or "east" in system["content"].lower()
    assert len(sent["messages"]) == 2
    assert "cultural_frame" not in sent and len(sent["cache_salt"]) == 32


async def test_body_field_selects_the_frame_and_is_stripped(client: httpx.AsyncClient, standin: Any) -> None:
    r = await client.post("/v1/chat/completions", json=chat(cultural_frame="south-asia"), headers=ACME)
    assert r.json()["guardrail"]["frame"] == "south-asia"
    assert "cultural_frame" not in standin.received[-1]
    assert standin.received[-1]["messages"][0]["role"] == "system"


async def test_header_wins_over_body_field(client: httpx.AsyncClient, standin: Any) -> None:
    r = await client.post(
        "/v1/chat/completions",
        json=chat(cultural_frame="south-asia"),
        headers={**ACME, "x-cultural-frame": "latin-america"},
    )
    assert r.json()["guardrail"]["frame"] == "latin-america"


@pytest.mark.parametrize("frame", ["islamic", "no-such-frame"], ids=["other-tenants-frame", "unknown-frame"])
async def test_frames_outside_the_allowlist_never_reach_the_upstream(
    client: httpx.AsyncClient, standin: Any, frame: str
) -> None:
    r = await client.post("/v1/chat/completions", json=chat(), headers={**ACME, "x-cultural-frame": frame})
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "frame_not_allowed" and err["param"] == "cultural_frame"
    assert standin.received == []


async def test_client_cannot_supply_frame_text(client: httpx.AsyncClient, standin: Any) -> None:
    r = await client.post(
        "/v1/chat/completions", json=chat(cultural_frame={"instruction": "Be Western."}), headers=ACME
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "cultural_frame"
    assert standin.received == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer sk-wrong"}, {"authorization": ACME_KEY}, {"authorization": "Basic abc"}],
    ids=["missing", "unknown", "no-scheme", "basic"],
)
async def test_bad_keys_get_401(client: httpx.AsyncClient, standin: Any, headers: dict[str, str]) -> None:
    r = await client.post("/v1/chat/completions", json=chat(), headers=headers)
    assert r.status_code == 401
    assert set(r.json()["error"]) == {"message", "type", "param", "code"}
    assert ACME_KEY not in r.text and standin.received == []


async def test_user_prefix_injection_keeps_image_parts(
    client: httpx.AsyncClient, standin: Any, policies_dir: Any
) -> None:
    path = policies_dir / "tenants" / "acme-news.yaml"
    path.write_text(path.read_text().replace("injection: system", "injection: user_prefix"))
    standin_reload = client._transport.app.state.services.policies  # type: ignore[attr-defined]
    assert standin_reload.reload()
    image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
    remote = {"type": "image_url", "image_url": {"url": "https://example.org/a.jpg"}}
    content = [{"type": "text", "text": "What is this?"}, image, remote]
    r = await client.post(
        "/v1/chat/completions", json=chat(messages=[{"role": "user", "content": content}]), headers=ACME
    )
    assert r.status_code == 200
    sent = standin.received[-1]["messages"]
    assert len(sent) == 1 and sent[0]["role"] == "user"
    assert sent[0]["content"][0]["type"] == "text" and sent[0]["content"][1:] == content


@pytest.mark.parametrize(
    ("raw", "param"),
    [
        (b"{not json", None),
        (b"[1, 2]", None),
        (b'{"model": "standin-lvlm"}', "messages"),
        (b'{"model": 3, "messages": [{"role": "user", "content": "x"}]}', "model"),
        (b'{"model": "standin-lvlm", "messages": [{"role": "wizard", "content": "x"}]}', "messages[0].role"),
        (b'{"model": "standin-lvlm", "messages": [{"role": "user", "content": 7}]}', "messages[0].content"),
        (b'{"model": "standin-lvlm", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}', "stream"),
        (
            b'{"model": "standin-lvlm", "messages": [{"role": "user", "content": [{"type": "image_url", '
            b'"image_url": {"url": "data:image/png;base64,@@@"}}]}]}',
            "messages[0].content[0].image_url.url",
        ),
        (
            b'{"model": "standin-lvlm", "messages": [{"role": "user", "content": [{"type": "image_url", '
            b'"image_url": {"url": "data:text/html;base64,PGI+"}}]}]}',
            "messages[0].content[0].image_url.url",
        ),
        (
            b'{"model": "standin-lvlm", "messages": [{"role": "user", "content": [{"type": "image_url", '
            b'"image_url": {"url": "file:///etc/passwd"}}]}]}',
            "messages[0].content[0].image_url.url",
        ),
    ],
    ids=[
        "broken-json",
        "array",
        "no-messages",
        "model-type",
        "role",
        "content-type",
        "stream-type",
        "bad-base64",
        "not-image",
        "file-url",
    ],
)
async def test_malformed_requests_get_400(
    client: httpx.AsyncClient, standin: Any, raw: bytes, param: str | None
) -> None:
    r = await client.post("/v1/chat/completions", content=raw, headers={**ACME, "content-type": "application/json"})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param and err["message"]
    assert standin.received == []


async def test_oversized_body_gets_413(client: httpx.AsyncClient, standin: Any) -> None:
    big = chat(messages=[{"role": "user", "content": "x" * 300_000}])
    r = await client.post("/v1/chat/completions", json=big, headers=ACME)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    assert standin.received == []


@pytest.mark.parametrize("shape", ["nested", "flat"])
async def test_upstream_4xx_passes_through_in_both_vllm_shapes(
    client: httpx.AsyncClient, standin: Any, shape: str, registry: Any
) -> None:
    standin.script = Script(fail_shape=shape)
    r = await client.post("/v1/chat/completions", json=chat(max_tokens=-1), headers=ACME)
    assert r.status_code == 400
    assert r.json()["error"] == {
        "message": "max_tokens must be at least 1, got -1. (parameter=max_tokens, value=-1)",
        "type": "BadRequestError",
        "param": "max_tokens",
        "code": 400,
    }
    # The request's own fault: counted as a client error, so it cannot page anyone as an upstream failure.
    labels = {"tenant": "acme-news", "frame": "neutral-global"}
    assert registry.get_sample_value("guardrail_requests_total", {**labels, "outcome": "client_error"}) == 1
    assert registry.get_sample_value("guardrail_requests_total", {**labels, "outcome": "upstream_error"}) is None


async def test_unknown_model_is_404_from_upstream(client: httpx.AsyncClient, standin: Any) -> None:
    r = await client.post("/v1/chat/completions", json=chat(model="nope"), headers=ACME)
    assert r.status_code == 404 and r.json()["error"]["param"] == "model"


async def test_upstream_500_becomes_502(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(fail_status=500, fail_message="engine died")
    r = await client.post("/v1/chat/completions", json=chat(), headers=ACME)
    assert r.status_code == 502 and "engine died" in r.json()["error"]["message"]


async def test_upstream_unreachable_is_502(app: Any, settings: Any, scorer: CueScorer) -> None:
    from prometheus_client import CollectorRegistry

    from service.app import create_app

    dead = settings.model_copy(update={"upstream_url": "http://127.0.0.1:9/v1"})
    app = create_app(dead, scorer=scorer, registry=CollectorRegistry())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as c:
            r = await c.post("/v1/chat/completions", json=chat(), headers=ACME)
            ready = await c.get("/readyz")
    assert r.status_code == 502 and r.json()["error"]["type"] == "upstream_error"
    assert ready.status_code == 503


async def test_upstream_hang_before_headers_is_504(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(hang_before_headers=3.0)
    r = await client.post("/v1/chat/completions", json=chat(), headers=ACME)
    assert r.status_code == 504 and r.json()["error"]["type"] == "upstream_timeout"


async def test_stream_relays_chunks_and_appends_the_verdict(client: httpx.AsyncClient, standin: Any) -> None:
    # "myster" + "ious" arrive in different chunks: only the accumulated text can show the cue.
    standin.script = Script(answer="A quiet, myster" + "ious shrine at dusk.", chunk_chars=15)
    r = await client.post(
        "/v1/chat/completions",
        json=chat(stream=True, stream_options={"include_usage": True}),
        headers={**ACME, "x-cultural-frame": "east-asia"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_payloads(r.text)
    assert events[-1] == "[DONE]"
    final = events[-2]
    assert final["choices"] == [] and final["guardrail"]["flags"]["exoticizing"] is True
    assert final["guardrail"]["frame"] == "east-asia"
    usage = events[-3]
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] > 0
    text = "".join(
        e["choices"][0]["delta"].get("content", "") for e in events[:-1] if isinstance(e, dict) and e.get("choices")
    )
    assert text == "A quiet, mysterious shrine at dusk."


async def test_a_stream_whose_text_quotes_the_done_marker_is_relayed_whole(
    client: httpx.AsyncClient, standin: Any
) -> None:
    # Runs of events are forwarded unparsed unless they may hold [DONE]; this text makes every run look like one.
    answer = "The sign says data: [DONE] in chalk. " * 3
    standin.script = Script(answer=answer, chunk_chars=9)
    r = await client.post("/v1/chat/completions", json=chat(stream=True), headers=ACME)
    events = sse_payloads(r.text)
    assert events[-1] == "[DONE]" and events.count("[DONE]") == 1
    assert events[-2]["choices"] == [] and "guardrail" in events[-2]
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-2] if e["choices"])
    assert text == answer


async def test_stream_mid_way_error_event_is_forwarded(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(stream_error_after=2, fail_message="out of KV cache")
    r = await client.post("/v1/chat/completions", json=chat(stream=True), headers=ACME)
    events = sse_payloads(r.text)
    assert events[-1] == "[DONE]"
    assert events[-2]["error"]["message"] == "out of KV cache"
    assert not any(isinstance(e, dict) and "guardrail" in e for e in events)


async def test_stream_cut_is_closed_cleanly(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(cut_after=3)
    r = await client.post("/v1/chat/completions", json=chat(stream=True), headers=ACME)
    events = sse_payloads(r.text)
    assert events[-1] == "[DONE]" and events[-2]["error"]["code"] == 502


async def test_stream_stall_mid_way_is_504_in_stream(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(hang_after=2, hang_seconds=4.0)
    r = await client.post("/v1/chat/completions", json=chat(stream=True), headers=ACME)
    events = sse_payloads(r.text)
    assert events[-1] == "[DONE]" and events[-2]["error"]["type"] == "upstream_timeout"


async def test_enforce_regenerates_then_passes(client: httpx.AsyncClient, standin: Any, registry: Any) -> None:
    answers = iter(["Their customs look primitive.", "Families light diyas for Diwali."])
    standin.script = Script(answer=lambda body: next(answers))
    r = await client.post("/v1/chat/completions", json=chat(), headers=LUMEN)
    body = r.json()
    assert body["choices"][0]["message"]["content"] == "Families light diyas for Diwali."
    assert body["guardrail"]["action"] == "regenerated" and r.headers["x-guardrail-action"] == "regenerated"
    assert len(standin.received) == 2
    assert "previous answer" in standin.received[1]["messages"][0]["content"]
    # Both answers were the model's: both count towards the tenant's score distributions.
    labels = {"tenant": "lumen-faith", "frame": "neutral-global", "dimension": "devaluing"}
    assert registry.get_sample_value("guardrail_value_score_count", labels) == 2


async def test_enforce_blocks_when_regeneration_is_still_flagged(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(answer="A superstitious and exotic rite.")
    r = await client.post("/v1/chat/completions", json=chat(), headers=LUMEN)
    body = r.json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"].startswith("This description was withheld")
    assert body["guardrail"]["action"] == "blocked"


async def test_enforce_stream_stops_at_the_flagged_sentence(client: httpx.AsyncClient, standin: Any) -> None:
    standin.script = Script(
        answer="The shrine hosts hatsumode visits. Outsiders find it exotic. More text here.", chunk_chars=7
    )
    r = await client.post("/v1/chat/completions", json=chat(stream=True), headers=LUMEN)
    events = sse_payloads(r.text)
    text = "".join(c["delta"].get("content", "") for e in events if isinstance(e, dict) for c in e.get("choices", []))
    assert text.startswith("The shrine hosts hatsumode visits.")
    assert "exotic" not in text and "More text" not in text
    finish = [c["finish_reason"] for e in events if isinstance(e, dict) for c in e.get("choices", [])]
    assert finish[-1] == "content_filter"
    assert events[-2]["guardrail"]["action"] == "blocked" and events[-1] == "[DONE]"


async def test_enforce_stream_passes_clean_text_whole(client: httpx.AsyncClient, standin: Any) -> None:
    answer = "Families light diyas at dusk. Sweets are shared with neighbours! Children draw kolam."
    standin.script = Script(answer=answer, chunk_chars=5)
    r = await client.post("/v1/chat/completions", json=chat(stream=True), headers=LUMEN)
    events = sse_payloads(r.text)
    text = "".join(c["delta"].get("content", "") for e in events if isinstance(e, dict) for c in e.get("choices", []))
    assert text == answer and events[-2]["guardrail"]["action"] == "pass"


async def test_observe_mode_changes_nothing(
    client: httpx.AsyncClient, standin: Any, policies_dir: Any, registry: Any
) -> None:
    path = policies_dir / "tenants" / "acme-news.yaml"
    path.write_text(path.read_text().replace("mode: annotate", "mode: observe"))
    assert client._transport.app.state.services.policies.reload()  # type: ignore[attr-defined]
    standin.script = Script(answer="An exotic market.")
    r = await client.post("/v1/chat/completions", json=chat(), headers=ACME)
    assert "guardrail" not in r.json() and not any(h.startswith("x-guardrail") for h in r.headers)
    assert (
        registry.get_sample_value(
            "guardrail_flagged_total", {"tenant": "acme-news", "frame": "neutral-global", "dimension": "exoticizing"}
        )
        == 1.0
    )


@pytest.mark.parametrize("policy", ["open", "closed"])
async def test_classifier_failure_follows_the_tenant_policy(
    client: httpx.AsyncClient, standin: Any, scorer: CueScorer, policy: str, policies_dir: Any
) -> None:
    path = policies_dir / "tenants" / "acme-news.yaml"
    path.write_text(path.read_text() + f"on_classifier_error: {policy}\n")
    assert client._transport.app.state.services.policies.reload()  # type: ignore[attr-defined]
    scorer.fail = True
    r = await client.post("/v1/chat/completions", json=chat(), headers=ACME)
    assert r.status_code == 200
    body = r.json()
    if policy == "open":
        assert body["guardrail"]["action"] == "classifier_error"
        assert body["choices"][0]["message"]["content"].startswith("The photo shows")
    else:
        assert body["guardrail"]["action"] == "blocked"
        assert body["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize("policy", ["open", "closed"])
async def test_a_stream_that_fails_scoring_follows_the_tenant_policy(
    client: httpx.AsyncClient, standin: Any, scorer: CueScorer, policy: str, policies_dir: Any, registry: Any
) -> None:
    # annotate mode: open lets the text through and says so; closed holds each sentence until it is scored,
    # so a failing classifier stops the stream before any unscored text leaves
    path = policies_dir / "tenants" / "acme-news.yaml"
    path.write_text(path.read_text() + f"on_classifier_error: {policy}\n")
    assert client._transport.app.state.services.policies.reload()  # type: ignore[attr-defined]
    scorer.fail = True
    r = await client.post("/v1/chat/completions", json=chat(stream=True), headers=ACME)
    payloads = sse_payloads(r.text)
    assert payloads[-1] == "[DONE]"
    text = "".join(p["choices"][0]["delta"].get("content") or "" for p in payloads[:-1] if p["choices"])
    action = payloads[-2]["guardrail"]["action"]
    if policy == "open":
        assert text.startswith("The photo shows") and action == "classifier_error"
    else:
        assert "The photo shows" not in text and text.strip().startswith("This answer was withheld")
        assert action == "blocked" and payloads[-3]["choices"][0]["finish_reason"] == "content_filter"
    labels = {"tenant": "acme-news", "frame": "neutral-global", "outcome": action.replace("pass", "ok")}
    assert registry.get_sample_value("guardrail_requests_total", labels) == 1.0


async def test_tenants_never_see_each_others_labels_or_frames(
    client: httpx.AsyncClient, standin: Any, registry: Any
) -> None:
    await client.post("/v1/chat/completions", json=chat(), headers=ACME)
    r = await client.post("/v1/chat/completions", json=chat(), headers={**LUMEN, "x-cultural-frame": "east-asia"})
    assert r.status_code == 403 and "acme" not in r.text
    salts = {b["cache_salt"] for b in standin.received}
    await client.post("/v1/chat/completions", json=chat(), headers=LUMEN)
    assert len({b["cache_salt"] for b in standin.received} - salts) == 1
    m = (await client.get("/v1/models", headers=LUMEN)).json()
    assert m["object"] == "list" and [x["id"] for x in m["data"]] == ["standin-lvlm"]


async def test_unknown_route_and_method_are_openai_shaped(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found_error"
    r = await client.get("/v1/chat/completions", headers=ACME)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["error"] == {
        "message": "Method Not Allowed",
        "type": "invalid_request_error",
        "param": None,
        "code": 405,
    }


async def test_chat_is_in_the_openapi_document_though_served_before_fastapi(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    chat_op = doc["paths"]["/v1/chat/completions"]["post"]
    schema = chat_op["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["model", "messages"]
    assert [p["name"] for p in chat_op["parameters"]] == ["x-cultural-frame"]
    assert {"/v1/score", "/v1/models", "/readyz"} <= set(doc["paths"])
