"""Trusted documents: by documentId or APQ hash, from a manifest; off, allow and only."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from gateway.trusted_documents import parse_manifest
from tests.gateway.edge import codes, serve
from tests.gateway.subgraphs import RoutingTransport, Subgraph

HELLO = "query Hello { hello }"
HELLO_ID = hashlib.sha256(HELLO.encode()).hexdigest()
OTHER = "{ journalHello }"
OTHER_ID = hashlib.sha256(OTHER.encode()).hexdigest()


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-documents.json"
    path.write_bytes(orjson.dumps({HELLO_ID: HELLO}))
    return path


def apq(sha: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def test_only_mode_runs_the_manifest_and_nothing_else(
    transport: RoutingTransport, subgraphs: dict[str, Subgraph], manifest: Path
) -> None:
    settings = {"gateway_trusted_documents": "only", "gateway_trusted_manifest": manifest}
    async with serve(transport, **settings) as (_, client):
        by_id = await client.post("/graphql", json={"documentId": f"sha256:{HELLO_ID}"})
        by_apq = await client.post("/graphql", json={"extensions": apq(HELLO_ID)})
        by_get = await client.get("/graphql", params={"documentId": f"sha256:{HELLO_ID}"})
        by_text = await client.post("/graphql", json={"query": HELLO})
        for response in (by_id, by_apq, by_get, by_text):
            assert response.json() == {"data": {"hello": "Привет, мир"}}
        calls = len(subgraphs["journal"].queries())
        headers = {"accept": "application/graphql-response+json"}
        other = await client.post("/graphql", json={"query": OTHER}, headers=headers)
        assert other.status_code == 400
        assert codes(other.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
        unknown = await client.post("/graphql", json={"extensions": apq(OTHER_ID)})
        assert codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        # Registering APQ-style does not open the list in production mode.
        register = await client.post("/graphql", json={"query": OTHER, "extensions": apq(OTHER_ID)})
        assert codes(register.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert len(subgraphs["journal"].queries()) == calls == 0


async def test_allow_mode_registers_apq_documents(
    transport: RoutingTransport, manifest: Path
) -> None:
    settings = {"gateway_trusted_documents": "allow", "gateway_trusted_manifest": manifest}
    async with serve(transport, **settings) as (_, client):
        first = await client.post("/graphql", json={"extensions": apq(OTHER_ID)})
        assert codes(first.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        register = await client.post("/graphql", json={"query": OTHER, "extensions": apq(OTHER_ID)})
        assert register.json() == {"data": {"journalHello": "журнал"}}
        again = await client.post("/graphql", json={"extensions": apq(OTHER_ID)})
        assert again.json() == {"data": {"journalHello": "журнал"}}
        text = await client.post("/graphql", json={"query": "{ hello }"})
        assert text.json() == {"data": {"hello": "Привет, мир"}}
        lying = await client.post("/graphql", json={"query": "{ hello }", "documentId": OTHER_ID})
        assert codes(lying.json()) == ["BAD_REQUEST"]


async def test_off_mode_refuses_ids_without_text(transport: RoutingTransport) -> None:
    async with serve(transport) as (_, client):
        response = await client.post("/graphql", json={"documentId": f"sha256:{HELLO_ID}"})
        assert codes(response.json()) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
        response = await client.post("/graphql", json={"query": HELLO, "extensions": apq("x")})
        assert response.json() == {"data": {"hello": "Привет, мир"}}


def test_manifest_formats_and_a_wrong_hash() -> None:
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": HELLO_ID, "name": "Hello", "type": "query", "body": HELLO}],
    }
    assert parse_manifest(orjson.dumps(apollo)) == {HELLO_ID: HELLO}
    assert parse_manifest(orjson.dumps({f"sha256:{HELLO_ID}": HELLO})) == {HELLO_ID: HELLO}
    with pytest.raises(ValueError, match="does not match"):
        parse_manifest(orjson.dumps({OTHER_ID: HELLO}))
