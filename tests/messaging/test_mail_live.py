"""messageReceived: a letter reaches its recipients' live subscribers once it is committed and
relayed, and no one else's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from services.messaging.mailbox import LetterView
from services.messaging.subscriptions import LETTER_FEED_KEY, letters_for
from tests.messaging.mail_world import mail_service
from tests.messaging.test_mail import SEND, gql
from tests.support import Infra, eventually


async def next_subject(stream: AsyncIterator[LetterView]) -> str:
    return (await asyncio.wait_for(anext(stream), 15)).subject


async def test_a_sent_letter_reaches_each_recipients_subscription_and_no_one_elses(
    infra: Infra,
) -> None:
    async with mail_service(infra) as (svc, school):
        ready = svc.background.nats_ready
        streams = {
            who: letters_for(svc.runtime, ready, school.who(who), None)
            for who in ("parent", "parent2", "parent8")
        }
        firsts = {who: asyncio.ensure_future(next_subject(s)) for who, s in streams.items()}

        async def listening() -> bool:
            feed = svc.runtime.extras.get(LETTER_FEED_KEY)
            return feed is not None and all(feed.count(school.ids[w]) for w in streams)

        await eventually(listening)
        to = [str(school.ids["parent"]), str(school.ids["parent2"])]
        sent = await gql(
            svc,
            school,
            "klassruk",
            SEND,
            input={"to": to, "subject": "Собрание", "body": "В 18:00"},
        )
        assert "errors" not in sent, sent
        assert await firsts["parent"] == "Собрание"
        assert await firsts["parent2"] == "Собрание"
        await asyncio.sleep(0.5)
        assert not firsts["parent8"].done()  # not a recipient: hears nothing

        for pending in firsts.values():
            pending.cancel()
        await asyncio.gather(*firsts.values(), return_exceptions=True)
        for s in streams.values():
            await s.aclose()

        # Reconnecting with the last letter one has: the missed ones come first, once.
        missed = await gql(
            svc,
            school,
            "teacher",
            SEND,
            input={"to": [str(school.ids["parent"])], "subject": "Оценки", "body": "…"},
        )
        assert "errors" not in missed, missed
        stream = letters_for(
            svc.runtime, ready, school.who("parent"), sent["data"]["sendMessage"]["id"]
        )
        assert await next_subject(stream) == "Оценки"
        await stream.aclose()
