"""The end of the school day: ОТ left without a reason is published once per school and day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from services.journal import end_of_day
from services.journal.models import AbsenceControl
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from services.kernel.uow import OUTBOX
from tests.journal.roster import Roster, fed_journal
from tests.journal.test_attendance import MARK, RESOLVE
from tests.journal.test_journal import LOAD, SCHEDULE, SUBJECT, World, data
from tests.support import Infra, eventually, new_namespace

TOMSK = ZoneInfo("Asia/Tomsk")
# Days the service's own clock leaves alone (it checks only today and yesterday).
DAY = date.today() - timedelta(days=4)
QUIET_DAY = date.today() - timedelta(days=6)


def at(day: date, hour: int) -> datetime:
    """A moment of the school's day, as the injected clock tells it."""
    return datetime.combine(day, time(hour, 0), TOMSK)


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    namespace = new_namespace()
    r = Roster()
    c7b, c8a = r.school_class(7, "Б"), r.school_class(8, "А")
    ids = {"7Б": c7b, "8А": c8a}
    ids["teacher"] = r.staff("Учителев", Role.SUBJECT_TEACHER)
    ids["klassruk"] = r.staff("Классов", Role.CLASS_TEACHER, school_class_id=c7b)
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["secretary"] = r.staff("Секретарёв", Role.ACADEMIC_SECRETARY)
    ids["absent"] = r.student("Пропусков", c7b)
    ids["late"] = r.student("Опоздалов", c7b)
    ids["ill"] = r.student("Болеев", c7b)
    ids["eighth"] = r.student("Восьмов", c8a)
    who = {
        "teacher": r.principal(ids["teacher"], Role.SUBJECT_TEACHER),
        "klassruk": r.principal(ids["klassruk"], Grant(Role.CLASS_TEACHER, school_class_id=c7b)),
        "deputy": r.principal(ids["deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "secretary": r.principal(ids["secretary"], Role.ACADEMIC_SECRETARY),
    }
    async with fed_journal(infra, r, namespace=namespace) as (svc, events):
        w = World(svc, r, events, ids, who)
        algebra = data(await w.gql(SUBJECT, "deputy", n="алгебра"))["createSubject"]["id"]
        for school_class in (c7b, c8a):
            data(await w.gql(LOAD, "deputy", t=str(ids["teacher"]), c=str(school_class), s=algebra))
        for key, school_class, number in (("first", c7b, 1), ("third", c7b, 3), ("8a", c8a, 2)):
            lesson = data(
                await w.gql(
                    SCHEDULE,
                    "secretary",
                    c=str(school_class),
                    s=algebra,
                    t=str(ids["teacher"]),
                    d=DAY.isoformat(),
                    n=number,
                )
            )["scheduleLesson"]
            ids[key] = UUID(lesson["id"])
        marks = (
            ("first", "absent", "ABSENT"),
            ("third", "absent", "ABSENT"),
            ("first", "late", "LATE"),
            ("first", "ill", "ABSENT"),
            ("8a", "eighth", "ABSENT"),
        )
        for lesson_key, student, code in marks:
            data(await w.gql(MARK, "teacher", l=str(ids[lesson_key]), s=str(ids[student]), c=code))
        data(await w.gql(RESOLVE, "klassruk", s=str(ids["ill"]), d=DAY.isoformat(), c="Б"))
        yield w


async def unresolved_events(world: World) -> list[dict[str, Any]]:
    async with world.svc.runtime.db.sessionmaker() as s:
        rows = await s.scalars(
            select(OUTBOX.c.envelope).where(OUTBOX.c.subject.like("%journal.absences.unresolved"))
        )
        return [e for e in rows if e["payload"]["date"] == DAY.isoformat()]


async def test_nothing_is_published_before_the_school_day_ends(world: World) -> None:
    published = await end_of_day.control_due(
        world.svc.runtime, at(DAY, 17), school_ids=[world.roster.school_id]
    )
    assert published == []
    assert await unresolved_events(world) == []


async def test_after_the_day_ends_the_unresolved_absences_are_published_once(
    world: World,
) -> None:
    runtime, school = world.svc.runtime, world.roster.school_id
    [event] = await end_of_day.control_due(runtime, at(DAY, 19), school_ids=[school])
    by_class = {c.school_class_id: c for c in event.classes}
    seven_b = by_class[world.ids["7Б"]]
    assert seven_b.class_teacher_id == world.ids["klassruk"]
    [student] = seven_b.students  # the late arrival and the resolved illness are not listed
    assert student.student_id == world.ids["absent"]
    assert student.lesson_ids == [world.ids["first"], world.ids["third"]]
    assert student.lesson_numbers == [1, 3]
    assert by_class[world.ids["8А"]].class_teacher_id is None

    # Later that evening, or after a restart: the day is not published again.
    assert await end_of_day.control_due(runtime, at(DAY, 23), school_ids=[school]) == []
    assert await end_of_day.control_due(runtime, at(DAY + timedelta(days=1), 9)) == []
    [stored] = await unresolved_events(world)
    assert stored["school_id"] == str(school)

    async def on_the_wire() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.absences.unresolved")
            if e["payload"]["date"] == DAY.isoformat()
        ]

    [wire] = await eventually(on_the_wire)
    assert wire["payload"]["classes"][0]["students"][0]["lesson_numbers"]


async def test_a_day_without_unresolved_absences_publishes_nothing(world: World) -> None:
    runtime, school = world.svc.runtime, world.roster.school_id
    assert await end_of_day.control_due(runtime, at(QUIET_DAY, 20), school_ids=[school]) == []
    async with runtime.db.sessionmaker() as s:
        checked = await s.scalar(
            select(AbsenceControl.unresolved).where(
                AbsenceControl.school_id == school, AbsenceControl.date == QUIET_DAY
            )
        )
    assert checked == 0


async def test_the_background_task_follows_its_injected_clock(world: World) -> None:
    runtime, school = world.svc.runtime, world.roster.school_id
    day = date.today() - timedelta(days=8)
    task = asyncio.create_task(
        end_of_day.run_control(runtime, clock=lambda: at(day, 21), every=0.05)
    )
    try:

        async def checked() -> bool:
            async with runtime.db.sessionmaker() as s:
                return bool(
                    await s.scalar(
                        select(func.count()).where(
                            AbsenceControl.school_id == school, AbsenceControl.date == day
                        )
                    )
                )

        assert await eventually(checked)
    finally:
        task.cancel()
