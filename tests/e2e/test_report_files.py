"""Reports as files through the gateway: the deputy orders the сводная ведомость of a class,
follows the job over the gateway's WebSocket and downloads the file by its signed link."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import openpyxl
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from deploy.system import System
from tests.e2e.conftest import Gateway
from tests.e2e.test_journal_lessons import base_url

pytestmark = pytest.mark.e2e

PROTOCOL = "graphql-transport-ws"
YEAR_AND_CLASSES = "{ academicYears { id name } schoolClasses { id name } }"
REQUEST = """mutation($p: ReportParametersInput!) {
  requestReport(kind: PROGRESS_SUMMARY, parameters: $p, format: XLSX) { id status }
}"""
FOLLOW = "subscription($id: ID!) { reportJobUpdated(id: $id) { status progress downloadUrl } }"
ARCHIVE = "query($y: ID!) { archive(academicYearId: $y) { id className } }"


async def receive(ws: ClientConnection, timeout: float = 90) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        return orjson.loads(await ws.recv())


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


async def test_the_deputy_orders_a_class_sheet_follows_it_live_and_downloads_it(
    system: System, gateway: Gateway
) -> None:
    known = await gateway.as_user("zavuch", YEAR_AND_CLASSES)
    year = known["data"]["academicYears"][0]
    school_class = next(c for c in known["data"]["schoolClasses"] if c["name"] == "7Б")
    params = {"academicYearId": year["id"], "schoolClassId": school_class["id"]}
    ordered = await gateway.as_user("zavuch", REQUEST, {"p": params})
    assert "errors" not in ordered, ordered
    job = ordered["data"]["requestReport"]

    token = await gateway.token("zavuch")
    url = "ws" + system.graphql_url.removeprefix("http")
    async with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert await receive(ws) == {"type": "connection_ack"}
        await send(
            ws,
            {"id": "j", "type": "subscribe", "payload": {"query": FOLLOW, "variables": job}},
        )
        updates = []
        while (message := await receive(ws))["type"] == "next":
            updates.append(message["payload"]["data"]["reportJobUpdated"])
        assert message == {"id": "j", "type": "complete"}
    assert updates[-1]["status"] == "DONE" and updates[-1]["progress"] == 100
    link = updates[-1]["downloadUrl"]
    assert link.startswith("/report-files/")

    answer = await gateway.http.get(base_url(system) + link)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    texts = {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    assert "Сводная ведомость успеваемости 7Б класса" in texts
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    assert (await gateway.http.get(base_url(system) + forged)).status_code == 403


async def test_a_parent_may_neither_order_a_report_nor_open_the_archive(
    gateway: Gateway,
) -> None:
    known = await gateway.as_user("zavuch", YEAR_AND_CLASSES)
    year = known["data"]["academicYears"][0]["id"]
    school_class = known["data"]["schoolClasses"][0]["id"]
    ordered = await gateway.as_user(
        "parent", REQUEST, {"p": {"academicYearId": year, "schoolClassId": school_class}}
    )
    assert ordered["data"] is None or ordered["data"]["requestReport"] is None
    assert ordered["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = await gateway.as_user("parent", ARCHIVE, {"y": year})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    allowed = await gateway.as_user("zavuch", ARCHIVE, {"y": year})
    assert allowed["data"]["archive"] == []  # the demo's year is not closed
