"""Mapping the upstream's error answers."""

from __future__ import annotations

import pytest

from service.gateway.upstream import error_from_upstream


@pytest.mark.parametrize(
    ("status", "raw", "expected"),
    [
        (
            400,
            b'{"error": {"message": "bad", "type": "BadRequestError", "param": "max_tokens", "code": 400}}',
            (400, "bad", "BadRequestError", "max_tokens"),
        ),
        (
            400,
            b'{"object": "error", "message": "old", "type": "BadRequestError", "param": null, "code": 400}',
            (400, "old", "BadRequestError", None),
        ),
        (404, b'{"detail": "Not Found"}', (404, "Not Found", "upstream_error", None)),
        (
            500,
            b"<html>oops</html>",
            (502, "The model server failed: The model server answered HTTP 500.", "upstream_error", None),
        ),
        (503, b"", (503, "The model server answered HTTP 503.", "upstream_error", None)),
    ],
    ids=["nested", "flat", "fastapi-detail", "html-500", "empty-503"],
)
def test_error_shapes(status: int, raw: bytes, expected: tuple[int, str, str, str | None]) -> None:
    err = error_from_upstream(status, raw)
    assert (err.status, err.message, err.type, err.param) == expected
