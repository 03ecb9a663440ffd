"""The end of the school day: no ОТ may remain without a reason.

The control query lists the ОТ marks still unresolved on a day; a background task publishes
``journal.absences.unresolved`` once per school and day, after the school's day has ended in its
own time zone (``JournalSettings.day_ends_at``). The days already checked are kept in
``absence_control``, so a restart does not publish a day twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import is_class_teacher, require
from services.journal.domain import attendance as rules
from services.journal.events import (
    AbsencesUnresolved,
    UnresolvedClassAbsences,
    UnresolvedStudentAbsences,
)
from services.journal.models import (
    AbsenceControl,
    Attendance,
    AttendanceCodeEntry,
    JournalSettings,
    Lesson,
    RoleGrant,
    School,
    SchoolClass,
)
from services.journal.views import UnresolvedClassView, UnresolvedStudentView
from services.kernel.db import Database
from services.kernel.events import utcnow
from services.kernel.graphql import Runtime
from services.kernel.periodic import run_every
from services.kernel.principal import ANONYMOUS, Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork

log = logging.getLogger("sgo.journal.end_of_day")

CHECK_SECONDS = 60.0
MAX_COUNT = 32767  # absence_control.unresolved is a small integer
Clock = Callable[[], datetime]


async def unresolved_marks(
    s: AsyncSession, school_id: UUID, day: date, class_ids: list[UUID] | None = None
) -> list[rules.UnresolvedMark]:
    query = (
        select(Lesson.school_class_id, Attendance.student_id, Lesson.id, Lesson.number)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(
            AttendanceCodeEntry,
            (AttendanceCodeEntry.school_id == Attendance.school_id)
            & (AttendanceCodeEntry.code == Attendance.code),
        )
        .where(
            Attendance.school_id == school_id,
            Lesson.date == day,
            AttendanceCodeEntry.category == domain.AttendanceCategory.ABSENT_UNKNOWN.value,
        )
    )
    if class_ids is not None:
        query = query.where(Lesson.school_class_id.in_(class_ids))
    return [rules.UnresolvedMark(*row) for row in await s.execute(query)]


async def _class_teachers(s: AsyncSession, class_ids: list[UUID]) -> dict[UUID, UUID | None]:
    if not class_ids:
        return {}
    rows = await s.execute(
        select(SchoolClass.id, SchoolClass.class_teacher_id).where(SchoolClass.id.in_(class_ids))
    )
    return {class_id: teacher_id for class_id, teacher_id in rows}


async def _own_classes(s: AsyncSession, principal: Principal) -> list[UUID]:
    person_id = require(principal)
    rows = await s.scalars(
        select(SchoolClass.id).where(
            SchoolClass.school_id == principal.school_id,
            or_(
                SchoolClass.class_teacher_id == person_id,
                SchoolClass.id.in_(
                    select(RoleGrant.school_class_id).where(
                        RoleGrant.person_id == person_id,
                        RoleGrant.role == Role.CLASS_TEACHER.value,
                    )
                ),
            ),
        )
    )
    return list(rows)


async def unresolved_absences(
    db: Database, principal: Principal, day: date, school_class_id: UUID | None = None
) -> list[UnresolvedClassView]:
    """Every ОТ still without a reason that day, per class: the administration sees the school,
    a class teacher their own class."""
    person_id = require(principal, *ADMINISTRATION, Role.CLASS_TEACHER)
    assert principal.school_id is not None
    overseer = principal.has_role(*ADMINISTRATION)
    async with db.sessionmaker() as s:
        class_ids: list[UUID] | None
        if school_class_id is not None:
            # A list: another class, or none at all, gives an empty one (kernel.visibility).
            school_class = await s.get(SchoolClass, school_class_id)
            if school_class is None or school_class.school_id != principal.school_id:
                return []
            if not overseer and not await is_class_teacher(s, person_id, school_class_id):
                return []
            class_ids = [school_class_id]
        else:
            class_ids = None if overseer else await _own_classes(s, principal)
        marks = await unresolved_marks(s, principal.school_id, day, class_ids)
        grouped = rules.group_unresolved(marks)
        teachers = await _class_teachers(s, [c.school_class_id for c in grouped])
    return [
        UnresolvedClassView(
            c.school_class_id,
            teachers.get(c.school_class_id),
            [
                UnresolvedStudentView(st.student_id, list(st.lesson_ids), list(st.lesson_numbers))
                for st in c.students
            ],
        )
        for c in grouped
    ]


# --- the background control -------------------------------------------------------------------


def days_due(now: datetime, timezone: str, day_ends_at: time) -> list[date]:
    """Yesterday (a restart may have missed its end) and today once the school's day has ended."""
    local = now.astimezone(ZoneInfo(timezone))
    days = [local.date() - timedelta(days=1)]
    if local.time() >= day_ends_at:
        days.append(local.date())
    return days


async def control_day(uow: UnitOfWork, school_id: UUID, day: date) -> AbsencesUnresolved | None:
    """Checks one school's day once; publishes its unresolved ОТ marks if any are left."""
    async with uow:
        s = uow.session
        claimed = await s.scalar(
            insert(AbsenceControl)
            .values(school_id=school_id, date=day, unresolved=0)
            .on_conflict_do_nothing()
            .returning(AbsenceControl.date)
        )
        if claimed is None:
            return None  # done before (or by another instance right now)
        marks = await unresolved_marks(s, school_id, day)
        event = None
        if marks:
            grouped = rules.group_unresolved(marks)
            teachers = await _class_teachers(s, [c.school_class_id for c in grouped])
            event = AbsencesUnresolved(
                school_id=school_id,
                date=day,
                classes=[
                    UnresolvedClassAbsences(
                        school_class_id=c.school_class_id,
                        class_teacher_id=teachers.get(c.school_class_id),
                        students=[
                            UnresolvedStudentAbsences(
                                student_id=st.student_id,
                                lesson_ids=list(st.lesson_ids),
                                lesson_numbers=list(st.lesson_numbers),
                            )
                            for st in c.students
                        ],
                    )
                    for c in grouped
                ],
            )
            await s.execute(
                update(AbsenceControl)
                .where(AbsenceControl.school_id == school_id, AbsenceControl.date == day)
                .values(unresolved=min(len(marks), MAX_COUNT))
            )
            uow.emit(event, school_id=school_id)
        await uow.commit()
    return event


async def control_due(
    runtime: Runtime, now: datetime, school_ids: list[UUID] | None = None
) -> list[AbsencesUnresolved]:
    """Checks every school's days that are due at ``now``; returns what was published."""
    async with runtime.db.sessionmaker() as s:
        query = select(
            JournalSettings.school_id, School.timezone, JournalSettings.day_ends_at
        ).join(School, School.id == JournalSettings.school_id)
        if school_ids is not None:
            query = query.where(JournalSettings.school_id.in_(school_ids))
        schools = (await s.execute(query)).all()
        done = {
            (school_id, day)
            for school_id, day in await s.execute(
                select(AbsenceControl.school_id, AbsenceControl.date).where(
                    AbsenceControl.date >= now.date() - timedelta(days=2)
                )
            )
        }
    published = []
    for school_id, timezone, day_ends_at in schools:
        for day in days_due(now, timezone or "Asia/Tomsk", day_ends_at):
            if (school_id, day) in done:
                continue
            event = await control_day(runtime.uow(ANONYMOUS), school_id, day)
            if event is not None:
                published.append(event)
    return published


async def run_control(
    runtime: Runtime, clock: Clock = utcnow, every: float = CHECK_SECONDS
) -> None:
    """The periodic task; a failed round waits for the next one."""
    await run_every(
        every, lambda: control_due(runtime, clock()), log=log, what="end-of-day absence control"
    )


async def start_control(runtime: Runtime) -> None:
    clock: Clock = runtime.extras.get("clock", utcnow)
    runtime.spawn(run_control(runtime, clock), name="journal-end-of-day")
