"""Live notices and letters: ``noticeReceived`` and ``messageReceived`` fed from messaging's
own committed writes.

Every notice is created in a transaction that also writes ``messaging.notice.created`` to the
outbox; the relay publishes it to NATS after the commit. Each messaging instance listens to
that subject with a plain (core) NATS subscription — every instance gets every event, so a
subscriber connected to any instance hears about notices written by any other — and wakes the
local subscribers of the recipient. The notice itself is then read from the database, so a
subscriber only ever sees committed rows, and only its own.

A subscriber may pass ``after`` (the id of the last notice it has): notices since then are
sent first, so a client that reconnects, or subscribes just as a notice is written, loses
nothing. Notice ids are UUIDv7, ordered by creation time. Letters arrive the same way, from
``messaging.message.sent`` (one event names every recipient of a letter).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import select

from services.kernel.db import Database
from services.kernel.errors import NotFound
from services.kernel.graphql import Runtime
from services.kernel.principal import Principal
from services.messaging import mailbox
from services.messaging.events import MessageSent, NoticeCreated
from services.messaging.models import Notice
from services.messaging.notices import NOTICES_LIMIT, _person

log = logging.getLogger("sgo.messaging.live")

FEED_KEY = "notice_feed"
LETTER_FEED_KEY = "letter_feed"


class NoticeFeed:
    """One per process: recipient -> the queues of its live subscribers."""

    event_type = NoticeCreated.type

    def __init__(self) -> None:
        # A person gets a few notices a day: unbounded queues never grow in practice.
        self._subscribers: dict[UUID, set[asyncio.Queue[UUID]]] = {}
        self._started: asyncio.Task[None] | None = None

    def listen(self, runtime: Runtime, nats_ready: asyncio.Event) -> None:
        """Subscribe to the notice events once NATS answers (once per process)."""
        if self._started is None:
            self._started = runtime.spawn(self._subscribe(runtime, nats_ready), "notice-feed")

    async def ready(self) -> None:
        if self._started is not None:
            await asyncio.shield(self._started)

    async def _subscribe(self, runtime: Runtime, nats_ready: asyncio.Event) -> None:
        await nats_ready.wait()
        nc = runtime.extras["nats"]
        # Core NATS, not a durable consumer: every instance hears every notice; nats-py
        # renews the interest after a reconnect.
        await nc.subscribe(f"{runtime.settings.namespace}.{self.event_type}", cb=self._on_event)
        await nc.flush()  # the server knows the interest before the first subscriber waits

    def targets(self, payload: dict[str, Any]) -> list[tuple[UUID, UUID]]:
        """(recipient, item) pairs an event tells of."""
        return [(UUID(payload["recipient_id"]), UUID(payload["notice_id"]))]

    async def _on_event(self, msg: Any) -> None:
        try:
            targets = self.targets(orjson.loads(msg.data)["payload"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("unreadable %s event", self.event_type)
            return
        for recipient, item in targets:
            for queue in self._subscribers.get(recipient, ()):
                queue.put_nowait(item)

    @contextlib.contextmanager
    def subscribed(self, recipient: UUID) -> Iterator[asyncio.Queue[UUID]]:
        queue: asyncio.Queue[UUID] = asyncio.Queue()
        self._subscribers.setdefault(recipient, set()).add(queue)
        try:
            yield queue
        finally:
            queues = self._subscribers.get(recipient, set())
            queues.discard(queue)
            if not queues:
                self._subscribers.pop(recipient, None)

    def count(self, recipient: UUID) -> int:
        """Live subscribers of this person in this process."""
        return len(self._subscribers.get(recipient, ()))


class LetterFeed(NoticeFeed):
    """Letters as they are delivered: one event names every recipient."""

    event_type = MessageSent.type

    def targets(self, payload: dict[str, Any]) -> list[tuple[UUID, UUID]]:
        message = UUID(payload["message_id"])
        return [(UUID(r), message) for r in payload["recipient_ids"]]


def feed_of(
    runtime: Runtime, nats_ready: asyncio.Event, key: str = FEED_KEY, kind: type = NoticeFeed
) -> NoticeFeed:
    feed = runtime.extras.get(key)
    if feed is None:
        feed = runtime.extras[key] = kind()
    feed.listen(runtime, nats_ready)
    return feed


async def _since(db: Database, principal: Principal, person: UUID, after: UUID) -> list[Notice]:
    query = select(Notice).where(Notice.recipient_id == person, Notice.id > after)
    if principal.school_id is not None:
        query = query.where(Notice.school_id == principal.school_id)
    query = query.order_by(Notice.id).limit(NOTICES_LIMIT)
    async with db.sessionmaker() as session:
        return list((await session.scalars(query)).all())


async def _load(db: Database, principal: Principal, person: UUID, notice_id: UUID) -> Notice | None:
    async with db.sessionmaker() as session:
        row = await session.get(Notice, notice_id)
    if row is None or row.recipient_id != person:
        return None
    if principal.school_id is not None and row.school_id != principal.school_id:
        return None
    return row


async def notices_for(
    runtime: Runtime,
    nats_ready: asyncio.Event,
    principal: Principal,
    after: UUID | None,
) -> AsyncIterator[Notice]:
    """The caller's new notices as they are committed, after ``after``'s if given."""
    person = _person(principal)
    feed = feed_of(runtime, nats_ready)
    await feed.ready()
    with feed.subscribed(person) as queue:  # register first: nothing falls between
        caught_up: set[UUID] = set()
        if after is not None:
            for row in await _since(runtime.db, principal, person, after):
                caught_up.add(row.id)
                yield row
        while True:
            notice_id = await queue.get()
            if notice_id in caught_up:
                continue
            row = await _load(runtime.db, principal, person, notice_id)
            if row is not None:
                yield row


async def letters_for(
    runtime: Runtime,
    nats_ready: asyncio.Event,
    principal: Principal,
    after: UUID | None,
) -> AsyncIterator[mailbox.LetterView]:
    """The caller's newly delivered letters, after ``after``'s if given (letter ids are
    UUIDv7, ordered by creation)."""
    person = _person(principal)
    feed = feed_of(runtime, nats_ready, LETTER_FEED_KEY, LetterFeed)
    await feed.ready()
    with feed.subscribed(person) as queue:
        caught_up: set[UUID] = set()
        if after is not None:
            for view in await mailbox.delivered_since(runtime.db, principal, after):
                caught_up.add(view.id)
                yield view
        while True:
            message_id = await queue.get()
            if message_id in caught_up:
                continue
            try:
                yield await mailbox.letter(runtime.db, principal, message_id)
            except NotFound:
                continue  # not this caller's school, or moved on already
