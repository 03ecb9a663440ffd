"""Attendance through the journal's subgraph: the code dictionary, the subject teacher's marks
and register, the class teacher's reasons and day, the counting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from services.journal.models import (
    Attendance,
    AttendanceHistory,
    Lesson,
)
from services.kernel.principal import RoleGrant as Grant
from services.kernel.roles import Role
from tests.journal.roster import Roster, fed_journal
from tests.journal.test_journal import LOAD, SCHEDULE, SUBJECT, World, code_of, data
from tests.support import Infra, eventually, new_namespace

TODAY = date.today()
D1, D2, D3 = (TODAY - timedelta(days=n) for n in (1, 2, 3))
OLD = TODAY - timedelta(days=15)  # past the school's lock period

MARK = """mutation($l: ID!, $s: ID!, $c: AttendanceCode, $t: String) {
  markAbsent(input: {lessonId: $l, studentId: $s, code: $c, codeText: $t}) {
    id kind code label category student { id }
  }
}"""
CLEAR = "mutation($l: ID!, $s: ID!) { clearAttendance(lessonId: $l, studentId: $s) }"
REGISTER = """mutation($l: ID!, $a: [ID!]!, $late: [ID!]!) {
  takeRegister(input: {lessonId: $l, absent: $a, late: $late}) {
    lessonId takenAt takenBy { id } attendance { code category student { id } }
  }
}"""
RESOLVE = """mutation($s: ID!, $d: Date!, $c: String!) {
  resolveAbsence(input: {studentId: $s, date: $d, code: $c}) { student { id } date code lessonIds }
}"""
CODES = (
    "query($a: Boolean!) { attendanceCodes(withArchived: $a) { id code label category archived } }"
)
CREATE_CODE = """mutation($c: String!, $l: String!, $k: AttendanceCategory!) {
  createAttendanceCode(input: {code: $c, label: $l, category: $k}) { id code label category }
}"""
UPDATE_CODE = """mutation($id: ID!, $l: String, $a: Boolean) {
  updateAttendanceCode(input: {id: $id, label: $l, archived: $a}) { id code label archived }
}"""
CLASS_DAY = """query($c: ID!, $d: Date!) {
  classAttendance(schoolClassId: $c, date: $d) {
    date students { id } lessons { id number registerTakenAt subject { name } }
    attendance { lessonId code category student { id } }
  }
}"""
UNRESOLVED = """query($d: Date!, $c: ID) {
  unresolvedAbsences(date: $d, schoolClassId: $c) {
    schoolClass { id } classTeacher { id } students { student { id } lessonIds lessonNumbers }
  }
}"""
SUMMARY = """query($from: Date!, $to: Date!, $s: ID, $c: ID) {
  attendanceSummary(from: $from, to: $to, studentId: $s, schoolClassId: $c) {
    student { id } lessons missed unknown illness excused unexcused exempt late missedDays days
  }
}"""
LESSONS = """query($from: Date!, $to: Date!, $c: ID) {
  lessons(from: $from, to: $to, schoolClassId: $c) {
    id registerTakenAt attendance { code kind category label }
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
    ids["klassruk8"] = r.staff("Восьмов", Role.CLASS_TEACHER, school_class_id=c8a)
    ids["deputy"] = r.staff("Завучев", Role.DEPUTY_DIRECTOR_CONTENT)
    ids["admin"] = r.staff("Админов", Role.ADMINISTRATOR)
    ids["secretary"] = r.staff("Секретарёв", Role.ACADEMIC_SECRETARY)
    ids["student"] = r.student("Ученико", c7b)
    ids["classmate"] = r.student("Однокласснико", c7b)
    ids["third"] = r.student("Третьяко", c7b)
    ids["other_student"] = r.student("Чужов", c8a)
    ids["parent"] = r.parent("Родителева", ids["student"])
    ids["other_parent"] = r.parent("Посторонняя", ids["other_student"])
    ids["group"] = uuid4()
    r.add(
        "people.subgroup.created",
        subgroup_id=ids["group"],
        school_id=r.school_id,
        school_class_id=c7b,
        subject="алгебра",
        name="1 группа",
    )
    r.add(
        "people.subgroup.members_changed",
        subgroup_id=ids["group"],
        student_ids=[str(ids["student"]), str(ids["third"])],
    )
    who = {
        "teacher": r.principal(ids["teacher"], Role.SUBJECT_TEACHER),
        "other_teacher": r.principal(ids["other_teacher"], Role.SUBJECT_TEACHER),
        "klassruk": r.principal(
            ids["klassruk"], Role.SUBJECT_TEACHER, Grant(Role.CLASS_TEACHER, school_class_id=c7b)
        ),
        "klassruk8": r.principal(ids["klassruk8"], Grant(Role.CLASS_TEACHER, school_class_id=c8a)),
        "deputy": r.principal(ids["deputy"], Role.DEPUTY_DIRECTOR_CONTENT),
        "admin": r.principal(ids["admin"], Role.ADMINISTRATOR),
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
        ids["алгебра"] = UUID(algebra)
        for teacher, school_class, subject in (
            ("teacher", c7b, algebra),
            ("other_teacher", c8a, algebra),
            ("klassruk", c7b, russian),
        ):
            data(await w.gql(LOAD, "deputy", t=str(ids[teacher]), c=str(school_class), s=subject))
        for key, teacher, school_class, subject, day, number in (
            ("alg1", "teacher", c7b, algebra, D1, 2),
            ("rus1", "klassruk", c7b, russian, D1, 1),
            ("alg8a", "other_teacher", c8a, algebra, D1, 3),
            ("rus2", "klassruk", c7b, russian, D2, 1),
            ("alg2", "teacher", c7b, algebra, D2, 2),
            ("alg3", "teacher", c7b, algebra, D3, 4),
            ("old", "teacher", c7b, algebra, OLD, 5),
        ):
            lesson = data(
                await w.gql(
                    SCHEDULE,
                    "secretary",
                    c=str(school_class),
                    s=subject,
                    t=str(ids[teacher]),
                    d=day.isoformat(),
                    n=number,
                )
            )["scheduleLesson"]
            ids[key] = UUID(lesson["id"])
        yield w


def s(world: World, key: str) -> str:
    return str(world.ids[key])


async def history(world: World, lesson: str, student: str) -> list[tuple[str | None, str | None]]:
    async with world.svc.runtime.db.sessionmaker() as session:
        rows = await session.execute(
            select(AttendanceHistory.code_before, AttendanceHistory.code_after)
            .where(
                AttendanceHistory.lesson_id == world.ids[lesson],
                AttendanceHistory.student_id == world.ids[student],
            )
            .order_by(AttendanceHistory.changed_at)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def arrived(world: World, event_type: str, **match: str) -> list[dict[str, Any]]:
    async def found() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published(event_type)
            if all(e["payload"].get(k) == v for k, v in match.items())
        ]

    return await eventually(found)


# --- the dictionary ---------------------------------------------------------------------------


async def test_anyone_of_the_school_reads_the_six_default_codes(world: World) -> None:
    codes = data(await world.gql(CODES, "student", a=False))["attendanceCodes"]
    assert [(c["code"], c["category"]) for c in codes][:6] == [
        ("ОТ", "ABSENT_UNKNOWN"),
        ("ОП", "LATE"),
        ("Б", "ILLNESS"),
        ("УП", "EXCUSED"),
        ("НП", "UNEXCUSED"),
        ("ОСВ", "EXEMPT"),
    ]


async def test_the_administrator_adds_a_code_and_archives_it(world: World) -> None:
    created = data(
        await world.gql(CREATE_CODE, "admin", c="зд", l="по заявлению родителей", k="EXCUSED")
    )["createAttendanceCode"]
    assert (created["code"], created["category"]) == ("ЗД", "EXCUSED")
    again = await world.gql(CREATE_CODE, "admin", c="ЗД", l="ещё раз", k="EXCUSED")
    assert code_of(again) == "CONFLICT"
    assert code_of(await world.gql(CREATE_CODE, "admin", c="ABS", l="нет", k="EXCUSED")) == (
        "VALIDATION"
    )
    archived = data(await world.gql(UPDATE_CODE, "admin", id=created["id"], a=True))
    assert archived["updateAttendanceCode"]["archived"] is True
    in_use = data(await world.gql(CODES, "teacher", a=False))["attendanceCodes"]
    assert "ЗД" not in [c["code"] for c in in_use]
    every = data(await world.gql(CODES, "teacher", a=True))["attendanceCodes"]
    assert "ЗД" in [c["code"] for c in every]


async def test_only_the_administrator_edits_the_dictionary(world: World) -> None:
    result = await world.gql(CREATE_CODE, "deputy", c="ДР", l="другое", k="EXCUSED")
    assert code_of(result) == "FORBIDDEN"
    codes = data(await world.gql(CODES, "admin", a=False))["attendanceCodes"]
    ot = next(c for c in codes if c["code"] == "ОТ")
    assert code_of(await world.gql(UPDATE_CODE, "klassruk", id=ot["id"], l="нет")) == "FORBIDDEN"


async def test_the_last_code_of_a_kind_cannot_be_archived(world: World) -> None:
    codes = data(await world.gql(CODES, "admin", a=False))["attendanceCodes"]
    ot = next(c for c in codes if c["code"] == "ОТ")
    assert code_of(await world.gql(UPDATE_CODE, "admin", id=ot["id"], a=True)) == "CONFLICT"
    relabelled = data(await world.gql(UPDATE_CODE, "admin", id=ot["id"], l="отсутствовал"))
    assert relabelled["updateAttendanceCode"]["label"] == "отсутствовал"


# --- the subject teacher ----------------------------------------------------------------------


async def test_subject_teacher_marks_absent_and_the_change_is_kept_and_published(
    world: World,
) -> None:
    marked = data(
        await world.gql(MARK, "teacher", l=s(world, "alg1"), s=s(world, "third"), t="ОТ")
    )["markAbsent"]
    assert (marked["code"], marked["category"], marked["kind"]) == (
        "ОТ",
        "ABSENT_UNKNOWN",
        "ABSENT",
    )
    late = data(
        await world.gql(MARK, "teacher", l=s(world, "alg1"), s=s(world, "third"), c="LATE")
    )["markAbsent"]
    assert (late["code"], late["category"], late["kind"]) == ("ОП", "LATE", "LATE")
    assert await history(world, "alg1", "third") == [(None, "ОТ"), ("ОТ", "ОП")]
    [event] = await arrived(
        world, "journal.attendance.set", student_id=s(world, "third"), code="ОП"
    )
    assert event["payload"]["category"] == "late"


async def test_subject_teacher_cannot_set_a_reason(world: World) -> None:
    result = await world.gql(MARK, "teacher", l=s(world, "alg1"), s=s(world, "third"), t="Б")
    assert code_of(result) == "VALIDATION"
    assert "классный руководитель" in result["errors"][0]["message"]


async def test_a_teacher_without_the_load_cannot_mark_absent(world: World) -> None:
    result = await world.gql(
        MARK, "other_teacher", l=s(world, "alg1"), s=s(world, "student"), c="ABSENT"
    )
    assert code_of(result) == "NOT_FOUND"  # a lesson they neither teach nor lead


async def test_a_subgroups_lesson_takes_attendance_of_its_members_only(world: World) -> None:
    lesson_id = uuid4()
    async with world.svc.runtime.db.sessionmaker() as session:
        session.add(
            Lesson(
                id=lesson_id,
                school_id=world.roster.school_id,
                school_class_id=world.ids["7Б"],
                subject_id=world.ids["алгебра"],
                teacher_id=world.ids["teacher"],
                subgroup_id=world.ids["group"],
                date=TODAY,
                number=7,
            )
        )
        await session.commit()
    member = await world.gql(MARK, "teacher", l=str(lesson_id), s=s(world, "third"), c="LATE")
    assert data(member)["markAbsent"]["code"] == "ОП"
    other = await world.gql(MARK, "teacher", l=str(lesson_id), s=s(world, "classmate"), c="LATE")
    assert code_of(other) == "VALIDATION"
    register = await world.gql(
        REGISTER, "teacher", l=str(lesson_id), a=[s(world, "classmate")], late=[]
    )
    assert code_of(register) == "VALIDATION"


async def test_attendance_past_the_lock_period_is_locked(world: World) -> None:
    result = await world.gql(MARK, "teacher", l=s(world, "old"), s=s(world, "student"), c="ABSENT")
    assert code_of(result) == "LOCKED"


async def test_subject_teacher_clears_a_mark_when_the_student_was_there(world: World) -> None:
    data(await world.gql(MARK, "teacher", l=s(world, "alg3"), s=s(world, "third"), c="LATE"))
    cleared = data(await world.gql(CLEAR, "teacher", l=s(world, "alg3"), s=s(world, "third")))
    assert cleared["clearAttendance"] is True
    again = data(await world.gql(CLEAR, "teacher", l=s(world, "alg3"), s=s(world, "third")))
    assert again["clearAttendance"] is False
    assert await history(world, "alg3", "third") == [(None, "ОП"), ("ОП", None)]
    [event] = await arrived(
        world,
        "journal.attendance.cleared",
        lesson_id=s(world, "alg3"),
        student_id=s(world, "third"),
    )
    assert event["payload"]["code_before"] == "ОП"


async def test_a_teacher_without_the_load_cannot_clear_attendance(world: World) -> None:
    result = await world.gql(CLEAR, "other_teacher", l=s(world, "alg3"), s=s(world, "student"))
    assert code_of(result) == "NOT_FOUND"


async def test_subject_teacher_takes_the_whole_register_and_confirms_it(world: World) -> None:
    lesson = s(world, "alg3")
    first = data(
        await world.gql(
            REGISTER, "teacher", l=lesson, a=[s(world, "student")], late=[s(world, "classmate")]
        )
    )["takeRegister"]
    assert first["takenAt"] and first["takenBy"] == {"id": s(world, "teacher")}
    got = {a["student"]["id"]: a["code"] for a in first["attendance"]}
    assert got == {s(world, "student"): "ОТ", s(world, "classmate"): "ОП"}
    # Taken again: the student came after all, so their ОТ goes.
    second = data(
        await world.gql(REGISTER, "teacher", l=lesson, a=[], late=[s(world, "classmate")])
    )["takeRegister"]
    assert {a["student"]["id"]: a["code"] for a in second["attendance"]} == {
        s(world, "classmate"): "ОП"
    }
    assert await history(world, "alg3", "student") == [(None, "ОТ"), ("ОТ", None)]
    events = await arrived(world, "journal.register.taken", lesson_id=lesson)
    assert events[0]["payload"]["absent_ids"] == [s(world, "student")]
    assert events[0]["payload"]["late_ids"] == [s(world, "classmate")]
    assert events[0]["payload"]["teacher_id"] == s(world, "teacher")
    lessons = data(
        await world.gql(
            LESSONS, "deputy", c=s(world, "7Б"), **{"from": D3.isoformat(), "to": D3.isoformat()}
        )
    )["lessons"]
    [taken] = [x for x in lessons if x["id"] == lesson]
    assert taken["registerTakenAt"] is not None


async def test_the_register_is_refused_to_a_teacher_without_the_load(world: World) -> None:
    result = await world.gql(REGISTER, "other_teacher", l=s(world, "alg3"), a=[], late=[])
    assert code_of(result) == "NOT_FOUND"


async def test_the_register_names_only_students_of_the_class(world: World) -> None:
    result = await world.gql(
        REGISTER, "teacher", l=s(world, "alg3"), a=[s(world, "other_student")], late=[]
    )
    assert code_of(result) == "VALIDATION"


# --- the class teacher ------------------------------------------------------------------------


async def test_class_teacher_turns_the_days_absences_into_a_reason_in_one_step(
    world: World,
) -> None:
    student = s(world, "student")
    data(await world.gql(MARK, "klassruk", l=s(world, "rus2"), s=student, c="ABSENT"))
    data(await world.gql(MARK, "teacher", l=s(world, "alg2"), s=student, c="ABSENT"))
    unresolved = data(await world.gql(UNRESOLVED, "klassruk", d=D2.isoformat(), c=s(world, "7Б")))[
        "unresolvedAbsences"
    ]
    [seven_b] = unresolved
    [row] = [x for x in seven_b["students"] if x["student"]["id"] == student]
    assert row["lessonNumbers"] == [1, 2]
    assert seven_b["classTeacher"] == {"id": s(world, "klassruk")}

    resolved = data(await world.gql(RESOLVE, "klassruk", s=student, d=D2.isoformat(), c="Б"))
    assert resolved["resolveAbsence"]["lessonIds"] == [s(world, "rus2"), s(world, "alg2")]
    left = data(await world.gql(UNRESOLVED, "klassruk", d=D2.isoformat()))["unresolvedAbsences"]
    assert student not in [x["student"]["id"] for c in left for x in c["students"]]
    assert await history(world, "alg2", "student") == [(None, "ОТ"), ("ОТ", "Б")]
    [event] = await arrived(world, "journal.attendance.resolved", student_id=student)
    assert event["payload"]["category"] == "illness"
    assert event["payload"]["school_class_id"] == s(world, "7Б")
    assert event["payload"]["resolved_by"] == s(world, "klassruk")

    # The reason is the class teacher's: the subject teacher neither overwrites nor clears it.
    late = await world.gql(MARK, "teacher", l=s(world, "alg2"), s=student, c="LATE")
    assert code_of(late) == "CONFLICT"
    assert code_of(await world.gql(CLEAR, "teacher", l=s(world, "alg2"), s=student)) == "CONFLICT"

    # Counting: both lessons of the day missed by illness make a missed day.
    summary = data(
        await world.gql(
            SUMMARY, "parent", s=student, **{"from": D2.isoformat(), "to": D2.isoformat()}
        )
    )["attendanceSummary"]
    assert summary == [
        {
            "student": {"id": student},
            "lessons": 2,
            "missed": 2,
            "unknown": 0,
            "illness": 2,
            "excused": 0,
            "unexcused": 0,
            "exempt": 0,
            "late": 0,
            "missedDays": 1,
            "days": 1,
        }
    ]


async def test_a_class_teacher_cannot_resolve_for_another_class(world: World) -> None:
    data(
        await world.gql(
            MARK, "other_teacher", l=s(world, "alg8a"), s=s(world, "other_student"), c="ABSENT"
        )
    )
    result = await world.gql(
        RESOLVE, "klassruk", s=s(world, "other_student"), d=D1.isoformat(), c="Б"
    )
    assert code_of(result) == "FORBIDDEN"
    result = await world.gql(RESOLVE, "klassruk8", s=s(world, "student"), d=D1.isoformat(), c="Б")
    assert code_of(result) == "FORBIDDEN"
    # A subject teacher without the class teacher's role is refused by the schema.
    result = await world.gql(RESOLVE, "teacher", s=s(world, "student"), d=D1.isoformat(), c="Б")
    assert code_of(result) == "FORBIDDEN"
    # Their own class teacher may.
    done = await world.gql(
        RESOLVE, "klassruk8", s=s(world, "other_student"), d=D1.isoformat(), c="НП"
    )
    assert data(done)["resolveAbsence"]["code"] == "НП"


async def test_a_reason_past_the_lock_period_is_locked(world: World) -> None:
    async with world.svc.runtime.db.sessionmaker() as session:
        session.add(
            Attendance(
                id=uuid4(),
                school_id=world.roster.school_id,
                lesson_id=world.ids["old"],
                student_id=world.ids["third"],
                code="ОТ",
            )
        )
        await session.commit()
    result = await world.gql(RESOLVE, "klassruk", s=s(world, "third"), d=OLD.isoformat(), c="Б")
    assert code_of(result) == "LOCKED"


async def test_a_reason_must_be_a_class_teachers_code(world: World) -> None:
    data(await world.gql(MARK, "klassruk", l=s(world, "rus1"), s=s(world, "classmate"), c="ABSENT"))
    for code in ("ОТ", "ОП", "ЖЖ"):
        result = await world.gql(
            RESOLVE, "klassruk", s=s(world, "classmate"), d=D1.isoformat(), c=code
        )
        assert code_of(result) == "VALIDATION", code


async def test_class_attendance_shows_the_day_to_the_class_teacher_and_the_administration(
    world: World,
) -> None:
    data(await world.gql(MARK, "teacher", l=s(world, "alg1"), s=s(world, "classmate"), c="LATE"))
    for reader in ("klassruk", "deputy"):
        day = data(await world.gql(CLASS_DAY, reader, c=s(world, "7Б"), d=D1.isoformat()))
        sheet = day["classAttendance"]
        assert [x["number"] for x in sheet["lessons"]] == [1, 2]
        assert len(sheet["students"]) == 3
        assert {
            (a["lessonId"], a["code"])
            for a in sheet["attendance"]
            if a["student"]["id"] == s(world, "classmate")
        } >= {(s(world, "alg1"), "ОП")}


async def test_class_attendance_is_refused_for_another_class_and_to_a_subject_teacher(
    world: World,
) -> None:
    foreign = await world.gql(CLASS_DAY, "klassruk", c=s(world, "8А"), d=D1.isoformat())
    assert code_of(foreign) == "FORBIDDEN"
    teacher = await world.gql(CLASS_DAY, "teacher", c=s(world, "7Б"), d=D1.isoformat())
    assert code_of(teacher) == "FORBIDDEN"


async def test_unresolved_absences_of_another_class_are_refused_to_a_class_teacher(
    world: World,
) -> None:
    result = await world.gql(UNRESOLVED, "klassruk", d=D1.isoformat(), c=s(world, "8А"))
    assert result == {"data": {"unresolvedAbsences": []}}  # a list: another class is not hers
    assert code_of(await world.gql(UNRESOLVED, "teacher", d=D1.isoformat())) == "FORBIDDEN"


async def test_the_administration_sees_every_classs_unresolved_absences(world: World) -> None:
    data(await world.gql(MARK, "teacher", l=s(world, "alg1"), s=s(world, "student"), c="ABSENT"))
    own = data(await world.gql(UNRESOLVED, "klassruk", d=D1.isoformat()))["unresolvedAbsences"]
    assert {c["schoolClass"]["id"] for c in own} == {s(world, "7Б")}
    every = data(await world.gql(UNRESOLVED, "deputy", d=D1.isoformat()))["unresolvedAbsences"]
    assert s(world, "7Б") in {c["schoolClass"]["id"] for c in every}


# --- counting ---------------------------------------------------------------------------------


async def test_the_summary_is_read_by_the_student_and_refused_to_other_families(
    world: World,
) -> None:
    period = {"from": D3.isoformat(), "to": TODAY.isoformat()}
    own = data(await world.gql(SUMMARY, "student", s=s(world, "student"), **period))
    assert own["attendanceSummary"][0]["student"] == {"id": s(world, "student")}
    for reader in ("other_parent", "classmate"):
        result = await world.gql(SUMMARY, reader, s=s(world, "student"), **period)
        assert data(result)["attendanceSummary"] == [], reader
    # A role without the field is refused whatever the student.
    result = await world.gql(SUMMARY, "teacher", s=s(world, "student"), **period)
    assert code_of(result) == "FORBIDDEN"


async def test_the_class_summary_has_a_line_per_student_and_a_total(world: World) -> None:
    period = {"from": D3.isoformat(), "to": TODAY.isoformat()}
    rows = data(await world.gql(SUMMARY, "klassruk", c=s(world, "7Б"), **period))[
        "attendanceSummary"
    ]
    assert len(rows) == 4 and rows[-1]["student"] is None
    assert rows[-1]["missed"] == sum(r["missed"] for r in rows[:-1])
    foreign = await world.gql(SUMMARY, "klassruk", c=s(world, "8А"), **period)
    assert data(foreign)["attendanceSummary"] == []
    both = await world.gql(SUMMARY, "deputy", c=s(world, "7Б"), s=s(world, "student"), **period)
    assert code_of(both) == "VALIDATION"
