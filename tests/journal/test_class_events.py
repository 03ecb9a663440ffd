"""A class's events: scheduled by its class teacher (or the upbringing deputy), read by the
class's people, announced to messaging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.journal.school import TODAY, School, code_of, data, open_school
from tests.support import Infra

SCHEDULE = """mutation($c: ID!, $k: ClassEventKind!, $t: String!, $from: Date!, $to: Date!,
                   $p: String, $d: String, $at: Time) {
  scheduleClassEvent(input: {schoolClassId: $c, kind: $k, title: $t, startsOn: $from,
                             endsOn: $to, place: $p, description: $d, startsAt: $at}) {
    id kind kindLabel title place startsOn endsOn startsAt schoolClass { id } createdBy { id }
  }
}"""
CANCEL = "mutation($id: ID!) { cancelClassEvent(id: $id) { id } }"
EVENTS = """query($c: ID!, $from: Date!, $to: Date!) {
  classEvents(schoolClassId: $c, from: $from, to: $to) { id title kind startsOn endsOn }
}"""
WEEK_AHEAD = {"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=7)).isoformat()}


@pytest.fixture(scope="module")
async def school(infra: Infra) -> AsyncIterator[School]:
    async with open_school(infra) as s:
        yield s


async def schedule(
    school: School,
    as_: str,
    school_class: str = "7Б",
    title: str = "Субботник",
    days: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    start = TODAY + timedelta(days=2)
    return await school.gql(
        SCHEDULE,
        as_,
        c=str(school.ids[school_class]),
        k=extra.pop("kind", "SUBBOTNIK"),
        t=title,
        **{"from": start.isoformat(), "to": (start + timedelta(days=days - 1)).isoformat()},
        **extra,
    )


async def test_the_class_teacher_schedules_an_event_messaging_hears_of(school: School) -> None:
    result = await schedule(school, "klassruk", p="школьный двор", at="14:00:00")
    event = data(result)["scheduleClassEvent"]
    assert event["kind"] == "SUBBOTNIK" and event["kindLabel"] == "субботник"
    assert event["place"] == "школьный двор" and event["startsAt"] == "14:00:00"
    assert event["createdBy"] == {"id": str(school.ids["klassruk"])}
    published = await school.event("journal.class_event.scheduled", class_event_id=event["id"])
    assert published["payload"]["school_class_id"] == str(school.ids["7Б"])
    assert published["payload"]["kind"] == "subbotnik"
    assert published["payload"]["title"] == "Субботник"


async def test_a_class_teacher_cannot_schedule_for_another_class(school: School) -> None:
    assert code_of(await schedule(school, "klassruk", "8А")) == "FORBIDDEN"


async def test_a_subject_teacher_cannot_schedule_class_events(school: School) -> None:
    assert code_of(await schedule(school, "teacher")) == "FORBIDDEN"


async def test_the_upbringing_deputy_schedules_for_any_class(school: School) -> None:
    result = await schedule(
        school, "upbringing", "8А", "Родительское собрание", kind="PARENT_MEETING"
    )
    assert data(result)["scheduleClassEvent"]["kind"] == "PARENT_MEETING"


async def test_another_schools_class_teacher_does_not_find_the_class(school: School) -> None:
    assert code_of(await schedule(school, "alien_klassruk")) == "NOT_FOUND"


async def test_an_event_over_a_month_or_with_a_foreign_title_is_refused(school: School) -> None:
    assert code_of(await schedule(school, "klassruk", days=32)) == "VALIDATION"
    assert code_of(await schedule(school, "klassruk", title="Cleanup day")) == "VALIDATION"
    assert data(await schedule(school, "klassruk", title="Экскурсия", days=31, kind="TRIP"))


async def test_the_class_and_its_families_and_teachers_read_its_events(school: School) -> None:
    title = "Конкурс чтецов"
    data(await schedule(school, "klassruk", title=title, kind="CONTEST"))
    c7b = str(school.ids["7Б"])
    for reader in ("klassruk", "student", "parent", "teacher", "english1", "deputy"):
        events = data(await school.gql(EVENTS, reader, c=c7b, **WEEK_AHEAD))["classEvents"]
        assert title in {e["title"] for e in events}, reader


async def test_people_of_another_class_cannot_read_its_events(school: School) -> None:
    c7b = str(school.ids["7Б"])
    for reader in ("other_parent", "klassruk_8a", "other_teacher"):
        result = await school.gql(EVENTS, reader, c=c7b, **WEEK_AHEAD)
        assert result == {"data": {"classEvents": []}}, reader  # a list: as for no class


async def test_a_cancelled_event_leaves_the_calendar(school: School) -> None:
    event = data(await schedule(school, "klassruk", title="Поход в музей", kind="TRIP"))
    event_id = event["scheduleClassEvent"]["id"]
    # Another class's events are not there for 8А's class teacher: as for no event at all.
    hidden = await school.gql(CANCEL, "klassruk_8a", id=event_id)
    assert hidden == await school.gql(CANCEL, "klassruk_8a", id=str(uuid4()))
    assert code_of(hidden) == "NOT_FOUND"
    data(await school.gql(CANCEL, "klassruk", id=event_id))
    events = data(await school.gql(EVENTS, "parent", c=str(school.ids["7Б"]), **WEEK_AHEAD))
    assert event_id not in {e["id"] for e in events["classEvents"]}
    published = await school.event("journal.class_event.cancelled", class_event_id=event_id)
    assert published["payload"]["title"] == "Поход в музей"
    assert code_of(await school.gql(CANCEL, "klassruk", id=event_id)) == "CONFLICT"
