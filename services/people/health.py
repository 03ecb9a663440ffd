"""Medical data of students: health group, PE group, conditions, and who may read them.

The medical worker of the school writes. The director, the student's class teacher, the
student's parents and the student (the data subject, 152-FZ art. 14) read the whole record;
a PE teacher of the student's class reads the PE group only. Everybody else is refused:
deputies, subject teachers, secretaries, and the administrator, who runs the system and
reads its access log, not the data. Every read and write is logged in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import STAFF, Role
from services.kernel.uow import UnitOfWork
from services.kernel.visibility import refusal
from services.people import data_reads, domain, subject_access
from services.people.access import sees_person
from services.people.domain import DataAction, DataSection, HealthGroup, PeGroup, PersonKind
from services.people.events import HealthDataChanged, PeTeacherAssigned, PeTeacherWithdrawn
from services.people.models import (
    Enrolment,
    Guardianship,
    HealthCondition,
    HealthRecord,
    Person,
    PeTeacherAssignment,
    SchoolClass,
)
from services.people.service import _person, _require, _school_class, by_name
from services.people.verification import school_today

WRITERS = (Role.MEDICAL_WORKER,)
READERS = (Role.MEDICAL_WORKER, Role.DIRECTOR, Role.CLASS_TEACHER, Role.PARENT, Role.STUDENT)
# A subject teacher qualifies only through the class's PE-teacher assignment (checked by row).
PE_GROUP_READERS = (*READERS, Role.SUBJECT_TEACHER)
CLASS_PE_GROUP_READERS = (
    Role.MEDICAL_WORKER,
    Role.DIRECTOR,
    Role.CLASS_TEACHER,
    Role.SUBJECT_TEACHER,
)
PE_TEACHER_KEEPERS = (Role.DEPUTY_DIRECTOR_CONTENT, Role.ACADEMIC_SECRETARY)

NO_ACCESS = "Нет доступа к медицинским сведениям этого учащегося."
NO_PE_ACCESS = "Нет доступа к физкультурной группе: вы не учитель физической культуры класса."


@dataclass(frozen=True)
class HealthView:
    student: Person
    health_group: HealthGroup | None
    pe_group: PeGroup | None
    conditions: list[HealthCondition]
    updated_at: datetime | None


@dataclass(frozen=True)
class PeGroupView:
    student: Person
    pe_group: PeGroup | None


# --- access -------------------------------------------------------------------------------


async def student(session: AsyncSession, school_id: UUID, student_id: UUID) -> Person:
    # One message for no one, someone else and a hidden student (``reading_basis``).
    person = await session.get(Person, student_id)
    if person is None or person.school_id != school_id or person.kind != PersonKind.STUDENT:
        raise NotFound("Учащийся не найден.")
    return person


async def _current_class_id(session: AsyncSession, student_id: UUID) -> UUID | None:
    return await session.scalar(
        select(Enrolment.school_class_id).where(
            Enrolment.person_id == student_id, Enrolment.left_on.is_(None)
        )
    )


async def _is_class_teacher(session: AsyncSession, person_id: UUID, class_id: UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    SchoolClass.id == class_id, SchoolClass.class_teacher_id == person_id
                )
            )
        )
    )


async def _is_pe_teacher(session: AsyncSession, person_id: UUID, class_id: UUID) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    PeTeacherAssignment.school_class_id == class_id,
                    PeTeacherAssignment.teacher_id == person_id,
                    PeTeacherAssignment.withdrawn_at.is_(None),
                )
            )
        )
    )


async def reading_basis(
    session: AsyncSession, principal: Principal, subject: Person, *, pe_group_only: bool
) -> str:
    """Why this caller may read this student's medical data (the log keeps it), or a refusal:
    FORBIDDEN for a student the caller sees, NOT_FOUND (as for no student) for one they do not.

    Relationships come from people's rows, not the token: a class handed over or a
    guardianship removed since login no longer opens the data.
    """
    me = principal.person_id
    if principal.has_role(Role.MEDICAL_WORKER):
        return Role.MEDICAL_WORKER.value
    if principal.has_role(Role.DIRECTOR):
        return Role.DIRECTOR.value
    class_id = await _current_class_id(session, subject.id)
    if (
        principal.has_role(Role.CLASS_TEACHER)
        and me is not None
        and class_id is not None
        and await _is_class_teacher(session, me, class_id)
    ):
        return Role.CLASS_TEACHER.value
    if principal.has_role(Role.PARENT):
        linked = await session.scalar(
            select(
                exists().where(Guardianship.parent_id == me, Guardianship.student_id == subject.id)
            )
        )
        if linked:
            return Role.PARENT.value
    if principal.has_role(Role.STUDENT) and me == subject.id:
        return Role.STUDENT.value
    if (
        pe_group_only
        and principal.has_role(Role.SUBJECT_TEACHER)
        and me is not None
        and class_id is not None
        and await _is_pe_teacher(session, me, class_id)
    ):
        return data_reads.PE_TEACHER
    raise refusal(
        visible=await sees_person(session, principal, subject),
        missing="Учащийся не найден.",
        forbidden=NO_PE_ACCESS if pe_group_only else NO_ACCESS,
    )


# --- reads --------------------------------------------------------------------------------


async def _record(session: AsyncSession, student_id: UUID) -> HealthRecord | None:
    return await session.get(HealthRecord, student_id)


async def _conditions(session: AsyncSession, student_id: UUID) -> list[HealthCondition]:
    return list(
        await session.scalars(
            select(HealthCondition)
            .where(HealthCondition.student_id == student_id)
            .order_by(HealthCondition.since.nulls_last(), HealthCondition.name, HealthCondition.id)
        )
    )


def _view(
    subject: Person, row: HealthRecord | None, conditions: list[HealthCondition]
) -> HealthView:
    return HealthView(
        student=subject,
        health_group=HealthGroup(row.health_group) if row and row.health_group else None,
        pe_group=PeGroup(row.pe_group) if row and row.pe_group else None,
        conditions=conditions,
        updated_at=row.updated_at if row else None,
    )


async def read_health(
    uow: UnitOfWork, principal: Principal, student_id: UUID, *, field: str = "studentHealth"
) -> HealthView:
    school_id = _require(principal, *READERS)
    async with uow:
        subject = await student(uow.session, school_id, student_id)
        basis = await reading_basis(uow.session, principal, subject, pe_group_only=False)
        view = _view(
            subject,
            await _record(uow.session, student_id),
            await _conditions(uow.session, student_id),
        )
        data_reads.record(
            uow.session,
            principal,
            subject=subject,
            basis=basis,
            action=DataAction.READ,
            section=DataSection.MEDICAL,
            field=field,
        )
        await uow.commit()
    return view


async def read_pe_group(
    uow: UnitOfWork, principal: Principal, student_id: UUID, *, field: str = "studentPeGroup"
) -> PeGroupView:
    school_id = _require(principal, *PE_GROUP_READERS)
    async with uow:
        subject = await student(uow.session, school_id, student_id)
        basis = await reading_basis(uow.session, principal, subject, pe_group_only=True)
        row = await _record(uow.session, student_id)
        data_reads.record(
            uow.session,
            principal,
            subject=subject,
            basis=basis,
            action=DataAction.READ,
            section=DataSection.PE_GROUP,
            field=field,
        )
        await uow.commit()
    return PeGroupView(subject, PeGroup(row.pe_group) if row and row.pe_group else None)


async def class_pe_groups(
    uow: UnitOfWork, principal: Principal, school_class_id: UUID, *, field: str = "classPeGroups"
) -> list[PeGroupView]:
    """The class list with PE groups, for the class's PE teacher; one log entry per student."""
    school_id = _require(principal, *CLASS_PE_GROUP_READERS)
    me = principal.person_id
    async with uow:
        session = uow.session
        # A list: another class, or none, gives an empty one (``services.kernel.visibility``).
        school_class = await session.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != school_id:
            return []
        if principal.has_role(Role.MEDICAL_WORKER):
            basis = Role.MEDICAL_WORKER.value
        elif principal.has_role(Role.DIRECTOR):
            basis = Role.DIRECTOR.value
        elif me is not None and await _is_class_teacher(session, me, school_class_id):
            basis = Role.CLASS_TEACHER.value
        elif me is not None and await _is_pe_teacher(session, me, school_class_id):
            basis = data_reads.PE_TEACHER
        else:
            return []
        rows = (
            await session.execute(
                select(Person, HealthRecord.pe_group)
                .join(Enrolment, Enrolment.person_id == Person.id)
                .outerjoin(HealthRecord, HealthRecord.student_id == Person.id)
                .where(Enrolment.school_class_id == school_class_id, Enrolment.left_on.is_(None))
                .order_by(*by_name())
            )
        ).all()
        for subject, _ in rows:
            data_reads.record(
                session,
                principal,
                subject=subject,
                basis=basis,
                action=DataAction.READ,
                section=DataSection.PE_GROUP,
                field=field,
            )
        await uow.commit()
    return [PeGroupView(p, PeGroup(g) if g else None) for p, g in rows]


# --- writes -------------------------------------------------------------------------------


def _groups(row: HealthRecord | None) -> dict[str, Any]:
    return {
        "health_group": row.health_group if row else None,
        "pe_group": row.pe_group if row else None,
    }


def _condition_dict(c: HealthCondition) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "name": c.name,
        "note": c.note,
        "since": c.since.isoformat() if c.since else None,
        "until": c.until.isoformat() if c.until else None,
    }


async def record_health(
    uow: UnitOfWork,
    principal: Principal,
    *,
    student_id: UUID,
    health_group: HealthGroup | None,
    pe_group: PeGroup | None,
) -> HealthView:
    """Set the health group and the PE group (None clears one); only what changed is logged.

    The answer carries the whole record: a change is logged as the write, a call that
    changes nothing as a read."""
    school_id = _require(principal, *WRITERS)
    async with uow:
        session = uow.session
        subject = await student(session, school_id, student_id)
        row = await session.get(HealthRecord, student_id, with_for_update=True)
        before = _groups(row)
        after = {
            "health_group": health_group.value if health_group else None,
            "pe_group": pe_group.value if pe_group else None,
        }
        changes = data_reads.changed(before, after)
        if changes:
            if row is None:
                row = HealthRecord(student_id=student_id, school_id=school_id)
                session.add(row)
            row.health_group, row.pe_group = after["health_group"], after["pe_group"]
            row.updated_at, row.updated_by = utcnow(), principal.person_id
            data_reads.record(
                session,
                principal,
                subject=subject,
                basis=Role.MEDICAL_WORKER.value,
                action=DataAction.WRITE,
                section=DataSection.MEDICAL,
                field="recordHealth",
                changes=changes,
                before=before,
                after=after,
            )
            uow.emit(
                HealthDataChanged(student_id=student_id, school_id=school_id, sections=changes),
                school_id=school_id,
            )
        else:  # nothing written, but the answer shows the record: that is a read
            data_reads.record(
                session,
                principal,
                subject=subject,
                basis=Role.MEDICAL_WORKER.value,
                action=DataAction.READ,
                section=DataSection.MEDICAL,
                field="recordHealth",
            )
        view = _view(subject, row, await _conditions(session, student_id))
        await uow.commit()
    return view


async def add_condition(
    uow: UnitOfWork,
    principal: Principal,
    *,
    student_id: UUID,
    name: str,
    note: str | None,
    since: date | None,
    until: date | None,
    now: datetime,
) -> HealthCondition:
    school_id = _require(principal, *WRITERS)
    note = domain.free_text(note, "note", limit=domain.MAX_NOTE_LENGTH, required=False)
    async with uow:
        today = await school_today(uow.session, school_id, now)
        name = domain.check_condition(name, since, until, today)
        subject = await student(uow.session, school_id, student_id)
        taken = await uow.session.scalar(
            select(
                exists().where(
                    HealthCondition.student_id == student_id,
                    HealthCondition.name == name,
                    HealthCondition.until.is_(None),
                )
            )
        )
        if taken and until is None:
            raise Conflict(f"Заболевание «{name}» у учащегося уже записано.", field="name")
        condition = HealthCondition(
            id=uuid7(),
            school_id=school_id,
            student_id=student_id,
            name=name,
            note=note,
            since=since,
            until=until,
            recorded_by=principal.person_id,
        )
        uow.session.add(condition)
        _log_condition(uow, principal, subject, "addHealthCondition", None, condition)
        await uow.commit()
    return condition


async def remove_condition(uow: UnitOfWork, principal: Principal, *, condition_id: UUID) -> bool:
    """For a record made in error; a condition that ended gets its end date instead."""
    school_id = _require(principal, *WRITERS)
    async with uow:
        condition = await uow.session.get(HealthCondition, condition_id, with_for_update=True)
        if condition is None or condition.school_id != school_id:
            raise NotFound("Запись о заболевании не найдена.")
        subject = await student(uow.session, school_id, condition.student_id)
        _log_condition(uow, principal, subject, "removeHealthCondition", condition, None)
        await uow.session.execute(delete(HealthCondition).where(HealthCondition.id == condition_id))
        await uow.commit()
    return True


def _log_condition(
    uow: UnitOfWork,
    principal: Principal,
    subject: Person,
    field: str,
    before: HealthCondition | None,
    after: HealthCondition | None,
) -> None:
    data_reads.record(
        uow.session,
        principal,
        subject=subject,
        basis=Role.MEDICAL_WORKER.value,
        action=DataAction.WRITE,
        section=DataSection.MEDICAL,
        field=field,
        changes=["conditions"],
        before=_condition_dict(before) if before else None,
        after=_condition_dict(after) if after else None,
    )
    uow.emit(
        HealthDataChanged(
            student_id=subject.id, school_id=subject.school_id, sections=["conditions"]
        ),
        school_id=subject.school_id,
    )


# --- the PE teachers of a class -----------------------------------------------------------


async def assign_pe_teacher(
    uow: UnitOfWork, principal: Principal, *, school_class_id: UUID, person_id: UUID
) -> PeTeacherAssignment:
    """Kept by hand until the journal's teaching load can drive it (it knows who teaches PE)."""
    school_id = _require(principal, *PE_TEACHER_KEEPERS)
    async with uow:
        await _school_class(uow.session, school_id, school_class_id)
        teacher = await _person(uow.session, school_id, person_id)
        if teacher.kind != PersonKind.STAFF:
            raise ValidationFailed(
                "Учителем физической культуры может быть только сотрудник.", field="personId"
            )
        if await _is_pe_teacher(uow.session, person_id, school_class_id):
            raise Conflict("Этот учитель уже назначен учителем физической культуры класса.")
        row = PeTeacherAssignment(
            id=uuid7(),
            school_id=school_id,
            school_class_id=school_class_id,
            teacher_id=person_id,
            assigned_by=principal.person_id,
        )
        uow.session.add(row)
        uow.emit(
            PeTeacherAssigned(
                school_class_id=school_class_id, school_id=school_id, person_id=person_id
            ),
            school_id=school_id,
        )
        await uow.commit()
    return row


async def withdraw_pe_teacher(
    uow: UnitOfWork, principal: Principal, *, school_class_id: UUID, person_id: UUID
) -> bool:
    school_id = _require(principal, *PE_TEACHER_KEEPERS)
    async with uow:
        await _school_class(uow.session, school_id, school_class_id)
        row = await uow.session.scalar(
            select(PeTeacherAssignment)
            .where(
                PeTeacherAssignment.school_class_id == school_class_id,
                PeTeacherAssignment.teacher_id == person_id,
                PeTeacherAssignment.withdrawn_at.is_(None),
            )
            .with_for_update()
        )
        if row is None:
            raise NotFound("Этот учитель не назначен учителем физической культуры класса.")
        row.withdrawn_at, row.withdrawn_by = utcnow(), principal.person_id
        uow.emit(
            PeTeacherWithdrawn(
                school_class_id=school_class_id, school_id=school_id, person_id=person_id
            ),
            school_id=school_id,
        )
        await uow.commit()
    return True


async def pe_teachers(db: Database, principal: Principal, school_class_id: UUID) -> list[Person]:
    school_id = _require(principal, *STAFF)
    async with db.sessionmaker() as session:
        await _school_class(session, school_id, school_class_id)
        return list(
            await session.scalars(
                select(Person)
                .join(PeTeacherAssignment, PeTeacherAssignment.teacher_id == Person.id)
                .where(
                    PeTeacherAssignment.school_class_id == school_class_id,
                    PeTeacherAssignment.withdrawn_at.is_(None),
                )
                .order_by(*by_name())
            )
        )


# --- the data subject's export --------------------------------------------------------------


@subject_access.section("medical")
async def _export_section(ctx: subject_access.SectionContext) -> dict[str, Any] | None:
    """The student's medical record in their export, for those who may read it (the student,
    a parent, the director), logged as any read; for anyone else the section is null."""
    if ctx.person.kind != PersonKind.STUDENT:
        return None
    try:
        basis = await reading_basis(ctx.session, ctx.principal, ctx.person, pe_group_only=False)
    except Forbidden:
        return None
    row = await _record(ctx.session, ctx.person.id)
    conditions = await _conditions(ctx.session, ctx.person.id)
    data_reads.record(
        ctx.session,
        ctx.principal,
        subject=ctx.person,
        basis=basis,
        action=DataAction.READ,
        section=DataSection.MEDICAL,
        field="myDataExport",
    )
    return {**_groups(row), "conditions": [_condition_dict(c) for c in conditions]}
