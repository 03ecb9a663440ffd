"""The journal through its subgraph, with the roster replica fed by people's events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

from services.journal.models import Enrolment, MarkHistory, RoleGrant, SchoolClass
from services.kernel.principal import Principal
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from tests.journal.roster import Roster, envelope, fed_journal, publish
from tests.support import Infra, ServiceClient, eventually, new_namespace

# Relative to today: lessons older than the school's lock period cannot take marks.
LESSON_DAY = (date.today() - timedelta(days=1)).isoformat()
FROM = (date.today() - timedelta(days=4)).isoformat()
TO = (date.today() + timedelta(days=2)).isoformat()
OTHER_DAY = date.today().isoformat()


@dataclass
class World:
    svc: ServiceClient
    roster: Roster
    events: list[dict[str, Any]]
    ids: dict[str, UUID]
    who: dict[str, Principal]

    async def gql(self, query: str, as_: str, **variables: Any) -> dict[str, Any]:
        return await self.svc.gql(query, variables, principal=self.who[as_])

    def published(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result
    return result["data"]


RECORD = """mutation($l: ID!, $s: ID!, $v: Int!, $c: String) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v, comment: $c}) {
    id value label comment student { id }
  }
}"""
ABSENT = """mutation($l: ID!, $s: ID!, $c: AttendanceCode!) {
  markAbsent(input: {lessonId: $l, studentId: $s, code: $c}) { id kind code label student { id } }
}"""
DIARY = """query($s: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $s, from: $from, to: $to) {
    date
    lessons { number topic homework subject { name } marks { value } attendance { code label } }
  }
}"""
SUBJECT = "mutation($n: String!) { createSubject(input: {name: $n}) { id name } }"
LOAD = """mutation($t: ID!, $c: ID!, $s: ID!) {
  assignTeachingLoad(input: {teacherId: $t, schoolClassId: $c, subjectId: $s}) { id }
}"""
SCHEDULE = """mutation($c: ID!, $s: ID!, $t: ID!, $d: Date!, $n: Int!) {
  scheduleLesson(input: {schoolClassId: $c, subjectId: $s, teacherId: $t, date: $d, number: $n}) {
    id date number subject { name }
  }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    namespace = new_namespace()
    r = Roster()
    c7b, c8a = r.school_class(7, "Б"), r.school_class(8, "А")
    ids = {"7Б": c7b, "8А": c8a}
    ids["teacher"] = r.staff("Учителев", Role.SUBJECT_TEACHER)
    ids["other_teacher"] = r.staff("Другов", Role.SUBJECT_TEACHER)
    ids["klassruk"] = r.staff(
        "Классов", Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, school_class_id=c7b
    )
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["secretary"] = r.staff("Секретарёв", Role.ACADEMIC_SECRETARY)
    ids["student"] = r.student("Ученико", c7b)
    ids["classmate"] = r.student("Однокласснико", c7b)
    ids["other_student"] = r.student("Чужов", c8a)
    ids["parent"] = r.parent("Родителева", ids["student"])
    ids["other_parent"] = r.parent("Посторонняя", ids["other_student"])
    who = {
        "teacher": r.principal(ids["teacher"], Role.SUBJECT_TEACHER),
        "other_teacher": r.principal(ids["other_teacher"], Role.SUBJECT_TEACHER),
        "klassruk": r.principal(
            ids["klassruk"], Role.SUBJECT_TEACHER, Grant(Role.CLASS_TEACHER, school_class_id=c7b)
        ),
        "deputy": r.principal(ids["deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "secretary": r.principal(ids["secretary"], Role.ACADEMIC_SECRETARY),
        "student": r.principal(ids["student"], Role.STUDENT),
        "classmate": r.principal(ids["classmate"], Role.STUDENT),
        "parent": r.principal(ids["parent"], Grant(Role.PARENT, student_ids=(ids["student"],))),
        "other_parent": r.principal(
            ids["other_parent"], Grant(Role.PARENT, student_ids=(ids["other_student"],))
        ),
    }
    async with fed_journal(infra, r, namespace=namespace) as (svc, events):
        w = World(svc, r, events, ids, who)
        algebra = data(await w.gql(SUBJECT, "deputy", n="алгебра"))["createSubject"]["id"]
        russian = data(await w.gql(SUBJECT, "deputy", n="русский язык"))["createSubject"]["id"]
        ids["алгебра"], ids["русский язык"] = UUID(algebra), UUID(russian)
        for teacher, school_class, subject in (
            ("teacher", c7b, algebra),
            ("other_teacher", c8a, algebra),
            ("klassruk", c7b, russian),
        ):
            data(await w.gql(LOAD, "deputy", t=str(ids[teacher]), c=str(school_class), s=subject))
        for key, teacher, school_class, subject, number in (
            ("lesson_7b", "teacher", c7b, algebra, 2),
            ("lesson_8a", "other_teacher", c8a, algebra, 3),
            ("lesson_7b_russian", "klassruk", c7b, russian, 1),
        ):
            lesson = data(
                await w.gql(
                    SCHEDULE,
                    "secretary",
                    c=str(school_class),
                    s=subject,
                    t=str(ids[teacher]),
                    d=LESSON_DAY,
                    n=number,
                )
            )["scheduleLesson"]
            ids[key] = UUID(lesson["id"])
        yield w


async def test_teacher_records_a_mark_for_a_student_of_their_class(world: World) -> None:
    result = await world.gql(
        RECORD,
        "teacher",
        l=str(world.ids["lesson_7b"]),
        s=str(world.ids["student"]),
        v=5,
        c="Устный ответ",
    )
    mark = data(result)["recordMark"]
    assert mark["value"] == 5 and mark["label"] == "отлично"
    assert mark["student"] == {"id": str(world.ids["student"])}

    async def arrived() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.mark.recorded")
            if e["payload"]["mark_id"] == mark["id"]
        ]

    [event] = await eventually(arrived)
    payload = event["payload"]
    assert payload["value"] == 5 and payload["subject_name"] == "алгебра"
    assert payload["school_class_id"] == str(world.ids["7Б"])
    assert payload["teacher_id"] == str(world.ids["teacher"])
    assert payload["date"] == LESSON_DAY
    assert event["actor"] == str(world.ids["teacher"])


async def test_teacher_cannot_mark_a_class_they_do_not_teach(world: World) -> None:
    result = await world.gql(
        RECORD, "teacher", l=str(world.ids["lesson_8a"]), s=str(world.ids["other_student"]), v=4
    )
    # A lesson of a class they neither teach nor lead is one they do not see.
    assert code_of(result) == "NOT_FOUND"
    assert result["errors"][0]["message"] == "Урок не найден."


async def test_a_mark_outside_two_to_five_is_refused(world: World) -> None:
    result = await world.gql(
        RECORD, "teacher", l=str(world.ids["lesson_7b"]), s=str(world.ids["student"]), v=6
    )
    assert code_of(result) == "VALIDATION"
    assert "2, 3, 4 или 5" in result["errors"][0]["message"]


async def test_a_student_of_another_class_cannot_be_marked(world: World) -> None:
    result = await world.gql(
        RECORD, "teacher", l=str(world.ids["lesson_7b"]), s=str(world.ids["other_student"]), v=4
    )
    assert code_of(result) == "VALIDATION"
    assert result["errors"][0]["message"] == "Учащийся не числится в классе 7Б."


async def test_mark_absent_sets_attendance_and_publishes_it(world: World) -> None:
    result = await world.gql(
        ABSENT, "teacher", l=str(world.ids["lesson_7b"]), s=str(world.ids["classmate"]), c="ABSENT"
    )
    attendance = data(result)["markAbsent"]
    assert attendance["kind"] == "ABSENT"
    assert (attendance["code"], attendance["label"]) == ("ОТ", "отсутствовал")

    async def arrived() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.attendance.set")
            if e["payload"]["attendance_id"] == attendance["id"]
        ]

    [event] = await eventually(arrived)
    assert event["payload"]["code"] == "ОТ"
    assert event["payload"]["lesson_number"] == 2
    assert event["payload"]["subject_name"] == "алгебра"
    assert event["payload"]["set_by"] == str(world.ids["teacher"])

    # Setting it again (late after all) updates the same row and publishes the new code.
    again = data(
        await world.gql(
            ABSENT,
            "teacher",
            l=str(world.ids["lesson_7b"]),
            s=str(world.ids["classmate"]),
            c="LATE",
        )
    )["markAbsent"]
    assert again["id"] == attendance["id"] and again["code"] == "ОП"


async def test_another_teacher_cannot_mark_absence_in_a_lesson_they_do_not_teach(
    world: World,
) -> None:
    result = await world.gql(
        ABSENT,
        "other_teacher",
        l=str(world.ids["lesson_7b"]),
        s=str(world.ids["student"]),
        c="LATE",
    )
    assert code_of(result) == "NOT_FOUND"


async def test_diary_is_read_by_the_student_and_their_parent(world: World) -> None:
    data(
        await world.gql(
            RECORD,
            "klassruk",
            l=str(world.ids["lesson_7b_russian"]),
            s=str(world.ids["student"]),
            v=4,
        )
    )
    for reader in ("student", "parent"):
        days = data(
            await world.gql(DIARY, reader, s=str(world.ids["student"]), **{"from": FROM, "to": TO})
        )["diary"]
        [day] = days
        assert day["date"] == LESSON_DAY
        assert [x["number"] for x in day["lessons"]] == [1, 2]
        russian, algebra = day["lessons"]
        assert russian["subject"]["name"] == "русский язык"
        assert 4 in [m["value"] for m in russian["marks"]]
        assert algebra["subject"]["name"] == "алгебра"
        assert algebra["attendance"] == []  # the classmate's absence is not in this diary


async def test_diary_is_refused_to_another_parent_and_another_student(world: World) -> None:
    for reader in ("other_parent", "classmate"):
        result = await world.gql(
            DIARY, reader, s=str(world.ids["student"]), **{"from": FROM, "to": TO}
        )
        assert result == {"data": {"diary": []}}, reader  # a list: as for no such student


async def test_parent_role_without_a_guardianship_in_the_replica_is_refused(world: World) -> None:
    # A token claiming the child is not enough: the link must exist in people's events.
    forged = world.roster.principal(
        world.ids["other_parent"], Grant(Role.PARENT, student_ids=(world.ids["student"],))
    )
    result = await world.svc.gql(
        DIARY, {"s": str(world.ids["student"]), "from": FROM, "to": TO}, principal=forged
    )
    assert result == {"data": {"diary": []}}


async def test_a_capitalised_subject_name_is_refused(world: World) -> None:
    for name in ("Алгебра", "рус. яз."):
        result = await world.gql(SUBJECT, "deputy", n=name)
        assert code_of(result) == "VALIDATION"
        assert "со строчной буквы" in result["errors"][0]["message"]


async def test_a_teacher_cannot_create_subjects(world: World) -> None:
    result = await world.gql(SUBJECT, "teacher", n="геометрия")
    assert code_of(result) == "FORBIDDEN"


async def test_a_lesson_needs_the_teachers_load(world: World) -> None:
    result = await world.gql(
        SCHEDULE,
        "secretary",
        c=str(world.ids["8А"]),
        s=str(world.ids["алгебра"]),
        t=str(world.ids["teacher"]),
        d=OTHER_DAY,
        n=1,
    )
    assert code_of(result) == "VALIDATION"


async def test_changing_and_removing_a_mark_keeps_its_history(world: World) -> None:
    mark = data(
        await world.gql(
            RECORD, "teacher", l=str(world.ids["lesson_7b"]), s=str(world.ids["classmate"]), v=3
        )
    )["recordMark"]
    changed = data(
        await world.gql(
            "mutation($m: ID!) { changeMark(input: {markId: $m, value: 4}) { value } }",
            "teacher",
            m=mark["id"],
        )
    )["changeMark"]
    assert changed["value"] == 4
    refused = await world.gql(
        "mutation($m: ID!) { removeMark(input: {markId: $m}) }", "other_teacher", m=mark["id"]
    )
    assert code_of(refused) == "NOT_FOUND"  # a mark of a journal they do not read
    data(
        await world.gql(
            "mutation($m: ID!) { removeMark(input: {markId: $m}) }", "teacher", m=mark["id"]
        )
    )
    async with world.svc.runtime.db.sessionmaker() as s:
        rows = (
            await s.execute(
                select(MarkHistory.action, MarkHistory.value_before, MarkHistory.value_after)
                .where(MarkHistory.mark_id == UUID(mark["id"]))
                .order_by(MarkHistory.changed_at)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("recorded", None, 3),
        ("changed", 3, 4),
        ("removed", 4, None),
    ]

    async def both() -> bool:
        types = {e["type"] for e in world.events if e["payload"].get("mark_id") == mark["id"]}
        return {"journal.mark.changed", "journal.mark.removed"} <= types

    await eventually(both)


CLASS_JOURNAL = """query($c: ID!, $s: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $c, subjectId: $s, from: $from, to: $to) {
    students { id } subject { name } lessons { number marks { value student { id } } }
  }
}"""


async def test_class_journal_for_the_teacher_and_class_teacher_not_another_teacher(
    world: World,
) -> None:
    args = {"c": str(world.ids["7Б"]), "s": str(world.ids["алгебра"]), "from": FROM, "to": TO}
    for reader in ("teacher", "klassruk"):
        journal = data(await world.gql(CLASS_JOURNAL, reader, **args))["classJournal"]
        assert journal["subject"]["name"] == "алгебра"
        assert {s["id"] for s in journal["students"]} == {
            str(world.ids["student"]),
            str(world.ids["classmate"]),
        }
        assert len(journal["lessons"]) == 1
    assert code_of(await world.gql(CLASS_JOURNAL, "other_teacher", **args)) == "FORBIDDEN"


async def test_only_the_lessons_teacher_sets_its_topic(world: World) -> None:
    query = """mutation($l: ID!) {
      setLessonTopic(input: {lessonId: $l, topic: "Линейная функция", homework: "№ 231"}) {
        topic homework
      }
    }"""
    lesson = str(world.ids["lesson_7b"])
    assert data(await world.gql(query, "teacher", l=lesson))["setLessonTopic"] == {
        "topic": "Линейная функция",
        "homework": "№ 231",
    }
    assert code_of(await world.gql(query, "other_teacher", l=lesson)) == "NOT_FOUND"


async def test_a_call_without_a_principal_is_unauthenticated(world: World) -> None:
    result = await world.svc.gql("{ subjects { name } }")
    assert code_of(result) == "UNAUTHENTICATED"


async def test_replayed_people_events_change_nothing(world: World) -> None:
    # Re-sending the same envelopes past the dedup window must leave the replica as it was.
    nc = world.svc.runtime.extras["nats"]
    js = nc.jetstream()
    for env in world.roster.envelopes[:5]:
        await js.publish(env.subject(world.svc.settings.namespace), env.model_dump_json().encode())
    await asyncio.sleep(0.5)
    async with world.svc.runtime.db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(SchoolClass)) == 2


async def test_staff_of_another_school_cannot_tell_a_student_exists(world: World) -> None:
    elsewhere = Principal(
        account_id=uuid4(),
        person_id=uuid4(),
        school_id=uuid4(),
        session_id=uuid4(),
        login="elsewhere",
        roles=(Grant(Role.SUBJECT_TEACHER),),
    )
    variables = {"from": FROM, "to": TO}
    # The diary is the family's: staff anywhere get the same refusal, whether or not it exists.
    for student_id in (world.ids["student"], uuid4()):
        result = await world.svc.gql(
            DIARY, {"s": str(student_id), **variables}, principal=elsewhere
        )
        assert code_of(result) == "FORBIDDEN"


async def test_a_withdrawn_class_teacher_no_longer_reads_the_class_journal(world: World) -> None:
    school_id = world.roster.school_id
    class_id, person_id = world.ids["8А"], uuid4()
    grant = {
        "person_id": person_id,
        "school_id": school_id,
        "role": Role.CLASS_TEACHER.value,
        "school_class_id": str(class_id),
    }
    appointed = [
        envelope(
            "people.person.registered",
            school_id,
            {
                "person_id": person_id,
                "school_id": school_id,
                "kind": "staff",
                "last_name": "Бывшев",
                "first_name": "Иван",
            },
        ),
        envelope("people.role.granted", school_id, grant),
        envelope(
            "people.school_class.class_teacher_assigned",
            school_id,
            {"school_class_id": class_id, "school_id": school_id, "person_id": person_id},
        ),
    ]
    nc = world.svc.runtime.extras["nats"]
    namespace = world.svc.settings.namespace
    await publish(nc, namespace, appointed)

    async def teacher_of_class() -> UUID | None:
        async with world.svc.runtime.db.sessionmaker() as s:
            return await s.scalar(
                select(SchoolClass.class_teacher_id).where(SchoolClass.id == class_id)
            )

    await eventually(teacher_of_class)
    # The token was issued before the withdrawal and still names the class.
    token = world.roster.principal(person_id, Grant(Role.CLASS_TEACHER, school_class_id=class_id))
    args = {"c": str(class_id), "s": str(world.ids["алгебра"]), "from": FROM, "to": TO}
    data(await world.svc.gql(CLASS_JOURNAL, args, principal=token))
    await publish(nc, namespace, [envelope("people.role.withdrawn", school_id, grant)])

    async def grant_gone() -> bool:
        async with world.svc.runtime.db.sessionmaker() as s:
            left = await s.scalar(
                select(func.count()).select_from(RoleGrant).where(RoleGrant.person_id == person_id)
            )
        return left == 0

    await eventually(grant_gone)
    result = await world.svc.gql(CLASS_JOURNAL, args, principal=token)
    assert code_of(result) == "FORBIDDEN"


async def test_a_departed_student_leaves_the_class_roster(world: World) -> None:
    school_id, class_id, person_id = world.roster.school_id, world.ids["7Б"], uuid4()
    enrolled = [
        envelope(
            "people.person.registered",
            school_id,
            {
                "person_id": person_id,
                "school_id": school_id,
                "kind": "student",
                "last_name": "Уехавший",
                "first_name": "Иван",
            },
        ),
        envelope(
            "people.student.enrolled",
            school_id,
            {
                "person_id": person_id,
                "school_id": school_id,
                "school_class_id": class_id,
                "enrolled_on": "2026-09-01",
            },
        ),
    ]
    nc = world.svc.runtime.extras["nats"]
    namespace = world.svc.settings.namespace
    await publish(nc, namespace, enrolled)

    async def on_roster() -> int:
        async with world.svc.runtime.db.sessionmaker() as s:
            return int(
                await s.scalar(
                    select(func.count())
                    .select_from(Enrolment)
                    .where(Enrolment.person_id == person_id)
                )
                or 0
            )

    await eventually(on_roster)
    left = {
        "person_id": person_id,
        "school_id": school_id,
        "school_class_id": class_id,
        "left_on": "2026-11-20",
        "kind": "departure",
        "destination_school_id": None,
        "destination_school_name": "МАОУ СОШ № 2",
        "order_number": "12-у",
        "order_date": "2026-11-19",
    }
    await publish(nc, namespace, [envelope("people.student.left", school_id, left)])

    async def off_roster() -> bool:
        return await on_roster() == 0

    await eventually(off_roster)
    result = await world.gql(
        RECORD, "teacher", l=str(world.ids["lesson_7b"]), s=str(person_id), v=4
    )
    assert code_of(result) == "VALIDATION"
