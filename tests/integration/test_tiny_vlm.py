"""Images through the guardrail into vLLM's real multimodal path (a tiny random-weight Idefics3 model)."""

from __future__ import annotations

import base64
import time
import zlib

import httpx
import pytest

from tests.integration.conftest import VllmServer
from tests.support import ACME_KEY, LoopbackServer

pytestmark = pytest.mark.vllm
VLLM_KIND = "tiny-vlm"
AUTH = {"authorization": f"Bearer {ACME_KEY}"}


def png_data_url() -> str:
    """A 32x32 RGB gradient PNG, written by hand so the test needs no imaging library."""
    width = height = 32
    raw = b"".join(b"\x00" + b"".join(bytes((x * 8, y * 8, 128)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_image_parts_reach_vllms_multimodal_preprocessing(guardrail: LoopbackServer) -> None:
    def ask(content: object) -> httpx.Response:
        return httpx.post(
            f"{guardrail.url}/v1/chat/completions",
            headers=AUTH,
            timeout=120,
            json={"model": "tiny-vlm", "max_tokens": 8, "messages": [{"role": "user", "content": content}]},
        )

    text_only = ask([{"type": "text", "text": "What is shown?"}])
    with_image = ask(
        [{"type": "text", "text": "What is shown?"}, {"type": "image_url", "image_url": {"url": png_data_url()}}]
    )
    assert text_only.status_code == 200 and with_image.status_code == 200, with_image.text
    assert with_image.json()["usage"]["prompt_tokens"] > text_only.json()["usage"]["prompt_tokens"]
    assert "guardrail" in with_image.json()


def test_readyz_follows_vllm_health(guardrail: LoopbackServer, vllm: VllmServer) -> None:
    assert httpx.get(f"{guardrail.url}/readyz").status_code == 200
    vllm.stop()
    deadline = time.monotonic() + 10
    while httpx.get(f"{guardrail.url}/readyz").status_code != 503 and time.monotonic() < deadline:
        time.sleep(0.2)
    r = httpx.get(f"{guardrail.url}/readyz")
    assert r.status_code == 503 and r.json()["error"]["code"] == "upstream_unavailable"
