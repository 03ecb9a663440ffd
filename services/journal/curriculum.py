"""The curriculum: subjects, and the teaching load that decides who writes which journal."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.journal import domain
from services.journal.access import (
    require,
)
from services.journal.events import (
    SubjectCreated,
)
from services.journal.models import (
    Person,
    SchoolClass,
    Subject,
    TeachingLoad,
)
from services.journal.views import (
    SubjectView,
    TeachingLoadView,
)
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork

CURRICULUM_EDITORS = (Role.DEPUTY_DIRECTOR_CONTENT, Role.ADMINISTRATOR)


async def create_subject(uow: UnitOfWork, name: str) -> SubjectView:
    principal = uow.principal
    require(principal, *CURRICULUM_EDITORS)
    school_id = principal.school_id
    if school_id is None:
        raise Forbidden("Предметы заводятся в своей школе.")
    clean = domain.normalize_subject_name(name)
    async with uow:
        subject_id = await uow.session.scalar(
            insert(Subject)
            .values(id=uuid7(), school_id=school_id, name=clean)
            .on_conflict_do_nothing()
            .returning(Subject.id)
        )
        if subject_id is None:
            raise Conflict(f"Предмет «{clean}» уже есть в учебном плане.", field="name")
        uow.emit(
            SubjectCreated(subject_id=subject_id, school_id=school_id, name=clean),
            school_id=school_id,
        )
        await uow.commit()
    return SubjectView(subject_id, school_id, clean)


async def assign_teaching_load(
    uow: UnitOfWork, teacher_id: UUID, school_class_id: UUID, subject_id: UUID
) -> TeachingLoadView:
    principal = uow.principal
    assigned_by = require(principal, *CURRICULUM_EDITORS)
    async with uow:
        s = uow.session
        teacher = await s.get(Person, teacher_id)
        if teacher is None or teacher.school_id != principal.school_id:
            raise NotFound("Учитель не найден.")
        if teacher.kind != "staff":
            raise ValidationFailed("Нагрузку можно назначить только сотруднику.", field="teacherId")
        school_class = await s.get(SchoolClass, school_class_id)
        if school_class is None or school_class.school_id != principal.school_id:
            raise NotFound("Класс не найден.")
        subject = await s.get(Subject, subject_id)
        if subject is None or subject.school_id != principal.school_id:
            raise NotFound("Предмет не найден.")
        load_id = await s.scalar(
            insert(TeachingLoad)
            .values(
                id=uuid7(),
                school_id=school_class.school_id,
                teacher_id=teacher_id,
                school_class_id=school_class_id,
                subject_id=subject_id,
                assigned_by=assigned_by,
            )
            .on_conflict_do_nothing()
            .returning(TeachingLoad.id)
        )
        if load_id is None:  # already assigned: the same answer again
            load_id = await s.scalar(
                select(TeachingLoad.id).where(
                    TeachingLoad.teacher_id == teacher_id,
                    TeachingLoad.school_class_id == school_class_id,
                    TeachingLoad.subject_id == subject_id,
                )
            )
        await uow.commit()
    assert load_id is not None
    return TeachingLoadView(load_id, teacher_id, school_class_id, subject_id)


async def subjects(db: Database, principal: Principal) -> list[SubjectView]:
    require(principal)
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(Subject).where(Subject.school_id == principal.school_id).order_by(Subject.name)
        )
        return [SubjectView(r.id, r.school_id, r.name) for r in rows]


async def subjects_by_id(db: Database, ids: Sequence[UUID]) -> list[SubjectView | None]:
    """DataLoader batch: subjects in key order (curriculum names are not personal data)."""
    async with db.sessionmaker() as s:
        rows = await s.scalars(select(Subject).where(Subject.id.in_(list(set(ids)))))
        found = {r.id: SubjectView(r.id, r.school_id, r.name) for r in rows}
    return [found.get(i) for i in ids]


async def teaching_load(
    db: Database, principal: Principal, teacher_id: UUID | None
) -> list[TeachingLoadView]:
    person_id = require(principal)
    teacher_id = teacher_id or person_id
    if teacher_id != person_id and not principal.has_role(*ADMINISTRATION, Role.ACADEMIC_SECRETARY):
        raise Forbidden("Нагрузку другого учителя видит администрация школы.")
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(TeachingLoad).where(
                TeachingLoad.teacher_id == teacher_id,
                TeachingLoad.school_id == principal.school_id,
            )
        )
        return [TeachingLoadView(r.id, r.teacher_id, r.school_class_id, r.subject_id) for r in rows]
