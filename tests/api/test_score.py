"""POST /v1/score."""

from __future__ import annotations

import httpx
import pytest

from tests.support import ACME_KEY, LUMEN_KEY

pytestmark = pytest.mark.anyio
ACME = {"authorization": f"Bearer {ACME_KEY}"}


async def test_scores_one_text_with_evidence(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/score", json={"text": "A crude, exotic dance."}, headers=ACME)
    assert r.status_code == 200
    body = r.json()
    assert body["flags"]["devaluing"] and body["flags"]["exoticizing"] and not body["flags"]["care"]
    assert body["evidence"]["devaluing"][0]["text"] == "crude" and body["classifier"] == "cue-test-1"


async def test_scores_a_batch_under_the_tenants_thresholds(client: httpx.AsyncClient) -> None:
    texts = ["Nothing to see.", "Superstitious rites."]
    r = await client.post("/v1/score", json={"input": texts}, headers={"authorization": f"Bearer {LUMEN_KEY}"})
    data = r.json()["data"]
    assert [d["index"] for d in data] == [0, 1]
    assert [d["flags"]["devaluing"] for d in data] == [False, True]


@pytest.mark.parametrize(
    "body",
    [{"text": ""}, {"text": 5}, {"input": []}, {"input": ["ok", 3]}, {}, {"input": ["x"] * 65}],
    ids=["empty", "number", "empty-list", "bad-item", "nothing", "too-many"],
)
async def test_bad_bodies_get_400(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    r = await client.post("/v1/score", json=body, headers=ACME)
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"


async def test_needs_a_tenant_key(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/score", json={"text": "hi"})).status_code == 401
