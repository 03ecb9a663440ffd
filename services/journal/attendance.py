"""Attendance on a lesson: the subject teacher's ОТ and ОП."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.dialects.postgresql import insert

from services.journal import domain
from services.journal.access import (
    lesson_for_writing,
    require_enrolled,
)
from services.journal.events import (
    AttendanceSet,
)
from services.journal.lock import ensure_editable
from services.journal.models import (
    Attendance,
)
from services.journal.views import (
    AttendanceView,
)
from services.kernel.events import utcnow, uuid7
from services.kernel.uow import UnitOfWork


async def mark_absent(
    uow: UnitOfWork, lesson_id: UUID, student_id: UUID, code: domain.AttendanceCode | str
) -> AttendanceView:
    principal = uow.principal
    attendance_code = (
        code if isinstance(code, domain.AttendanceCode) else domain.parse_attendance_code(code)
    )
    async with uow:
        s = uow.session
        lesson, subject = await lesson_for_writing(s, principal, lesson_id)
        await require_enrolled(s, student_id, lesson)
        await ensure_editable(s, lesson)
        now = utcnow()
        values = {"code": attendance_code.value, "set_by": principal.person_id, "set_at": now}
        row = (
            await s.execute(
                insert(Attendance)
                .values(
                    id=uuid7(),
                    school_id=lesson.school_id,
                    lesson_id=lesson.id,
                    student_id=student_id,
                    **values,
                )
                .on_conflict_do_update(index_elements=["lesson_id", "student_id"], set_=values)
                .returning(Attendance.id)
            )
        ).one()
        attendance_id = row[0]
        uow.emit(
            AttendanceSet(
                attendance_id=attendance_id,
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                student_id=student_id,
                school_class_id=lesson.school_class_id,
                subject_name=subject.name,
                date=lesson.date,
                lesson_number=lesson.number,
                code=attendance_code.value,
                set_by=principal.person_id,
            ),
            school_id=lesson.school_id,
        )
        await uow.commit()
    return AttendanceView(
        attendance_id, lesson.id, student_id, attendance_code, principal.person_id, now
    )
