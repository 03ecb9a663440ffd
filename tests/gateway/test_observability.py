"""Trace context, Prometheus metrics and the JSON request log of the gateway."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY

from gateway.observability import child_span, traceparent
from services.kernel.app import TRACE_ID, trace_id_of
from services.kernel.principal import Principal
from services.kernel.roles import Role
from tests.gateway.conftest import principal_with
from tests.gateway.subgraphs import Subgraph

TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    "incoming",
    [
        None,
        "",
        "garbage",
        "00-" + "0" * 32 + "-b7ad6b7169203331-01",
        TRACE.replace("-01", "-1"),
        "ff" + TRACE[2:],
        TRACE.replace("0af7", "0AZ7"),
    ],
)
def test_invalid_traceparent_starts_a_new_trace(incoming: str | None) -> None:
    fresh = traceparent(incoming)
    assert fresh != incoming and len(fresh) == 55 and fresh.startswith("00-")
    assert fresh[3:35] != TRACE[3:35]


def test_valid_traceparent_is_continued_and_children_get_their_own_spans() -> None:
    assert traceparent(TRACE.upper().replace("00-", "00-", 1)) == TRACE
    children = {child_span(TRACE) for _ in range(20)}
    assert len(children) == 20
    assert all(c[:36] == TRACE[:36] and c[52:] == "-01" and len(c) == 55 for c in children)


async def test_every_fetch_is_a_child_span_of_the_request(
    client: httpx.AsyncClient,
    subgraphs: dict[str, Subgraph],
    token_for: Callable[[Principal], str],
) -> None:
    token = token_for(principal_with(Role.SUBJECT_TEACHER))
    response = await client.post(
        "/graphql",
        json={"query": "{ people { name marks { value subject { title } } } }"},
        headers={"traceparent": TRACE, "authorization": f"Bearer {token}"},
    )
    assert "errors" not in response.json()
    assert response.headers["traceparent"] == TRACE
    sent = [
        call.headers["traceparent"]
        for sg in subgraphs.values()
        for call in sg.calls
        if "_service" not in call.query
    ]
    assert len(sent) == 3  # people, the journal join, the catalog join
    assert {s[3:35] for s in sent} == {TRACE[3:35]}
    assert len({s[36:52] for s in sent} | {TRACE[36:52]}) == 4


async def test_metrics(client: httpx.AsyncClient) -> None:
    before = {
        "ok": sample("sgo_gateway_requests_total", operation_type="query", outcome="ok"),
        "rejected": sample(
            "sgo_gateway_requests_total", operation_type="unknown", outcome="rejected"
        ),
        "invalid": sample("sgo_gateway_errors_total", code="GRAPHQL_VALIDATION_FAILED"),
        "hit": sample("sgo_gateway_plan_cache_total", result="hit"),
        "miss": sample("sgo_gateway_plan_cache_total", result="miss"),
        "fetches": sample("sgo_gateway_subgraph_fetch_seconds_count", subgraph="people"),
        "latency": sample("sgo_gateway_request_seconds_count", operation_type="query"),
    }
    await client.post("/graphql", json={"query": "query Metrics { hello }"})
    await client.post("/graphql", json={"query": "query Metrics { hello }"})
    await client.post("/graphql", json={"query": "{ nope }"})
    assert sample("sgo_gateway_requests_total", operation_type="query", outcome="ok") == (
        before["ok"] + 2
    )
    assert sample("sgo_gateway_requests_total", operation_type="unknown", outcome="rejected") == (
        before["rejected"] + 1
    )
    assert sample("sgo_gateway_errors_total", code="GRAPHQL_VALIDATION_FAILED") == (
        before["invalid"] + 1
    )
    assert sample("sgo_gateway_plan_cache_total", result="miss") == before["miss"] + 1
    assert sample("sgo_gateway_plan_cache_total", result="hit") == before["hit"] + 1
    assert (
        sample("sgo_gateway_subgraph_fetch_seconds_count", subgraph="people")
        == before["fetches"] + 2
    )
    assert sample("sgo_gateway_request_seconds_count", operation_type="query") == (
        before["latency"] + 2
    )
    exposed = await client.get("/metrics")
    assert exposed.status_code == 200
    assert "sgo_gateway_requests_total" in exposed.text


async def test_one_json_log_line_per_request_without_secrets(
    client: httpx.AsyncClient,
    token_for: Callable[[Principal], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = token_for(principal_with(Role.STUDENT))
    with caplog.at_level(logging.INFO, logger="sgo.gateway.requests"):
        await client.post(
            "/graphql",
            json={
                "query": "query Greet($n: String) { hello(name: $n) broken }",
                "variables": {"n": "секрет-переменной"},
                "operationName": "Greet",
            },
            headers={"traceparent": TRACE, "authorization": f"Bearer {token}"},
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "sgo.gateway.requests"]
    assert len(lines) == 1
    line = orjson.loads(lines[0])
    assert line["trace_id"] == TRACE[3:35]
    assert line["operation_name"] == "Greet"
    assert line["operation_type"] == "query"
    assert line["status"] == 200
    assert line["error_codes"] == ["NOT_FOUND"]
    assert line["duration_ms"] > 0
    assert "секрет" not in lines[0] and token not in lines[0] and "hello" not in lines[0]


def test_services_put_the_trace_id_in_their_log_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert trace_id_of(TRACE) == TRACE[3:35]
    assert trace_id_of("nonsense") == "-"
    token = TRACE_ID.set(trace_id_of(TRACE))
    try:
        with caplog.at_level(logging.INFO, logger="sgo.test"):
            logging.getLogger("sgo.test").info("marked")
    finally:
        TRACE_ID.reset(token)
    assert caplog.records[-1].trace_id == TRACE[3:35]  # type: ignore[attr-defined]
