"""The journal subgraph: types, queries and mutations, each field with its declared access."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.federation.schema_directives import Key

from services.journal import domain, service
from services.kernel.graphql import Info, build_schema, parse_id
from services.kernel.roles import ADMINISTRATION, STAFF, Role, any_of

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


def _subjects(info: Info) -> DataLoader[UUID, service.SubjectView | None]:
    db = info.context.runtime.db
    return _loader(info, "subject", lambda ids: service.subjects_by_id(db, ids))


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
    def of(cls, view: service.SubjectView) -> Subject:
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
    def of(cls, v: service.MarkView) -> Mark:
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
    def of(cls, v: service.AttendanceView) -> Attendance:
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
    def of(cls, v: service.LessonView) -> Lesson:
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
    def of(cls, v: service.TeachingLoadView) -> TeachingLoad:
        return cls(
            id=strawberry.ID(str(v.id)),
            teacher=Person(id=strawberry.ID(str(v.teacher_id))),
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            subject_id=v.subject_id,
        )


# --- queries ----------------------------------------------------------------------------------

From = Annotated[date, strawberry.argument(name="from")]


@strawberry.type
class Query:
    @strawberry.federation.field(authenticated=True, description="Предметы учебного плана школы.")
    async def subjects(self, info: Info) -> list[Subject]:
        views = await service.subjects(info.context.runtime.db, info.context.require())
        return [Subject.of(v) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*DIARY_READERS),
        description="Дневник учащегося: сам учащийся, его родители, сотрудники школы.",
    )
    async def diary(
        self, info: Info, student_id: strawberry.ID, from_: From, to: date
    ) -> list[DiaryDay]:
        principal = info.context.require(*DIARY_READERS)
        days = await service.diary(
            info.context.runtime.db, principal, parse_id(student_id, "studentId"), from_, to
        )
        return [DiaryDay(date=d.date, lessons=[Lesson.of(x) for x in d.lessons]) for d in days]

    @strawberry.federation.field(
        requires_scopes=any_of(*JOURNAL_READERS),
        description="Журнал класса по предмету: учитель с нагрузкой, классный руководитель, "
        "администрация.",
    )
    async def class_journal(
        self,
        info: Info,
        school_class_id: strawberry.ID,
        subject_id: strawberry.ID,
        from_: From,
        to: date,
    ) -> ClassJournal:
        principal = info.context.require(*JOURNAL_READERS)
        view = await service.class_journal(
            info.context.runtime.db,
            principal,
            parse_id(school_class_id, "schoolClassId"),
            parse_id(subject_id, "subjectId"),
            from_,
            to,
        )
        return ClassJournal(
            school_class=SchoolClass(id=strawberry.ID(str(view.school_class_id))),
            students=[Student(id=strawberry.ID(str(s))) for s in view.student_ids],
            lessons=[Lesson.of(x) for x in view.lessons],
            subject_id=view.subject_id,
        )

    @strawberry.federation.field(
        requires_scopes=any_of(*LESSON_READERS),
        description="Уроки учителя (свои; администрация и секретарь — любого учителя или класса).",
    )
    async def lessons(
        self,
        info: Info,
        from_: From,
        to: date,
        teacher_id: strawberry.ID | None = None,
        school_class_id: strawberry.ID | None = None,
    ) -> list[Lesson]:
        principal = info.context.require(*LESSON_READERS)
        views = await service.lessons(
            info.context.runtime.db,
            principal,
            from_,
            to,
            parse_id(teacher_id, "teacherId") if teacher_id else None,
            parse_id(school_class_id, "schoolClassId") if school_class_id else None,
        )
        return [Lesson.of(v) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*LESSON_READERS),
        description="Нагрузка учителя: свои классы и предметы (администрация — любого учителя).",
    )
    async def teaching_load(
        self, info: Info, teacher_id: strawberry.ID | None = None
    ) -> list[TeachingLoad]:
        principal = info.context.require(*LESSON_READERS)
        views = await service.teaching_load(
            info.context.runtime.db,
            principal,
            parse_id(teacher_id, "teacherId") if teacher_id else None,
        )
        return [TeachingLoad.of(v) for v in views]


# --- mutations --------------------------------------------------------------------------------


@strawberry.input
class CreateSubjectInput:
    name: str


@strawberry.input
class AssignTeachingLoadInput:
    teacher_id: strawberry.ID
    school_class_id: strawberry.ID
    subject_id: strawberry.ID


@strawberry.input
class ScheduleLessonInput:
    school_class_id: strawberry.ID
    subject_id: strawberry.ID
    teacher_id: strawberry.ID
    date: date
    number: int


@strawberry.input
class SetLessonTopicInput:
    lesson_id: strawberry.ID
    topic: str | None = None
    homework: str | None = None


@strawberry.input
class RecordMarkInput:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    value: int
    comment: str | None = None
    weight: int = 1


@strawberry.input
class ChangeMarkInput:
    mark_id: strawberry.ID
    value: int
    comment: str | None = None
    weight: int | None = None


@strawberry.input
class RemoveMarkInput:
    mark_id: strawberry.ID


@strawberry.input
class MarkAbsentInput:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    code: AttendanceCodeType


CURRICULUM_EDITORS = service.CURRICULUM_EDITORS
TIMETABLE_EDITORS = service.TIMETABLE_EDITORS


@strawberry.type
class Mutation:
    @strawberry.federation.field(requires_scopes=any_of(*CURRICULUM_EDITORS))
    async def create_subject(self, info: Info, input: CreateSubjectInput) -> Subject:
        info.context.require(*CURRICULUM_EDITORS)
        return Subject.of(await service.create_subject(info.context.uow(), input.name))

    @strawberry.federation.field(requires_scopes=any_of(*CURRICULUM_EDITORS))
    async def assign_teaching_load(
        self, info: Info, input: AssignTeachingLoadInput
    ) -> TeachingLoad:
        info.context.require(*CURRICULUM_EDITORS)
        view = await service.assign_teaching_load(
            info.context.uow(),
            parse_id(input.teacher_id, "teacherId"),
            parse_id(input.school_class_id, "schoolClassId"),
            parse_id(input.subject_id, "subjectId"),
        )
        return TeachingLoad.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TIMETABLE_EDITORS))
    async def schedule_lesson(self, info: Info, input: ScheduleLessonInput) -> Lesson:
        info.context.require(*TIMETABLE_EDITORS)
        view = await service.schedule_lesson(
            info.context.uow(),
            parse_id(input.school_class_id, "schoolClassId"),
            parse_id(input.subject_id, "subjectId"),
            parse_id(input.teacher_id, "teacherId"),
            input.date,
            input.number,
        )
        return Lesson.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def set_lesson_topic(self, info: Info, input: SetLessonTopicInput) -> Lesson:
        info.context.require(*TEACHERS)
        view = await service.set_lesson_topic(
            info.context.uow(), parse_id(input.lesson_id, "lessonId"), input.topic, input.homework
        )
        return Lesson.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def record_mark(self, info: Info, input: RecordMarkInput) -> Mark:
        info.context.require(*TEACHERS)
        view = await service.record_mark(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.student_id, "studentId"),
            input.value,
            input.comment,
            input.weight,
        )
        return Mark.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def change_mark(self, info: Info, input: ChangeMarkInput) -> Mark:
        info.context.require(*TEACHERS)
        view = await service.change_mark(
            info.context.uow(),
            parse_id(input.mark_id, "markId"),
            input.value,
            input.comment,
            input.weight,
        )
        return Mark.of(view)

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def remove_mark(self, info: Info, input: RemoveMarkInput) -> strawberry.ID:
        info.context.require(*TEACHERS)
        removed = await service.remove_mark(info.context.uow(), parse_id(input.mark_id, "markId"))
        return strawberry.ID(str(removed))

    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def mark_absent(self, info: Info, input: MarkAbsentInput) -> Attendance:
        info.context.require(*TEACHERS)
        view = await service.mark_absent(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.student_id, "studentId"),
            domain.AttendanceCode(input.code.value),
        )
        return Attendance.of(view)


schema = build_schema(
    query=Query,
    mutation=Mutation,
    types=[Subject, Student, Person, SchoolClass, Mark, Attendance, Lesson],
)
