"""Информационное письмо для родителей: read it, and send it to the parents through messaging."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from services.kernel.graphql import Info, parse_id
from services.kernel.roles import ADMINISTRATION, Role, any_of
from services.reports import access
from services.reports.parent_letter import ParentLetter as Letter
from services.reports.parent_letter import readable_letter, send_parent_letter
from services.reports.schema.types import (
    AttendanceFigures,
    SchoolClass,
    Student,
    attendance_figures,
    period_of,
    sid,
)

LETTER_SENDERS = (*ADMINISTRATION, Role.CLASS_TEACHER)


@strawberry.federation.type(authenticated=True, description="Количество отметок одного балла.")
class MarkCount:
    mark: int
    count: int


@strawberry.federation.type(authenticated=True, description="Строка письма: предмет.")
class ParentLetterSubject:
    subject_id: strawberry.ID
    subject_name: str
    marks: list[int] = strawberry.field(description="Текущие отметки в порядке выставления.")
    counts: list[MarkCount]
    average: Decimal | None = strawberry.field(description="Средневзвешенный балл.")
    period_mark: str | None = strawberry.field(description="Итоговая отметка: 5, н/а, осв …")


@strawberry.federation.type(
    authenticated=True, description="Информационное письмо для родителей за период."
)
class ParentLetter:
    student: Student
    student_name: str
    school_class: SchoolClass
    class_name: str
    academic_year_id: strawberry.ID
    study_period_id: strawberry.ID | None
    period_name: str
    starts_on: date | None
    ends_on: date | None
    subjects: list[ParentLetterSubject]
    attendance: AttendanceFigures


@strawberry.federation.type(authenticated=True, description="Письмо передано на отправку.")
class ParentLetterSent:
    letter_id: strawberry.ID
    parents: int = strawberry.field(description="Сколько родителей его получат.")
    letter: ParentLetter


def parent_letter(v: Letter) -> ParentLetter:
    return ParentLetter(
        student=Student(id=sid(v.student_id)),
        student_name=v.student_name,
        school_class=SchoolClass(id=sid(v.school_class_id)),
        class_name=v.class_name,
        academic_year_id=sid(v.period.academic_year_id),
        study_period_id=sid(v.period.study_period_id) if v.period.study_period_id else None,
        period_name=v.period_name,
        starts_on=v.starts_on,
        ends_on=v.ends_on,
        subjects=[
            ParentLetterSubject(
                subject_id=sid(s.subject_id),
                subject_name=s.subject_name,
                marks=s.marks,
                counts=[MarkCount(mark=k, count=n) for k, n in s.counts.items()],
                average=s.average,
                period_mark=s.period_mark,
            )
            for s in v.subjects
        ],
        attendance=attendance_figures(v.attendance),
    )


@strawberry.type
class ParentLetterQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*access.STUDENT_READERS),
        description=(
            "Информационное письмо для родителей за учебный период или год: по предметам "
            "отметки, их количество, средний балл и итоговая отметка. Родитель — о своём "
            "ребёнке, учащийся — о себе, классный руководитель — о своём классе."
        ),
    )
    async def parent_letter(
        self,
        info: Info,
        student_id: strawberry.ID,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
    ) -> ParentLetter | None:
        principal = info.context.require(*access.STUDENT_READERS)
        student = parse_id(student_id, "studentId")
        period = period_of(academic_year_id, study_period_id)
        async with info.context.runtime.db.sessionmaker() as session:
            letter = await readable_letter(session, principal, student, period)
        return parent_letter(letter)


@strawberry.type
class ParentLetterMutation:
    @strawberry.federation.mutation(
        requires_scopes=any_of(*LETTER_SENDERS),
        description=(
            "Отправить информационное письмо родителям учащегося (через почту). "
            "Администрация — любому учащемуся, классный руководитель — своего класса."
        ),
    )
    async def send_parent_letter(
        self,
        info: Info,
        student_id: strawberry.ID,
        academic_year_id: strawberry.ID,
        study_period_id: strawberry.ID | None = None,
    ) -> ParentLetterSent | None:
        info.context.require(*LETTER_SENDERS)
        student = parse_id(student_id, "studentId")
        period = period_of(academic_year_id, study_period_id)
        async with info.context.uow() as uow:
            letter_id, letter, parents = await send_parent_letter(uow, student, period)
        return ParentLetterSent(
            letter_id=sid(letter_id), parents=len(parents), letter=parent_letter(letter)
        )
