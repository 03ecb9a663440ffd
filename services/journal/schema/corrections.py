"""Correction requests for locked lessons and the roles that decide them."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry

from services.journal import corrections
from services.journal.domain.marks import CorrectionAction, CorrectionStatus
from services.journal.schema.types import (
    TEACHERS,
    Person,
    SchoolClass,
    Student,
    Subject,
    _subjects,
)
from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import ADMINISTRATION, STAFF, Role, any_of

CorrectionActionName = schema_enum(
    CorrectionAction, name="CorrectionAction", description="Что исправить в журнале."
)
CorrectionStatusName = schema_enum(
    CorrectionStatus, name="CorrectionStatus", description="Состояние заявки на исправление."
)
RoleName = schema_enum(Role, name="Role", description="Роль в школе")
REQUESTERS = TEACHERS
READERS = (*TEACHERS, *ADMINISTRATION)


@strawberry.federation.type(
    authenticated=True,
    description="Заявка учителя на исправление закрытого урока; её решает администрация.",
)
class CorrectionRequest:
    id: strawberry.ID
    lesson_id: strawberry.ID
    lesson_date: date
    student: Student
    action: CorrectionActionName  # type: ignore[valid-type]
    mark_id: strawberry.ID | None
    assignment_id: strawberry.ID | None
    value: int | None
    comment: str | None
    attendance_code: str | None
    reason: str
    status: CorrectionStatusName  # type: ignore[valid-type]
    requested_by: Person
    requested_at: datetime
    decided_by: Person | None
    decided_at: datetime | None
    decision_comment: str | None
    lesson_number: int
    school_class: SchoolClass
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True, description="Предмет урока.")
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None  # a lesson's subject is a foreign key
        return Subject.of(view)

    @strawberry.federation.field(authenticated=True, description="Что исправить, по-русски.")
    def action_label(self) -> str:
        return CorrectionAction(self.action.value).label

    @classmethod
    def of(cls, v: corrections.CorrectionRequestView) -> CorrectionRequest:
        def ident(value: object) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value else None

        return cls(
            id=strawberry.ID(str(v.id)),
            lesson_id=strawberry.ID(str(v.lesson_id)),
            lesson_date=v.lesson_date,
            student=Student(id=strawberry.ID(str(v.student_id))),
            action=CorrectionActionName(v.action.value),
            mark_id=ident(v.mark_id),
            assignment_id=ident(v.assignment_id),
            value=v.value,
            comment=v.comment,
            attendance_code=v.attendance_code,
            reason=v.reason,
            status=CorrectionStatusName(v.status.value),
            requested_by=Person(id=strawberry.ID(str(v.requested_by))),
            requested_at=v.requested_at,
            decided_by=Person(id=strawberry.ID(str(v.decided_by))) if v.decided_by else None,
            decided_at=v.decided_at,
            decision_comment=v.decision_comment,
            lesson_number=v.lesson_number,
            school_class=SchoolClass(id=strawberry.ID(str(v.school_class_id))),
            subject_id=v.subject_id,
        )


@strawberry.input
class RequestCorrectionInput:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    action: CorrectionActionName  # type: ignore[valid-type]
    reason: str
    mark_id: strawberry.ID | None = None
    assignment_id: strawberry.ID | None = None
    value: int | None = None
    comment: str | None = None
    attendance_code: str | None = strawberry.field(
        default=None, description="Код из справочника школы (ОТ, ОП, Б, УП, НП, ОСВ)."
    )


@strawberry.input
class DecideCorrectionInput:
    request_id: strawberry.ID
    approve: bool
    comment: str | None = None


def _opt(value: strawberry.ID | None, field: str) -> object:
    return parse_id(value, field) if value else None


@strawberry.type
class CorrectionsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*READERS),
        description="Заявки на исправление: согласующим — все заявки школы, учителю — свои.",
    )
    async def correction_requests(
        self,
        info: Info,
        status: CorrectionStatusName | None = None,  # type: ignore[valid-type]
    ) -> list[CorrectionRequest] | None:
        principal = info.context.require(*READERS)
        views = await corrections.correction_requests(
            info.context.runtime.db,
            principal,
            CorrectionStatus(status.value) if status is not None else None,
        )
        return [CorrectionRequest.of(v) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*STAFF),
        description="Роли, которые согласуют заявки на исправление журнала.",
    )
    async def correction_approvers(self, info: Info) -> list[RoleName] | None:  # type: ignore[valid-type]
        principal = info.context.require(*STAFF)
        roles = await corrections.correction_approvers(info.context.runtime.db, principal)
        return [RoleName(r.value) for r in roles]


@strawberry.type
class CorrectionsMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*REQUESTERS),
        description="Заявка на исправление отметки или посещаемости урока, закрытого для правок.",
    )
    async def request_correction(
        self, info: Info, input: RequestCorrectionInput
    ) -> CorrectionRequest | None:
        info.context.require(*REQUESTERS)
        view = await corrections.request_correction(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.student_id, "studentId"),
            CorrectionAction(input.action.value),
            input.reason,
            mark_id=_opt(input.mark_id, "markId"),  # type: ignore[arg-type]
            assignment_id=_opt(input.assignment_id, "assignmentId"),  # type: ignore[arg-type]
            value=input.value,
            comment=input.comment,
            attendance_code=input.attendance_code,
        )
        return CorrectionRequest.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*ADMINISTRATION),
        description="Одобрить (изменение вносится сразу) или отклонить заявку на исправление.",
    )
    async def decide_correction(
        self, info: Info, input: DecideCorrectionInput
    ) -> CorrectionRequest | None:
        info.context.require(*ADMINISTRATION)
        view = await corrections.decide_correction(
            info.context.uow(),
            parse_id(input.request_id, "requestId"),
            input.approve,
            input.comment,
        )
        return CorrectionRequest.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*corrections.SETTINGS_EDITORS),
        description="Кто согласует заявки на исправление (роли администрации).",
    )
    async def set_correction_approvers(
        self,
        info: Info,
        roles: list[RoleName],  # type: ignore[valid-type]
    ) -> list[RoleName] | None:  # type: ignore[valid-type]
        info.context.require(*corrections.SETTINGS_EDITORS)
        saved = await corrections.set_correction_approvers(
            info.context.uow(), [Role(r.value) for r in roles]
        )
        return [RoleName(r.value) for r in saved]
