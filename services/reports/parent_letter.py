"""Информационное письмо для родителей: one student's period — per subject the current marks,
the count of each mark, the weighted average and the period mark; missed lessons and lates.
Sending it publishes ``reports.parent_letter.requested``, which messaging delivers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import NotFound, ValidationFailed
from services.kernel.events import uuid7
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork
from services.reports import access
from services.reports.attendance import build_class_attendance
from services.reports.current_marks import CurrentMark, current_marks
from services.reports.domain import metrics
from services.reports.domain.metrics import AttendanceFigures
from services.reports.events import LetterSubject, ParentLetterRequested
from services.reports.models import Enrolment, Guardianship, SchoolClass
from services.reports.periods import Period, span
from services.reports.progress_sheet import cell, period_marks
from services.reports.roster import names

NO_ATTENDANCE = AttendanceFigures(0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class LetterLine:
    subject_id: UUID
    subject_name: str
    marks: list[int]  # in the order they were given
    counts: dict[int, int]  # 5, 4, 3, 2 → how many
    average: Decimal | None  # weighted
    period_mark: str | None  # as the sheet prints it: 5, н/а, осв …


@dataclass(frozen=True)
class ParentLetter:
    student_id: UUID
    student_name: str
    school_class_id: UUID
    class_name: str
    period: Period
    period_name: str
    starts_on: date | None
    ends_on: date | None
    subjects: list[LetterLine]
    attendance: AttendanceFigures


async def class_of(
    session: AsyncSession, school_id: UUID, student_id: UUID, day: date | None
) -> UUID | None:
    """The class the student was in on ``day`` (the latest stay when the day is unknown)."""
    query = select(Enrolment.school_class_id).where(
        Enrolment.school_id == school_id, Enrolment.student_id == student_id
    )
    if day is not None:
        query = query.where(
            (Enrolment.enrolled_on.is_(None)) | (Enrolment.enrolled_on <= day),
        ).order_by(Enrolment.left_on.desc().nulls_first())
    else:
        query = query.order_by(Enrolment.left_on.desc().nulls_first())
    return await session.scalar(query.limit(1))


async def build_parent_letter(
    session: AsyncSession, school_id: UUID, student_id: UUID, period: Period
) -> ParentLetter:
    when = await span(session, school_id, period)
    class_id = await class_of(session, school_id, student_id, when.ends_on)
    if class_id is None:
        raise NotFound("Учащийся не найден.")
    school_class = await session.get(SchoolClass, class_id)
    marks = await current_marks(
        session,
        school_id,
        student_id=student_id,
        starts_on=when.starts_on,
        ends_on=when.ends_on,
    )
    own_finals = [
        m
        for m in await period_marks(session, school_id, class_id, period)
        if m.student_id == student_id
    ]
    finals = {m.subject_id: cell(m) for m in own_finals}
    subject_names: dict[UUID, str] = {m.subject_id: m.subject_name for m in own_finals}
    by_subject: dict[UUID, list[CurrentMark]] = defaultdict(list)
    for m in marks:
        by_subject[m.subject_id].append(m)
        subject_names[m.subject_id] = m.subject_name
    lines = []
    for subject_id, name in subject_names.items():
        given = by_subject.get(subject_id, [])
        values = [m.value for m in given]
        final = finals.get(subject_id)
        lines.append(
            LetterLine(
                subject_id=subject_id,
                subject_name=name,
                marks=values,
                counts={v: values.count(v) for v in (5, 4, 3, 2)},
                average=metrics.weighted_average((m.value, m.weight) for m in given),
                period_mark=final.display if final else None,
            )
        )
    lines.sort(key=lambda line: (line.subject_name, str(line.subject_id)))
    attendance = NO_ATTENDANCE
    if when.starts_on is not None and when.ends_on is not None:
        report = await build_class_attendance(
            session, school_id, class_id, when.starts_on, when.ends_on
        )
        attendance = next(
            (s.figures for s in report.students if s.student_id == student_id), NO_ATTENDANCE
        )
    student_name = (await names(session, {student_id})).get(student_id, "")
    return ParentLetter(
        student_id=student_id,
        student_name=student_name,
        school_class_id=class_id,
        class_name=school_class.name if school_class else "",
        period=period,
        period_name=when.name,
        starts_on=when.starts_on,
        ends_on=when.ends_on,
        subjects=lines,
        attendance=attendance,
    )


async def readable_letter(
    session: AsyncSession, principal: Principal, student_id: UUID, period: Period
) -> ParentLetter:
    """The letter if the caller may read it; NotFound exactly as for a student not there."""
    letter = await build_parent_letter(session, principal.school_id, student_id, period)
    if not await access.may_read_student(session, principal, student_id, letter.school_class_id):
        raise NotFound("Учащийся не найден.")
    return letter


async def send_parent_letter(
    uow: UnitOfWork, student_id: UUID, period: Period
) -> tuple[UUID, ParentLetter, list[UUID]]:
    """The administration or the student's class teacher sends the letter to the parents."""
    principal = uow.principal
    person_id = access.require(principal)
    session = uow.session
    letter = await build_parent_letter(session, principal.school_id, student_id, period)
    school_class = await session.get(SchoolClass, letter.school_class_id)
    allowed = access.is_administration(principal) or (
        school_class is not None and access.leads_class(principal, school_class)
    )
    if not allowed:
        raise NotFound("Учащийся не найден.")
    parent_ids = sorted(
        await session.scalars(
            select(Guardianship.parent_id).where(Guardianship.student_id == student_id)
        ),
        key=str,
    )
    if not parent_ids:
        raise ValidationFailed(
            "У учащегося нет родителей в системе: письмо некому отправить.", field="studentId"
        )
    letter_id = uuid7()
    a = letter.attendance
    uow.emit(
        ParentLetterRequested(
            letter_id=letter_id,
            school_id=principal.school_id,
            student_id=student_id,
            parent_ids=parent_ids,
            academic_year_id=period.academic_year_id,
            study_period_id=period.study_period_id,
            period_name=letter.period_name,
            requested_by=person_id,
            title=f"Информационное письмо: {letter.student_name}, {letter.period_name}".strip(),
            subjects=[
                LetterSubject(
                    subject_id=line.subject_id,
                    subject_name=line.subject_name,
                    marks=line.marks,
                    counts={str(k): v for k, v in line.counts.items()},
                    average=str(line.average) if line.average is not None else None,
                    period_mark=line.period_mark,
                )
                for line in letter.subjects
            ],
            missed_lessons=a.missed,
            missed_by_illness=a.by_illness,
            lates=a.lates,
        ),
        school_id=principal.school_id,
    )
    await uow.commit()
    return letter_id, letter, parent_ids
