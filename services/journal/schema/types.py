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

    @strawberry.federation.field(authenticated=True, description="Словесная оценка отметки.")
    def label(self) -> str:
        return domain.MARK_LABELS[self.value]

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
    # reads: the day's class events and the debts for the day's lessons
    class_events: list[ClassEvent] = strawberry.field(
        default_factory=list, description="Мероприятия класса в этот день (без отменённых)."
    )
    debts: list[Debt] = strawberry.field(
        default_factory=list,
        description="Точки: обязательные задания уроков этого дня без отметки после срока.",
    )


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

    # reads: per student, the weighted average over the page and the debts
    rows: list[ClassJournalRow] = strawberry.field(
        default_factory=list,
        description="Строки журнала по учащимся: средний взвешенный балл за период и точки.",
    )


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


# --- reads: debts and the class journal's rows ---------------------------------------------------


@strawberry.federation.type(
    authenticated=True,
    description="Точка: обязательное задание, за которое нет отметки после срока сдачи.",
)
class Debt:
    assignment_id: strawberry.ID
    topic: str | None
    type_name: str = strawberry.field(description="Тип задания (контрольная работа …).")
    lesson: Lesson
    due_on: date
    student: Student
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None  # a lesson's subject is a foreign key
        return Subject.of(view)

    @classmethod
    def of(cls, v: views.DebtView) -> Debt:
        return cls(
            assignment_id=strawberry.ID(str(v.assignment_id)),
            topic=v.topic,
            type_name=v.assignment_type,
            lesson=Lesson.of(v.lesson),
            due_on=v.due_on,
            student=Student(id=strawberry.ID(str(v.student_id))),
            subject_id=v.subject_id,
        )


@strawberry.federation.type(authenticated=True, description="Строка журнала класса: учащийся.")
class ClassJournalRow:
    student: Student
    average: float | None = strawberry.field(
        description="Средний взвешенный балл за период (вес — вес типа задания)."
    )
    debts: list[Debt]

    @classmethod
    def of(cls, v: views.ClassJournalRowView) -> ClassJournalRow:
        return cls(
            student=Student(id=strawberry.ID(str(v.student_id))),
            average=float(v.average) if v.average is not None else None,
            debts=[Debt.of(d) for d in v.debts],
        )
