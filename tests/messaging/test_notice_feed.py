"""noticeReceived's feed: committed notices reach their recipient's live subscribers only.

The notice row is written as another instance would write it, and its event is published on
NATS from outside the service: the instance under test learns of it only from the subject.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import orjson
import pytest
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL as PROTOCOL
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from services.kernel.events import Envelope, uuid7
from services.kernel.principal import (
    PRINCIPAL_HEADER,
    Principal,
    RoleGrant,
    encode_principal_header,
)
from services.kernel.roles import Role
from services.messaging.events import NoticeCreated
from services.messaging.models import Notice
from services.messaging.subscriptions import FEED_KEY, notices_for
from tests.support import (
    Infra,
    ServiceClient,
    eventually,
    new_namespace,
    running_service,
    serving,
)

SCHOOL = uuid4()


@pytest.fixture(scope="module")
async def svc(infra: Infra) -> AsyncIterator[ServiceClient]:
    # One service for the module: every test uses people of its own.
    async with running_service(infra, "messaging", namespace=new_namespace()) as service:
        yield service


def parent(person_id: UUID) -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=person_id,
        session_id=uuid4(),
        school_id=SCHOOL,
        login="mama",
        roles=(RoleGrant(Role.PARENT),),
    )


async def write_notice(svc: ServiceClient, recipient: UUID, text: str, *, announce: bool) -> UUID:
    """A committed notice; announced on NATS as the relay of any instance would."""
    notice_id = uuid7()
    async with svc.runtime.db.sessionmaker() as session, session.begin():
        session.add(
            Notice(
                id=notice_id,
                school_id=SCHOOL,
                recipient_id=recipient,
                kind="absence",
                text=text,
                source_event_id=uuid4(),
            )
        )
    if announce:
        await _announce(svc, notice_id, recipient)
    return notice_id


async def next_text(stream: AsyncIterator[Notice]) -> str:
    return (await asyncio.wait_for(anext(stream), 10)).text


async def test_a_subscriber_gets_its_own_new_notices_and_no_one_elses(svc: ServiceClient) -> None:
    mother, stranger = uuid4(), uuid4()
    ready = svc.background.nats_ready
    mine = notices_for(svc.runtime, ready, parent(mother), None)
    theirs = notices_for(svc.runtime, ready, parent(stranger), None)
    first_mine = asyncio.ensure_future(next_text(mine))
    first_theirs = asyncio.ensure_future(next_text(theirs))
    feed = await eventually(lambda: _feed_with(svc, mother, stranger))

    await write_notice(svc, stranger, "чужое", announce=True)
    await write_notice(svc, mother, "первое", announce=True)
    assert await first_mine == "первое"
    assert await first_theirs == "чужое"
    # Between two reads the subscriber stays registered: nothing is lost meanwhile.
    await write_notice(svc, mother, "второе", announce=True)
    assert await next_text(mine) == "второе"
    await mine.aclose()
    await theirs.aclose()
    assert feed.count(mother) == 0 and feed.count(stranger) == 0


async def test_after_replays_the_missed_notices_once_then_goes_live(svc: ServiceClient) -> None:
    mother = uuid4()
    seen = await write_notice(svc, mother, "прочитано раньше", announce=True)
    missed = [await write_notice(svc, mother, f"пропущено {i}", announce=False) for i in (1, 2)]
    stream = notices_for(svc.runtime, svc.background.nats_ready, parent(mother), seen)
    assert [await next_text(stream), await next_text(stream)] == ["пропущено 1", "пропущено 2"]
    # A replayed notice announced afterwards is not sent again.
    await _announce(svc, missed[0], mother)
    await write_notice(svc, mother, "новое", announce=True)
    assert await next_text(stream) == "новое"
    await stream.aclose()


async def _feed_with(svc: ServiceClient, *people: UUID) -> object:
    feed = svc.runtime.extras.get(FEED_KEY)
    return feed if feed is not None and all(feed.count(p) for p in people) else None


async def _announce(svc: ServiceClient, notice_id: UUID, recipient: UUID) -> None:
    event = NoticeCreated(
        notice_id=notice_id, school_id=SCHOOL, recipient_id=recipient, kind="absence"
    )
    envelope = Envelope.wrap(event, school_id=SCHOOL, actor=None)
    await svc.runtime.extras["nats"].publish(
        envelope.subject(svc.settings.namespace), orjson.dumps(envelope.model_dump(mode="json"))
    )


async def test_the_subgraph_speaks_graphql_transport_ws_to_the_gateway_only(
    svc: ServiceClient,
) -> None:
    mother = uuid4()
    header = encode_principal_header(parent(mother), svc.settings.internal_secret)
    query = "subscription { noticeReceived { text } }"
    async with serving(svc.app, lifespan="off") as address:
        url = f"ws://{address}/graphql"
        # Without the gateway's signed header there is no connection at all.
        with pytest.raises(WebSocketException):
            async with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
                await ws.send(orjson.dumps({"type": "connection_init"}).decode())
                await asyncio.wait_for(ws.recv(), 10)
        async with connect(
            url,
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            additional_headers={PRINCIPAL_HEADER: header},
        ) as ws:
            await ws.send(orjson.dumps({"type": "connection_init"}).decode())
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": query}}
            await ws.send(orjson.dumps(subscribe).decode())
            await eventually(lambda: _feed_with(svc, mother))
            await write_notice(svc, mother, "по сокету", announce=True)
            message = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["payload"] == {"data": {"noticeReceived": {"text": "по сокету"}}}
