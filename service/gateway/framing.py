"""Inject a frame's instruction into the messages: merged into the system message, or prefixed to the user turn."""

from __future__ import annotations

from typing import Any

REINFORCEMENT = (
    "Your previous answer described this through an outside lens. Answer again: explain what you see in the "
    "terms of the people it belongs to (local names, occasion, meaning, who takes part). Do not call it strange, "
    "mysterious or exotic, do not measure it against Western customs, and do not judge it as backward, crude "
    "or superstitious."
)


def inject(messages: list[Any], instruction: str, injection: str) -> list[Any]:
    """Return a new message list carrying `instruction`; the caller's list and parts are not modified."""
    out = list(messages)
    if injection == "user_prefix":
        for i, message in enumerate(out):
            if message.get("role") == "user":
                out[i] = _with_prefix(message, instruction)
                return out
        return [{"role": "user", "content": instruction}, *out]
    if out and out[0].get("role") == "system":
        out[0] = _with_prefix(out[0], instruction)
        return out
    return [{"role": "system", "content": instruction}, *out]


def reinforced(instruction: str) -> str:
    return f"{instruction}\n\n{REINFORCEMENT}"


def _with_prefix(message: dict[str, Any], instruction: str) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, list):
        new_content: Any = [{"type": "text", "text": instruction}, *content]
    elif content:
        new_content = f"{instruction}\n\n{content}"
    else:
        new_content = instruction
    return {**message, "content": new_content}
