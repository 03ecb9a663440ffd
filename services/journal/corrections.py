"""Correction requests: a locked lesson's marks or attendance change with the administration's
approval, applied at once with its history; who approves is a school setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import require
from services.journal.domain.marks import (
    MARK_ACTIONS,
    CorrectionAction,
    CorrectionStatus,
    check_approvers,
    check_correction_fields,
    check_reason,
)
from services.journal.events import AttendanceSet, CorrectionDecided, CorrectionRequested
from services.journal.lock import LessonFacts, LessonRow, lesson_facts
from services.journal.marks import (
    apply_change,
    apply_record,
    apply_remove,
    assignment_target,
    mark_for_writing,
)
from services.journal.models import (
    Attendance,
    AttendanceCodeEntry,
    AttendanceHistory,
    CorrectionRequest,
    JournalSettings,
    Lesson,
    Mark,
)
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ROLE_LABELS, Role
from services.kernel.uow import UnitOfWork

SETTINGS_EDITORS = (Role.ADMINISTRATOR,)
DEFAULT_APPROVERS = (Role.DEPUTY_DIRECTOR_QUALITY, Role.DIRECTOR)


@dataclass(frozen=True)
class CorrectionRequestView:
    id: UUID
    lesson_id: UUID
    lesson_date: date
    student_id: UUID
    action: CorrectionAction
    mark_id: UUID | None
    assignment_id: UUID | None
    value: int | None
    comment: str | None
    attendance_code: str | None
    reason: str
    status: CorrectionStatus
    requested_by: UUID
    requested_at: datetime
    decided_by: UUID | None
    decided_at: datetime | None
    decision_comment: str | None
    lesson_number: int
    school_class_id: UUID
    subject_id: UUID


def _uuid(payload: dict[str, Any], key: str) -> UUID | None:
    value = payload.get(key)
    return UUID(str(value)) if value else None


def request_view(r: CorrectionRequest, lesson: LessonRow) -> CorrectionRequestView:
    p = r.payload or {}
    return CorrectionRequestView(
        r.id, r.lesson_id, lesson.date, r.student_id, CorrectionAction(r.action),
        _uuid(p, "mark_id"), _uuid(p, "assignment_id"), p.get("value"), p.get("comment"),
        p.get("attendance_code"), r.reason, CorrectionStatus(r.status), r.requested_by,
        r.requested_at, r.decided_by, r.decided_at, r.decision_comment, lesson.number,
        lesson.school_class_id, lesson.subject_id,
    )  # fmt: skip


# --- who approves ------------------------------------------------------------------------------


async def _approvers(s: AsyncSession, school_id: UUID | None) -> list[Role]:
    stored = await s.scalar(
        select(JournalSettings.correction_approvers).where(JournalSettings.school_id == school_id)
    )
    if stored is None:
        return list(DEFAULT_APPROVERS)
    return [Role(r) for r in stored if r in Role._value2member_map_]


async def correction_approvers(db: Database, principal: Principal) -> list[Role]:
    require(principal)
    async with db.sessionmaker() as s:
        return await _approvers(s, principal.school_id)


async def set_correction_approvers(uow: UnitOfWork, roles: list[Role]) -> list[Role]:
    """The administrator names the roles whose holders decide correction requests."""
    principal = uow.principal
    by = require(principal, *SETTINGS_EDITORS)
    values = check_approvers(roles)
    async with uow:
        s = uow.session
        now = utcnow()
        await s.execute(
            insert(JournalSettings)
            .values(
                school_id=principal.school_id,
                lock_days=domain.DEFAULT_LOCK_DAYS,
                correction_approvers=values,
                updated_by=by,
                updated_at=now,
            )
            .on_conflict_do_update(
                index_elements=["school_id"],
                set_={"correction_approvers": values, "updated_by": by, "updated_at": now},
            )
        )
        await uow.commit()
    return [Role(v) for v in values]


# --- requests ----------------------------------------------------------------------------------


async def _check_target(
    s: AsyncSession,
    facts: LessonFacts,
    student_id: UUID,
    action: CorrectionAction,
    mark_id: UUID | None,
    assignment_id: UUID | None,
    attendance_code: str | None,
) -> str | None:
    """The mark, assignment or attendance code the request names belongs to this lesson."""
    lesson = facts.lesson
    if action in (CorrectionAction.CHANGE_MARK, CorrectionAction.REMOVE_MARK):
        mark = await s.get(Mark, mark_id)
        if mark is None or mark.school_id != lesson.school_id:
            raise NotFound("Отметка не найдена.")
        if mark.lesson_id != lesson.id or mark.student_id != student_id:
            raise ValidationFailed(
                "Отметка относится к другому уроку или учащемуся.", field="markId"
            )
    if action is CorrectionAction.RECORD_MARK and assignment_id is not None:
        await assignment_target(s, lesson, assignment_id)
    if action is CorrectionAction.SET_ATTENDANCE:
        return await _attendance_code(s, lesson.school_id, attendance_code or "")
    if action is CorrectionAction.CLEAR_ATTENDANCE:
        present = await s.scalar(
            select(Attendance.id).where(
                Attendance.lesson_id == lesson.id, Attendance.student_id == student_id
            )
        )
        if present is None:
            raise ValidationFailed(
                "На этом уроке у учащегося нет отметки о посещаемости.", field="action"
            )
    return None


async def _attendance_code(s: AsyncSession, school_id: UUID, code: str) -> str:
    clean = code.strip().upper()
    found = await s.scalar(
        select(AttendanceCodeEntry.code).where(
            AttendanceCodeEntry.school_id == school_id,
            AttendanceCodeEntry.code == clean,
            ~AttendanceCodeEntry.archived,
        )
    )
    if found is None:
        raise ValidationFailed(
            f"Кода посещаемости «{code.strip()}» нет в справочнике школы.",
            field="attendanceCode",
        )
    return str(found)


async def request_correction(
    uow: UnitOfWork,
    lesson_id: UUID,
    student_id: UUID,
    action: CorrectionAction,
    reason: str,
    *,
    mark_id: UUID | None = None,
    assignment_id: UUID | None = None,
    value: int | None = None,
    comment: str | None = None,
    attendance_code: str | None = None,
) -> CorrectionRequestView:
    """A teacher of the lesson asks to change what the lock period has closed."""
    principal = uow.principal
    by = require(principal)
    reason_text = check_reason(reason)
    check_correction_fields(action, mark_id=mark_id, value=value, attendance_code=attendance_code)
    if value is not None:
        domain.check_mark(value)
    comment_text = domain.check_comment(comment)
    async with uow:
        s = uow.session
        facts = await lesson_facts(s, principal, lesson_id, student_id)
        facts.ensure_writer()
        facts.ensure_enrolled()
        facts.ensure_year_open()
        if not facts.locked:
            raise ValidationFailed(
                f"Урок {facts.lesson.date:%d.%m.%Y} ещё открыт для изменений: измените сами, "
                "без заявки.",
                field="lessonId",
            )
        code = await _check_target(
            s, facts, student_id, action, mark_id, assignment_id, attendance_code
        )
        payload: dict[str, Any] = {
            "mark_id": str(mark_id) if mark_id else None,
            "assignment_id": str(assignment_id) if assignment_id else None,
            "value": value,
            "comment": comment_text,
            "attendance_code": code,
        }
        row = CorrectionRequest(
            id=uuid7(),
            school_id=facts.lesson.school_id,
            lesson_id=facts.lesson.id,
            student_id=student_id,
            action=action.value,
            payload={k: v for k, v in payload.items() if v is not None},
            reason=reason_text,
            status=CorrectionStatus.PENDING.value,
            requested_by=by,
            requested_at=utcnow(),
        )
        s.add(row)
        await s.flush()
        uow.emit(
            CorrectionRequested(
                request_id=row.id,
                school_id=row.school_id,
                lesson_id=row.lesson_id,
                student_id=student_id,
                action=action.value,
                requested_by=by,
            ),
            school_id=row.school_id,
        )
        await uow.commit()
    return request_view(row, facts.lesson)


async def _apply(uow: UnitOfWork, request: CorrectionRequest, facts: LessonFacts) -> None:
    """The approved change, now, in the decision's transaction; the lock yields, a closed year
    does not."""
    s, action, p = uow.session, CorrectionAction(request.action), request.payload or {}
    facts.ensure_year_open()
    if action is CorrectionAction.RECORD_MARK:
        await apply_record(
            uow, facts, request.student_id, int(p["value"]), p.get("comment"),
            _uuid(p, "assignment_id"), correction_request_id=request.id,
        )  # fmt: skip
        return
    if action in MARK_ACTIONS:
        mark_id = _uuid(p, "mark_id")
        assert mark_id is not None
        try:
            mark, _ = await mark_for_writing(s, uow.principal, mark_id)
        except NotFound:
            raise Conflict(
                "Отметку уже удалили: заявку нельзя применить, отклоните её.", field="requestId"
            ) from None
        if action is CorrectionAction.CHANGE_MARK:
            apply_change(
                uow, facts, mark, int(p["value"]), p.get("comment"),
                correction_request_id=request.id,
            )  # fmt: skip
        else:
            await apply_remove(uow, facts, mark, correction_request_id=request.id)
        return
    await _apply_attendance(uow, request, facts, p.get("attendance_code"))


async def _apply_attendance(
    uow: UnitOfWork, request: CorrectionRequest, facts: LessonFacts, code: str | None
) -> None:
    """Set or clear a student's attendance on the lesson, with its history row."""
    s, lesson, by = uow.session, facts.lesson, uow.principal.person_id
    now = utcnow()
    before = await s.scalar(
        select(Attendance.code)
        .where(Attendance.lesson_id == lesson.id, Attendance.student_id == request.student_id)
        .with_for_update()
    )
    if code is None:
        if before is None:
            raise Conflict("Отметки о посещаемости уже нет.", field="requestId")
        await s.execute(
            delete(Attendance).where(
                Attendance.lesson_id == lesson.id, Attendance.student_id == request.student_id
            )
        )
    else:
        values = {"code": code, "set_by": by, "set_at": now}
        attendance_id = await s.scalar(
            insert(Attendance)
            .values(
                id=uuid7(),
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                student_id=request.student_id,
                **values,
            )
            .on_conflict_do_update(index_elements=["lesson_id", "student_id"], set_=values)
            .returning(Attendance.id)
        )
        assert attendance_id is not None
        uow.emit(
            AttendanceSet(
                attendance_id=attendance_id,
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                student_id=request.student_id,
                school_class_id=lesson.school_class_id,
                subject_name=facts.subject_name,
                date=lesson.date,
                lesson_number=lesson.number,
                code=code,
                set_by=by,
            ),
            school_id=lesson.school_id,
        )
    s.add(
        AttendanceHistory(
            id=uuid7(),
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            student_id=request.student_id,
            code_before=before,
            code_after=code,
            changed_by=by,
            changed_at=now,
            correction_request_id=request.id,
        )
    )


async def decide_correction(
    uow: UnitOfWork, request_id: UUID, approve: bool, comment: str | None = None
) -> CorrectionRequestView:
    """An approver approves (the change is applied at once) or rejects (nothing changes)."""
    principal = uow.principal
    by = require(principal)
    comment_text = domain.check_comment(comment)
    async with uow:
        s = uow.session
        row = await s.get(CorrectionRequest, request_id, with_for_update=True)
        if row is None or row.school_id != principal.school_id:
            raise NotFound("Заявка не найдена.")
        approvers = await _approvers(s, row.school_id)
        if not principal.has_role(*approvers):
            raise Forbidden(
                "Заявки на исправление журнала решают: "
                + ", ".join(ROLE_LABELS[r] for r in approvers)
                + "."
            )
        if row.requested_by == by:
            raise Forbidden("Свою заявку на исправление решает другой сотрудник администрации.")
        if row.status != CorrectionStatus.PENDING.value:
            raise Conflict("Заявка уже рассмотрена.", field="requestId")
        facts = await lesson_facts(s, principal, row.lesson_id, row.student_id)
        if approve:
            await _apply(uow, row, facts)
        row.status = (CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED).value
        row.decided_by, row.decided_at, row.decision_comment = by, utcnow(), comment_text
        await s.flush()
        uow.emit(
            CorrectionDecided(
                request_id=row.id,
                school_id=row.school_id,
                lesson_id=row.lesson_id,
                student_id=row.student_id,
                action=row.action,
                approved=approve,
                requested_by=row.requested_by,
                decided_by=by,
            ),
            school_id=row.school_id,
        )
        await uow.commit()
    return request_view(row, facts.lesson)


async def correction_requests(
    db: Database, principal: Principal, status: CorrectionStatus | None = None
) -> list[CorrectionRequestView]:
    """Approvers see their school's requests; anyone else the requests they made."""
    person_id = require(principal)
    async with db.sessionmaker() as s:
        approvers = await _approvers(s, principal.school_id)
        query = (
            select(
                CorrectionRequest,
                Lesson.id,
                Lesson.school_id,
                Lesson.school_class_id,
                Lesson.subject_id,
                Lesson.teacher_id,
                Lesson.subgroup_id,
                Lesson.date,
                Lesson.number,
            )
            .join(Lesson, Lesson.id == CorrectionRequest.lesson_id)
            .where(CorrectionRequest.school_id == principal.school_id)
        )
        if not principal.has_role(*approvers):
            query = query.where(CorrectionRequest.requested_by == person_id)
        if status is not None:
            query = query.where(CorrectionRequest.status == status.value)
        rows = await s.execute(
            query.order_by(CorrectionRequest.requested_at.desc(), CorrectionRequest.id).limit(500)
        )
        return [request_view(r, LessonRow(*lesson)) for r, *lesson in rows]
