"""Parse and check a chat-completion body cheaply: plain dicts, no whole-body model validation.

Only what the guardrail relies on is checked here; everything else (sampling parameters, tools) is the
upstream's to validate, and its answer is passed back.
"""

from __future__ import annotations

import binascii
from typing import Any
from urllib.parse import urlsplit

import orjson

from service.errors import InvalidRequest

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def parse_json_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise InvalidRequest("The request body is empty; expected a JSON object.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return body


def check_chat_body(body: dict[str, Any], image_hosts: list[str] | None) -> None:
    """Raise `InvalidRequest` naming the offending field; `image_hosts` None allows any http(s) host."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' is required and must be a non-empty string.", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("'messages' is required and must be a non-empty array.", param="messages")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise InvalidRequest(f"'{where}' must be an object.", param=where)
        role = message.get("role")
        if role not in ROLES:
            raise InvalidRequest(f"'{where}.role' must be one of {', '.join(sorted(ROLES))}.", param=f"{where}.role")
        content = message.get("content")
        if content is None or isinstance(content, str):
            continue
        if not isinstance(content, list):
            raise InvalidRequest(f"'{where}.content' must be a string or an array of parts.", param=f"{where}.content")
        for j, part in enumerate(content):
            _check_part(part, f"{where}.content[{j}]", image_hosts)
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise InvalidRequest("'stream' must be a boolean.", param="stream")
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise InvalidRequest("'stream_options' must be an object.", param="stream_options")
    n = body.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 16):
        raise InvalidRequest("'n' must be an integer between 1 and 16.", param="n")


def _check_part(part: object, where: str, image_hosts: list[str] | None) -> None:
    if not isinstance(part, dict) or not isinstance(part.get("type"), str):
        raise InvalidRequest(f"'{where}' must be an object with a string 'type'.", param=where)
    kind = part["type"]
    if kind == "text":
        if not isinstance(part.get("text"), str):
            raise InvalidRequest(f"'{where}.text' must be a string.", param=f"{where}.text")
    elif kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str):
            raise InvalidRequest(f"'{where}.image_url.url' must be a string.", param=f"{where}.image_url")
        check_image_url(url, f"{where}.image_url.url", image_hosts)


def check_image_url(url: str, where: str, image_hosts: list[str] | None) -> None:
    if url.startswith("data:"):
        _check_data_url(url, where)
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(f"'{where}' must be an http(s) URL or a data: URL.", param=where)
    if image_hosts is not None and parts.hostname.lower() not in image_hosts:
        raise InvalidRequest(
            f"'{where}': images from host {parts.hostname!r} are not allowed for this tenant; "
            "send the image as a data: URL.",
            param=where,
        )


def _check_data_url(url: str, where: str) -> None:
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise InvalidRequest(f"'{where}' is not a valid data URL (no comma).", param=where)
    media_type, _, encoding = header.partition(";")
    if not media_type.startswith("image/"):
        raise InvalidRequest(f"'{where}' must carry an image/* media type, got {media_type!r}.", param=where)
    if encoding != "base64":
        raise InvalidRequest(f"'{where}' must be base64-encoded (data:image/...;base64,...).", param=where)
    try:
        decoded = binascii.a2b_base64(payload, strict_mode=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"'{where}' has invalid base64 data.", param=where) from None
    if not decoded:
        raise InvalidRequest(f"'{where}' carries an empty image.", param=where)
