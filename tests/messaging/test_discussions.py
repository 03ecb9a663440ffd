"""Discussions: the chats the system keeps from the replica, forum topics for an audience,
membership that follows enrolment, and moderation that hides, never deletes, and is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.messaging.mail_world import School, feed, mail_service
from tests.messaging.test_mail import error, gql
from tests.support import Infra, ServiceClient

LIST = "{ discussions { id kind title schoolClassName posts mayModerate } }"
POSTS = "query($id: ID!) { discussionPosts(id: $id) { id body hidden hiddenReason author { id } } }"
POST = (
    "mutation($id: ID!, $body: String!) { postToDiscussion(id: $id, body: $body) "
    "{ id body author { id } } }"
)
HIDE = "mutation($id: ID!, $r: String!) { hidePost(id: $id, reason: $r) { id hidden body } }"
RESTORE = "mutation($id: ID!) { restorePost(id: $id) { id hidden body } }"
LOG = "query($id: ID!) { moderationLog(id: $id) { postId action reason moderator { id } } }"
TOPIC = (
    "mutation($t: String!, $b: String!, $a: [AudienceInput!]!) "
    "{ openForumTopic(title: $t, body: $b, audiences: $a) { id kind title posts } }"
)


@pytest.fixture
async def world(infra: Infra) -> AsyncIterator[tuple[ServiceClient, School]]:
    async with mail_service(infra) as pair:
        yield pair


async def titles(svc: ServiceClient, school: School, who: str) -> dict[str, dict[str, Any]]:
    result = await gql(svc, school, who, LIST)
    assert "errors" not in result, result
    return {d["title"]: d for d in result["data"]["discussions"]}


async def test_each_person_sees_the_chats_the_system_keeps_for_them(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    assert set(await titles(svc, school, "student")) == {"Чат класса 7Б"}
    assert set(await titles(svc, school, "parent")) == {"Родители класса 7Б"}
    assert set(await titles(svc, school, "teacher")) == {"Учительская"}
    klassruk = await titles(svc, school, "klassruk")
    assert set(klassruk) == {"Учительская", "Чат класса 7Б", "Родители класса 7Б"}
    assert klassruk["Чат класса 7Б"]["mayModerate"] and not klassruk["Учительская"]["mayModerate"]
    director = await titles(svc, school, "director")
    assert {"Чат класса 8А", "Родители класса 8А", "Учительская"} <= set(director)
    assert all(d["mayModerate"] for d in director.values())


async def test_members_post_and_others_do_not_see_the_chat(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    chat = (await titles(svc, school, "student"))["Чат класса 7Б"]["id"]
    posted = await gql(svc, school, "student", POST, id=chat, body="Завтра контрольная?")
    assert "errors" not in posted, posted
    seen = await gql(svc, school, "classmate", POSTS, id=chat)
    assert [p["body"] for p in seen["data"]["discussionPosts"]] == ["Завтра контрольная?"]
    for outsider in ("student8", "parent", "teacher"):
        result = await gql(svc, school, outsider, POSTS, id=chat)
        assert error(result)["extensions"]["code"] == "NOT_FOUND", outsider
        result = await gql(svc, school, outsider, POST, id=chat, body="Привет")
        assert error(result)["extensions"]["code"] == "NOT_FOUND", outsider
    for bad in ("", "a\x00", "я" * 4001):
        result = await gql(svc, school, "student", POST, id=chat, body=bad)
        assert error(result)["extensions"] == {"code": "VALIDATION", "field": "body"}


async def test_a_student_who_leaves_the_class_leaves_its_chat_the_same_day(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    chat = (await titles(svc, school, "student"))["Чат класса 7Б"]["id"]
    school.roster.envelopes.clear()
    school.journal = []
    school.roster.add(
        "people.student.left",
        person_id=school.ids["student"],
        school_id=school.roster.school_id,
        school_class_id=school.ids["c7"],
        left_on="2026-12-01",
        kind="departure",
    )
    await feed(svc, school)
    assert await titles(svc, school, "student") == {}
    result = await gql(svc, school, "student", POSTS, id=chat)
    assert error(result)["extensions"]["code"] == "NOT_FOUND"
    # Their parent's class chat goes with the child's enrolment too.
    assert await titles(svc, school, "parent") == {}


async def test_moderators_hide_a_post_with_a_reason_and_every_act_is_kept(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    chat = (await titles(svc, school, "student"))["Чат класса 7Б"]["id"]
    posted = await gql(svc, school, "classmate", POST, id=chat, body="Грубость")
    [post] = posted["data"]["postToDiscussion"]

    refused = await gql(svc, school, "student", HIDE, id=post["id"], r="Грубо")
    assert error(refused)["extensions"]["code"] == "FORBIDDEN"
    stranger = await gql(svc, school, "other_teacher", HIDE, id=post["id"], r="Грубо")
    assert error(stranger)["extensions"]["code"] == "NOT_FOUND"
    no_reason = await gql(svc, school, "klassruk", HIDE, id=post["id"], r=" ")
    assert error(no_reason)["extensions"] == {"code": "VALIDATION", "field": "reason"}

    hidden = await gql(svc, school, "klassruk", HIDE, id=post["id"], r="Оскорбление")
    assert hidden["data"]["hidePost"] == [{"id": post["id"], "hidden": True, "body": "Грубость"}]
    members = await gql(svc, school, "student", POSTS, id=chat)
    assert members["data"]["discussionPosts"] == [
        {
            "id": post["id"],
            "body": None,
            "hidden": True,
            "hiddenReason": "Оскорбление",
            "author": {"id": str(school.ids["classmate"])},
        }
    ]
    await gql(svc, school, "director", RESTORE, id=post["id"])
    back = await gql(svc, school, "student", POSTS, id=chat)
    assert back["data"]["discussionPosts"][0]["body"] == "Грубость"

    log = await gql(svc, school, "klassruk", LOG, id=chat)
    assert [
        (e["action"], e["reason"], e["moderator"]["id"]) for e in log["data"]["moderationLog"]
    ] == [
        ("hide", "Оскорбление", str(school.ids["klassruk"])),
        ("restore", None, str(school.ids["director"])),
    ]
    not_moderator = await gql(svc, school, "student", LOG, id=chat)
    assert error(not_moderator)["extensions"]["code"] == "FORBIDDEN"


async def test_a_forum_topic_is_open_to_its_audience_only(
    world: tuple[ServiceClient, School],
) -> None:
    svc, school = world
    audience = [{"kind": "CLASS_PARENTS", "schoolClassId": str(school.ids["c7"])}]
    opened = await gql(
        svc,
        school,
        "psychologist",
        TOPIC,
        t="Адаптация пятиклассников",
        b="Делимся опытом",
        a=audience,
    )
    assert "errors" not in opened, opened
    topic = opened["data"]["openForumTopic"]
    assert (topic["kind"], topic["posts"]) == ("FORUM_TOPIC", 1)
    assert topic["id"] in {d["id"] for d in (await titles(svc, school, "parent2")).values()}
    reply = await gql(svc, school, "parent2", POST, id=topic["id"], body="Спасибо!")
    assert "errors" not in reply, reply
    outsider = await gql(svc, school, "parent8", POSTS, id=topic["id"])
    assert error(outsider)["extensions"]["code"] == "NOT_FOUND"
    for who in ("student", "teacher"):
        refused = await gql(svc, school, who, TOPIC, t="Тема", b="Текст", a=audience)
        assert error(refused)["extensions"]["code"] == "FORBIDDEN", who
