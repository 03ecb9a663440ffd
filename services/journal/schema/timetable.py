"""The bells, the weekly timetable, lessons generated from it and one-off changes."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated
from uuid import UUID

import strawberry

from services.journal import bells, timetable, views
from services.journal.domain.timetable import Bell as BellRule
from services.journal.schema.types import (
    Lesson,
    Person,
    SchoolClass,
    Subject,
    _bells,
    _subjects,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of

TIMETABLE_EDITORS = timetable.TIMETABLE_EDITORS
TIMETABLE_READERS = timetable.TIMETABLE_READERS
BELL_EDITORS = bells.BELL_EDITORS
From = Annotated[date, strawberry.argument(name="from")]


def _id(value: UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


def _optional_id(value: strawberry.ID | None, field: str) -> UUID | None:
    return parse_id(value, field) if value else None


@strawberry.input
class ScheduleLessonInput:
    school_class_id: strawberry.ID
    subject_id: strawberry.ID
    teacher_id: strawberry.ID
    date: date
    number: int


@strawberry.input
class BellInput:
    number: int
    starts_at: time
    ends_at: time


@strawberry.input
class SetBellScheduleInput:
    lessons: list[BellInput]


@strawberry.input
class SetTimetableEntryInput:
    school_class_id: strawberry.ID
    weekday: int = strawberry.field(description="1 — понедельник … 6 — суббота.")
    number: int
    subject_id: strawberry.ID
    teacher_id: strawberry.ID
    valid_from: date
    valid_to: date
    room: str | None = None
    subgroup_id: strawberry.ID | None = None


@strawberry.input
class GenerateLessonsInput:
    from_: date = strawberry.field(name="from")
    to: date
    school_class_id: strawberry.ID | None = strawberry.field(
        default=None, description="Один класс; без него — вся школа."
    )


@strawberry.input
class ChangeLessonInput:
    lesson_id: strawberry.ID
    date: date | None = None
    number: int | None = None
    teacher_id: strawberry.ID | None = None
    room: str | None = None


@strawberry.input
class CancelLessonInput:
    lesson_id: strawberry.ID
    reason: str


@strawberry.federation.type(authenticated=True, description="Звонок: время урока с этим номером.")
class Bell:
    number: int
    starts_at: time
    ends_at: time

    @classmethod
    def of(cls, v: views.BellView) -> Bell:
        return cls(number=v.number, starts_at=v.starts_at, ends_at=v.ends_at)


@strawberry.federation.type(authenticated=True, description="Урок недельного расписания класса.")
class TimetableEntry:
    id: strawberry.ID
    weekday: int
    number: int
    room: str | None
    subgroup_id: strawberry.ID | None
    valid_from: date
    valid_to: date
    school_class: SchoolClass
    teacher: Person
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @strawberry.federation.field(authenticated=True, description="Начало урока по звонкам.")
    async def starts_at(self, info: Info) -> time | None:
        bell = (await _bells(info).load(info.context.principal.school_id)).get(self.number)
        return bell.starts_at if bell else None

    @strawberry.federation.field(authenticated=True, description="Окончание урока по звонкам.")
    async def ends_at(self, info: Info) -> time | None:
        bell = (await _bells(info).load(info.context.principal.school_id)).get(self.number)
        return bell.ends_at if bell else None

    @classmethod
    def of(cls, v: views.TimetableEntryView) -> TimetableEntry:
        return cls(
            id=_id(v.id),
            weekday=v.weekday,
            number=v.number,
            room=v.room,
            subgroup_id=_id(v.subgroup_id) if v.subgroup_id else None,
            valid_from=v.valid_from,
            valid_to=v.valid_to,
            school_class=SchoolClass(id=_id(v.school_class_id)),
            teacher=Person(id=_id(v.teacher_id)),
            subject_id=v.subject_id,
        )


@strawberry.federation.type(authenticated=True, description="Итог создания уроков по расписанию.")
class GeneratedLessons:
    created: int = strawberry.federation.field(
        authenticated=True, description="Создано новых уроков."
    )
    kept: int = strawberry.federation.field(
        authenticated=True, description="Уроков уже было на этих местах: оставлены как есть."
    )
    days: int = strawberry.federation.field(
        authenticated=True, description="Учебных дней в периоде (без каникул)."
    )


@strawberry.type
class TimetableQuery:
    @strawberry.federation.field(authenticated=True, description="Звонки школы.")
    async def bell_schedule(self, info: Info) -> list[Bell] | None:
        rows = await bells.bell_schedule(info.context.runtime.db, info.context.require())
        return [Bell.of(b) for b in rows]

    @strawberry.federation.field(
        requires_scopes=any_of(*TIMETABLE_READERS),
        description="Недельное расписание класса (сотрудники, учащиеся класса и их родители) "
        "или учителя (сотрудники), действующее на дату.",
    )
    async def timetable(
        self,
        info: Info,
        on: date,
        school_class_id: strawberry.ID | None = None,
        teacher_id: strawberry.ID | None = None,
    ) -> list[TimetableEntry] | None:
        principal = info.context.require(*TIMETABLE_READERS)
        rows = await timetable.timetable(
            info.context.runtime.db,
            principal,
            on,
            _optional_id(school_class_id, "schoolClassId"),
            _optional_id(teacher_id, "teacherId"),
        )
        return [TimetableEntry.of(r) for r in rows]


@strawberry.type
class TimetableMutation:
    @strawberry.federation.field(requires_scopes=any_of(*TIMETABLE_EDITORS))
    async def schedule_lesson(self, info: Info, input: ScheduleLessonInput) -> Lesson | None:
        info.context.require(*TIMETABLE_EDITORS)
        view = await timetable.schedule_lesson(
            info.context.uow(),
            parse_id(input.school_class_id, "schoolClassId"),
            parse_id(input.subject_id, "subjectId"),
            parse_id(input.teacher_id, "teacherId"),
            input.date,
            input.number,
        )
        return Lesson.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*BELL_EDITORS),
        description="Заменить звонки школы целиком (секретарь учебной части, администратор).",
    )
    async def set_bell_schedule(self, info: Info, input: SetBellScheduleInput) -> list[Bell] | None:
        info.context.require(*BELL_EDITORS)
        rows = await bells.set_bell_schedule(
            info.context.uow(),
            [BellRule(b.number, b.starts_at, b.ends_at) for b in input.lessons],
        )
        return [Bell.of(b) for b in rows]

    @strawberry.federation.field(
        requires_scopes=any_of(*TIMETABLE_EDITORS),
        description="Поставить урок в недельное расписание класса на период дат.",
    )
    async def set_timetable_entry(
        self, info: Info, input: SetTimetableEntryInput
    ) -> TimetableEntry | None:
        info.context.require(*TIMETABLE_EDITORS)
        view = await timetable.set_timetable_entry(
            info.context.uow(),
            timetable.EntryInput(
                school_class_id=parse_id(input.school_class_id, "schoolClassId"),
                weekday=input.weekday,
                number=input.number,
                subject_id=parse_id(input.subject_id, "subjectId"),
                teacher_id=parse_id(input.teacher_id, "teacherId"),
                valid_from=input.valid_from,
                valid_to=input.valid_to,
                room=input.room,
                subgroup_id=_optional_id(input.subgroup_id, "subgroupId"),
            ),
        )
        return TimetableEntry.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*TIMETABLE_EDITORS),
        description="Убрать урок из недельного расписания (созданные уроки остаются).",
    )
    async def remove_timetable_entry(self, info: Info, id: strawberry.ID) -> strawberry.ID | None:
        info.context.require(*TIMETABLE_EDITORS)
        return _id(await timetable.remove_timetable_entry(info.context.uow(), parse_id(id)))

    @strawberry.federation.field(
        requires_scopes=any_of(*TIMETABLE_EDITORS),
        description="Создать уроки по расписанию на учебные дни периода (повторный вызов "
        "не трогает уже созданные).",
    )
    async def generate_lessons(
        self, info: Info, input: GenerateLessonsInput
    ) -> GeneratedLessons | None:
        info.context.require(*TIMETABLE_EDITORS)
        result = await timetable.generate_lessons(
            info.context.uow(),
            input.from_,
            input.to,
            _optional_id(input.school_class_id, "schoolClassId"),
        )
        return GeneratedLessons(created=result.created, kept=result.kept, days=result.days)

    @strawberry.federation.field(
        requires_scopes=any_of(*TIMETABLE_EDITORS),
        description="Разовое изменение урока: дата, номер, учитель с нагрузкой, кабинет.",
    )
    async def change_lesson(self, info: Info, input: ChangeLessonInput) -> Lesson | None:
        info.context.require(*TIMETABLE_EDITORS)
        view = await timetable.change_lesson(
            info.context.uow(),
            timetable.LessonChange(
                lesson_id=parse_id(input.lesson_id, "lessonId"),
                date=input.date,
                number=input.number,
                teacher_id=_optional_id(input.teacher_id, "teacherId"),
                room=input.room,
            ),
        )
        return Lesson.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*TIMETABLE_EDITORS),
        description="Отменить урок (нельзя, если в нём уже есть отметки или посещаемость).",
    )
    async def cancel_lesson(self, info: Info, input: CancelLessonInput) -> Lesson | None:
        info.context.require(*TIMETABLE_EDITORS)
        view = await timetable.cancel_lesson(
            info.context.uow(), parse_id(input.lesson_id, "lessonId"), input.reason
        )
        return Lesson.of(view)
