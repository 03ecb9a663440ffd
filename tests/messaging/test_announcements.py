"""The announcement board: who posts for whom, what each reader's board shows, and how many of
the audience have read it, class by class."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from services.messaging.audiences import school_today
from tests.messaging.mail_world import School, mail_service
from tests.messaging.test_mail import error, gql
from tests.support import Infra, ServiceClient

ITEM = "id title pinned audiences readAt readerCount author { id } shownFrom shownUntil"
POST = f"mutation($input: AnnouncementInput!) {{ postAnnouncement(input: $input) {{ {ITEM} }} }}"
BOARD = f"{{ announcements {{ {ITEM} }} }}"
READ = f"mutation($id: ID!) {{ markAnnouncementRead(id: $id) {{ {ITEM} }} }}"
READS = (
    "query($id: ID!) { announcementReads(id: $id) "
    "{ readers read byClass { schoolClassName readers read } } }"
)
WITHDRAW = "mutation($id: ID!) { withdrawAnnouncement(id: $id) }"


@pytest.fixture
async def world(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    async with mail_service(infra) as pair:
        yield pair


async def post(
    svc: ServiceClient, school: School, who: str, audiences: list[dict[str, Any]], **kw: Any
) -> dict[str, Any]:
    given = {"title": kw.pop("title", "Объявление"), "body": "Текст", "audiences": audiences, **kw}
    return await gql(svc, school, who, POST, input=given)


async def board_ids(svc: ServiceClient, school: School, who: str) -> list[str]:
    result = await gql(svc, school, who, BOARD)
    assert "errors" not in result, result
    return [a["id"] for a in result["data"]["announcements"]]


async def test_a_school_wide_announcement_is_read_class_by_class(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    posted = await post(svc, school, "director", [{"kind": "WHOLE_SCHOOL"}], title="Каникулы")
    assert "errors" not in posted, posted
    item = posted["data"]["postAnnouncement"]
    assert item["audiences"] == ["Вся школа"] and item["readerCount"] == 11
    for reader in ("parent", "student8", "teacher", "psychologist"):
        assert item["id"] in await board_ids(svc, school, reader)
    for reader in ("parent", "student", "teacher"):
        read = await gql(svc, school, reader, READ, id=item["id"])
        assert read["data"]["markAnnouncementRead"]["readAt"] is not None
        assert read["data"]["markAnnouncementRead"]["readerCount"] is None  # the author's figure

    reads = await gql(svc, school, "director", READS, id=item["id"])
    assert reads["data"]["announcementReads"] == {
        "readers": 11,
        "read": 3,
        "byClass": [
            {"schoolClassName": "7Б", "readers": 4, "read": 2},
            {"schoolClassName": "8А", "readers": 2, "read": 0},
            {"schoolClassName": None, "readers": 5, "read": 1},
        ],
    }
    for outsider in ("deputy", "klassruk"):
        other = await gql(svc, school, outsider, READS, id=item["id"])
        assert error(other)["extensions"]["code"] == "NOT_FOUND"


async def test_teachers_post_for_their_own_classes_and_families_not_at_all(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    own = [{"kind": "CLASS_PARENTS", "schoolClassId": str(school.ids["c7"])}]
    posted = await post(svc, school, "klassruk", own, title="Собрание 7Б")
    assert "errors" not in posted, posted
    assert posted["data"]["postAnnouncement"]["readerCount"] == 2
    assert posted["data"]["postAnnouncement"]["id"] in await board_ids(svc, school, "parent2")
    assert posted["data"]["postAnnouncement"]["id"] not in await board_ids(svc, school, "parent8")

    other = [{"kind": "CLASS_PARENTS", "schoolClassId": str(school.ids["c8"])}]
    refused = await post(svc, school, "klassruk", other)
    assert error(refused)["extensions"] == {"code": "FORBIDDEN", "field": "audiences"}
    for family in ("parent", "student"):
        refused = await post(svc, school, family, own)
        assert error(refused)["extensions"]["code"] == "FORBIDDEN"
    staff = await post(svc, school, "psychologist", [{"kind": "ALL_STAFF"}])
    assert "errors" not in staff, staff


async def test_the_board_shows_pinned_first_within_the_dates_and_not_withdrawn(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    everyone = [{"kind": "WHOLE_SCHOOL"}]
    today = school_today()
    first = await post(svc, school, "director", everyone, title="Обычное")
    pinned = await post(svc, school, "director", everyone, title="Важное", pinned=True)
    later = await post(
        svc,
        school,
        "director",
        everyone,
        title="Позже",
        shownFrom=(today + timedelta(days=3)).isoformat(),
    )
    ids = [x["data"]["postAnnouncement"]["id"] for x in (first, pinned, later)]
    assert await board_ids(svc, school, "parent") == [ids[1], ids[0]]
    assert ids[2] in await board_ids(svc, school, "director")  # the author sees it already

    wrong = await post(
        svc,
        school,
        "director",
        everyone,
        shownFrom=today.isoformat(),
        shownUntil=(today - timedelta(days=1)).isoformat(),
    )
    assert error(wrong)["extensions"] == {"code": "VALIDATION", "field": "shownUntil"}
    for bad in ({"title": ""}, {"title": "a\x00b"}, {"title": "я" * 201}):
        refused = await post(svc, school, "director", everyone, **bad)
        assert error(refused)["extensions"] == {"code": "VALIDATION", "field": "title"}
    nobody = await gql(
        svc, school, "director", POST, input={"title": "Т", "body": "Т", "audiences": []}
    )
    assert error(nobody)["extensions"] == {"code": "VALIDATION", "field": "audiences"}

    not_mine = await gql(svc, school, "deputy", WITHDRAW, id=ids[0])
    assert error(not_mine)["extensions"]["code"] == "NOT_FOUND"
    gone = await gql(svc, school, "director", WITHDRAW, id=ids[0])
    assert gone["data"]["withdrawAnnouncement"] is True
    assert ids[0] not in await board_ids(svc, school, "parent")
    stranger = await gql(svc, school, "parent8", READ, id=ids[0])
    assert error(stranger)["extensions"]["code"] == "NOT_FOUND"
