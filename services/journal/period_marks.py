"""Term, year, exam and final marks: the sheet with averages and proposals, setting and removing
a mark (with the proposal of that moment and the history), and a student's own marks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal.access import (
    is_class_teacher,
    is_guardian,
    own_academic_year,
    own_school_class,
    own_study_period,
    own_subject,
    require,
    same_school,
)
from services.journal.domain import period_marks as rules
from services.journal.domain.period_marks import PeriodMarkKind, SpecialMark
from services.journal.events import PeriodMarkRemoved, PeriodMarkSet
from services.journal.lock import ensure_academic_year_open, year_closed
from services.journal.models import (
    AcademicYear,
    Assignment,
    AssignmentType,
    Enrolment,
    Lesson,
    Mark,
    PeriodMark,
    PeriodMarkHistory,
    Person,
    SchoolClass,
    StudyPeriod,
    SubgroupMember,
    Subject,
    TeachingLoad,
)
from services.journal.settings import thresholds_of
from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork
from services.kernel.visibility import require_visible

_NAMESPACE = uuid5(NAMESPACE_URL, "sgo:journal:period_mark")
# Exam and final marks are also the administration's (the attestation commission's protocol).
ADMIN_KINDS = frozenset({PeriodMarkKind.EXAM, PeriodMarkKind.FINAL})


def period_mark_id(
    student_id: UUID,
    subject_id: UUID,
    academic_year_id: UUID,
    kind: PeriodMarkKind,
    study_period_id: UUID | None,
) -> UUID:
    """One id per slot: a mark set again after its removal continues the same aggregate."""
    key = f"{student_id}:{subject_id}:{academic_year_id}:{kind.value}:{study_period_id or '-'}"
    return uuid5(_NAMESPACE, key)


@dataclass(frozen=True)
class PeriodMarkView:
    id: UUID
    academic_year_id: UUID
    study_period_id: UUID | None
    kind: PeriodMarkKind
    school_class_id: UUID
    subject_id: UUID
    student_id: UUID
    value: int | None
    special: SpecialMark | None
    average: Decimal | None
    proposed: int | None
    set_by: UUID | None
    set_at: datetime

    @property
    def differs_from_proposal(self) -> bool:
        return rules.differs(self.value, self.proposed)


def period_mark_view(row: PeriodMark) -> PeriodMarkView:
    return PeriodMarkView(
        row.id, row.academic_year_id, row.study_period_id, PeriodMarkKind(row.kind),
        row.school_class_id, row.subject_id, row.student_id, row.value,
        SpecialMark(row.special) if row.special else None, row.average, row.proposed,
        row.set_by, row.set_at,
    )  # fmt: skip


@dataclass(frozen=True)
class SheetRow:
    student_id: UUID
    marks_count: int
    average: Decimal | None
    proposed: int | None
    mark: PeriodMarkView | None

    @property
    def differs_from_proposal(self) -> bool:
        return self.mark is not None and rules.differs(self.mark.value, self.proposed)


@dataclass(frozen=True)
class SheetView:
    school_class_id: UUID
    subject_id: UUID
    academic_year_id: UUID
    study_period_id: UUID | None
    kind: PeriodMarkKind
    thresholds: rules.Thresholds
    closed: bool
    rows: list[SheetRow]


# --- the averages ------------------------------------------------------------------------------


async def term_marks(
    s: AsyncSession, period: StudyPeriod, subject_id: UUID, student_ids: Sequence[UUID]
) -> dict[UUID, list[tuple[int, int]]]:
    """(value, weight) of each student's marks in the subject on held lessons of the period."""
    rows = await s.execute(
        select(Mark.student_id, Mark.value, AssignmentType.weight)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(Assignment, Assignment.id == Mark.assignment_id)
        .join(AssignmentType, AssignmentType.id == Assignment.assignment_type_id)
        .where(
            Mark.student_id.in_(list(student_ids)),
            Lesson.school_id == period.school_id,
            Lesson.subject_id == subject_id,
            Lesson.cancelled.is_(False),
            Lesson.date.between(period.starts_on, period.ends_on),
        )
    )
    marks: dict[UUID, list[tuple[int, int]]] = defaultdict(list)
    for student_id, value, weight in rows:
        marks[student_id].append((value, weight))
    return marks


async def term_values(
    s: AsyncSession, academic_year_id: UUID, subject_id: UUID, student_ids: Sequence[UUID]
) -> dict[UUID, list[int]]:
    """Each student's numeric term marks of the year in the subject (special results left out)."""
    rows = await s.execute(
        select(PeriodMark.student_id, PeriodMark.value).where(
            PeriodMark.student_id.in_(list(student_ids)),
            PeriodMark.subject_id == subject_id,
            PeriodMark.academic_year_id == academic_year_id,
            PeriodMark.kind == PeriodMarkKind.TERM.value,
            PeriodMark.value.is_not(None),
        )
    )
    values: dict[UUID, list[int]] = defaultdict(list)
    for student_id, value in rows:
        values[student_id].append(value)
    return values


async def _proposal(
    s: AsyncSession,
    kind: PeriodMarkKind,
    period: StudyPeriod | None,
    academic_year_id: UUID,
    subject_id: UUID,
    student_id: UUID,
    thresholds: rules.Thresholds,
) -> tuple[Decimal | None, int | None]:
    if kind is PeriodMarkKind.TERM and period is not None:
        marks = (await term_marks(s, period, subject_id, [student_id])).get(student_id, [])
        average = rules.weighted_average(marks)
    elif kind is PeriodMarkKind.YEAR:
        values = (await term_values(s, academic_year_id, subject_id, [student_id])).get(
            student_id, []
        )
        average = rules.mean(values)
    else:
        return None, None
    return average, rules.propose(average, thresholds)


# --- reading -------------------------------------------------------------------------------------


async def _sheet_scope(
    s: AsyncSession, principal: Principal, school_class: SchoolClass, subject: Subject
) -> frozenset[UUID] | None:
    """What of the class's sheet the caller reads: all of it (an empty set), only their
    subgroups' students (those subgroups), or nothing (None) — as the class journal."""
    person_id = require(principal)
    if principal.has_role(*ADMINISTRATION) or await is_class_teacher(s, person_id, school_class.id):
        return frozenset()
    loads = set(
        await s.scalars(
            select(TeachingLoad.subgroup_id).where(
                TeachingLoad.teacher_id == person_id,
                TeachingLoad.school_class_id == school_class.id,
                TeachingLoad.subject_id == subject.id,
            )
        )
    )
    if not loads:
        return None
    return frozenset() if None in loads else frozenset(x for x in loads if x is not None)


async def _reads_sheet(
    s: AsyncSession,
    principal: Principal,
    school_class: SchoolClass,
    subject: Subject,
    student_id: UUID,
) -> bool:
    """The student's row is on a sheet the caller reads."""
    scope = await _sheet_scope(s, principal, school_class, subject)
    if scope is None:
        return False
    if not scope:
        return True
    return bool(
        await s.scalar(
            select(
                exists().where(
                    SubgroupMember.subgroup_id.in_(scope), SubgroupMember.student_id == student_id
                )
            )
        )
    )


async def _may_read_sheet(
    s: AsyncSession, principal: Principal, school_class: SchoolClass, subject: Subject
) -> frozenset[UUID]:
    scope = await _sheet_scope(s, principal, school_class, subject)
    if scope is None:
        raise Forbidden(
            f"Итоговые отметки класса {school_class.name} по предмету «{subject.name}» видят "
            "учитель с нагрузкой, классный руководитель и администрация."
        )
    return scope


async def enrolled_students(s: AsyncSession, school_class_id: UUID) -> list[UUID]:
    return list(
        await s.scalars(
            select(Person.id)
            .join(Enrolment, Enrolment.person_id == Person.id)
            .where(Enrolment.school_class_id == school_class_id)
            .order_by(Person.last_name, Person.first_name, Person.middle_name)
        )
    )


async def period_mark_sheet(
    db: Database,
    principal: Principal,
    school_class_id: UUID,
    subject_id: UUID,
    *,
    study_period_id: UUID | None = None,
    academic_year_id: UUID | None = None,
) -> SheetView:
    """A term sheet (study period given) or a year sheet (academic year given)."""
    require(principal)
    if (study_period_id is None) == (academic_year_id is None):
        raise ValidationFailed(
            "Укажите учебный период (для четвертных отметок) или учебный год (для годовых).",
            field="studyPeriodId",
        )
    async with db.sessionmaker() as s:
        school_class = await own_school_class(s, principal, school_class_id)
        subject = await own_subject(s, principal, subject_id)
        scope = await _may_read_sheet(s, principal, school_class, subject)
        period = None
        if study_period_id is not None:
            period = await own_study_period(s, principal, study_period_id)
            year_id, kind = period.academic_year_id, PeriodMarkKind.TERM
        else:
            assert academic_year_id is not None
            year_id = (await own_academic_year(s, principal, academic_year_id)).id
            kind = PeriodMarkKind.YEAR
        thresholds = await thresholds_of(s, principal.school_id)  # type: ignore[arg-type]
        students = await enrolled_students(s, school_class_id)
        if scope:  # a subgroup's teacher reads their subgroups' students only
            members = set(
                await s.scalars(
                    select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id.in_(scope))
                )
            )
            students = [x for x in students if x in members]
        if period is not None:
            weighted = await term_marks(s, period, subject_id, students)
            counts = {k: len(v) for k, v in weighted.items()}
            averages = {k: rules.weighted_average(v) for k, v in weighted.items()}
        else:
            values = await term_values(s, year_id, subject_id, students)
            counts = {k: len(v) for k, v in values.items()}
            averages = {k: rules.mean(v) for k, v in values.items()}
        set_marks = {
            m.student_id: period_mark_view(m)
            for m in await s.scalars(
                select(PeriodMark).where(
                    PeriodMark.student_id.in_(students),
                    PeriodMark.subject_id == subject_id,
                    PeriodMark.academic_year_id == year_id,
                    PeriodMark.kind == kind.value,
                    PeriodMark.study_period_id.is_(None)
                    if period is None
                    else PeriodMark.study_period_id == period.id,
                )
            )
        }
        closed = await year_closed(s, year_id)
    rows = [
        SheetRow(
            student_id,
            counts.get(student_id, 0),
            averages.get(student_id),
            rules.propose(averages.get(student_id), thresholds),
            set_marks.get(student_id),
        )
        for student_id in students
    ]
    return SheetView(
        school_class_id, subject_id, year_id, study_period_id, kind, thresholds, closed, rows
    )


async def period_marks(
    db: Database, principal: Principal, student_id: UUID, academic_year_id: UUID
) -> list[PeriodMarkView]:
    """A student's period marks of a year: the student, their parents, their class teacher and
    the administration. A list: a student or year the caller may not read gives an empty one
    (``services.kernel.visibility``)."""
    person_id = require(principal)
    async with db.sessionmaker() as s:
        student = await s.get(Person, student_id)
        year = await s.get(AcademicYear, academic_year_id)
        if (
            student is None
            or student.kind != "student"
            or student.school_id != principal.school_id
            or year is None
            or year.school_id != principal.school_id
        ):
            return []
        rows = list(
            await s.scalars(
                select(PeriodMark)
                .where(
                    PeriodMark.student_id == student_id,
                    PeriodMark.academic_year_id == academic_year_id,
                )
                .order_by(PeriodMark.subject_id, PeriodMark.kind, PeriodMark.study_period_id)
            )
        )
        allowed = person_id == student_id or principal.has_role(*ADMINISTRATION)
        if not allowed and principal.has_role(Role.PARENT):
            allowed = await is_guardian(s, person_id, student_id)
        if not allowed and principal.has_role(Role.CLASS_TEACHER):
            classes = {r.school_class_id for r in rows}
            classes |= set(
                await s.scalars(
                    select(Enrolment.school_class_id).where(Enrolment.person_id == student_id)
                )
            )
            for class_id in classes:
                if await is_class_teacher(s, person_id, class_id):
                    allowed = True
                    break
        if not allowed:
            return []
    return [period_mark_view(r) for r in rows]


# --- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetPeriodMark:
    student_id: UUID
    subject_id: UUID
    kind: PeriodMarkKind
    study_period_id: UUID | None = None
    academic_year_id: UUID | None = None
    value: int | None = None
    special: SpecialMark | None = None


async def _class_of_year(s: AsyncSession, student_id: UUID, academic_year_id: UUID) -> SchoolClass:
    school_class = await s.scalar(
        select(SchoolClass)
        .join(Enrolment, Enrolment.school_class_id == SchoolClass.id)
        .where(Enrolment.person_id == student_id, SchoolClass.academic_year_id == academic_year_id)
    )
    if school_class is None:
        raise ValidationFailed(
            "Учащийся не числится ни в одном классе этого учебного года.", field="studentId"
        )
    return school_class


async def teaches_student(
    s: AsyncSession, teacher_id: UUID, school_class_id: UUID, subject_id: UUID, student_id: UUID
) -> bool:
    """A load for the whole class covers every student; a subgroup's load only its members."""
    subgroups = list(
        await s.scalars(
            select(TeachingLoad.subgroup_id).where(
                TeachingLoad.teacher_id == teacher_id,
                TeachingLoad.school_class_id == school_class_id,
                TeachingLoad.subject_id == subject_id,
            )
        )
    )
    if not subgroups:
        return False
    if None in subgroups:
        return True
    return bool(
        await s.scalar(
            select(
                exists().where(
                    SubgroupMember.subgroup_id.in_(subgroups),
                    SubgroupMember.student_id == student_id,
                )
            )
        )
    )


async def _may_write(
    s: AsyncSession,
    principal: Principal,
    kind: PeriodMarkKind,
    school_class: SchoolClass,
    subject: Subject,
    student_id: UUID,
) -> None:
    person_id = require(principal)
    if kind in ADMIN_KINDS and principal.has_role(*ADMINISTRATION):
        return
    if principal.has_role(Role.SUBJECT_TEACHER) and await teaches_student(
        s, person_id, school_class.id, subject.id, student_id
    ):
        return
    who = "учитель с нагрузкой" + (" или администрация" if kind in ADMIN_KINDS else "")
    raise Forbidden(
        f"Итоговую отметку по предмету «{subject.name}» в классе {school_class.name} ставит {who}."
    )


def _history(
    row: PeriodMark, before: tuple[int | None, str | None], by: UUID | None, at: datetime
) -> PeriodMarkHistory:
    return PeriodMarkHistory(
        id=uuid7(),
        school_id=row.school_id,
        period_mark_id=row.id,
        value_before=before[0],
        special_before=before[1],
        value_after=row.value,
        special_after=row.special,
        changed_by=by,
        changed_at=at,
    )


async def set_period_mark(uow: UnitOfWork, command: SetPeriodMark) -> PeriodMarkView:
    principal = uow.principal
    person_id = require(principal)
    target = rules.check_period_mark(
        command.kind,
        command.value,
        command.special,
        has_study_period=command.study_period_id is not None,
        has_academic_year=command.academic_year_id is not None,
    )
    async with uow:
        s = uow.session
        subject = await own_subject(s, principal, command.subject_id)
        student = await s.get(Person, command.student_id)
        if student is None or student.kind != "student":
            raise NotFound("Учащийся не найден.")
        same_school(principal, student.school_id, "Учащийся")
        period = None
        if command.study_period_id is not None:
            period = await own_study_period(s, principal, command.study_period_id)
            if command.academic_year_id not in (None, period.academic_year_id):
                raise ValidationFailed(
                    "Учебный период относится к другому учебному году.", field="studyPeriodId"
                )
            year_id = period.academic_year_id
        else:
            assert command.academic_year_id is not None
            year_id = (await own_academic_year(s, principal, command.academic_year_id)).id
        school_class = await _class_of_year(s, student.id, year_id)
        await _may_write(s, principal, target.kind, school_class, subject, student.id)
        await ensure_academic_year_open(s, year_id)
        thresholds = await thresholds_of(s, subject.school_id)
        average, proposed = await _proposal(
            s, target.kind, period, year_id, subject.id, student.id, thresholds
        )
        mark_id = period_mark_id(
            student.id, subject.id, year_id, target.kind, period.id if period else None
        )
        now = utcnow()
        values = {
            "school_id": subject.school_id,
            "academic_year_id": year_id,
            "study_period_id": period.id if period else None,
            "kind": target.kind.value,
            "school_class_id": school_class.id,
            "subject_id": subject.id,
            "student_id": student.id,
            "value": target.value,
            "special": target.special.value if target.special else None,
            "average": average,
            "proposed": proposed,
            "set_by": person_id,
            "set_at": now,
        }
        # Two teachers setting the first mark at once: one inserts, the other updates after it.
        inserted = await s.scalar(
            insert(PeriodMark)
            .values(id=mark_id, **values)
            .on_conflict_do_nothing()
            .returning(PeriodMark.id)
        )
        row = await s.get(PeriodMark, mark_id, with_for_update=True, populate_existing=True)
        assert row is not None
        before: tuple[int | None, str | None] = (None, None)
        if inserted is None:
            before = (row.value, row.special)
            for key, value in values.items():
                setattr(row, key, value)
        s.add(_history(row, before, person_id, now))
        await s.flush()
        uow.emit(
            PeriodMarkSet(
                period_mark_id=row.id,
                school_id=row.school_id,
                academic_year_id=year_id,
                study_period_id=row.study_period_id,
                study_period_name=period.name if period else None,
                kind=row.kind,
                school_class_id=school_class.id,
                subject_id=subject.id,
                subject_name=subject.name,
                student_id=student.id,
                value=row.value,
                special=row.special,
                average=average,
                proposed=proposed,
                set_by=person_id,
            ),
            school_id=row.school_id,
        )
        view = period_mark_view(row)
        await uow.commit()
    return view


async def remove_period_mark(uow: UnitOfWork, mark_id: UUID) -> UUID:
    principal = uow.principal
    person_id = require(principal)
    async with uow:
        s = uow.session
        row = await s.get(PeriodMark, mark_id, with_for_update=True)
        if row is None or row.school_id != principal.school_id:
            raise NotFound("Итоговая отметка не найдена.")
        school_class = await own_school_class(s, principal, row.school_class_id)
        subject = await own_subject(s, principal, row.subject_id)
        # A period mark of a sheet the caller does not read is not there for them.
        require_visible(
            await _reads_sheet(s, principal, school_class, subject, row.student_id),
            "Итоговая отметка не найдена.",
        )
        await _may_write(
            s, principal, PeriodMarkKind(row.kind), school_class, subject, row.student_id
        )
        await ensure_academic_year_open(s, row.academic_year_id)
        before = (row.value, row.special)
        s.add(
            PeriodMarkHistory(
                id=uuid7(),
                school_id=row.school_id,
                period_mark_id=row.id,
                value_before=before[0],
                special_before=before[1],
                value_after=None,
                special_after=None,
                changed_by=person_id,
                changed_at=utcnow(),
            )
        )
        await s.delete(row)
        uow.emit(
            PeriodMarkRemoved(
                period_mark_id=row.id,
                school_id=row.school_id,
                academic_year_id=row.academic_year_id,
                study_period_id=row.study_period_id,
                kind=row.kind,
                school_class_id=row.school_class_id,
                subject_id=row.subject_id,
                student_id=row.student_id,
                removed_by=person_id,
            ),
            school_id=row.school_id,
        )
        await uow.commit()
    return mark_id
