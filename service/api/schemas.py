"""OpenAPI descriptions of the request bodies the routes read themselves (documentation, not validation)."""

from __future__ import annotations

from typing import Any


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route whose required body is one JSON object of this schema."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_CONTENT_PART: dict[str, Any] = {
    "oneOf": [
        {
            "type": "object",
            "required": ["type", "text"],
            "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
        },
        {
            "type": "object",
            "required": ["type", "image_url"],
            "properties": {
                "type": {"const": "image_url"},
                "image_url": {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}},
            },
        },
    ]
}

CHAT_BODY = _json_body(
    {
        "type": "object",
        "required": ["model", "messages"],
        "properties": {
            "model": {"type": "string"},
            "messages": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["role"],
                    "properties": {
                        "role": {
                            "type": "string",
                            "enum": ["system", "developer", "user", "assistant", "tool"],
                        },
                        "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": _CONTENT_PART}]},
                    },
                },
            },
            "stream": {"type": "boolean"},
            "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
            "max_tokens": {"type": "integer"},
            "temperature": {"type": "number"},
            "n": {"type": "integer"},
            "cultural_frame": {
                "type": "string",
                "description": "A frame id from the tenant's allowed_frames.",
            },
        },
    }
)
CHAT_BODY["parameters"] = [
    {
        "name": "x-cultural-frame",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "A frame id from the tenant's allowed_frames (wins over the body's cultural_frame).",
    }
]

SCORE_BODY = _json_body(
    {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "input": {"type": "array", "items": {"type": "string"}, "maxItems": 64},
        },
    }
)
