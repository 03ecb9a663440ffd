"""The journal's GraphQL types shared by every area: entities, lessons, marks, attendance."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.federation.schema_directives import Key

from services.journal import (
    assignments,
    curriculum,
    domain,
    views,
)
from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import ADMINISTRATION, STAFF, Role

TEACHERS = (Role.SUBJECT_TEACHER,)
JOURNAL_READERS = (Role.SUBJECT_TEACHER, Role.CLASS_TEACHER, *ADMINISTRATION)
LESSON_READERS = (*JOURNAL_READERS, Role.ACADEMIC_SECRETARY)
DIARY_READERS = (*STAFF, Role.STUDENT, Role.PARENT)


def _loader(info: Info, name: str, load: Any) -> DataLoader[Any, Any]:
    """One DataLoader per request and name: rows asked for by many fields come in one query."""
    loaders = info.context.loaders
    if name not in loaders:
        loaders[name] = DataLoader(load_fn=load)
    return loaders[name]


def _subjects(info: Info) -> DataLoader[UUID, views.SubjectView | None]:
    db = info.context.runtime.db
    return _loader(info, "subject", lambda ids: curriculum.subjects_by_id(db, ids))


# --- entities owned elsewhere (stubs: the gateway joins their fields from people) ----------------


@strawberry.federation.type(keys=[Key(fields="id", resolvable=False)], authenticated=True)
class Student:
    id: strawberry.ID


@strawberry.federation.type(keys=[Key(fields="id", resolvable=False)], authenticated=True)
class Person:
    id: strawberry.ID


@strawberry.federation.type(keys=[Key(fields="id", resolvable=False)], authenticated=True)
class SchoolClass:
    id: strawberry.ID


# --- the journal's own types -------------------------------------------------------------------


@strawberry.enum(name="AttendanceCode")
class AttendanceCodeType(Enum):
    ABSENT = domain.AttendanceCode.ABSENT.value
    LATE = domain.AttendanceCode.LATE.value


@strawberry.federation.type(keys=["id"], authenticated=True)
class Subject:
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, view: views.SubjectView) -> Subject:
        return cls(id=strawberry.ID(str(view.id)), name=view.name)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Subject | None:
        view = await _subjects(info).load(parse_id(id, "id"))
        if view is None or view.school_id != info.context.principal.school_id:
            return None
        return cls.of(view)


@strawberry.federation.type(authenticated=True)
class Mark:
    id: strawberry.ID
    lesson_id: strawberry.ID
    value: int
    weight: int
    comment: str | None
    created_at: datetime
    updated_at: datetime | None
    student: Student
    created_by: Person | None
    # marks: the assignment the mark is on (resolved through a per-request DataLoader)
    assignment_id: strawberry.Private[UUID | None] = None

    @strawberry.federation.field(authenticated=True, description="Словесная оценка отметки.")
    def label(self) -> str:
        return domain.MARK_LABELS[self.value]

    @strawberry.federation.field(
        authenticated=True, description="Задание, за которое поставлена отметка (его тип и вес)."
    )
    async def assignment(self, info: Info) -> Assignment | None:
        if self.assignment_id is None:
            return None
        view = await _assignments_by_id(info).load(self.assignment_id)
        if view is None or view.school_id != info.context.principal.school_id:
            return None
        return Assignment.of(view)

    @classmethod
    def of(cls, v: views.MarkView) -> Mark:
        return cls(
            id=strawberry.ID(str(v.id)),
            lesson_id=strawberry.ID(str(v.lesson_id)),
            value=v.value,
            weight=v.weight,
            comment=v.comment,
            created_at=v.created_at,
            updated_at=v.updated_at,
            student=Student(id=strawberry.ID(str(v.student_id))),
            created_by=Person(id=strawberry.ID(str(v.created_by))) if v.created_by else None,
            assignment_id=v.assignment_id,
        )


@strawberry.federation.type(authenticated=True)
class Attendance:
    id: strawberry.ID
    lesson_id: strawberry.ID
    kind: AttendanceCodeType
    code: str
    label: str
    set_at: datetime
    student: Student
    set_by: Person | None

    @classmethod
    def of(cls, v: views.AttendanceView) -> Attendance:
        return cls(
            id=strawberry.ID(str(v.id)),
            lesson_id=strawberry.ID(str(v.lesson_id)),
            kind=AttendanceCodeType(v.code.value),
            code=v.code.value,
            label=v.code.label,
            set_at=v.set_at,
            student=Student(id=strawberry.ID(str(v.student_id))),
            set_by=Person(id=strawberry.ID(str(v.set_by))) if v.set_by else None,
        )


@strawberry.federation.type(authenticated=True)
class Lesson:
    id: strawberry.ID
    date: date
    number: int
    topic: str | None
    homework: str | None
    school_class: SchoolClass
    teacher: Person
    marks: list[Mark]
    attendance: list[Attendance]
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None  # a lesson's subject is a foreign key
        return Subject.of(view)

    # marks: the lesson's assignments, all lessons of a page in one query
    @strawberry.federation.field(
        authenticated=True, description="Задания урока: тип (вес), тема, срок сдачи."
    )
    async def assignments(self, info: Info) -> list[Assignment]:
        views = await _assignments_by_lesson(info).load(parse_id(self.id, "id"))
        return [Assignment.of(v) for v in views]

    @classmethod
    def of(cls, v: views.LessonView) -> Lesson:
        return cls(
            id=strawberry.ID(str(v.id)),
            date=v.date,
            number=v.number,
            topic=v.topic,
            homework=v.homework,
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            teacher=Person(id=strawberry.ID(str(v.teacher_id))),
            marks=[Mark.of(m) for m in v.marks],
            attendance=[Attendance.of(a) for a in v.attendance],
            subject_id=v.subject_id,
        )


@strawberry.federation.type(authenticated=True)
class DiaryDay:
    date: date
    lessons: list[Lesson]


@strawberry.federation.type(authenticated=True)
class ClassJournal:
    school_class: SchoolClass
    students: list[Student]
    lessons: list[Lesson]
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject | None:
        view = await _subjects(info).load(self.subject_id)
        return Subject.of(view) if view else None


@strawberry.federation.type(authenticated=True)
class TeachingLoad:
    id: strawberry.ID
    teacher: Person
    school_class: SchoolClass
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @classmethod
    def of(cls, v: views.TeachingLoadView) -> TeachingLoad:
        return cls(
            id=strawberry.ID(str(v.id)),
            teacher=Person(id=strawberry.ID(str(v.teacher_id))),
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            subject_id=v.subject_id,
        )


ClassEventKindName = schema_enum(
    domain.ClassEventKind, name="ClassEventKind", description="Вид мероприятия класса."
)


@strawberry.federation.type(authenticated=True, description="Мероприятие класса.")
class ClassEvent:
    id: strawberry.ID
    kind: ClassEventKindName  # type: ignore[valid-type]
    title: str
    description: str | None
    place: str | None
    starts_on: date
    ends_on: date
    starts_at: time | None
    school_class: SchoolClass
    created_by: Person | None

    @strawberry.federation.field(authenticated=True, description="Вид мероприятия по-русски.")
    def kind_label(self) -> str:
        return domain.ClassEventKind(self.kind.value).label

    @classmethod
    def of(cls, v: views.ClassEventView) -> ClassEvent:
        return cls(
            id=strawberry.ID(str(v.id)),
            kind=ClassEventKindName(v.kind.value),
            title=v.title,
            description=v.description,
            place=v.place,
            starts_on=v.starts_on,
            ends_on=v.ends_on,
            starts_at=v.starts_at,
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            created_by=Person(id=strawberry.ID(str(v.created_by))) if v.created_by else None,
        )


# --- marks: assignment types and assignments ------------------------------------------------------


def _assignments_by_lesson(info: Info) -> DataLoader[UUID, list[assignments.AssignmentView]]:
    db = info.context.runtime.db
    return _loader(info, "assignments_by_lesson", lambda ids: assignments.by_lesson(db, ids))


def _assignments_by_id(info: Info) -> DataLoader[UUID, assignments.AssignmentView | None]:
    db = info.context.runtime.db
    return _loader(info, "assignment", lambda ids: assignments.by_id(db, ids))


@strawberry.federation.type(
    name="AssignmentType",
    authenticated=True,
    description="Тип задания (контрольная работа, ответ на уроке …) и его вес в среднем балле.",
)
class AssignmentKind:
    id: strawberry.ID
    name: str
    weight: int
    is_default: bool = strawberry.field(
        description="В этот тип попадают отметки, поставленные без задания."
    )
    archived: bool

    @classmethod
    def of(cls, v: assignments.AssignmentTypeView) -> AssignmentKind:
        return cls(
            id=strawberry.ID(str(v.id)),
            name=v.name,
            weight=v.weight,
            is_default=v.is_default,
            archived=v.archived,
        )


@strawberry.federation.type(
    authenticated=True, description="Задание урока, за которое ставят отметки."
)
class Assignment:
    id: strawberry.ID
    lesson_id: strawberry.ID
    type: AssignmentKind
    topic: str | None
    comment: str | None
    mandatory: bool
    due_on: date | None
    created_by: Person | None

    @classmethod
    def of(cls, v: assignments.AssignmentView) -> Assignment:
        return cls(
            id=strawberry.ID(str(v.id)),
            lesson_id=strawberry.ID(str(v.lesson_id)),
            type=AssignmentKind.of(v.type),
            topic=v.topic,
            comment=v.comment,
            mandatory=v.mandatory,
            due_on=v.due_on,
            created_by=Person(id=strawberry.ID(str(v.created_by))) if v.created_by else None,
        )
