"""The chat-completion path with no web framework in it: tenancy checks, framing, upstream, verdict, enforce."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import orjson

from service.errors import Forbidden, InvalidRequest, UpstreamStatus
from service.gateway.framing import inject, reinforced
from service.gateway.request import check_chat_body
from service.gateway.streaming import StreamContext, relay
from service.gateway.upstream import Upstream
from service.gateway.verdict import Judge, Verdict, flags_header, guardrail_object, outcome
from service.metrics import Metrics
from service.tenancy.models import Frame, Policies, Tenant

FRAME_FIELD = "cultural_frame"


@dataclass(slots=True)
class JsonAnswer:
    """A complete JSON answer."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass(slots=True)
class StreamAnswer:
    """An SSE answer; `chunks` must be iterated to the end or closed."""

    chunks: AsyncGenerator[bytes, None]
    headers: dict[str, str] = field(default_factory=dict)


def resolve_frame(policies: Policies, tenant: Tenant, header: str | None, body: dict[str, Any]) -> Frame:
    """The frame from the header, else the body field (always removed), else the tenant's default."""
    from_body = body.pop(FRAME_FIELD, None)
    if from_body is not None and not isinstance(from_body, str):
        raise InvalidRequest(f"'{FRAME_FIELD}' must be a frame id (a string).", param=FRAME_FIELD)
    frame_id = header or from_body or tenant.default_frame
    # Frames outside the tenant's list and frames that do not exist get the same answer: no probing.
    if frame_id not in tenant.allowed_frames or frame_id not in policies.frames:
        raise Forbidden(
            f"Cultural frame {frame_id!r} is not available to this tenant.", param=FRAME_FIELD, code="frame_not_allowed"
        )
    return policies.frames[frame_id]


class ChatGateway:
    """Handles one chat completion for a known tenant, from checked body to the answer the client gets."""

    def __init__(self, upstream: Upstream, judge: Judge, metrics: Metrics) -> None:
        self.upstream = upstream
        self.judge = judge
        self.metrics = metrics

    async def complete(
        self, policies: Policies, tenant: Tenant, frame_header: str | None, body: dict[str, Any], started: float
    ) -> JsonAnswer | StreamAnswer:
        frame = resolve_frame(policies, tenant, frame_header, body)
        try:
            check_chat_body(body, tenant.image_url_hosts)
            if tenant.models is not None and body["model"] not in tenant.models:
                raise Forbidden(
                    f"Model {body['model']!r} is not available to this tenant.", param="model", code="model_not_allowed"
                )
        except (InvalidRequest, Forbidden):
            self.metrics.count_request(tenant.id, frame.id, "client_error")
            raise
        original_messages = body["messages"]
        body["messages"] = inject(original_messages, frame.instruction, tenant.injection)
        body["cache_salt"] = tenant.salt
        headers = {} if tenant.mode == "observe" else {"x-guardrail-frame": frame.id}
        if body.get("stream"):
            return await self._stream(tenant, frame, body, headers, started)
        return await self._complete(tenant, frame, body, original_messages, headers, started)

    async def _complete(
        self,
        tenant: Tenant,
        frame: Frame,
        body: dict[str, Any],
        original: list[Any],
        headers: dict[str, str],
        started: float,
    ) -> JsonAnswer:
        upstream_seconds = 0.0
        try:
            t0 = time.perf_counter()
            answer = await self.upstream.chat(body)
            upstream_seconds += time.perf_counter() - t0
            verdict = self.judge.judge(tenant, _choice_texts(answer))
            action = verdict.action
            if tenant.mode == "enforce" and verdict.must_block and not verdict.failed:
                self._record(tenant, frame, verdict)  # the model's first answer counts for drift too
                retry = {**body, "messages": inject(original, reinforced(frame.instruction), tenant.injection)}
                t0 = time.perf_counter()
                answer = await self.upstream.chat(retry)
                upstream_seconds += time.perf_counter() - t0
                verdict = self.judge.judge(tenant, _choice_texts(answer))
                action = "regenerated"
            if verdict.must_block and (tenant.mode == "enforce" or verdict.failed and tenant.mode != "observe"):
                _replace_content(answer, tenant.blocked_message)
                action = "blocked"
        except Exception as exc:
            self.metrics.count_request(tenant.id, frame.id, _failure_outcome(exc))
            raise
        finally:
            self.metrics.upstream.labels(self.metrics.label(tenant.id, frame.id)[0]).observe(upstream_seconds)
        self._record(tenant, frame, verdict)
        self.metrics.count_request(tenant.id, frame.id, outcome(action))
        if tenant.mode != "observe":
            answer["guardrail"] = guardrail_object(frame.id, tenant.mode, action, verdict, self.judge.scorer.version)
            headers["x-guardrail-flags"] = flags_header(verdict)
            headers["x-guardrail-action"] = action
        content = orjson.dumps(answer)
        self.metrics.overhead.observe(max(0.0, time.perf_counter() - started - upstream_seconds))
        return JsonAnswer(content, headers)

    def _record(self, tenant: Tenant, frame: Frame, verdict: Verdict) -> None:
        if verdict.assessment is not None:
            self.metrics.record_answer(tenant.id, frame.id, verdict.assessment.scores, verdict.assessment.flags)

    async def _stream(
        self, tenant: Tenant, frame: Frame, body: dict[str, Any], headers: dict[str, str], started: float
    ) -> StreamAnswer:
        t0 = time.perf_counter()
        try:
            response = await self.upstream.open_chat_stream(body)
        except Exception as exc:
            self.metrics.count_request(tenant.id, frame.id, _failure_outcome(exc))
            raise
        ctx = StreamContext(tenant, frame.id, self.judge, self.metrics, started, time.perf_counter() - t0)
        return StreamAnswer(relay(response, ctx), headers)


def _choice_texts(answer: dict[str, Any]) -> list[str]:
    texts = []
    for choice in answer.get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        texts.append(content if isinstance(content, str) else "")
    return texts or [""]


def _replace_content(answer: dict[str, Any], message: str) -> None:
    for choice in answer.get("choices") or ():
        if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
            choice["message"]["content"] = message
            choice["finish_reason"] = "content_filter"


def _failure_outcome(exc: Exception) -> str:
    """A 4xx from the upstream is the request's fault (bad max_tokens, unknown model), not an upstream failure."""
    if isinstance(exc, UpstreamStatus) and exc.status < 500:
        return "client_error"
    return "upstream_error"
