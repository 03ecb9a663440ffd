"""A parent's open subscription hears the ОТ their child got in journal, then ends at logout."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from deploy.system import System
from tests.e2e.conftest import Gateway
from tests.e2e.demo_days import WEEK
from tests.e2e.test_journey import LESSONS, MARK_ABSENT, person_id

pytestmark = pytest.mark.e2e

PROTOCOL = "graphql-transport-ws"
NOTICES = "subscription($after: ID) { noticeReceived(after: $after) { id kind text } }"


async def receive(ws: ClientConnection, timeout: float = 30) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        return orjson.loads(await ws.recv())


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


async def test_a_parent_subscription_receives_the_absence_and_closes_at_logout(
    system: System, gateway: Gateway
) -> None:
    lessons = await gateway.as_user("teacher", LESSONS, WEEK)
    lesson = next(
        les
        for les in lessons["data"]["lessons"]
        if les["schoolClass"]["name"] == "7Б" and les["subject"]["name"] == "алгебра"
    )
    student = await person_id(gateway, "student")
    login = await gateway.login("parent")  # a session of its own: it is logged out below
    token = login["data"]["login"]["accessToken"]
    known = await gateway.gql("{ myNotices { id } }", token=token)
    after = known["data"]["myNotices"][0]["id"] if known["data"]["myNotices"] else None

    url = "ws" + system.graphql_url.removeprefix("http")
    async with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert await receive(ws) == {"type": "connection_ack"}
        subscribe = {"query": NOTICES, "variables": {"after": after}}
        await send(ws, {"id": "n", "type": "subscribe", "payload": subscribe})

        # LATE first: a repeated ОТ is not told twice, a change to ОТ always is.
        for code in ("LATE", "ABSENT"):
            marked = await gateway.as_user(
                "teacher",
                MARK_ABSENT,
                {"input": {"lessonId": lesson["id"], "studentId": student, "code": code}},
            )
            assert "errors" not in marked, marked

        day = ".".join(reversed(lesson["date"].split("-")))
        while True:  # notices of earlier tests may come first (after: replays them)
            message = await receive(ws)
            assert message["type"] == "next", message
            notice = message["payload"]["data"]["noticeReceived"]
            if "алгебра" in notice["text"] and day in notice["text"]:
                break
        assert notice["kind"] == "ABSENCE"
        assert "отсутствовал" in notice["text"]

        out = await gateway.gql("mutation { logout }", token=token)
        assert out["data"]["logout"] is True
        assert await receive(ws) == {"id": "n", "type": "complete"}
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
