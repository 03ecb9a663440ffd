"""Attendance: the code dictionary, the subject teacher's register, the class teacher's day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from services.journal import (
    attendance,
    attendance_codes,
    domain,
    end_of_day,
    views,
)
from services.journal.schema.types import (
    TEACHERS,
    Attendance,
    AttendanceCategoryName,
    AttendanceCodeType,
    Person,
    SchoolClass,
    Student,
    Subject,
    _subjects,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import ADMINISTRATION, Role, any_of

CODE_EDITORS = (Role.ADMINISTRATOR,)
CLASS_OVERSEERS = (Role.CLASS_TEACHER, *ADMINISTRATION)
SUMMARY_READERS = (*CLASS_OVERSEERS, Role.STUDENT, Role.PARENT)
From = Annotated[date, strawberry.argument(name="from")]


def _id(value: UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


# --- types ------------------------------------------------------------------------------------


@strawberry.federation.type(
    authenticated=True, description="Код посещаемости из справочника школы."
)
class AttendanceCodeEntry:
    id: strawberry.ID
    code: str
    label: str
    category: AttendanceCategoryName  # type: ignore[valid-type]
    position: int
    archived: bool

    @classmethod
    def of(cls, v: views.AttendanceCodeView) -> AttendanceCodeEntry:
        return cls(
            id=_id(v.id),
            code=v.code,
            label=v.label,
            category=AttendanceCategoryName(v.category.value),
            position=v.position,
            archived=v.archived,
        )


@strawberry.federation.type(authenticated=True, description="Посещаемость урока целиком.")
class Register:
    lesson_id: strawberry.ID
    taken_at: datetime | None
    taken_by: Person | None
    attendance: list[Attendance]

    @classmethod
    def of(cls, v: views.RegisterView) -> Register:
        return cls(
            lesson_id=_id(v.lesson_id),
            taken_at=v.taken_at,
            taken_by=Person(id=_id(v.taken_by)) if v.taken_by else None,
            attendance=[Attendance.of(a) for a in v.attendance],
        )


@strawberry.federation.type(
    authenticated=True, description="Причина, указанная классным руководителем за день."
)
class AbsenceResolution:
    student: Student
    date: date
    code: str
    lesson_ids: list[strawberry.ID]

    @classmethod
    def of(cls, v: views.ResolutionView) -> AbsenceResolution:
        return cls(
            student=Student(id=_id(v.student_id)),
            date=v.date,
            code=v.code,
            lesson_ids=[_id(i) for i in v.lesson_ids],
        )


@strawberry.federation.type(authenticated=True, description="Урок дня класса.")
class AttendanceDayLesson:
    id: strawberry.ID
    number: int
    cancelled: bool
    register_taken_at: datetime | None
    subject_id: strawberry.Private[UUID]
    subgroup_id: strawberry.Private[UUID | None]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @strawberry.federation.field(authenticated=True, description="Урок подгруппы класса.")
    def for_subgroup(self) -> bool:
        return self.subgroup_id is not None


@strawberry.federation.type(
    authenticated=True, description="День класса: учащиеся, уроки и отметки посещаемости."
)
class ClassAttendance:
    school_class: SchoolClass
    date: date
    students: list[Student]
    lessons: list[AttendanceDayLesson]
    attendance: list[Attendance]

    @classmethod
    def of(cls, v: views.ClassAttendanceView) -> ClassAttendance:
        return cls(
            school_class=SchoolClass(id=_id(v.school_class_id)),
            date=v.date,
            students=[Student(id=_id(s)) for s in v.student_ids],
            lessons=[
                AttendanceDayLesson(
                    id=_id(x.id),
                    number=x.number,
                    cancelled=x.cancelled,
                    register_taken_at=x.register_taken_at,
                    subject_id=x.subject_id,
                    subgroup_id=x.subgroup_id,
                )
                for x in v.lessons
            ],
            attendance=[Attendance.of(a) for a in v.attendance],
        )


@strawberry.federation.type(authenticated=True, description="Пропуски учащегося без причины.")
class UnresolvedStudentAbsences:
    student: Student
    lesson_ids: list[strawberry.ID]
    lesson_numbers: list[int]


@strawberry.federation.type(
    authenticated=True, description="Отметки «ОТ» класса, по которым не указана причина."
)
class UnresolvedAbsences:
    school_class: SchoolClass
    class_teacher: Person | None
    students: list[UnresolvedStudentAbsences]

    @classmethod
    def of(cls, v: views.UnresolvedClassView) -> UnresolvedAbsences:
        return cls(
            school_class=SchoolClass(id=_id(v.school_class_id)),
            class_teacher=Person(id=_id(v.class_teacher_id)) if v.class_teacher_id else None,
            students=[
                UnresolvedStudentAbsences(
                    student=Student(id=_id(s.student_id)),
                    lesson_ids=[_id(i) for i in s.lesson_ids],
                    lesson_numbers=list(s.lesson_numbers),
                )
                for s in v.students
            ],
        )


@strawberry.federation.type(
    authenticated=True,
    description="Пропуски за период: уроки (всего и по причинам), опоздания, пропущенные дни. "
    "Без учащегося — итог по классу.",
)
class AttendanceSummary:
    student: Student | None
    school_class: SchoolClass | None
    lessons: int
    missed: int
    unknown: int
    illness: int
    excused: int
    unexcused: int
    exempt: int
    late: int
    missed_days: int
    days: int

    @classmethod
    def of(cls, v: views.AttendanceSummaryView) -> AttendanceSummary:
        c = v.count
        return cls(
            student=Student(id=_id(v.student_id)) if v.student_id else None,
            school_class=SchoolClass(id=_id(v.school_class_id)) if v.school_class_id else None,
            lessons=c.lessons,
            missed=c.missed,
            unknown=c.unknown,
            illness=c.illness,
            excused=c.excused,
            unexcused=c.unexcused,
            exempt=c.exempt,
            late=c.late,
            missed_days=c.missed_days,
            days=c.days,
        )


# --- inputs -----------------------------------------------------------------------------------


@strawberry.input
class MarkAbsentInput:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    code: AttendanceCodeType | None = None
    code_text: str | None = strawberry.field(
        default=None, description="Код из справочника школы (вместо code)."
    )


@strawberry.input
class TakeRegisterInput:
    lesson_id: strawberry.ID
    absent: list[strawberry.ID]
    late: list[strawberry.ID]


@strawberry.input
class ResolveAbsenceInput:
    student_id: strawberry.ID
    date: date
    code: str = strawberry.field(description="Код причины: Б, УП, НП, ОСВ или код школы.")


@strawberry.input
class CreateAttendanceCodeInput:
    code: str
    label: str
    category: AttendanceCategoryName  # type: ignore[valid-type]


@strawberry.input
class UpdateAttendanceCodeInput:
    id: strawberry.ID
    label: str | None = None
    archived: bool | None = None


# --- roots ------------------------------------------------------------------------------------


@strawberry.type
class AttendanceQuery:
    @strawberry.federation.field(
        authenticated=True, description="Справочник кодов посещаемости школы."
    )
    async def attendance_codes(
        self, info: Info, with_archived: bool = False
    ) -> list[AttendanceCodeEntry] | None:
        principal = info.context.require()
        rows = await attendance_codes.codes(info.context.runtime.db, principal, with_archived)
        return [AttendanceCodeEntry.of(r) for r in rows]

    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_OVERSEERS),
        description="Посещаемость класса за день (классный руководитель, администрация).",
    )
    async def class_attendance(
        self, info: Info, school_class_id: strawberry.ID, date: date
    ) -> ClassAttendance | None:
        principal = info.context.require(*CLASS_OVERSEERS)
        view = await attendance.class_attendance(
            info.context.runtime.db, principal, parse_id(school_class_id, "schoolClassId"), date
        )
        return ClassAttendance.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_OVERSEERS),
        description="Отметки «ОТ» без причины за день, по классам.",
    )
    async def unresolved_absences(
        self, info: Info, date: date, school_class_id: strawberry.ID | None = None
    ) -> list[UnresolvedAbsences] | None:
        principal = info.context.require(*CLASS_OVERSEERS)
        class_id = parse_id(school_class_id, "schoolClassId") if school_class_id else None
        rows = await end_of_day.unresolved_absences(
            info.context.runtime.db, principal, date, class_id
        )
        return [UnresolvedAbsences.of(r) for r in rows]

    @strawberry.federation.field(
        requires_scopes=any_of(*SUMMARY_READERS),
        description="Подсчёт пропусков учащегося или класса за период.",
    )
    async def attendance_summary(
        self,
        info: Info,
        from_: From,
        to: date,
        student_id: strawberry.ID | None = None,
        school_class_id: strawberry.ID | None = None,
    ) -> list[AttendanceSummary] | None:
        principal = info.context.require(*SUMMARY_READERS)
        rows = await attendance.attendance_summary(
            info.context.runtime.db,
            principal,
            from_,
            to,
            student_id=parse_id(student_id, "studentId") if student_id else None,
            school_class_id=parse_id(school_class_id, "schoolClassId") if school_class_id else None,
        )
        return [AttendanceSummary.of(r) for r in rows]


@strawberry.type
class AttendanceMutation:
    @strawberry.federation.field(requires_scopes=any_of(*TEACHERS))
    async def mark_absent(self, info: Info, input: MarkAbsentInput) -> Attendance | None:
        info.context.require(*TEACHERS)
        view = await attendance.mark_absent(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.student_id, "studentId"),
            domain.AttendanceCode(input.code.value) if input.code else None,
            input.code_text,
        )
        return Attendance.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*TEACHERS),
        description="Снять отметку посещаемости: учащийся всё-таки был на уроке.",
    )
    async def clear_attendance(
        self, info: Info, lesson_id: strawberry.ID, student_id: strawberry.ID
    ) -> bool | None:
        info.context.require(*TEACHERS)
        return await attendance.clear_attendance(
            info.context.uow(), parse_id(lesson_id, "lessonId"), parse_id(student_id, "studentId")
        )

    @strawberry.federation.field(
        requires_scopes=any_of(*TEACHERS),
        description="Отметить посещаемость урока целиком и подтвердить, что она отмечена.",
    )
    async def take_register(self, info: Info, input: TakeRegisterInput) -> Register | None:
        info.context.require(*TEACHERS)
        view = await attendance.take_register(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            [parse_id(i, "absent") for i in input.absent],
            [parse_id(i, "late") for i in input.late],
        )
        return Register.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(Role.CLASS_TEACHER),
        description="Указать причину всех отметок «ОТ» учащегося за день (классный руководитель).",
    )
    async def resolve_absence(
        self, info: Info, input: ResolveAbsenceInput
    ) -> AbsenceResolution | None:
        info.context.require(Role.CLASS_TEACHER)
        view = await attendance.resolve_absence(
            info.context.uow(), parse_id(input.student_id, "studentId"), input.date, input.code
        )
        return AbsenceResolution.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*CODE_EDITORS), description="Добавить код посещаемости."
    )
    async def create_attendance_code(
        self, info: Info, input: CreateAttendanceCodeInput
    ) -> AttendanceCodeEntry | None:
        info.context.require(*CODE_EDITORS)
        view = await attendance_codes.create_code(
            info.context.uow(),
            input.code,
            input.label,
            domain.AttendanceCategory(input.category.value),
        )
        return AttendanceCodeEntry.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*CODE_EDITORS),
        description="Изменить расшифровку кода посещаемости или убрать его в архив.",
    )
    async def update_attendance_code(
        self, info: Info, input: UpdateAttendanceCodeInput
    ) -> AttendanceCodeEntry | None:
        info.context.require(*CODE_EDITORS)
        view = await attendance_codes.update_code(
            info.context.uow(), parse_id(input.id, "id"), input.label, input.archived
        )
        return AttendanceCodeEntry.of(view)
