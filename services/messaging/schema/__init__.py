"""The messaging subgraph, assembled from one module per area.

Each area declares its own `…Query`, `…Mutation` and `…Subscription` types; the roots below
inherit them all, so adding an area is one import and one base class.
"""

from __future__ import annotations

import strawberry

from services.kernel.graphql import build_schema
from services.messaging.schema.announcements import (
    Announcement,
    AnnouncementReads,
    AnnouncementsMutation,
    AnnouncementsQuery,
)
from services.messaging.schema.discussions import (
    Discussion,
    DiscussionPost,
    DiscussionsMutation,
    DiscussionsQuery,
)
from services.messaging.schema.mail import (
    AddressGroup,
    Correspondent,
    Letter,
    MailMutation,
    MailQuery,
    MailSubscription,
    UnreadByRank,
)
from services.messaging.schema.notices import (
    Notice,
    NoticesMutation,
    NoticesQuery,
    NoticesSubscription,
)


@strawberry.type
class Query(NoticesQuery, MailQuery, AnnouncementsQuery, DiscussionsQuery):
    pass


@strawberry.type
class Mutation(NoticesMutation, MailMutation, AnnouncementsMutation, DiscussionsMutation):
    pass


@strawberry.type
class Subscription(NoticesSubscription, MailSubscription):
    pass


schema = build_schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[
        Notice,
        Letter,
        Correspondent,
        AddressGroup,
        UnreadByRank,
        Announcement,
        AnnouncementReads,
        Discussion,
        DiscussionPost,
    ],
)
