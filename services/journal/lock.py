"""The journal's locks: a lesson's marks and attendance after the lock period, a closed year.

A write path asks once (``lesson_facts``): the lesson, its subject and class, whether the caller
may write it, whether the student is on the class's roster, the school's today and lock period
and whether the year is closed — one round trip instead of one query per check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.domain.marks import is_ahead
from services.journal.domain.marks import is_past_lock as past_lock
from services.journal.models import (
    AcademicYear,
    JournalSettings,
    Lesson,
    School,
    YearClosing,
)
from services.kernel.errors import Conflict, Locked, NotFound, ValidationFailed
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.visibility import refusal

DEFAULT_TIMEZONE = "Asia/Tomsk"


async def school_today(session: AsyncSession, school_id: UUID) -> date:
    """Today where the school is (Tomsk is UTC+7: "today" is not the server's)."""
    tz = await session.scalar(select(School.timezone).where(School.id == school_id))
    return datetime.now(ZoneInfo(tz or DEFAULT_TIMEZONE)).date()


async def lock_days(session: AsyncSession, school_id: UUID) -> int:
    days = await session.scalar(
        select(JournalSettings.lock_days).where(JournalSettings.school_id == school_id)
    )
    return domain.DEFAULT_LOCK_DAYS if days is None else int(days)


def _year_closed(school_id: object, day: object) -> object:
    return exists().where(
        YearClosing.academic_year_id == AcademicYear.id,
        AcademicYear.school_id == school_id,
        AcademicYear.starts_on <= day,
        AcademicYear.ends_on >= day,
    )


def _today(school_id: object) -> object:
    tz = (
        select(School.timezone).where(School.id == school_id).scalar_subquery()
    )  # the school's zone; the server's clock
    return cast(func.timezone(func.coalesce(tz, DEFAULT_TIMEZONE), func.now()), Date)


def _lock_days(school_id: object) -> object:
    days = (
        select(JournalSettings.lock_days)
        .where(JournalSettings.school_id == school_id)
        .scalar_subquery()
    )
    return func.coalesce(days, domain.DEFAULT_LOCK_DAYS)


async def year_closed_on(session: AsyncSession, school_id: UUID, day: date) -> bool:
    """Whether the academic year that holds ``day`` is closed."""
    return bool(await session.scalar(select(_year_closed(school_id, day))))


def _year_closed_error() -> Locked:
    return Locked(
        "Учебный год закрыт: журнал этого года доступен только для чтения.",
        reason="year_closed",
    )


def _lock_error(lesson_date: date, days: int) -> Locked:
    return Locked(
        f"Отметки и посещаемость урока {lesson_date:%d.%m.%Y} нельзя изменить: прошло "
        f"больше {days} дней. Подайте заявку на исправление с указанием причины.",
        reason="lock_period",
    )


def _ahead_error(lesson_date: date) -> ValidationFailed:
    return ValidationFailed(
        f"Урок {lesson_date:%d.%m.%Y} ещё не прошёл: отметки и посещаемость ставятся за уроки "
        "по сегодняшний день включительно.",
        field="lessonId",
        reason="lesson_ahead",
    )


@dataclass(frozen=True)
class LockFacts:
    today: date
    lock_days: int
    year_closed: bool


async def lock_facts(session: AsyncSession, lesson: Lesson) -> LockFacts:
    row = (
        await session.execute(
            select(
                _today(lesson.school_id),
                _lock_days(lesson.school_id),
                _year_closed(lesson.school_id, lesson.date),
            )
        )
    ).one()
    return LockFacts(row[0], int(row[1]), bool(row[2]))


async def ensure_year_open(session: AsyncSession, lesson: Lesson) -> None:
    await ensure_day_open(session, lesson.school_id, lesson.date)


async def ensure_day_open(session: AsyncSession, school_id: UUID, day: date) -> None:
    """Nothing is added to the journal of a closed year (a lesson put on one of its days)."""
    if await year_closed_on(session, school_id, day):
        raise _year_closed_error()


async def ensure_editable(session: AsyncSession, lesson: Lesson, *, undoing: bool = False) -> None:
    """Teachers change marks and attendance only within the lock period of a year still open,
    and only on lessons up to the school's today.

    Past the lock the change goes through a correction request the administration decides.
    ``undoing`` (clearing what is there) is allowed on a lesson ahead, so a mistake can go.
    """
    facts = await lock_facts(session, lesson)
    if facts.year_closed:
        raise _year_closed_error()
    if not undoing and is_ahead(lesson.date, facts.today):
        raise _ahead_error(lesson.date)
    if past_lock(lesson.date, facts.today, facts.lock_days):
        raise _lock_error(lesson.date, facts.lock_days)


# --- one round trip for a write path (marks, assignments, correction requests) ----------------


@dataclass(frozen=True)
class LessonRow:
    """The lesson's columns a write needs (plain data: no ORM instance to build per request)."""

    id: UUID
    school_id: UUID
    school_class_id: UUID
    subject_id: UUID
    teacher_id: UUID
    subgroup_id: UUID | None
    date: date
    number: int


@dataclass(frozen=True)
class TypedAssignment:
    """An assignment a mark may go to, with its type (the weight is read now)."""

    assignment_id: UUID
    lesson_id: UUID
    type_name: str
    weight: int


@dataclass(frozen=True)
class LessonFacts:
    """What a write to a lesson's journal needs to know, fetched in one query."""

    lesson: LessonRow
    subject_name: str
    class_name: str
    may_write: bool
    enrolled: bool
    today: date
    lock_days: int
    year_closed: bool
    student_id: UUID | None = None
    # The assignment asked for (None when not asked or not the school's).
    assignment: TypedAssignment | None = None
    # The school's default type and the lesson's assignment of it the student has no mark on.
    default_type: tuple[UUID, str, int] | None = None
    free_default_id: UUID | None = None
    cancelled: bool = False
    # The caller reads this lesson's journal (writes it, class teacher, administration), and
    # sees the lesson at all (those, and the academic secretary's timetable work).
    reads_journal: bool = False
    sees_lesson: bool = False

    @property
    def locked(self) -> bool:
        return past_lock(self.lesson.date, self.today, self.lock_days)

    def ensure_writer(self, missing: str = "Урок не найден.", *, journal_row: bool = False) -> None:
        """The caller writes this lesson. A lesson they do not see (or, for ``journal_row``
        such as a mark, a journal they do not read) answers as a missing row: ``missing``."""
        if not self.may_write:
            visible = self.reads_journal if journal_row else self.sees_lesson
            raise refusal(
                visible=visible,
                missing=missing,
                forbidden=f"Вы не ведёте предмет «{self.subject_name}» в классе "
                f"{self.class_name}: заполнять журнал этого урока может учитель с такой "
                "нагрузкой или назначенный на замену.",
            )
        if self.cancelled:  # a cancelled lesson is not a lesson to fill in
            raise Conflict(
                f"Урок {self.lesson.date:%d.%m.%Y} отменён: отметки и посещаемость в нём не "
                "ставятся.",
                field="lessonId",
            )

    def ensure_enrolled(self) -> None:
        if not self.enrolled:
            raise ValidationFailed(
                f"Учащийся не числится в классе {self.class_name}.", field="studentId"
            )

    def ensure_year_open(self) -> None:
        if self.year_closed:
            raise _year_closed_error()

    def ensure_editable(self, *, undoing: bool = False) -> None:
        """Within the lock period, on a lesson up to today (``undoing`` may clear one ahead)."""
        self.ensure_year_open()
        if not undoing and is_ahead(self.lesson.date, self.today):
            raise _ahead_error(self.lesson.date)
        if self.locked:
            raise _lock_error(self.lesson.date, self.lock_days)


# Written out once, executed as a prepared statement: building this expression per request
# cost more than running it. Keep it in step with ``access.may_write_clause`` and ``_year_closed``.
_LESSON_FACTS = text(
    """
SELECT l.id, l.school_id, l.school_class_id, l.subject_id, l.teacher_id, l.subgroup_id,
       l.date, l.number,
       s.name,
       coalesce(c.name, '—'),
       CAST(:person_id AS uuid) IS NOT NULL AND (
         EXISTS (SELECT 1 FROM teaching_load t
                 WHERE t.teacher_id = CAST(:person_id AS uuid)
                   AND t.school_class_id = l.school_class_id AND t.subject_id = l.subject_id
                   AND (l.subgroup_id IS NULL OR t.subgroup_id IS NULL
                        OR t.subgroup_id = l.subgroup_id))
         OR EXISTS (SELECT 1 FROM substitution x
                    WHERE x.lesson_id = l.id AND x.substitute_id = CAST(:person_id AS uuid))),
       CAST(:student_id AS uuid) IS NULL OR EXISTS (
         SELECT 1 FROM enrolment e
         WHERE e.person_id = CAST(:student_id AS uuid) AND e.school_class_id = l.school_class_id),
       CAST(timezone(coalesce((SELECT z.timezone FROM school z WHERE z.id = l.school_id),
                              :default_timezone), now()) AS date),
       coalesce((SELECT j.lock_days FROM journal_settings j WHERE j.school_id = l.school_id),
                :default_lock_days),
       EXISTS (SELECT 1 FROM year_closing y JOIN academic_year ay ON ay.id = y.academic_year_id
               WHERE ay.school_id = l.school_id
                 AND ay.starts_on <= l.date AND ay.ends_on >= l.date),
       a.id, a.lesson_id, at.name, at.weight,
       dt.id, dt.name, dt.weight,
       (SELECT f.id FROM assignment f
        WHERE f.lesson_id = l.id AND f.assignment_type_id = dt.id
          AND NOT EXISTS (SELECT 1 FROM mark m
                          WHERE m.assignment_id = f.id
                            AND m.student_id = CAST(:student_id AS uuid))
        ORDER BY f.created_at, f.id LIMIT 1),
       l.cancelled,
       CAST(:person_id AS uuid) IS NOT NULL AND (
         c.class_teacher_id = CAST(:person_id AS uuid)
         OR EXISTS (SELECT 1 FROM role_grant g
                    WHERE g.person_id = CAST(:person_id AS uuid) AND g.role = 'class_teacher'
                      AND g.school_class_id = l.school_class_id))
FROM lesson l
JOIN subject s ON s.id = l.subject_id
LEFT JOIN school_class c ON c.id = l.school_class_id
LEFT JOIN assignment a ON a.id = CAST(:assignment_id AS uuid) AND a.school_id = l.school_id
LEFT JOIN assignment_type at ON at.id = a.assignment_type_id
LEFT JOIN assignment_type dt ON dt.school_id = l.school_id AND dt.is_default
WHERE l.id = coalesce(CAST(:lesson_id AS uuid),
                      (SELECT w.lesson_id FROM assignment w
                       WHERE w.id = CAST(:assignment_id AS uuid)))
  AND l.school_id = CAST(:school_id AS uuid)
LIMIT 1
"""
)


async def lesson_facts(
    session: AsyncSession,
    principal: Principal,
    lesson_id: UUID | None,
    student_id: UUID | None = None,
    assignment_id: UUID | None = None,
) -> LessonFacts:
    """The lesson with the caller's right to write it and its locks; another school's is absent.

    Without ``lesson_id`` the lesson is the assignment's. Raises NOT_FOUND for a lesson (or an
    assignment) the caller's school does not have; the other checks are left to the caller
    (``ensure_writer``, ``ensure_enrolled``, ``ensure_editable``).
    """
    # On the session's connection, past the ORM's execution layer: a text query needs none of it.
    connection = await session.connection()
    row = (
        await connection.execute(
            _LESSON_FACTS,
            {
                "lesson_id": lesson_id,
                "school_id": principal.school_id,
                "person_id": principal.person_id,
                "student_id": student_id,
                "assignment_id": assignment_id,
                "default_timezone": DEFAULT_TIMEZONE,
                "default_lock_days": domain.DEFAULT_LOCK_DAYS,
            },
        )
    ).first()
    if row is None:
        raise NotFound("Урок не найден." if lesson_id else "Задание не найдено.")
    lesson = LessonRow(*row[:8])
    assignment = (
        TypedAssignment(row[15], row[16], row[17], int(row[18])) if row[15] is not None else None
    )
    default_type = (row[19], row[20], int(row[21])) if row[19] is not None else None
    may_write = bool(row[10])
    reads_journal = may_write or bool(row[24]) or principal.has_role(*ADMINISTRATION)
    sees_lesson = reads_journal or principal.has_role(Role.ACADEMIC_SECRETARY)
    return LessonFacts(
        lesson, row[8], row[9], may_write, bool(row[11]), row[12], int(row[13]),
        bool(row[14]), student_id, assignment, default_type, row[22], bool(row[23]),
        reads_journal, sees_lesson,
    )  # fmt: skip


# periods: period marks belong to a year, not to a lesson's date


async def year_closed(session: AsyncSession, academic_year_id: UUID) -> bool:
    return await session.get(YearClosing, academic_year_id) is not None


async def ensure_academic_year_open(session: AsyncSession, academic_year_id: UUID) -> None:
    if await year_closed(session, academic_year_id):
        raise Locked(
            "Учебный год закрыт: журнал этого года доступен только для чтения.",
            reason="year_closed",
        )
