"""Контроль ведения журнала for a period, per teacher: своевременность (topics, registers and
marks filled later than N days after the lesson), заполнение (lessons without topic or
homework), накопляемость (students below the band), объективность (period marks other than the
average proposed) and прохождение программы (lessons held against the curriculum's hours)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import ValidationFailed
from services.reports.domain import metrics
from services.reports.models import (
    CurriculumHours,
    Lesson,
    Mark,
    ProgressSummaryMark,
    SchoolClass,
    TeachingLoad,
)
from services.reports.periods import Period, span
from services.reports.roster import enrolled_at, names

MAX_LATE_DAYS = 60


@dataclass
class Course:
    """One class and subject a teacher teaches, over the period."""

    school_class_id: UUID
    class_name: str
    subject_id: UUID
    subject_name: str
    held: int = 0
    planned: int = 0
    coverage: Decimal | None = None
    students_below_density: int = 0
    period_marks: int = 0
    differing_period_marks: int = 0


@dataclass
class TeacherControl:
    teacher_id: UUID
    teacher_name: str
    lessons: int = 0
    late_topics: int = 0
    late_registers: int = 0
    late_marks: int = 0
    without_topic: int = 0
    without_homework: int = 0
    courses: list[Course] = field(default_factory=list)

    @property
    def students_below_density(self) -> int:
        return sum(c.students_below_density for c in self.courses)

    @property
    def differing_period_marks(self) -> int:
        return sum(c.differing_period_marks for c in self.courses)

    @property
    def period_marks(self) -> int:
        return sum(c.period_marks for c in self.courses)


@dataclass(frozen=True)
class JournalControl:
    period: Period
    period_name: str
    starts_on: date
    ends_on: date
    late_days: int
    teachers: list[TeacherControl]


def check_late_days(late_days: int) -> None:
    if not 0 <= late_days <= MAX_LATE_DAYS:
        raise ValidationFailed(
            f"Допустимая задержка — от 0 до {MAX_LATE_DAYS} дней.", field="lateDays"
        )


async def build_journal_control(
    session: AsyncSession,
    school_id: UUID,
    period: Period,
    *,
    late_days: int,
    today: date,
    teacher_ids: set[UUID] | None = None,
) -> JournalControl:
    """``teacher_ids`` narrows the report to those teachers (None: the whole school)."""
    check_late_days(late_days)
    when = await span(session, school_id, period)
    if when.starts_on is None or when.ends_on is None:
        raise ValidationFailed("Даты учебного периода ещё неизвестны.", field="studyPeriodId")
    starts_on, ends_on = when.starts_on, min(when.ends_on, today)
    classes = {
        c.school_class_id: c
        for c in await session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school_id)
        )
    }
    teachers: dict[UUID, TeacherControl] = {}

    def teacher(tid: UUID) -> TeacherControl:
        return teachers.setdefault(tid, TeacherControl(tid, ""))

    courses: dict[tuple[UUID, UUID, UUID], Course] = {}
    subject_names: dict[UUID, str] = {}

    def course(tid: UUID, class_id: UUID, subject_id: UUID) -> Course:
        key = (tid, class_id, subject_id)
        if key not in courses:
            c = classes.get(class_id)
            courses[key] = Course(class_id, c.name if c else "", subject_id, "")
            teacher(tid).courses.append(courses[key])
        return courses[key]

    loads = (
        await session.execute(
            select(TeachingLoad.teacher_id, TeachingLoad.school_class_id, TeachingLoad.subject_id)
            .where(TeachingLoad.school_id == school_id, TeachingLoad.withdrawn.is_(False))
            .distinct()
        )
    ).all()
    for tid, class_id, subject_id in loads:
        if tid and class_id and subject_id and (teacher_ids is None or tid in teacher_ids):
            course(tid, class_id, subject_id)

    allowance = timedelta(days=late_days)
    lessons = (
        await session.execute(
            select(Lesson).where(
                Lesson.school_id == school_id,
                Lesson.cancelled.is_(False),
                Lesson.date.between(starts_on, ends_on),
                Lesson.teacher_id.is_not(None),
            )
        )
    ).scalars()
    for lesson in lessons:
        if teacher_ids is not None and lesson.teacher_id not in teacher_ids:
            continue
        t = teacher(lesson.teacher_id)  # type: ignore[arg-type]
        t.lessons += 1
        overdue = lesson.date + allowance < today  # type: ignore[operator]
        if metrics.filled_late(lesson.date, lesson.topic_first_at, late_days) or (
            lesson.topic_first_at is None and overdue
        ):
            t.late_topics += 1
        if metrics.filled_late(lesson.date, lesson.register_first_at, late_days) or (
            lesson.register_first_at is None and overdue
        ):
            t.late_registers += 1
        t.without_topic += not lesson.has_topic
        t.without_homework += not lesson.has_homework
        if lesson.school_class_id and lesson.subject_id:
            if lesson.subject_name:
                subject_names[lesson.subject_id] = lesson.subject_name
            if lesson.has_topic:
                course(lesson.teacher_id, lesson.school_class_id, lesson.subject_id).held += 1  # type: ignore[arg-type]

    marks = (
        await session.execute(
            select(
                Mark.teacher_id,
                Mark.school_class_id,
                Mark.subject_id,
                Mark.subject_name,
                Mark.student_id,
                Mark.date,
                Mark.recorded_at,
            ).where(
                Mark.school_id == school_id,
                Mark.removed.is_(False),
                Mark.value.is_not(None),
                Mark.date.between(starts_on, ends_on),
            )
        )
    ).all()
    marks_per_student: Counter[tuple[UUID, UUID, UUID]] = Counter()
    for m in marks:
        marks_per_student[(m.school_class_id, m.subject_id, m.student_id)] += 1
        if m.subject_name:
            subject_names[m.subject_id] = m.subject_name
        if m.teacher_id in teachers and metrics.filled_late(m.date, m.recorded_at, late_days):
            teachers[m.teacher_id].late_marks += 1

    hours = await hours_per_week(session, school_id, period.academic_year_id, classes)
    finals = (
        await session.execute(
            select(
                ProgressSummaryMark.school_class_id,
                ProgressSummaryMark.subject_id,
                ProgressSummaryMark.value,
                ProgressSummaryMark.proposed,
            ).where(
                ProgressSummaryMark.school_id == school_id,
                ProgressSummaryMark.academic_year_id == period.academic_year_id,
                ProgressSummaryMark.kind == period.kind,
                ProgressSummaryMark.removed.is_(False),
                *(
                    [ProgressSummaryMark.study_period_id == period.study_period_id]
                    if period.study_period_id
                    else []
                ),
            )
        )
    ).all()
    finals_by_course: dict[tuple[UUID, UUID], list[tuple[int | None, int | None]]] = defaultdict(
        list
    )
    for f in finals:
        finals_by_course[(f.school_class_id, f.subject_id)].append((f.value, f.proposed))
    rosters: dict[UUID, set[UUID]] = {}
    for (_, class_id, subject_id), c in courses.items():
        c.subject_name = subject_names.get(subject_id, c.subject_name)
        per_week = hours.get((class_id, subject_id))
        if per_week is not None:
            c.planned = metrics.planned_lessons(per_week, starts_on, ends_on)
            c.coverage = metrics.coverage(c.held, c.planned)
            if class_id not in rosters:
                rosters[class_id] = await enrolled_at(session, class_id, ends_on)
            c.students_below_density = sum(
                metrics.below_density(marks_per_student[(class_id, subject_id, s)], per_week)
                for s in rosters[class_id]
            )
        pairs = finals_by_course.get((class_id, subject_id), [])
        c.period_marks = len(pairs)
        c.differing_period_marks = sum(metrics.differs_from_proposal(v, p) for v, p in pairs)
    teacher_names = await names(session, set(teachers))
    for t in teachers.values():
        t.teacher_name = teacher_names.get(t.teacher_id, "")
        t.courses.sort(key=lambda c: (c.class_name, c.subject_name))
    return JournalControl(
        period=period,
        period_name=when.name,
        starts_on=when.starts_on,
        ends_on=when.ends_on,
        late_days=late_days,
        teachers=sorted(teachers.values(), key=lambda t: (t.teacher_name, str(t.teacher_id))),
    )


async def hours_per_week(
    session: AsyncSession,
    school_id: UUID,
    academic_year_id: UUID,
    classes: dict[UUID, SchoolClass],
) -> dict[tuple[UUID, UUID], Decimal]:
    """Hours a week per (class, subject): the class's own line, else its parallel's."""
    rows = (
        await session.scalars(
            select(CurriculumHours).where(
                CurriculumHours.school_id == school_id,
                CurriculumHours.academic_year_id == academic_year_id,
            )
        )
    ).all()
    by_grade = {(r.grade_level, r.subject_id): r.hours_per_week for r in rows if r.grade_level}
    out: dict[tuple[UUID, UUID], Decimal] = {}
    for class_id, c in classes.items():
        for (grade, subject_id), h in by_grade.items():
            if grade == c.grade_level and h > 0:
                out[(class_id, subject_id)] = h
    for r in rows:
        if r.school_class_id is not None:
            if r.hours_per_week > 0:
                out[(r.school_class_id, r.subject_id)] = r.hours_per_week
            else:
                out.pop((r.school_class_id, r.subject_id), None)
    return out
