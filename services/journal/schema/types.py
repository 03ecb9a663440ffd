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
    bells,
    curriculum,
    domain,
    files,
    lessons,
    substitutions,
    timetable,
    views,
)
from services.journal.attendance import registers_taken
from services.journal.domain import attendance as attendance_rules
from services.kernel.graphql import Info, parse_id, schema_enum
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


def _subjects(info: Info) -> DataLoader[UUID, views.SubjectView | None]:
    db = info.context.runtime.db
    return _loader(info, "subject", lambda ids: curriculum.subjects_by_id(db, ids))


# timetable: the school's bells (one query per response) and lessons' slots (one per response)


def _bells(info: Info) -> DataLoader[UUID | None, dict[int, views.BellView]]:
    db = info.context.runtime.db
    return _loader(info, "bells", lambda ids: bells.bells_by_school(db, ids))


def _lesson_slots(info: Info) -> DataLoader[UUID, timetable.LessonSlot | None]:
    db = info.context.runtime.db
    return _loader(info, "lesson_slot", lambda ids: timetable.slots_by_lesson(db, ids))


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


AttendanceCategoryName = schema_enum(
    domain.AttendanceCategory,
    name="AttendanceCategory",
    description="Что означает код посещаемости, какими бы буквами школа его ни обозначила.",
)


@strawberry.federation.type(authenticated=True)
class Attendance:
    id: strawberry.ID
    lesson_id: strawberry.ID
    kind: AttendanceCodeType = strawberry.federation.field(
        authenticated=True,
        deprecation_reason="Используйте category: опоздание или отсутствие по любой причине.",
    )
    code: str = strawberry.federation.field(
        authenticated=True, description="Код из справочника школы (ОТ, ОП, Б, УП, НП, ОСВ …)."
    )
    label: str = strawberry.federation.field(
        authenticated=True, description="Расшифровка кода из справочника школы."
    )
    set_at: datetime
    student: Student
    set_by: Person | None
    category: AttendanceCategoryName = strawberry.federation.field(  # type: ignore[valid-type]
        authenticated=True, description="Вид отметки посещаемости."
    )

    @classmethod
    def of(cls, v: views.AttendanceView) -> Attendance:
        return cls(
            id=strawberry.ID(str(v.id)),
            lesson_id=strawberry.ID(str(v.lesson_id)),
            kind=AttendanceCodeType(attendance_rules.kind_of(v.category).value),
            code=v.code,
            label=v.label,
            set_at=v.set_at,
            student=Student(id=strawberry.ID(str(v.student_id))),
            set_by=Person(id=strawberry.ID(str(v.set_by))) if v.set_by else None,
            category=AttendanceCategoryName(v.category.value),
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

    # attendance: when the register was confirmed (one query for all the request's lessons)
    @strawberry.federation.field(
        authenticated=True, description="Когда учитель подтвердил, что отметил посещаемость."
    )
    async def register_taken_at(self, info: Info) -> datetime | None:
        db = info.context.runtime.db
        loader = _loader(info, "register_taken_at", lambda ids: registers_taken(db, ids))
        return await loader.load(parse_id(self.id, "id"))

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

    # timetable: the bells and the slot, each through one query per response

    @strawberry.federation.field(authenticated=True, description="Начало урока по звонкам.")
    async def starts_at(self, info: Info) -> time | None:
        bell = (await _bells(info).load(info.context.principal.school_id)).get(self.number)
        return bell.starts_at if bell else None

    @strawberry.federation.field(authenticated=True, description="Окончание урока по звонкам.")
    async def ends_at(self, info: Info) -> time | None:
        bell = (await _bells(info).load(info.context.principal.school_id)).get(self.number)
        return bell.ends_at if bell else None

    @strawberry.federation.field(authenticated=True, description="Кабинет.")
    async def room(self, info: Info) -> str | None:
        slot = await _lesson_slots(info).load(parse_id(self.id))
        return slot.room if slot else None

    @strawberry.federation.field(authenticated=True, description="Подгруппа (нет — весь класс).")
    async def subgroup_id(self, info: Info) -> strawberry.ID | None:
        slot = await _lesson_slots(info).load(parse_id(self.id))
        return strawberry.ID(str(slot.subgroup_id)) if slot and slot.subgroup_id else None

    @strawberry.federation.field(authenticated=True, description="Урок отменён.")
    async def cancelled(self, info: Info) -> bool:
        slot = await _lesson_slots(info).load(parse_id(self.id))
        return bool(slot and slot.cancelled)

    @strawberry.federation.field(authenticated=True, description="Причина отмены урока.")
    async def cancel_reason(self, info: Info) -> str | None:
        slot = await _lesson_slots(info).load(parse_id(self.id))
        return slot.cancel_reason if slot else None

    # lessons: the homework's files and the substitution, each batched per request

    @strawberry.federation.field(authenticated=True, description="Файлы домашнего задания.")
    async def files(self, info: Info) -> list[HomeworkFile]:
        found = await _homework_files(info).load(parse_id(self.id))
        return [HomeworkFile.of(f, info) for f in found]

    @strawberry.federation.field(
        authenticated=True, description="Замена: урок ведёт другой учитель."
    )
    async def substitution(self, info: Info) -> Substitution | None:
        found = await _substitutions(info).load(parse_id(self.id))
        return Substitution.of(found) if found else None


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
    # curriculum: a subgroup's load and the hours a week
    subgroup_id: strawberry.ID | None = strawberry.federation.field(
        default=None, authenticated=True, description="Подгруппа (нет — весь класс)."
    )
    hours_per_week: float | None = strawberry.federation.field(default=None, authenticated=True)

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
            # curriculum
            subgroup_id=strawberry.ID(str(v.subgroup_id)) if v.subgroup_id else None,
            hours_per_week=None if v.hours_per_week is None else float(v.hours_per_week),
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


# --- lessons: homework files and substitutions ---------------------------------------------------


def _homework_files(info: Info) -> DataLoader[UUID, list[views.HomeworkFileView]]:
    db, principal = info.context.runtime.db, info.context.principal
    return _loader(info, "homework_files", lambda ids: lessons.files_by_lesson(db, principal, ids))


def _substitutions(info: Info) -> DataLoader[UUID, views.SubstitutionView | None]:
    db, principal = info.context.runtime.db, info.context.principal
    return _loader(
        info,
        "substitutions",
        lambda ids: substitutions.substitutions_by_lesson(db, principal, ids),
    )


@strawberry.federation.type(authenticated=True, description="Файл домашнего задания.")
class HomeworkFile:
    id: strawberry.ID
    lesson_id: strawberry.ID
    name: str
    content_type: str
    size: int
    uploaded_at: datetime
    uploaded_by: Person | None
    url: str = strawberry.field(
        description="Ссылка для скачивания через шлюз; действует несколько минут."
    )

    @classmethod
    def of(cls, v: views.HomeworkFileView, info: Info) -> HomeworkFile:
        settings = info.context.runtime.settings
        token = files.sign_link(v.id, settings.internal_secret, settings.files_link_seconds)
        return cls(
            id=strawberry.ID(str(v.id)),
            lesson_id=strawberry.ID(str(v.lesson_id)),
            name=v.name,
            content_type=v.content_type,
            size=v.size,
            uploaded_at=v.uploaded_at,
            uploaded_by=Person(id=strawberry.ID(str(v.uploaded_by))) if v.uploaded_by else None,
            url=files.LINK_PREFIX + token,
        )


@strawberry.federation.type(authenticated=True, description="Замена урока (журнал замен).")
class Substitution:
    lesson_id: strawberry.ID
    date: date
    number: int
    school_class: SchoolClass
    substitute: Person
    absent_teacher: Person
    recorded_at: datetime
    recorded_by: Person | None
    subject_id: strawberry.Private[UUID]
    reason_text: strawberry.Private[str | None]
    view: strawberry.Private[views.SubstitutionView]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @strawberry.federation.field(
        authenticated=True, description="Причина замены (видят только сотрудники школы)."
    )
    def reason(self, info: Info) -> str | None:
        return self.reason_text if info.context.principal.has_role(*STAFF) else None

    @strawberry.federation.field(
        requires_scopes=any_of(*LESSON_READERS),
        description="Урок целиком: заменяющему и отсутствующему учителю, администрации и "
        "секретарю учебной части (другим — пусто).",
    )
    async def lesson(self, info: Info) -> Lesson | None:
        view = self.view
        if not substitutions.may_open_lesson(info.context.principal, view):
            return None
        db, principal = info.context.runtime.db, info.context.principal
        loader = _loader(
            info,
            "substitution_lessons",
            lambda ids: substitutions.lessons_by_id(db, principal, ids),
        )
        found = await loader.load(view.lesson_id)
        return Lesson.of(found) if found else None

    @classmethod
    def of(cls, v: views.SubstitutionView) -> Substitution:
        return cls(
            lesson_id=strawberry.ID(str(v.lesson_id)),
            date=v.date,
            number=v.number,
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            substitute=Person(id=strawberry.ID(str(v.substitute_id))),
            absent_teacher=Person(id=strawberry.ID(str(v.absent_teacher_id))),
            recorded_at=v.recorded_at,
            recorded_by=Person(id=strawberry.ID(str(v.recorded_by))) if v.recorded_by else None,
            subject_id=v.subject_id,
            reason_text=v.reason,
            view=v,
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
