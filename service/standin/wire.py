"""The JSON shapes of vLLM 0.32's chat completions, field for field and in its key order.

One place for them, so the test stand-in (`vllm.py`) and the benchmark's fast upstream (`bench/upstream_fast.py`)
cannot drift apart; scripts/vllm/observed_wire_format.md is what they were copied from.
"""

from __future__ import annotations

from typing import Any


def role_choice() -> dict[str, Any]:
    """The first stream chunk's choice: the role, no content yet."""
    return {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}


def content_choice(piece: str) -> dict[str, Any]:
    return {"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None, "token_ids": None}


def finish_choice() -> dict[str, Any]:
    """The last stream chunk's choice: empty content and the finish reason."""
    return {
        "index": 0,
        "delta": {"content": ""},
        "logprobs": None,
        "finish_reason": "stop",
        "stop_reason": None,
        "token_ids": None,
    }


def chunk(completion_id: str, created: int, model: str, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """One `chat.completion.chunk` (the first carries `prompt_token_ids=None, prompt_text=None` as extras)."""
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": choices,
        **extra,
    }


def completion(
    completion_id: str, created: int, model: str, text: str, n: int, fingerprint: str, usage: dict[str, Any]
) -> dict[str, Any]:
    """A whole `chat.completion` with `n` identical choices; `usage` holds the three token counts."""
    message = {
        "role": "assistant",
        "content": text,
        "refusal": None,
        "annotations": None,
        "audio": None,
        "function_call": None,
        "reasoning": None,
    }
    choices = [
        {
            "index": i,
            "message": message,
            "logprobs": None,
            "finish_reason": "stop",
            "stop_reason": None,
            "token_ids": None,
            "routed_experts": None,
        }
        for i in range(n)
    ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "service_tier": None,
        "system_fingerprint": fingerprint,
        "usage": {**usage, "prompt_tokens_details": None, "completion_tokens_details": None},
        "prompt_logprobs": None,
        "prompt_token_ids": None,
        "prompt_text": None,
        "kv_transfer_params": None,
        "ec_transfer_params": None,
        "metrics": None,
    }
