"""Use cases of the people context (one transaction each, events with the change) and queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import SENSITIVE_ROLES, STAFF, Role
from services.kernel.uow import UnitOfWork
from services.people import domain
from services.people.domain import PeriodDraft, PersonKind, Relation, Sex
from services.people.events import (
    AcademicYearCreated,
    ClassTeacherAssigned,
    GuardianshipLinked,
    PersonRegistered,
    RoleGranted,
    RoleWithdrawn,
    SchoolClassCreated,
    SchoolCreated,
    StudentEnrolled,
    StudyPeriodPayload,
)
from services.people.models import (
    AcademicYear,
    Account,
    Enrolment,
    Guardianship,
    Person,
    RoleAudit,
    RoleGrantRow,
    School,
    SchoolClass,
    StudyPeriod,
)

# --- access -------------------------------------------------------------------------------


def _require(principal: Principal, *roles: Role) -> UUID:
    """The caller's school, after the coarse role check every use case repeats."""
    if not principal.is_authenticated or principal.school_id is None:
        raise Unauthenticated()
    if roles and not principal.has_role(*roles):
        raise Forbidden()
    return principal.school_id


def is_regional_administrator(principal: Principal) -> bool:
    """The installation's administrator: holds the role and belongs to no school."""
    return (
        principal.is_authenticated
        and principal.school_id is None
        and principal.has_role(Role.REGIONAL_ADMINISTRATOR)
    )


def _require_region(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise Unauthenticated()
    if not is_regional_administrator(principal):
        raise Forbidden("Это делает администратор органа управления образованием.")


def _roles(principal: Principal) -> set[Role]:
    return {grant.role for grant in principal.roles}


def is_staff(principal: Principal) -> bool:
    return principal.has_role(*STAFF)


def russian_sort_key(column: ColumnElement[str]) -> ColumnElement[str]:
    """Russian alphabetical order on any server: case folded, «ё» as «е» (as ICU does at its
    first level); Cyrillic code points are otherwise in alphabetical order. Builds without ICU
    (the embedded server's) have no Russian collation to rely on."""
    return func.translate(func.lower(column), "ё", "е")


def by_name(model: type[Person] = Person) -> tuple[object, ...]:
    return (
        russian_sort_key(model.last_name),
        russian_sort_key(model.first_name),
        russian_sort_key(func.coalesce(model.middle_name, "")),
        model.last_name,
        model.id,
    )


async def _person(session: AsyncSession, school_id: UUID, person_id: UUID) -> Person:
    person = await session.get(Person, person_id)
    if person is None or person.school_id != school_id:
        raise NotFound("Человек не найден.")
    return person


async def _school_class(session: AsyncSession, school_id: UUID, class_id: UUID) -> SchoolClass:
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school_id:
        raise NotFound("Класс не найден.")
    return school_class


def _expect_kind(person: Person, kind: PersonKind, message: str) -> None:
    if person.kind != kind:
        raise ValidationFailed(message)


# --- school structure ---------------------------------------------------------------------


async def create_school(
    uow: UnitOfWork,
    principal: Principal,
    *,
    name: str,
    short_name: str,
    timezone: str = "Asia/Tomsk",
    school_id: UUID | None = None,
) -> School:
    # The installation's administrator opens schools; a school's own administrator cannot.
    _require_region(principal)
    name, short_name = name.strip(), short_name.strip()
    if not name or not short_name or len(name) > 300 or len(short_name) > 100:
        raise ValidationFailed(
            "Укажите полное (до 300 символов) и краткое (до 100) название школы.", field="name"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed("Неизвестный часовой пояс.", field="timezone") from exc
    school_id = school_id or uuid7()
    async with uow:
        school = School(
            id=school_id, school_id=school_id, name=name, short_name=short_name, timezone=timezone
        )
        uow.session.add(school)
        uow.emit(
            SchoolCreated(school_id=school_id, name=name, short_name=short_name, timezone=timezone),
            school_id=school_id,
        )
        await uow.commit()
    return school


async def create_academic_year(
    uow: UnitOfWork,
    principal: Principal,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    periods: Sequence[PeriodDraft],
) -> AcademicYear:
    school_id = _require(principal, Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_CONTENT)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Укажите название учебного года (до 100 символов).", field="name")
    domain.check_academic_year(starts_on, ends_on, periods)
    year = AcademicYear(
        id=uuid7(), school_id=school_id, name=name, starts_on=starts_on, ends_on=ends_on
    )
    async with uow:
        taken = await uow.session.scalar(
            select(
                exists().where(AcademicYear.school_id == school_id, AcademicYear.name == year.name)
            )
        )
        if taken:
            raise Conflict(f"Учебный год «{year.name}» уже есть.", field="name")
        kind = await uow.session.scalar(
            select(School.study_period_kind).where(School.id == school_id)
        )
        if kind is not None:
            domain.check_periods_for_kind(domain.StudyPeriodKind(kind), starts_on, ends_on, periods)
        uow.session.add(year)
        await uow.session.flush()
        rows = [
            StudyPeriod(
                id=uuid7(),
                school_id=school_id,
                academic_year_id=year.id,
                name=p.name.strip(),
                starts_on=p.starts_on,
                ends_on=p.ends_on,
            )
            for p in periods
        ]
        uow.session.add_all(rows)
        uow.emit(_year_created(year, rows), school_id=school_id)
        await uow.commit()
    return year


def _year_created(year: AcademicYear, periods: Iterable[StudyPeriod]) -> AcademicYearCreated:
    return AcademicYearCreated(
        academic_year_id=year.id,
        school_id=year.school_id,
        name=year.name,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        study_periods=[
            StudyPeriodPayload(
                study_period_id=p.id, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on
            )
            for p in periods
        ],
    )


async def create_school_class(
    uow: UnitOfWork,
    principal: Principal,
    *,
    academic_year_id: UUID,
    grade_level: int,
    letter: str,
) -> SchoolClass:
    school_id = _require(
        principal, Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_CONTENT, Role.ACADEMIC_SECRETARY
    )
    letter, name = domain.class_name(grade_level, letter)
    async with uow:
        year = await uow.session.get(AcademicYear, academic_year_id)
        if year is None or year.school_id != school_id:
            raise NotFound("Учебный год не найден.")
        taken = await uow.session.scalar(
            select(
                exists().where(
                    SchoolClass.academic_year_id == academic_year_id, SchoolClass.name == name
                )
            )
        )
        if taken:
            raise Conflict(f"Класс {name} в этом учебном году уже есть.", field="letter")
        school_class = SchoolClass(
            id=uuid7(),
            school_id=school_id,
            academic_year_id=academic_year_id,
            grade_level=grade_level,
            letter=letter,
            name=name,
        )
        uow.session.add(school_class)
        uow.emit(_class_created(school_class), school_id=school_id)
        await uow.commit()
    return school_class


def _class_created(c: SchoolClass) -> SchoolClassCreated:
    return SchoolClassCreated(
        school_class_id=c.id,
        school_id=c.school_id,
        academic_year_id=c.academic_year_id,
        grade_level=c.grade_level,
        letter=c.letter,
        name=c.name,
    )


async def assign_class_teacher(
    uow: UnitOfWork, principal: Principal, *, school_class_id: UUID, person_id: UUID
) -> SchoolClass:
    """The class teacher is a role grant scoped to the class; the previous one is withdrawn."""
    school_id = _require(principal, Role.DIRECTOR, Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_CONTENT)
    async with uow:
        school_class = await _school_class(uow.session, school_id, school_class_id)
        person = await _person(uow.session, school_id, person_id)
        _expect_kind(
            person, PersonKind.STAFF, "Классным руководителем может быть только сотрудник."
        )
        if school_class.class_teacher_id == person_id:
            return school_class
        previous = await uow.session.scalars(
            select(RoleGrantRow).where(
                RoleGrantRow.school_class_id == school_class_id,
                RoleGrantRow.role == Role.CLASS_TEACHER,
                RoleGrantRow.withdrawn_at.is_(None),
            )
        )
        for grant in previous:
            _withdraw(uow, principal, grant)
            await revoke_tokens(uow, grant.person_id, reason="role_withdrawn")
        school_class.class_teacher_id = person_id
        _grant(uow, principal, person, Role.CLASS_TEACHER, school_class_id)
        uow.emit(
            ClassTeacherAssigned(
                school_class_id=school_class_id, school_id=school_id, person_id=person_id
            ),
            school_id=school_id,
        )
        await uow.commit()
    return school_class


# --- persons ------------------------------------------------------------------------------


async def register_person(
    uow: UnitOfWork,
    principal: Principal,
    *,
    kind: PersonKind,
    last_name: str,
    first_name: str,
    middle_name: str | None = None,
    sex: Sex | None = None,
    birth_date: date | None = None,
) -> Person:
    """Students and parents get their role with their registration: it is what they are."""
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)
    domain.check_registrar(_roles(principal), kind)
    if birth_date is not None and birth_date > date.today():
        raise ValidationFailed("Дата рождения не может быть в будущем.", field="birthDate")
    person = Person(
        id=uuid7(),
        school_id=school_id,
        kind=kind.value,
        last_name=domain.clean_name(last_name, "lastName"),
        first_name=domain.clean_name(first_name, "firstName"),
        middle_name=domain.clean_name(middle_name, "middleName", required=False),
        sex=sex.value if sex else None,
        birth_date=birth_date,
    )
    async with uow:
        uow.session.add(person)
        await uow.session.flush()
        uow.emit(_person_registered(person), school_id=school_id)
        if kind is PersonKind.STUDENT:
            _grant(uow, principal, person, Role.STUDENT, None)
        elif kind is PersonKind.PARENT:
            _grant(uow, principal, person, Role.PARENT, None)
        await uow.commit()
    return person


def _person_registered(p: Person) -> PersonRegistered:
    return PersonRegistered(
        person_id=p.id,
        school_id=p.school_id,
        kind=p.kind,
        last_name=p.last_name,
        first_name=p.first_name,
        middle_name=p.middle_name,
    )


async def enrol_student(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    school_class_id: UUID,
    enrolled_on: date,
) -> Enrolment:
    """Enrol, or move between classes: the open enrolment is closed the day before."""
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY)
    async with uow:
        person = await _person(uow.session, school_id, person_id)
        _expect_kind(person, PersonKind.STUDENT, "Зачислить в класс можно только учащегося.")
        await _school_class(uow.session, school_id, school_class_id)
        current = await uow.session.scalar(
            select(Enrolment)
            .where(Enrolment.person_id == person_id, Enrolment.left_on.is_(None))
            .with_for_update()
        )
        if current is not None:
            if current.school_class_id == school_class_id:
                raise Conflict("Учащийся уже зачислен в этот класс.")
            if enrolled_on <= current.enrolled_on:
                raise ValidationFailed(
                    "Дата зачисления раньше даты зачисления в текущий класс.", field="enrolledOn"
                )
            current.left_on = enrolled_on
            await uow.session.flush()
        enrolment = Enrolment(
            id=uuid7(),
            school_id=school_id,
            person_id=person_id,
            school_class_id=school_class_id,
            enrolled_on=enrolled_on,
        )
        uow.session.add(enrolment)
        uow.emit(
            StudentEnrolled(
                person_id=person_id,
                school_id=school_id,
                school_class_id=school_class_id,
                enrolled_on=enrolled_on,
            ),
            school_id=school_id,
        )
        await uow.commit()
    return enrolment


async def link_guardianship(
    uow: UnitOfWork,
    principal: Principal,
    *,
    parent_id: UUID,
    student_id: UUID,
    relation: Relation,
) -> Guardianship:
    school_id = _require(principal, Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY)
    async with uow:
        parent = await _person(uow.session, school_id, parent_id)
        student = await _person(uow.session, school_id, student_id)
        _expect_kind(parent, PersonKind.PARENT, "Родителем может быть только родитель.")
        _expect_kind(student, PersonKind.STUDENT, "Связать с родителем можно только учащегося.")
        taken = await uow.session.scalar(
            select(
                exists().where(
                    Guardianship.parent_id == parent_id, Guardianship.student_id == student_id
                )
            )
        )
        if taken:
            raise Conflict("Этот родитель уже связан с учащимся.")
        link = Guardianship(
            id=uuid7(),
            school_id=school_id,
            parent_id=parent_id,
            student_id=student_id,
            relation=relation.value,
        )
        uow.session.add(link)
        uow.emit(
            GuardianshipLinked(
                parent_id=parent_id,
                student_id=student_id,
                school_id=school_id,
                relation=relation.value,
            ),
            school_id=school_id,
        )
        await uow.commit()
    return link


# --- roles --------------------------------------------------------------------------------


def _grant(
    uow: UnitOfWork,
    principal: Principal,
    person: Person,
    role: Role,
    school_class_id: UUID | None,
) -> RoleGrantRow:
    row = RoleGrantRow(
        id=uuid7(),
        school_id=person.school_id,
        person_id=person.id,
        role=role.value,
        school_class_id=school_class_id,
        granted_by=principal.person_id,
    )
    uow.session.add(row)
    if role in SENSITIVE_ROLES and person.school_id is not None:
        uow.session.add(
            RoleAudit(
                id=uuid7(),
                school_id=person.school_id,
                person_id=person.id,
                role=role.value,
                school_class_id=school_class_id,
                granted_by=principal.person_id,
            )
        )
    uow.emit(
        RoleGranted(
            person_id=person.id,
            school_id=person.school_id,
            role=role.value,
            school_class_id=school_class_id,
        ),
        school_id=person.school_id,
    )
    return row


def _withdraw(uow: UnitOfWork, principal: Principal, row: RoleGrantRow) -> None:
    row.withdrawn_at = utcnow()
    row.withdrawn_by = principal.person_id
    uow.emit(
        RoleWithdrawn(
            person_id=row.person_id,
            school_id=row.school_id,
            role=row.role,
            school_class_id=row.school_class_id,
        ),
        school_id=row.school_id,
    )


async def _active_grant(
    session: AsyncSession, person_id: UUID, role: Role, school_class_id: UUID | None
) -> RoleGrantRow | None:
    return await session.scalar(
        select(RoleGrantRow).where(
            RoleGrantRow.person_id == person_id,
            RoleGrantRow.role == role.value,
            RoleGrantRow.school_class_id.is_not_distinct_from(school_class_id),
            RoleGrantRow.withdrawn_at.is_(None),
        )
    )


async def _grantee(session: AsyncSession, principal: Principal, person_id: UUID) -> Person:
    """The person whose roles the caller manages: of the caller's school for its administrator,
    of any school for the regional administrator; NOT_FOUND otherwise."""
    if is_regional_administrator(principal):
        person = await session.get(Person, person_id)
        if person is None or person.school_id is None:
            raise NotFound("Человек не найден.")
        return person
    return await _person(session, _require(principal, Role.ADMINISTRATOR), person_id)


async def grant_role(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    role: Role,
    school_class_id: UUID | None = None,
) -> RoleGrantRow:
    async with uow:
        person = await _grantee(uow.session, principal, person_id)
        domain.check_role_change(
            role,
            regional=is_regional_administrator(principal),
            own=person_id == principal.person_id,
        )
        school_id = person.school_id
        assert school_id is not None
        domain.check_role_for_kind(role, PersonKind(person.kind), school_class_id)
        if school_class_id is not None:
            school_class = await _school_class(uow.session, school_id, school_class_id)
        if await _active_grant(uow.session, person_id, role, school_class_id):
            raise Conflict("Эта роль уже выдана.")
        if role is Role.CLASS_TEACHER:
            # Keep the class's own pointer in step with the grant; one class teacher per class.
            if school_class.class_teacher_id is not None:
                raise Conflict("У класса уже есть классный руководитель; назначьте другого.")
            school_class.class_teacher_id = person_id
            uow.emit(
                ClassTeacherAssigned(
                    school_class_id=school_class.id, school_id=school_id, person_id=person_id
                ),
                school_id=school_id,
            )
        row = _grant(uow, principal, person, role, school_class_id)
        await uow.commit()
    return row


async def withdraw_role(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    role: Role,
    school_class_id: UUID | None = None,
) -> RoleGrantRow:
    async with uow:
        await _grantee(uow.session, principal, person_id)
        domain.check_role_change(
            role,
            regional=is_regional_administrator(principal),
            own=person_id == principal.person_id,
        )
        row = await _active_grant(uow.session, person_id, role, school_class_id)
        if row is None:
            raise NotFound("Такой роли у человека нет.")
        if role is Role.CLASS_TEACHER and school_class_id is not None:
            await uow.session.execute(
                update(SchoolClass)
                .where(SchoolClass.id == school_class_id, SchoolClass.class_teacher_id == person_id)
                .values(class_teacher_id=None)
            )
        _withdraw(uow, principal, row)
        await revoke_tokens(uow, person_id, reason="role_withdrawn")
        await uow.commit()
    return row


async def revoke_tokens(uow: UnitOfWork, person_id: UUID, *, reason: str) -> None:
    """Tokens carry the roles: after a withdrawal the person's sessions end (the gateway learns
    it from ``session.ended``), so the next request needs a new token with the roles left."""
    from services.people.sessions import end_sessions  # sessions builds on this module

    account_id = await uow.session.scalar(select(Account.id).where(Account.person_id == person_id))
    if account_id is not None:
        await end_sessions(uow, account_id, keep=None, reason=reason)


async def role_grants(session: AsyncSession, person_id: UUID) -> tuple[RoleGrant, ...]:
    """The person's active grants as the token carries them, scoped by class and children."""
    rows = (
        await session.execute(
            select(RoleGrantRow.role, RoleGrantRow.school_class_id)
            .where(RoleGrantRow.person_id == person_id, RoleGrantRow.withdrawn_at.is_(None))
            .order_by(RoleGrantRow.granted_at, RoleGrantRow.id)
        )
    ).all()
    grants: list[RoleGrant] = []
    for role_value, class_id in rows:
        role = Role(role_value)
        if role is Role.PARENT:
            children = await session.scalars(
                select(Guardianship.student_id)
                .where(Guardianship.parent_id == person_id)
                .order_by(Guardianship.id)
            )
            grants.append(RoleGrant(role, student_ids=tuple(children)))
        elif role is Role.STUDENT:
            current = await session.scalar(
                select(Enrolment.school_class_id).where(
                    Enrolment.person_id == person_id, Enrolment.left_on.is_(None)
                )
            )
            grants.append(RoleGrant(role, school_class_id=current))
        else:
            grants.append(RoleGrant(role, school_class_id=class_id))
    return tuple(grants)


# --- queries ------------------------------------------------------------------------------


async def get_school(db: Database, principal: Principal) -> School:
    school_id = _require(principal)
    async with db.sessionmaker() as session:
        school = await session.get(School, school_id)
    if school is None:
        raise NotFound("Школа не найдена.")
    return school


async def academic_years(db: Database, principal: Principal) -> list[AcademicYear]:
    school_id = _require(principal)
    async with db.sessionmaker() as session:
        return list(
            await session.scalars(
                select(AcademicYear)
                .where(AcademicYear.school_id == school_id)
                .order_by(AcademicYear.starts_on)
            )
        )


async def study_periods(db: Database, academic_year_ids: Sequence[UUID]) -> list[list[StudyPeriod]]:
    async with db.sessionmaker() as session:
        rows = await session.scalars(
            select(StudyPeriod)
            .where(StudyPeriod.academic_year_id.in_(academic_year_ids))
            .order_by(StudyPeriod.starts_on)
        )
        grouped: dict[UUID, list[StudyPeriod]] = defaultdict(list)
        for row in rows:
            grouped[row.academic_year_id].append(row)
    return [grouped[i] for i in academic_year_ids]


async def school_classes(
    db: Database, principal: Principal, academic_year_id: UUID | None
) -> list[SchoolClass]:
    school_id = _require(principal)
    query = select(SchoolClass).where(SchoolClass.school_id == school_id)
    if academic_year_id is not None:
        query = query.where(SchoolClass.academic_year_id == academic_year_id)
    else:
        latest = (
            select(AcademicYear.id)
            .where(AcademicYear.school_id == school_id)
            .order_by(AcademicYear.starts_on.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = query.where(SchoolClass.academic_year_id == latest)
    async with db.sessionmaker() as session:
        return list(
            await session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.letter))
        )


async def get_school_class(db: Database, principal: Principal, class_id: UUID) -> SchoolClass:
    school_id = _require(principal)
    async with db.sessionmaker() as session:
        return await _school_class(session, school_id, class_id)


async def class_students(
    db: Database, principal: Principal, class_ids: Sequence[UUID]
) -> list[list[Person]]:
    """Class lists are for the school's staff (students and parents see their own records)."""
    school_id = _require(principal, *STAFF)
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Enrolment.school_class_id, Person)
            .join(Person, Person.id == Enrolment.person_id)
            .where(
                Enrolment.school_class_id.in_(class_ids),
                Enrolment.left_on.is_(None),
                Enrolment.school_id == school_id,
            )
            .order_by(*by_name())
        )
        grouped: dict[UUID, list[Person]] = defaultdict(list)
        for class_id, person in rows:
            grouped[class_id].append(person)
    return [grouped[i] for i in class_ids]


async def get_student(db: Database, principal: Principal, student_id: UUID) -> Person:
    """Staff see the school's students; a parent only their children; a student only self.
    Another family's child answers as no student at all (``services.kernel.visibility``)."""
    school_id = _require(principal)
    if not is_staff(principal):
        own = principal.person_id == student_id and principal.has_role(Role.STUDENT)
        child = any(student_id in g.student_ids for g in principal.grants(Role.PARENT))
        if not (own or child):
            raise NotFound("Учащийся не найден.")
    async with db.sessionmaker() as session:
        person = await _person(session, school_id, student_id)
        if person.kind != PersonKind.STUDENT:
            raise NotFound("Учащийся не найден.")
        if not is_staff(principal) and not principal.has_role(Role.STUDENT):
            # The token may be older than a guardianship's removal: check the row too.
            linked = await session.scalar(
                select(
                    exists().where(
                        Guardianship.parent_id == principal.person_id,
                        Guardianship.student_id == student_id,
                    )
                )
            )
            if not linked:
                raise NotFound("Учащийся не найден.")
    return person


async def my_children(db: Database, principal: Principal) -> list[Person]:
    _require(principal, Role.PARENT)
    async with db.sessionmaker() as session:
        return list(
            await session.scalars(
                select(Person)
                .join(Guardianship, Guardianship.student_id == Person.id)
                .where(Guardianship.parent_id == principal.person_id)
                .order_by(*by_name())
            )
        )


async def my_role_grants(db: Database, principal: Principal) -> tuple[RoleGrant, ...]:
    if not principal.is_authenticated or principal.person_id is None:
        raise Unauthenticated()  # the regional administrator has roles and no school
    async with db.sessionmaker() as session:
        return await role_grants(session, principal.person_id)


def _in_school(query: Select, model: type, school_id: UUID | None) -> Select:
    return query.where(model.school_id == school_id)  # type: ignore[attr-defined]


async def persons_by_id(db: Database, principal: Principal, ids: Sequence[UUID]) -> list[Person]:
    """Batch of the DataLoader behind entity references; scoped to the caller's school. Staff see
    everyone of the school; a student or parent sees its staff, themself and their own family."""
    query = _in_school(select(Person).where(Person.id.in_(ids)), Person, principal.school_id)
    if not is_staff(principal):
        me = principal.person_id
        family = or_(
            exists().where(Guardianship.parent_id == me, Guardianship.student_id == Person.id),
            exists().where(Guardianship.student_id == me, Guardianship.parent_id == Person.id),
        )
        query = query.where(or_(Person.kind == PersonKind.STAFF.value, Person.id == me, family))
    async with db.sessionmaker() as session:
        rows = await session.scalars(query)
        found = {p.id: p for p in rows}
    return [found.get(i) for i in ids]  # type: ignore[misc]


async def classes_by_id(
    db: Database, principal: Principal, ids: Sequence[UUID]
) -> list[SchoolClass | None]:
    async with db.sessionmaker() as session:
        rows = await session.scalars(
            _in_school(
                select(SchoolClass).where(SchoolClass.id.in_(ids)), SchoolClass, principal.school_id
            )
        )
        found = {c.id: c for c in rows}
    return [found.get(i) for i in ids]


async def schools_by_id(
    db: Database, principal: Principal, ids: Sequence[UUID]
) -> list[School | None]:
    async with db.sessionmaker() as session:
        rows = await session.scalars(
            select(School).where(School.id.in_(ids), School.id == principal.school_id)
        )
        found = {s.id: s for s in rows}
    return [found.get(i) for i in ids]


async def current_classes(db: Database, student_ids: Sequence[UUID]) -> list[UUID | None]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Enrolment.person_id, Enrolment.school_class_id).where(
                Enrolment.person_id.in_(student_ids), Enrolment.left_on.is_(None)
            )
        )
        found = {person_id: class_id for person_id, class_id in rows}
    return [found.get(i) for i in student_ids]
