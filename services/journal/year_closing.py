"""Closing an academic year: what is still missing, and the closing that makes the year's journal
read-only and tells people and reports each student's results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal.access import require
from services.journal.domain import period_marks as rules
from services.journal.domain.period_marks import PeriodMarkKind
from services.journal.events import StudentYearResult, YearClosed
from services.journal.models import (
    AcademicYear,
    Enrolment,
    PeriodMark,
    Person,
    SchoolClass,
    StudyPeriod,
    Subject,
    TeachingLoad,
    YearClosing,
)
from services.kernel.db import Database
from services.kernel.errors import Conflict, NotFound
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork

# The regulation: the administrator closes the year with the deputy (quality or content).
CLOSERS = (Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_QUALITY, Role.DEPUTY_DIRECTOR_CONTENT)
CHECK_READERS = ADMINISTRATION
MESSAGE_EXAMPLES = 5


@dataclass(frozen=True)
class MissingMarkView:
    school_class_id: UUID
    school_class_name: str
    subject_id: UUID
    subject_name: str
    student_id: UUID
    student_name: str
    study_period_id: UUID | None
    study_period_name: str | None

    @property
    def period_label(self) -> str:
        return self.study_period_name or "год"

    def describe(self) -> str:
        return (
            f"{self.school_class_name}, {self.subject_name}, {self.student_name} — "
            f"{self.period_label}"
        )

    def to_extension(self) -> dict[str, str | None]:
        return {
            "schoolClassId": str(self.school_class_id),
            "schoolClass": self.school_class_name,
            "subjectId": str(self.subject_id),
            "subject": self.subject_name,
            "studentId": str(self.student_id),
            "student": self.student_name,
            "studyPeriodId": str(self.study_period_id) if self.study_period_id else None,
            "studyPeriod": self.period_label,
        }


@dataclass(frozen=True)
class YearClosingView:
    academic_year_id: UUID
    closed_by: UUID | None
    closed_at: datetime
    results: list[rules.StudentResult]


@dataclass
class _Year:
    classes: dict[UUID, SchoolClass]
    subjects: dict[UUID, str]
    class_subjects: dict[UUID, list[UUID]]
    students: dict[UUID, str]
    class_students: dict[UUID, list[UUID]]
    periods: list[StudyPeriod]


def _name(p: Person) -> str:
    return " ".join(x for x in (p.last_name, p.first_name) if x)


async def _year(s: AsyncSession, principal: Principal, academic_year_id: UUID) -> AcademicYear:
    year = await s.get(AcademicYear, academic_year_id)
    if year is None or year.school_id != principal.school_id:
        raise NotFound("Учебный год не найден.")
    return year


async def _load(s: AsyncSession, year: AcademicYear) -> _Year:
    classes = {
        c.id: c
        for c in await s.scalars(
            select(SchoolClass)
            .where(SchoolClass.academic_year_id == year.id, SchoolClass.school_id == year.school_id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter)
        )
    }
    subjects: dict[UUID, str] = {}
    class_subjects: dict[UUID, list[UUID]] = {c: [] for c in classes}
    for class_id, subject_id, name in await s.execute(
        select(TeachingLoad.school_class_id, Subject.id, Subject.name)
        .join(Subject, Subject.id == TeachingLoad.subject_id)
        .where(TeachingLoad.school_class_id.in_(list(classes)))
        .distinct()
        .order_by(Subject.name)
    ):
        subjects[subject_id] = name
        class_subjects[class_id].append(subject_id)
    students: dict[UUID, str] = {}
    class_students: dict[UUID, list[UUID]] = {c: [] for c in classes}
    for class_id, person in await s.execute(
        select(Enrolment.school_class_id, Person)
        .join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.school_class_id.in_(list(classes)))
        .order_by(Person.last_name, Person.first_name, Person.middle_name)
    ):
        students[person.id] = _name(person)
        class_students[class_id].append(person.id)
    periods = list(
        await s.scalars(
            select(StudyPeriod)
            .where(StudyPeriod.academic_year_id == year.id)
            .order_by(StudyPeriod.starts_on)
        )
    )
    return _Year(classes, subjects, class_subjects, students, class_students, periods)


async def _missing(s: AsyncSession, year: AcademicYear, data: _Year) -> list[MissingMarkView]:
    present = {
        (student_id, subject_id, period_id)
        for student_id, subject_id, period_id in await s.execute(
            select(PeriodMark.student_id, PeriodMark.subject_id, PeriodMark.study_period_id).where(
                PeriodMark.academic_year_id == year.id,
                PeriodMark.kind.in_([PeriodMarkKind.TERM.value, PeriodMarkKind.YEAR.value]),
            )
        )
    }
    expected = rules.missing_marks(
        [(c, data.class_subjects[c], data.class_students[c]) for c in data.classes],
        [p.id for p in data.periods],
        present,
    )
    period_names = {p.id: p.name for p in data.periods}
    return [
        MissingMarkView(
            m.school_class_id,
            data.classes[m.school_class_id].name,
            m.subject_id,
            data.subjects[m.subject_id],
            m.student_id,
            data.students[m.student_id],
            m.study_period_id,
            period_names.get(m.study_period_id) if m.study_period_id else None,
        )
        for m in expected
    ]


async def year_closing_check(
    db: Database, principal: Principal, academic_year_id: UUID
) -> list[MissingMarkView]:
    require(principal, *CHECK_READERS)
    async with db.sessionmaker() as s:
        year = await _year(s, principal, academic_year_id)
        return await _missing(s, year, await _load(s, year))


def _refusal(missing: list[MissingMarkView]) -> Conflict:
    examples = "; ".join(m.describe() for m in missing[:MESSAGE_EXAMPLES])
    more = f" и ещё {len(missing) - MESSAGE_EXAMPLES}" if len(missing) > MESSAGE_EXAMPLES else ""
    return Conflict(
        f"Учебный год нельзя закрыть: не выставлено итоговых отметок — {len(missing)}. "
        f"Например: {examples}{more}.",
        missing=[m.to_extension() for m in missing],
    )


async def close_year(uow: UnitOfWork, academic_year_id: UUID) -> YearClosingView:
    principal = uow.principal
    person_id = require(principal, *CLOSERS)
    async with uow:
        s = uow.session
        year = await _year(s, principal, academic_year_id)
        # One closing at a time: a second waits here and then finds the year closed.
        await s.execute(select(AcademicYear.id).where(AcademicYear.id == year.id).with_for_update())
        if await s.get(YearClosing, year.id) is not None:
            raise Conflict(f"Учебный год {year.name} уже закрыт.")
        data = await _load(s, year)
        missing = await _missing(s, year, data)
        if missing:
            raise _refusal(missing)
        year_marks = await s.execute(
            select(
                PeriodMark.student_id, PeriodMark.subject_id, PeriodMark.value, PeriodMark.special
            ).where(
                PeriodMark.academic_year_id == year.id,
                PeriodMark.kind == PeriodMarkKind.YEAR.value,
            )
        )
        results = rules.year_results(
            [(st, c) for c in data.classes for st in data.class_students[c]],
            [tuple(r) for r in year_marks],  # type: ignore[misc]
        )
        closing = YearClosing(
            academic_year_id=year.id, school_id=year.school_id, closed_by=person_id
        )
        s.add(closing)
        await s.flush()
        await s.refresh(closing)
        uow.emit(
            YearClosed(
                academic_year_id=year.id,
                school_id=year.school_id,
                closed_by=person_id,
                subject_names={str(k): v for k, v in data.subjects.items()},
                results=[
                    StudentYearResult(
                        student_id=r.student_id,
                        school_class_id=r.school_class_id,
                        failed_subject_ids=list(r.failed_subject_ids),
                        not_attested_subject_ids=list(r.not_attested_subject_ids),
                    )
                    for r in results
                ],
            ),
            school_id=year.school_id,
        )
        view = YearClosingView(year.id, person_id, closing.closed_at, results)
        await uow.commit()
    return view
