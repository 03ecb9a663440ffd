"""Marks: recorded, changed and removed, each change kept with who, when, before and after.

Write paths are kept lean (a teacher marks a whole class from a phone mid-lesson): the lesson,
the caller's right to write it, the student's enrolment and the locks come in one query
(``lock.lesson_facts``); a mark and its history row are written by one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import exists, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import may_write_clause, require
from services.journal.domain.marks import ALREADY_MARKED, MAX_MARKS_AT_ONCE
from services.journal.events import MarkChanged, MarkRecorded, MarkRemoved
from services.journal.lock import LessonFacts, LessonRow, lesson_facts
from services.journal.models import (
    Assignment,
    AssignmentType,
    Enrolment,
    Lesson,
    Mark,
    MarkHistory,
    RoleGrant,
    SchoolClass,
)
from services.journal.views import MarkView, mark_view
from services.kernel.db import Database
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork


@dataclass(frozen=True)
class Target:
    """The assignment a mark goes to, with its type (the weight is read now)."""

    assignment_id: UUID
    type_name: str
    weight: int


# One statement: the mark (unless the student already has one on the assignment) and its history.
_INSERT_MARK = text(
    """
WITH m AS (
  INSERT INTO mark (id, school_id, lesson_id, assignment_id, student_id, value, comment,
                    created_by, created_at)
  VALUES (:id, :school_id, :lesson_id, :assignment_id, :student_id, :value, :comment,
          :by, :at)
  ON CONFLICT (assignment_id, student_id) DO NOTHING
  RETURNING id
)
INSERT INTO mark_history (id, school_id, mark_id, lesson_id, assignment_id, student_id, action,
                          value_after, comment_after, changed_by, changed_at,
                          correction_request_id)
SELECT CAST(:history_id AS uuid), CAST(:school_id AS uuid), m.id, CAST(:lesson_id AS uuid),
       CAST(:assignment_id AS uuid), CAST(:student_id AS uuid), 'recorded',
       CAST(:value AS smallint), CAST(:comment AS text), CAST(:by AS uuid),
       CAST(:at AS timestamptz), CAST(:correction AS uuid)
FROM m
RETURNING mark_id
"""
)


async def _new_default_target(s: AsyncSession, facts: LessonFacts, by: UUID | None) -> Target:
    lesson = facts.lesson
    if facts.default_type is None:
        raise Conflict("В школе не задан тип задания по умолчанию.", field="assignmentId")
    type_id, name, weight = facts.default_type
    assignment_id = uuid7()
    await s.execute(
        insert(Assignment).values(
            id=assignment_id,
            school_id=lesson.school_id,
            lesson_id=lesson.id,
            assignment_type_id=type_id,
            created_by=by,
            created_at=utcnow(),
        )
    )
    return Target(assignment_id, name, weight)


async def assignment_target(s: AsyncSession, lesson: LessonRow, assignment_id: UUID) -> Target:
    row = (
        await s.execute(
            select(Assignment.lesson_id, AssignmentType.name, AssignmentType.weight)
            .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
            .where(Assignment.id == assignment_id, Assignment.school_id == lesson.school_id)
        )
    ).first()
    if row is None:
        raise NotFound("Задание не найдено.")
    if row[0] != lesson.id:
        raise ValidationFailed("Задание относится к другому уроку.", field="assignmentId")
    return Target(assignment_id, row[1], int(row[2]))


async def _insert_mark(
    s: AsyncSession,
    lesson: LessonRow,
    target: Target,
    student_id: UUID,
    value: int,
    comment: str | None,
    by: UUID | None,
    at: datetime,
    correction_request_id: UUID | None,
) -> UUID | None:
    mark_id = uuid7()
    connection = await s.connection()  # a text statement needs no ORM execution layer
    inserted = await connection.scalar(
        _INSERT_MARK,
        {
            "id": mark_id,
            "history_id": uuid7(),
            "school_id": lesson.school_id,
            "lesson_id": lesson.id,
            "assignment_id": target.assignment_id,
            "student_id": student_id,
            "value": value,
            "comment": comment,
            "by": by,
            "at": at,
            "correction": correction_request_id,
        },
    )
    return mark_id if inserted is not None else None


async def _target(s: AsyncSession, facts: LessonFacts, assignment_id: UUID) -> Target:
    """The assignment the facts query brought along, or asked for now."""
    found = facts.assignment
    if found is None or found.assignment_id != assignment_id:
        return await assignment_target(s, facts.lesson, assignment_id)
    if found.lesson_id != facts.lesson.id:
        raise ValidationFailed("Задание относится к другому уроку.", field="assignmentId")
    return Target(found.assignment_id, found.type_name, found.weight)


def _recorded(
    mark_id: UUID, facts: LessonFacts, target: Target, student_id: UUID, value: int
) -> MarkRecorded:
    lesson = facts.lesson
    return MarkRecorded(
        mark_id=mark_id,
        school_id=lesson.school_id,
        lesson_id=lesson.id,
        student_id=student_id,
        school_class_id=lesson.school_class_id,
        subject_id=lesson.subject_id,
        subject_name=facts.subject_name,
        teacher_id=lesson.teacher_id,
        value=value,
        weight=target.weight,
        date=lesson.date,
        assignment_id=target.assignment_id,
        assignment_type=target.type_name,
    )


async def apply_record(
    uow: UnitOfWork,
    facts: LessonFacts,
    student_id: UUID,
    value: int,
    comment: str | None,
    assignment_id: UUID | None,
    correction_request_id: UUID | None = None,
) -> MarkView:
    """Record a mark inside an open unit of work whose checks are done (a use case's core)."""
    s, lesson, by = uow.session, facts.lesson, uow.principal.person_id
    now = utcnow()
    if assignment_id is not None:
        target = await _target(s, facts, assignment_id)
        mark_id = await _insert_mark(
            s, lesson, target, student_id, value, comment, by, now, correction_request_id
        )
        if mark_id is None:
            raise Conflict(ALREADY_MARKED, field="assignmentId")
    else:
        # Another answer on the same lesson goes to another "ответ на уроке"; a concurrent
        # mark that took the free one first sends this one to a new assignment.
        assert facts.student_id == student_id  # the facts name this student's free one
        default = (
            Target(facts.free_default_id, facts.default_type[1], facts.default_type[2])
            if facts.free_default_id is not None and facts.default_type is not None
            else None
        )
        mark_id = None
        if default is not None:
            target = default
            mark_id = await _insert_mark(
                s, lesson, target, student_id, value, comment, by, now, correction_request_id
            )
        if mark_id is None:
            target = await _new_default_target(s, facts, by)
            mark_id = await _insert_mark(
                s, lesson, target, student_id, value, comment, by, now, correction_request_id
            )
            assert mark_id is not None  # a new assignment has no marks
    uow.emit(_recorded(mark_id, facts, target, student_id, value), school_id=lesson.school_id)
    return MarkView(
        mark_id, lesson.id, target.assignment_id, student_id, value, target.weight, comment, by,
        now, None,
    )  # fmt: skip


async def record_mark(
    uow: UnitOfWork,
    lesson_id: UUID,
    student_id: UUID,
    value: int,
    comment: str | None = None,
    assignment_id: UUID | None = None,
) -> MarkView:
    """One mark; with an assignment one per student, without it the lesson's default type."""
    principal = uow.principal
    require(principal)
    domain.check_mark(value)
    comment_text = domain.check_comment(comment)
    async with uow:
        facts = await lesson_facts(uow.session, principal, lesson_id, student_id, assignment_id)
        facts.ensure_writer()
        facts.ensure_enrolled()
        facts.ensure_editable()
        view = await apply_record(uow, facts, student_id, value, comment_text, assignment_id)
        await uow.commit()
    return view


@dataclass(frozen=True)
class MarkEntry:
    student_id: UUID
    value: int
    comment: str | None = None


async def record_marks(
    uow: UnitOfWork, assignment_id: UUID, entries: Sequence[MarkEntry]
) -> list[MarkView]:
    """A whole class's marks on one assignment in one transaction: all of them or none."""
    principal = uow.principal
    by = require(principal)
    if not entries:
        raise ValidationFailed("Укажите хотя бы одну отметку.", field="marks")
    if len(entries) > MAX_MARKS_AT_ONCE:
        raise ValidationFailed(
            f"За один раз — не больше {MAX_MARKS_AT_ONCE} отметок.", field="marks"
        )
    students = [e.student_id for e in entries]
    if len(set(students)) != len(students):
        raise ValidationFailed("Учащийся указан дважды: одна отметка за задание.", field="marks")
    clean = [
        MarkEntry(e.student_id, domain.check_mark(e.value), domain.check_comment(e.comment))
        for e in entries
    ]
    async with uow:
        s = uow.session
        facts = await lesson_facts(s, principal, None, assignment_id=assignment_id)
        facts.ensure_writer("Задание не найдено.")
        facts.ensure_editable()
        lesson = facts.lesson
        target = await _target(s, facts, assignment_id)
        enrolled = set(
            await s.scalars(
                select(Enrolment.person_id).where(
                    Enrolment.school_class_id == lesson.school_class_id,
                    Enrolment.person_id.in_(students),
                )
            )
        )
        if missing := [sid for sid in students if sid not in enrolled]:
            raise ValidationFailed(
                f"Учащийся не числится в классе {facts.class_name}.",
                field="marks",
                student_ids=[str(sid) for sid in missing],
            )
        now = utcnow()
        rows = [
            {
                "id": uuid7(),
                "school_id": lesson.school_id,
                "lesson_id": lesson.id,
                "assignment_id": assignment_id,
                "student_id": e.student_id,
                "value": e.value,
                "comment": e.comment,
                "created_by": by,
                "created_at": now,
            }
            for e in clean
        ]
        inserted = list(
            await s.scalars(
                insert(Mark)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["assignment_id", "student_id"])
                .returning(Mark.student_id)
            )
        )
        if len(inserted) != len(rows):
            taken = sorted(set(students) - set(inserted), key=students.index)
            raise Conflict(ALREADY_MARKED, field="marks", student_ids=[str(t) for t in taken])
        await s.execute(
            insert(MarkHistory).values(
                [
                    {
                        "id": uuid7(),
                        "school_id": r["school_id"],
                        "mark_id": r["id"],
                        "lesson_id": r["lesson_id"],
                        "assignment_id": r["assignment_id"],
                        "student_id": r["student_id"],
                        "action": "recorded",
                        "value_after": r["value"],
                        "comment_after": r["comment"],
                        "changed_by": by,
                        "changed_at": now,
                    }
                    for r in rows
                ]
            )
        )
        for r in rows:
            uow.emit(
                _recorded(r["id"], facts, target, r["student_id"], r["value"]),
                school_id=lesson.school_id,
            )
        await uow.commit()
    return [_recorded_view(r, target.weight) for r in rows]


def _recorded_view(r: dict[str, Any], weight: int) -> MarkView:
    return MarkView(
        r["id"], r["lesson_id"], r["assignment_id"], r["student_id"], r["value"], weight,
        r["comment"], r["created_by"], r["created_at"], None,
    )  # fmt: skip


# --- change and remove -----------------------------------------------------------------------


def _history(
    mark: Mark,
    action: str,
    before: tuple[int, str | None] | None,
    after: Mark | None,
    by: UUID | None,
    at: datetime,
    correction_request_id: UUID | None = None,
) -> MarkHistory:
    return MarkHistory(
        id=uuid7(),
        school_id=mark.school_id,
        mark_id=mark.id,
        lesson_id=mark.lesson_id,
        assignment_id=mark.assignment_id,
        student_id=mark.student_id,
        action=action,
        value_before=before[0] if before else None,
        comment_before=before[1] if before else None,
        value_after=after.value if after else None,
        comment_after=after.comment if after else None,
        changed_by=by,
        changed_at=at,
        correction_request_id=correction_request_id,
    )


async def mark_for_writing(
    s: AsyncSession, principal: Principal, mark_id: UUID
) -> tuple[Mark, int]:
    """The mark, locked, with its type's weight; another school's mark does not exist."""
    row = (
        await s.execute(
            select(Mark, AssignmentType.weight)
            .join(Assignment, Assignment.id == Mark.assignment_id)
            .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
            .where(Mark.id == mark_id, Mark.school_id == principal.school_id)
            .with_for_update(of=Mark)
        )
    ).first()
    if row is None:
        raise NotFound("Отметка не найдена.")
    return row[0], int(row[1])


def apply_change(
    uow: UnitOfWork,
    facts: LessonFacts,
    mark: Mark,
    value: int,
    comment: str | None,
    correction_request_id: UUID | None = None,
) -> None:
    s, by = uow.session, uow.principal.person_id
    before = (mark.value, mark.comment)
    now = utcnow()
    mark.value, mark.comment = value, comment
    mark.updated_by, mark.updated_at = by, now
    s.add(_history(mark, "changed", before, mark, by, now, correction_request_id))
    if before[0] != value:
        uow.emit(
            MarkChanged(
                mark_id=mark.id,
                school_id=mark.school_id,
                student_id=mark.student_id,
                school_class_id=facts.lesson.school_class_id,
                subject_id=facts.lesson.subject_id,
                value_before=before[0],
                value=value,
            ),
            school_id=mark.school_id,
        )


async def apply_remove(
    uow: UnitOfWork, facts: LessonFacts, mark: Mark, correction_request_id: UUID | None = None
) -> None:
    s, by = uow.session, uow.principal.person_id
    s.add(
        _history(mark, "removed", (mark.value, mark.comment), None, by, utcnow(),
                 correction_request_id)
    )  # fmt: skip
    await s.delete(mark)
    uow.emit(
        MarkRemoved(
            mark_id=mark.id,
            school_id=mark.school_id,
            student_id=mark.student_id,
            school_class_id=facts.lesson.school_class_id,
            subject_id=facts.lesson.subject_id,
        ),
        school_id=mark.school_id,
    )


async def _writable_mark(
    uow: UnitOfWork, mark_id: UUID, *, undoing: bool = False
) -> tuple[Mark, int, LessonFacts]:
    principal = uow.principal
    mark, weight = await mark_for_writing(uow.session, principal, mark_id)
    facts = await lesson_facts(uow.session, principal, mark.lesson_id, mark.student_id)
    facts.ensure_writer("Отметка не найдена.", journal_row=True)
    facts.ensure_enrolled()
    facts.ensure_editable(undoing=undoing)
    return mark, weight, facts


async def change_mark(
    uow: UnitOfWork,
    mark_id: UUID,
    value: int,
    comment: str | None = None,
) -> MarkView:
    require(uow.principal)
    domain.check_mark(value)
    comment_text = domain.check_comment(comment)
    async with uow:
        mark, weight, facts = await _writable_mark(uow, mark_id)
        apply_change(uow, facts, mark, value, comment_text)
        await uow.session.flush()
        await uow.commit()
    return mark_view(mark, weight)


async def remove_mark(uow: UnitOfWork, mark_id: UUID) -> UUID:
    require(uow.principal)
    async with uow:
        mark, _, facts = await _writable_mark(uow, mark_id, undoing=True)
        await apply_remove(uow, facts, mark)
        await uow.commit()
    return mark_id


# --- history ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkHistoryView:
    id: UUID
    mark_id: UUID
    lesson_id: UUID
    assignment_id: UUID | None
    student_id: UUID
    action: str
    value_before: int | None
    value_after: int | None
    comment_before: str | None
    comment_after: str | None
    changed_by: UUID | None
    changed_at: datetime
    correction_request_id: UUID | None


HISTORY_LIMIT = 500


def _reader_clause(person_id: UUID) -> Any:
    """The lesson's teacher (planned, by load or substitution) or the class's class teacher."""
    class_teacher = or_(
        exists().where(
            RoleGrant.person_id == person_id,
            RoleGrant.role == Role.CLASS_TEACHER.value,
            RoleGrant.school_class_id == Lesson.school_class_id,
        ),
        exists().where(
            SchoolClass.id == Lesson.school_class_id, SchoolClass.class_teacher_id == person_id
        ),
    )
    return or_(Lesson.teacher_id == person_id, may_write_clause(person_id), class_teacher)


async def mark_history(
    db: Database,
    principal: Principal,
    mark_id: UUID | None = None,
    lesson_id: UUID | None = None,
    student_id: UUID | None = None,
) -> list[MarkHistoryView]:
    """Every change of marks, newest last: the lesson's teacher, the class teacher, the
    administration. A list: it keeps only the lessons the caller may read, so a mark, lesson or
    student they may not read gives an empty one (``services.kernel.visibility``)."""
    person_id = require(principal)
    if mark_id is None and lesson_id is None and student_id is None:
        raise ValidationFailed("Укажите отметку, урок или учащегося.", field="markId")
    overseer = principal.has_role(*ADMINISTRATION)
    conditions: list[Any] = [MarkHistory.school_id == principal.school_id]
    if mark_id is not None:
        conditions.append(MarkHistory.mark_id == mark_id)
    if lesson_id is not None:
        conditions.append(MarkHistory.lesson_id == lesson_id)
    if student_id is not None:
        conditions.append(MarkHistory.student_id == student_id)
    base = select(MarkHistory).join(Lesson, Lesson.id == MarkHistory.lesson_id).where(*conditions)
    async with db.sessionmaker() as s:
        if not overseer:
            base = base.where(_reader_clause(person_id))
        rows = await s.scalars(
            base.order_by(MarkHistory.changed_at, MarkHistory.id).limit(HISTORY_LIMIT)
        )
        return [_history_view(h) for h in rows]


def _history_view(h: MarkHistory) -> MarkHistoryView:
    return MarkHistoryView(
        h.id, h.mark_id, h.lesson_id, h.assignment_id, h.student_id, h.action, h.value_before,
        h.value_after, h.comment_before, h.comment_after, h.changed_by, h.changed_at,
        h.correction_request_id,
    )  # fmt: skip
