"""Student movement on the director's order: arrival, transfer between classes, departure, the
movement book, and the promotion of all classes at the end of the year."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.kernel.db import Database
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.events import uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork
from services.people import domain
from services.people.anonymisation import Reason, cancel_anonymisation, schedule_anonymisation
from services.people.domain import ClassToPromote, MovementKind, Order, PersonKind
from services.people.events import (
    ClassTeacherAssigned,
    PromotedClass,
    StudentEnrolled,
    StudentLeft,
    StudentsPromoted,
    StudentTransferred,
)
from services.people.models import (
    AcademicYear,
    Enrolment,
    Movement,
    Person,
    School,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    YearResult,
)
from services.people.organisation import block_account_of, emit_members_changed
from services.people.service import (
    _class_created,
    _grant,
    _person,
    _require,
    _school_class,
    by_name,
)

# The regulation: the academic secretary moves students on the director's order.
MOVERS = (Role.DIRECTOR, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY)
BOOK_READERS = (*ADMINISTRATION, Role.ACADEMIC_SECRETARY)
# Closing the year: the administrator with the deputies, on the director's order.
PROMOTERS = (
    Role.DIRECTOR,
    Role.ADMINISTRATOR,
    Role.DEPUTY_DIRECTOR_CONTENT,
    Role.DEPUTY_DIRECTOR_QUALITY,
)
HELD_BACK_REASON = "оставлен на повторное обучение"


# --- helpers ------------------------------------------------------------------------------


async def _student(session: AsyncSession, school_id: UUID, person_id: UUID) -> Person:
    person = await _person(session, school_id, person_id)
    if person.kind != PersonKind.STUDENT:
        raise ValidationFailed("Движение оформляется только для учащегося.", field="personId")
    return person


async def _open_enrolment(session: AsyncSession, person_id: UUID) -> Enrolment | None:
    return await session.scalar(
        select(Enrolment)
        .where(Enrolment.person_id == person_id, Enrolment.left_on.is_(None))
        .with_for_update()
    )


async def _current(session: AsyncSession, person_id: UUID) -> Enrolment:
    enrolment = await _open_enrolment(session, person_id)
    if enrolment is None:
        raise Conflict("Учащийся сейчас не зачислен ни в один класс.")
    return enrolment


async def _other_school(
    session: AsyncSession, school_id: UUID, other_id: UUID | None, other_name: str | None
) -> tuple[UUID | None, str | None]:
    """An arrival's source or a departure's destination: a school of this installation (its
    name is taken from the record) or one outside it, by name."""
    if other_id is not None:
        other = await session.get(School, other_id)
        if other is None:
            raise NotFound("Школа не найдена.", field="otherSchoolId")
        if other.id == school_id:
            raise ValidationFailed("Укажите другую школу.", field="otherSchoolId")
        return other.id, other.name
    name = " ".join((other_name or "").split()) or None
    if name is not None and len(name) > 300:
        raise ValidationFailed("Слишком длинное название школы.", field="otherSchoolName")
    return None, name


def _record(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    kind: MovementKind,
    occurred_on: date,
    order: Order,
    from_class_id: UUID | None = None,
    to_class_id: UUID | None = None,
    other_school: tuple[UUID | None, str | None] = (None, None),
    reason: str | None = None,
) -> Movement:
    assert principal.school_id is not None
    row = Movement(
        id=uuid7(),
        school_id=principal.school_id,
        person_id=person_id,
        kind=kind.value,
        occurred_on=occurred_on,
        from_class_id=from_class_id,
        to_class_id=to_class_id,
        other_school_id=other_school[0],
        other_school_name=other_school[1],
        reason=reason,
        order_number=order.number,
        order_date=order.issued_on,
        recorded_by=principal.person_id,
    )
    uow.session.add(row)
    return row


def _enrol(uow: UnitOfWork, person_id: UUID, school_class: SchoolClass, on: date) -> Enrolment:
    enrolment = Enrolment(
        id=uuid7(),
        school_id=school_class.school_id,
        person_id=person_id,
        school_class_id=school_class.id,
        enrolled_on=on,
    )
    uow.session.add(enrolment)
    uow.emit(
        StudentEnrolled(
            person_id=person_id,
            school_id=school_class.school_id,
            school_class_id=school_class.id,
            enrolled_on=on,
        ),
        school_id=school_class.school_id,
    )
    return enrolment


async def _leave_subgroups(uow: UnitOfWork, person_id: UUID, school_class_id: UUID) -> None:
    """A student who leaves a class leaves its subgroups; each changed subgroup is announced."""
    left = list(
        await uow.session.scalars(
            delete(SubgroupMember)
            .where(
                SubgroupMember.person_id == person_id,
                SubgroupMember.school_class_id == school_class_id,
            )
            .returning(SubgroupMember.subgroup_id)
        )
    )
    for subgroup_id in left:
        subgroup = await uow.session.get(Subgroup, subgroup_id)
        assert subgroup is not None
        members = await uow.session.scalars(
            select(SubgroupMember.person_id)
            .join(Person, Person.id == SubgroupMember.person_id)
            .where(SubgroupMember.subgroup_id == subgroup_id)
            .order_by(*by_name())
        )
        emit_members_changed(uow, subgroup, list(members))


def _leave(
    uow: UnitOfWork,
    enrolment: Enrolment,
    *,
    on: date,
    kind: MovementKind,
    order: Order,
    other_school: tuple[UUID | None, str | None] = (None, None),
) -> None:
    enrolment.left_on = on
    uow.emit(
        StudentLeft(
            person_id=enrolment.person_id,
            school_id=enrolment.school_id,
            school_class_id=enrolment.school_class_id,
            left_on=on,
            kind=kind.value,
            destination_school_id=other_school[0],
            destination_school_name=other_school[1],
            order_number=order.number,
            order_date=order.issued_on,
        ),
        school_id=enrolment.school_id,
    )


# --- arrival, transfer, departure ---------------------------------------------------------


async def enrol_arrival(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    school_class_id: UUID,
    enrolled_on: date,
    order_number: str,
    order_date: date,
    from_school_id: UUID | None = None,
    from_school_name: str | None = None,
) -> Movement:
    """Enrolment of a student who is in no class of this school (прибытие)."""
    school_id = _require(principal, *MOVERS)
    order = domain.check_order(order_number, order_date, enrolled_on)
    async with uow:
        await _student(uow.session, school_id, person_id)
        school_class = await _school_class(uow.session, school_id, school_class_id)
        current = await _open_enrolment(uow.session, person_id)
        if current is not None:
            raise Conflict("Учащийся уже зачислен в класс; оформите перевод.")
        year = await uow.session.get(AcademicYear, school_class.academic_year_id)
        assert year is not None
        if enrolled_on > year.ends_on:
            raise ValidationFailed(
                "Дата зачисления позже конца учебного года класса.", field="enrolledOn"
            )
        source = await _other_school(uow.session, school_id, from_school_id, from_school_name)
        _enrol(uow, person_id, school_class, enrolled_on)
        await cancel_anonymisation(uow.session, person_id)  # a returning student's data stays
        row = _record(
            uow,
            principal,
            person_id=person_id,
            kind=MovementKind.ARRIVAL,
            occurred_on=enrolled_on,
            order=order,
            to_class_id=school_class_id,
            other_school=source,
        )
        await uow.commit()
    return row


async def transfer_student(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    to_class_id: UUID,
    transferred_on: date,
    order_number: str,
    order_date: date,
) -> Movement:
    """Transfer to another class of the same school and year (перевод из класса в класс)."""
    school_id = _require(principal, *MOVERS)
    order = domain.check_order(order_number, order_date, transferred_on)
    async with uow:
        await _student(uow.session, school_id, person_id)
        target = await _school_class(uow.session, school_id, to_class_id)
        current = await _current(uow.session, person_id)
        if current.school_class_id == to_class_id:
            raise Conflict("Учащийся уже учится в этом классе.")
        source = await _school_class(uow.session, school_id, current.school_class_id)
        if source.academic_year_id != target.academic_year_id:
            raise ValidationFailed(
                "Перевод из класса в класс — в пределах учебного года; на следующий год "
                "переводятся все классы сразу.",
                field="toClassId",
            )
        if transferred_on <= current.enrolled_on:
            raise ValidationFailed(
                "Дата перевода должна быть позже даты зачисления в текущий класс.",
                field="transferredOn",
            )
        current.left_on = transferred_on
        await uow.session.flush()
        await _leave_subgroups(uow, person_id, source.id)
        _enrol(uow, person_id, target, transferred_on)
        uow.emit(
            StudentTransferred(
                person_id=person_id,
                school_id=school_id,
                from_class_id=source.id,
                to_class_id=target.id,
                transferred_on=transferred_on,
                order_number=order.number,
                order_date=order.issued_on,
            ),
            school_id=school_id,
        )
        row = _record(
            uow,
            principal,
            person_id=person_id,
            kind=MovementKind.TRANSFER,
            occurred_on=transferred_on,
            order=order,
            from_class_id=source.id,
            to_class_id=target.id,
        )
        await uow.commit()
    return row


async def record_departure(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    left_on: date,
    order_number: str,
    order_date: date,
    to_school_id: UUID | None = None,
    to_school_name: str | None = None,
    reason: str | None = None,
) -> Movement:
    """Departure, to another school or otherwise (выбытие): the class list loses the student
    and the student's account is blocked at once."""
    school_id = _require(principal, *MOVERS)
    order = domain.check_order(order_number, order_date, left_on)
    reason = " ".join((reason or "").split()) or None
    if reason is not None and len(reason) > 300:
        raise ValidationFailed("Слишком длинная причина выбытия.", field="reason")
    async with uow:
        await _student(uow.session, school_id, person_id)
        current = await _current(uow.session, person_id)
        if left_on < current.enrolled_on:
            raise ValidationFailed("Дата выбытия раньше даты зачисления.", field="leftOn")
        destination = await _other_school(uow.session, school_id, to_school_id, to_school_name)
        _leave(
            uow,
            current,
            on=left_on,
            kind=MovementKind.DEPARTURE,
            order=order,
            other_school=destination,
        )
        await _leave_subgroups(uow, person_id, current.school_class_id)
        await block_account_of(uow, person_id, reason="departure")
        await schedule_anonymisation(
            uow.session,
            school_id=school_id,
            person_id=person_id,
            reason=Reason.DEPARTURE,
            starting=left_on,
        )
        row = _record(
            uow,
            principal,
            person_id=person_id,
            kind=MovementKind.DEPARTURE,
            occurred_on=left_on,
            order=order,
            from_class_id=current.school_class_id,
            other_school=destination,
            reason=reason,
        )
        await uow.commit()
    return row


# --- the movement book --------------------------------------------------------------------


@dataclass(frozen=True)
class BookLine:
    movement: Movement
    student: Person
    from_class: str | None
    to_class: str | None


async def movement_book(
    db: Database,
    principal: Principal,
    *,
    from_date: date,
    to_date: date,
    kind: MovementKind | None = None,
    order_number: str | None = None,
) -> list[BookLine]:
    """The school's movement book for a period, optionally of one kind or one order."""
    school_id = _require(principal, *BOOK_READERS)
    if from_date > to_date:
        raise ValidationFailed("Начало периода позже его конца.", field="from")
    source, target = aliased(SchoolClass), aliased(SchoolClass)
    query = (
        select(Movement, Person, source.name, target.name)
        .join(Person, Person.id == Movement.person_id)
        .outerjoin(source, source.id == Movement.from_class_id)
        .outerjoin(target, target.id == Movement.to_class_id)
        .where(
            Movement.school_id == school_id,
            Movement.occurred_on.between(from_date, to_date),
        )
        .order_by(Movement.occurred_on, Movement.order_date, *by_name(), Movement.id)
    )
    if kind is not None:
        query = query.where(Movement.kind == kind.value)
    if order_number is not None and order_number.strip():
        query = query.where(Movement.order_number == " ".join(order_number.split()))
    async with db.sessionmaker() as session:
        return [BookLine(*row) for row in await session.execute(query)]


# --- promotion at the end of the year -----------------------------------------------------


@dataclass
class ClassPlan:
    """What the promotion does with one class."""

    source: SchoolClass
    target_name: str | None  # None: the class graduates
    target_exists: bool
    promoted: list[Person] = field(default_factory=list)
    held_back: list[Person] = field(default_factory=list)
    held_back_target_name: str | None = None
    # periods: why a student is not simply promoted (academic debt from the closed year)
    reasons: dict[UUID, str] = field(default_factory=dict)

    @property
    def conditionally_promoted(self) -> list[Person]:
        return [p for p in self.promoted if p.id in self.reasons]


@dataclass
class Promotion:
    from_year: AcademicYear
    to_year: AcademicYear
    classes: list[ClassPlan]
    # (grade, letter) → the next year's class, where it already exists
    existing: dict[tuple[int, str], SchoolClass]
    # periods: the journal has closed the year and sent each student's results
    year_closed: bool = False


async def _plan(
    session: AsyncSession,
    school_id: UUID,
    from_year_id: UUID,
    to_year_id: UUID,
    held_back_ids: Iterable[UUID],
) -> Promotion:
    years = {
        y.id: y
        for y in await session.scalars(
            select(AcademicYear).where(
                AcademicYear.id.in_([from_year_id, to_year_id]),
                AcademicYear.school_id == school_id,
            )
        )
    }
    if from_year_id not in years or to_year_id not in years:
        raise NotFound("Учебный год не найден.")
    from_year, to_year = years[from_year_id], years[to_year_id]
    if to_year.starts_on <= from_year.ends_on:
        raise ValidationFailed(
            "Переводить можно только в следующий учебный год.", field="toAcademicYearId"
        )
    sources = list(
        await session.scalars(
            select(SchoolClass).where(SchoolClass.academic_year_id == from_year_id)
        )
    )
    rows = await session.execute(
        select(Enrolment.school_class_id, Person)
        .join(Person, Person.id == Enrolment.person_id)
        .where(
            Enrolment.school_class_id.in_([c.id for c in sources]),
            Enrolment.left_on.is_(None),
        )
        .order_by(*by_name())
    )
    students: dict[UUID, list[Person]] = {c.id: [] for c in sources}
    people: dict[UUID, Person] = {}
    for class_id, person in rows:
        students[class_id].append(person)
        people[person.id] = person
    if not people:
        raise Conflict("В классах этого года нет учащихся: перевод уже выполнен.")
    held = set(held_back_ids)
    if held - people.keys():
        raise ValidationFailed(
            "Оставить на повторное обучение можно только учащихся классов этого года.",
            field="heldBackStudentIds",
        )
    existing = {
        (c.grade_level, c.letter): c
        for c in await session.scalars(
            select(SchoolClass).where(SchoolClass.academic_year_id == to_year_id)
        )
    }
    by_id = {c.id: c for c in sources}
    results = {
        r.student_id: r
        for r in await session.scalars(
            select(YearResult).where(
                YearResult.academic_year_id == from_year_id, YearResult.school_id == school_id
            )
        )
    }
    reasons: dict[UUID, str] = {}
    for source in sources:
        graduating = source.grade_level >= domain.MAX_GRADE
        for student in students[source.id]:
            result = results.get(student.id)
            reason = result and domain.academic_debt_reason(
                result.failed_subjects, result.not_attested_subjects, graduating=graduating
            )
            if reason:
                reasons[student.id] = reason
                if graduating:  # a debt stops the graduation: proposed to stay
                    held.add(student.id)
    plans = domain.plan_promotion(
        [
            ClassToPromote(c.id, c.grade_level, c.letter, tuple(p.id for p in students[c.id]))
            for c in sources
        ],
        held,
    )
    classes: list[ClassPlan] = []
    for plan in plans:
        source = by_id[plan.source.id]  # type: ignore[index]
        classes.append(
            ClassPlan(
                source=source,
                target_name=f"{plan.target[0]}{plan.target[1]}" if plan.target else None,
                target_exists=plan.target in existing if plan.target else False,
                promoted=[people[i] for i in plan.promoted],  # type: ignore[index]
                held_back=[people[i] for i in plan.held_back],  # type: ignore[index]
                held_back_target_name=source.name if plan.held_back else None,
                reasons={
                    i: reasons[i]  # type: ignore[index]
                    for i in (*plan.promoted, *plan.held_back)
                    if i in reasons
                },
            )
        )
    return Promotion(
        from_year=from_year,
        to_year=to_year,
        classes=classes,
        existing=existing,
        year_closed=bool(results),
    )


async def preview_promotion(
    db: Database,
    principal: Principal,
    *,
    from_academic_year_id: UUID,
    to_academic_year_id: UUID,
    held_back_student_ids: Sequence[UUID] = (),
) -> Promotion:
    """What the promotion would do, class by class and student by student; changes nothing."""
    school_id = _require(principal, *PROMOTERS)
    async with db.sessionmaker() as session:
        return await _plan(
            session, school_id, from_academic_year_id, to_academic_year_id, held_back_student_ids
        )


async def _target_class(
    uow: UnitOfWork,
    principal: Principal,
    promotion: Promotion,
    grade_level: int,
    letter: str,
    class_teacher_id: UUID | None,
) -> SchoolClass:
    """The next year's class, created on first need; a new class keeps its class teacher."""
    key = (grade_level, letter)
    if key in promotion.existing:
        return promotion.existing[key]
    letter, name = domain.class_name(grade_level, letter)
    school_class = SchoolClass(
        id=uuid7(),
        school_id=promotion.to_year.school_id,
        academic_year_id=promotion.to_year.id,
        grade_level=grade_level,
        letter=letter,
        name=name,
    )
    uow.session.add(school_class)
    await uow.session.flush()
    uow.emit(_class_created(school_class), school_id=school_class.school_id)
    teacher = await uow.session.get(Person, class_teacher_id) if class_teacher_id else None
    if teacher is not None:
        school_class.class_teacher_id = teacher.id
        _grant(uow, principal, teacher, Role.CLASS_TEACHER, school_class.id)
        uow.emit(
            ClassTeacherAssigned(
                school_class_id=school_class.id,
                school_id=school_class.school_id,
                person_id=teacher.id,
            ),
            school_id=school_class.school_id,
        )
    promotion.existing[key] = school_class
    return school_class


async def apply_promotion(
    uow: UnitOfWork,
    principal: Principal,
    *,
    from_academic_year_id: UUID,
    to_academic_year_id: UUID,
    order_number: str,
    order_date: date,
    held_back_student_ids: Sequence[UUID] = (),
) -> Promotion:
    """Promote every class of the year at once, all or nothing: 7Б → 8Б of the next year on its
    first day, the 11th grade graduates on the last day of the year (or on the order's date)."""
    school_id = _require(principal, *PROMOTERS)
    async with uow:
        # One promotion of a year at a time: a second one waits and then finds nothing to do.
        await uow.session.execute(
            select(AcademicYear.id)
            .where(AcademicYear.id == from_academic_year_id)
            .with_for_update()
        )
        promotion = await _plan(
            uow.session,
            school_id,
            from_academic_year_id,
            to_academic_year_id,
            held_back_student_ids,
        )
        moved_on = promotion.to_year.starts_on
        order = domain.check_order(order_number, order_date, moved_on)
        graduated_on = max(promotion.from_year.ends_on, order.issued_on)
        enrolments = {
            e.person_id: e
            for e in await uow.session.scalars(
                select(Enrolment)
                .where(
                    Enrolment.school_class_id.in_([p.source.id for p in promotion.classes]),
                    Enrolment.left_on.is_(None),
                )
                .with_for_update()
            )
        }
        summary: list[PromotedClass] = []
        for plan in promotion.classes:
            source = plan.source
            target = None
            if plan.target_name is not None and plan.promoted:
                target = await _target_class(
                    uow,
                    principal,
                    promotion,
                    source.grade_level + 1,
                    source.letter,
                    source.class_teacher_id,
                )
            for student in plan.promoted:
                enrolment = enrolments[student.id]
                if target is None:
                    _leave(
                        uow,
                        enrolment,
                        on=graduated_on,
                        kind=MovementKind.GRADUATION,
                        order=order,
                    )
                    await block_account_of(uow, student.id, reason="departure")
                    await schedule_anonymisation(
                        uow.session,
                        school_id=enrolment.school_id,
                        person_id=student.id,
                        reason=Reason.DEPARTURE,
                        starting=graduated_on,
                    )
                    _record(
                        uow,
                        principal,
                        person_id=student.id,
                        kind=MovementKind.GRADUATION,
                        occurred_on=graduated_on,
                        order=order,
                        from_class_id=source.id,
                    )
                    continue
                enrolment.left_on = moved_on
                await uow.session.flush()
                _enrol(uow, student.id, target, moved_on)
                _record(
                    uow,
                    principal,
                    person_id=student.id,
                    kind=MovementKind.PROMOTION,
                    occurred_on=moved_on,
                    order=order,
                    from_class_id=source.id,
                    to_class_id=target.id,
                    reason=plan.reasons.get(student.id),
                )
            if plan.held_back:
                repeat = await _target_class(
                    uow, principal, promotion, source.grade_level, source.letter, None
                )
                for student in plan.held_back:
                    enrolments[student.id].left_on = moved_on
                    await uow.session.flush()
                    _enrol(uow, student.id, repeat, moved_on)
                    _record(
                        uow,
                        principal,
                        person_id=student.id,
                        kind=MovementKind.PROMOTION,
                        occurred_on=moved_on,
                        order=order,
                        from_class_id=source.id,
                        to_class_id=repeat.id,
                        reason=plan.reasons.get(student.id, HELD_BACK_REASON),
                    )
            summary.append(
                PromotedClass(
                    from_class_id=source.id,
                    to_class_id=target.id if target else None,
                    promoted=len(plan.promoted),
                    held_back=len(plan.held_back),
                )
            )
        uow.emit(
            StudentsPromoted(
                school_id=school_id,
                from_academic_year_id=promotion.from_year.id,
                to_academic_year_id=promotion.to_year.id,
                order_number=order.number,
                order_date=order.issued_on,
                classes=summary,
            ),
            school_id=school_id,
        )
        await uow.commit()
    return promotion
