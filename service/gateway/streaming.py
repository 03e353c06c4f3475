"""Relay an upstream SSE stream to the client event by event, then score the whole text and append verdict.

Events go out as soon as they are complete (enforce mode, and annotate mode under on_classifier_error: closed,
hold back at most the current sentence until it is scored). The text
is accumulated and scored once the upstream says ``[DONE]``; the last chunk before our own ``[DONE]`` has
``"choices": []`` and the `guardrail` object.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from service.classifier.types import Assessment
from service.errors import UpstreamError, UpstreamTimeout, error_body
from service.gateway.holdback import SentenceGate
from service.gateway.sse import DONE, EventSplitter, StreamState, encode_event, event_data
from service.gateway.upstream import UpstreamStream
from service.gateway.verdict import Judge, Verdict, guardrail_object, outcome
from service.metrics import Metrics
from service.tenancy.models import Tenant


@dataclass(slots=True)
class StreamContext:
    """Everything one streamed request needs besides the upstream response."""

    tenant: Tenant
    frame: str
    judge: Judge
    metrics: Metrics
    started: float
    upstream_open_seconds: float
    outcome: str = "ok"
    gate_verdict: Verdict | None = field(default=None)  # the sentence that made the enforce gate block


async def relay(response: UpstreamStream, ctx: StreamContext) -> AsyncGenerator[bytes, None]:
    """Yield the client's byte stream. Closing this generator closes the upstream stream (vLLM stops)."""
    state = StreamState()
    splitter = EventSplitter()
    gate = SentenceGate(lambda text: _sentence_blocks(ctx, text)) if _gated(ctx.tenant) else None
    done = False
    first_content_at: float | None = None
    upstream_waited = 0.0
    try:
        iterator = response.chunks()
        while not done:
            wait_from = time.perf_counter()
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            upstream_waited += time.perf_counter() - wait_from
            events = splitter.feed(chunk)
            if not events:
                continue
            if gate is None and b"[DONE]" not in (run := b"".join(events)):  # joined only without a gate
                # Nothing to hold back: forward first, read after, so parsing never delays the client's tokens.
                forwarded_at = time.perf_counter()
                yield run
                added = "".join([state.add(p) for e in events if (p := event_data(e)) is not None])
                if added and first_content_at is None:
                    first_content_at = forwarded_at
                    _observe_ttft(ctx, forwarded_at)
            else:
                out: list[bytes] = []
                for event in events:
                    payload = event_data(event)
                    if payload == b"[DONE]":
                        done = True
                        break
                    added = state.add(payload) if payload is not None else ""
                    if added and first_content_at is None:
                        first_content_at = time.perf_counter()
                        _observe_ttft(ctx, first_content_at)
                    if gate is None:
                        out.append(event)
                        continue
                    out.extend(gate.push(event, added))
                    if gate.blocked:
                        break
                if out:
                    yield b"".join(out)
                if gate is not None and gate.blocked:
                    yield _blocked_tail(ctx, state)
                    return
            if state.error is not None:
                # vLLM sends an error event then [DONE]; the error is already on its way to the client.
                ctx.outcome = "upstream_error"
                ctx.metrics.upstream_errors.labels("stream_error_event").inc()
                yield DONE
                return
        if not done:
            ctx.outcome = "upstream_error"
            ctx.metrics.upstream_errors.labels("stream_cut").inc()
            yield _error_event("The model server closed the stream before it finished.", "upstream_error", 502)
            yield DONE
            return
        if gate is not None:
            released = gate.finish()
            if released:
                yield b"".join(released)
            if gate.blocked:
                yield _blocked_tail(ctx, state)
                return
        yield _final_chunk(ctx, state) + DONE
    except UpstreamTimeout as exc:
        ctx.outcome = "upstream_error"
        ctx.metrics.upstream_errors.labels("stream_timeout").inc()
        yield _error_event(exc.message, "upstream_timeout", 504)
        yield DONE
    except UpstreamError as exc:
        ctx.outcome = "upstream_error"
        ctx.metrics.upstream_errors.labels("stream_broken").inc()
        yield _error_event(exc.message, "upstream_error", 502)
        yield DONE
    except BaseException:
        ctx.outcome = "cancelled"
        raise
    finally:
        response.close()
        _account(ctx, upstream_waited)


def _gated(tenant: Tenant) -> bool:
    """Text waits for its sentence's verdict in enforce mode, and in annotate mode under
    on_classifier_error: closed, which must not let unscored text out (there only a failure blocks)."""
    return tenant.mode == "enforce" or (tenant.mode == "annotate" and tenant.on_classifier_error == "closed")


def _observe_ttft(ctx: StreamContext, at: float) -> None:
    ctx.metrics.ttft.labels(ctx.metrics.label(ctx.tenant.id, ctx.frame)[0]).observe(at - ctx.started)


def _sentence_blocks(ctx: StreamContext, text: str) -> bool:
    verdict = ctx.judge.judge(ctx.tenant, [text])
    blocks = verdict.must_block if ctx.tenant.mode == "enforce" else verdict.failed
    if blocks:
        ctx.gate_verdict = verdict
    return blocks


def _final_chunk(ctx: StreamContext, state: StreamState) -> bytes:
    verdict = ctx.judge.judge(ctx.tenant, state.choice_texts())
    _record(ctx, verdict)
    # Every word has already gone out, so nothing is "blocked" here: under on_classifier_error: closed the sentence
    # gate stops a stream before unscored text leaves, and a failure only this last call sees is reported as such.
    action = verdict.action
    ctx.outcome = outcome(action)
    if ctx.tenant.mode == "observe":
        return b""
    obj = guardrail_object(ctx.frame, ctx.tenant.mode, action, verdict, ctx.judge.scorer.version)
    return encode_event(state.chunk([], guardrail=obj))


def _blocked_tail(ctx: StreamContext, state: StreamState) -> bytes:
    """End a stream the gate stopped: a content_filter chunk, the verdict, and [DONE]."""
    verdict = ctx.judge.judge(ctx.tenant, state.choice_texts())
    _record(ctx, verdict)
    ctx.outcome = "blocked"
    gate_verdict = ctx.gate_verdict or verdict
    stop = state.chunk(
        [
            {
                "index": 0,
                "delta": {"content": "\n\n" + ctx.tenant.blocked_message},
                "logprobs": None,
                "finish_reason": "content_filter",
            }
        ]
    )
    shown = Verdict(verdict.assessment, gate_verdict.blocking, verdict.failed)
    obj = guardrail_object(ctx.frame, ctx.tenant.mode, "blocked", shown, ctx.judge.scorer.version)
    return encode_event(stop) + encode_event(state.chunk([], guardrail=obj)) + DONE


def _record(ctx: StreamContext, verdict: Verdict) -> None:
    assessment: Assessment | None = verdict.assessment
    if assessment is not None:
        ctx.metrics.record_answer(ctx.tenant.id, ctx.frame, assessment.scores, assessment.flags)


def _error_event(message: str, type_: str, code: int) -> bytes:
    return encode_event(error_body(message, type_, None, code))


def _account(ctx: StreamContext, upstream_waited: float) -> None:
    total = time.perf_counter() - ctx.started
    ctx.metrics.count_request(ctx.tenant.id, ctx.frame, ctx.outcome)
    ctx.metrics.upstream.labels(ctx.metrics.label(ctx.tenant.id, ctx.frame)[0]).observe(
        upstream_waited + ctx.upstream_open_seconds
    )
    ctx.metrics.overhead.observe(max(0.0, total - upstream_waited - ctx.upstream_open_seconds))
