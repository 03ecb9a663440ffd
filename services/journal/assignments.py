"""Assignment types (the school's weights) and the assignments of a lesson that marks go to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal.access import require
from services.journal.domain import check_weight
from services.journal.domain.marks import (
    check_assignment,
    check_type_change,
    normalize_assignment_type_name,
)
from services.journal.events import (
    AssignmentChanged,
    AssignmentCreated,
    AssignmentRemoved,
    AssignmentTypeChanged,
)
from services.journal.lock import LessonFacts, lesson_facts
from services.journal.models import Assignment, AssignmentType, Mark
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork

TYPE_EDITORS = (Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_QUALITY)


@dataclass(frozen=True)
class AssignmentTypeView:
    id: UUID
    school_id: UUID
    name: str
    weight: int
    position: int
    is_default: bool
    archived: bool


@dataclass(frozen=True)
class AssignmentView:
    id: UUID
    school_id: UUID
    lesson_id: UUID
    type: AssignmentTypeView
    topic: str | None
    comment: str | None
    mandatory: bool
    due_on: date | None
    created_by: UUID | None


def type_view(t: AssignmentType) -> AssignmentTypeView:
    return AssignmentTypeView(
        t.id, t.school_id, t.name, t.weight, t.position, t.is_default, t.archived
    )


def assignment_view(a: Assignment, t: AssignmentType) -> AssignmentView:
    return AssignmentView(
        a.id, a.school_id, a.lesson_id, type_view(t), a.topic, a.comment, a.mandatory, a.due_on,
        a.created_by,
    )  # fmt: skip


# --- assignment types ---------------------------------------------------------------------------


async def assignment_types(
    db: Database, principal: Principal, include_archived: bool = False
) -> list[AssignmentTypeView]:
    require(principal)
    query = select(AssignmentType).where(AssignmentType.school_id == principal.school_id)
    if not include_archived:
        query = query.where(~AssignmentType.archived)
    async with db.sessionmaker() as s:
        rows = await s.scalars(query.order_by(AssignmentType.position, AssignmentType.name))
        return [type_view(t) for t in rows]


def _type_changed(t: AssignmentType) -> AssignmentTypeChanged:
    return AssignmentTypeChanged(
        assignment_type_id=t.id,
        school_id=t.school_id,
        name=t.name,
        weight=t.weight,
        is_default=t.is_default,
        archived=t.archived,
    )


async def create_assignment_type(uow: UnitOfWork, name: str, weight: int) -> AssignmentTypeView:
    principal = uow.principal
    require(principal, *TYPE_EDITORS)
    school_id = principal.school_id
    if school_id is None:
        raise Forbidden("Типы заданий заводятся в своей школе.")
    clean = normalize_assignment_type_name(name)
    check_weight(weight)
    async with uow:
        s = uow.session
        position = await s.scalar(
            select(func.coalesce(func.max(AssignmentType.position), -1) + 1).where(
                AssignmentType.school_id == school_id
            )
        )
        type_id = await s.scalar(
            insert(AssignmentType)
            .values(
                id=uuid7(),
                school_id=school_id,
                name=clean,
                weight=weight,
                position=position,
                is_default=False,
                archived=False,
            )
            .on_conflict_do_nothing()
            .returning(AssignmentType.id)
        )
        if type_id is None:
            raise Conflict(f"Тип задания «{clean}» уже есть.", field="name")
        row = await s.get_one(AssignmentType, type_id)
        uow.emit(_type_changed(row), school_id=school_id)
        await uow.commit()
    return type_view(row)


async def update_assignment_type(
    uow: UnitOfWork,
    type_id: UUID,
    name: str | None = None,
    weight: int | None = None,
    archived: bool | None = None,
) -> AssignmentTypeView:
    """A new weight counts in every average computed from now on (weights are read then)."""
    principal = uow.principal
    require(principal, *TYPE_EDITORS)
    clean = normalize_assignment_type_name(name) if name is not None else None
    async with uow:
        s = uow.session
        row = await s.get(AssignmentType, type_id, with_for_update=True)
        if row is None or row.school_id != principal.school_id:
            raise NotFound("Тип задания не найден.")
        check_type_change(is_default=row.is_default, archived=archived, weight=weight)
        if clean is not None and clean != row.name:
            taken = await s.scalar(
                select(
                    exists().where(
                        AssignmentType.school_id == row.school_id,
                        AssignmentType.name == clean,
                        AssignmentType.id != row.id,
                    )
                )
            )
            if taken:
                raise Conflict(f"Тип задания «{clean}» уже есть.", field="name")
            row.name = clean
        if weight is not None:
            row.weight = weight
        if archived is not None:
            row.archived = archived
        await s.flush()
        uow.emit(_type_changed(row), school_id=row.school_id)
        await uow.commit()
    return type_view(row)


# --- assignments --------------------------------------------------------------------------------


async def _usable_type(s: AsyncSession, school_id: UUID, type_id: UUID) -> AssignmentType:
    row = await s.get(AssignmentType, type_id)
    if row is None or row.school_id != school_id:
        raise NotFound("Тип задания не найден.")
    if row.archived:
        raise ValidationFailed(
            f"Тип задания «{row.name}» в архиве: выберите действующий.", field="typeId"
        )
    return row


def _assignment_event(
    cls: type[AssignmentCreated] | type[AssignmentChanged],
    a: Assignment,
    t: AssignmentType,
    school_class_id: UUID,
    subject_id: UUID,
) -> AssignmentCreated | AssignmentChanged:
    return cls(
        assignment_id=a.id,
        school_id=a.school_id,
        lesson_id=a.lesson_id,
        school_class_id=school_class_id,
        subject_id=subject_id,
        assignment_type_id=t.id,
        assignment_type=t.name,
        weight=t.weight,
        mandatory=a.mandatory,
        due_on=a.due_on,
    )


async def create_assignment(
    uow: UnitOfWork,
    lesson_id: UUID,
    type_id: UUID,
    topic: str | None = None,
    comment: str | None = None,
    mandatory: bool = False,
    due_on: date | None = None,
) -> AssignmentView:
    """Work to mark in a lesson, by whoever may write the lesson (load or substitution)."""
    principal = uow.principal
    require(principal)
    async with uow:
        s = uow.session
        facts = await lesson_facts(s, principal, lesson_id)
        facts.ensure_writer()
        facts.ensure_year_open()
        lesson = facts.lesson
        topic_text, comment_text = check_assignment(
            lesson_date=lesson.date,
            topic=topic,
            comment=comment,
            mandatory=mandatory,
            due_on=due_on,
        )
        kind = await _usable_type(s, lesson.school_id, type_id)
        row = Assignment(
            id=uuid7(),
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            assignment_type_id=kind.id,
            topic=topic_text,
            comment=comment_text,
            mandatory=mandatory,
            due_on=due_on,
            created_by=principal.person_id,
            created_at=utcnow(),
        )
        s.add(row)
        await s.flush()
        uow.emit(
            _assignment_event(
                AssignmentCreated, row, kind, lesson.school_class_id, lesson.subject_id
            ),
            school_id=lesson.school_id,
        )
        await uow.commit()
    return assignment_view(row, kind)


async def _assignment_for_writing(
    s: AsyncSession, principal: Principal, assignment_id: UUID
) -> tuple[Assignment, bool, LessonFacts]:
    row = await s.get(Assignment, assignment_id, with_for_update=True)
    if row is None or row.school_id != principal.school_id:
        raise NotFound("Задание не найдено.")
    facts = await lesson_facts(s, principal, row.lesson_id)
    facts.ensure_writer("Задание не найдено.")
    facts.ensure_year_open()
    has_marks = bool(await s.scalar(select(exists().where(Mark.assignment_id == row.id))))
    return row, has_marks, facts


async def update_assignment(
    uow: UnitOfWork,
    assignment_id: UUID,
    *,
    type_id: UUID | None = None,
    topic: str | None = None,
    comment: str | None = None,
    mandatory: bool | None = None,
    due_on: date | None = None,
    clear_due_on: bool = False,
) -> AssignmentView:
    """Fields left out stay; a new type of a marked assignment changes weights: the lock holds."""
    principal = uow.principal
    require(principal)
    async with uow:
        s = uow.session
        row, has_marks, facts = await _assignment_for_writing(s, principal, assignment_id)
        lesson = facts.lesson
        new_mandatory = row.mandatory if mandatory is None else mandatory
        new_due = None if clear_due_on else (due_on if due_on is not None else row.due_on)
        topic_text, comment_text = check_assignment(
            lesson_date=lesson.date,
            topic=row.topic if topic is None else topic,
            comment=row.comment if comment is None else comment,
            mandatory=new_mandatory,
            due_on=new_due,
        )
        if type_id is not None and type_id != row.assignment_type_id:
            if has_marks:
                facts.ensure_editable()
            kind = await _usable_type(s, lesson.school_id, type_id)
            row.assignment_type_id = kind.id
        else:
            kind = await s.get_one(AssignmentType, row.assignment_type_id)
        row.topic, row.comment = topic_text, comment_text
        row.mandatory, row.due_on = new_mandatory, new_due
        await s.flush()
        uow.emit(
            _assignment_event(
                AssignmentChanged, row, kind, lesson.school_class_id, lesson.subject_id
            ),
            school_id=row.school_id,
        )
        await uow.commit()
    return assignment_view(row, kind)


async def remove_assignment(uow: UnitOfWork, assignment_id: UUID) -> UUID:
    principal = uow.principal
    require(principal)
    async with uow:
        s = uow.session
        row, has_marks, _ = await _assignment_for_writing(s, principal, assignment_id)
        if has_marks:
            raise Conflict(
                "По заданию уже выставлены отметки: сначала удалите их или оставьте задание.",
                field="assignmentId",
            )
        await s.delete(row)
        uow.emit(
            AssignmentRemoved(
                assignment_id=row.id, school_id=row.school_id, lesson_id=row.lesson_id
            ),
            school_id=row.school_id,
        )
        await uow.commit()
    return assignment_id


# --- DataLoader batches -------------------------------------------------------------------------


async def by_lesson(db: Database, lesson_ids: Sequence[UUID]) -> list[list[AssignmentView]]:
    """DataLoader batch: each lesson's assignments in creation order, in one query."""
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(Assignment, AssignmentType)
            .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
            .where(Assignment.lesson_id.in_(list(set(lesson_ids))))
            .order_by(Assignment.created_at, Assignment.id)
        )
        found: dict[UUID, list[AssignmentView]] = defaultdict(list)
        for a, t in rows:
            found[a.lesson_id].append(assignment_view(a, t))
    return [found.get(i, []) for i in lesson_ids]


async def by_id(db: Database, ids: Sequence[UUID]) -> list[AssignmentView | None]:
    async with db.sessionmaker() as s:
        rows = await s.execute(
            select(Assignment, AssignmentType)
            .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
            .where(Assignment.id.in_(list(set(ids))))
        )
        found = {a.id: assignment_view(a, t) for a, t in rows}
    return [found.get(i) for i in ids]
