"""Organisation of a school: its study-period kind, subgroups, staff records and dismissal, and
the regional view across the installation's schools."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, STAFF, Role
from services.kernel.uow import UnitOfWork
from services.people import domain
from services.people.anonymisation import Reason, schedule_anonymisation
from services.people.domain import PersonKind, StudyPeriodKind
from services.people.events import (
    AccountBlocked,
    StaffDismissed,
    StaffHired,
    SubgroupCreated,
    SubgroupMembersChanged,
)
from services.people.models import (
    AcademicYear,
    Account,
    Enrolment,
    Person,
    RoleGrantRow,
    School,
    SchoolClass,
    StaffRecord,
    Subgroup,
    SubgroupMember,
)
from services.people.service import (
    _person,
    _require,
    _school_class,
    _withdraw,
    by_name,
    is_regional_administrator,
)
from services.people.sessions import end_sessions

SUBGROUP_KEEPERS = (Role.CLASS_TEACHER, Role.ACADEMIC_SECRETARY)
STAFF_KEEPERS = (Role.ADMINISTRATOR, Role.HR_SECRETARY)
STAFF_READERS = (*ADMINISTRATION, Role.HR_SECRETARY)


# --- school setting -----------------------------------------------------------------------


async def set_study_period_kind(
    uow: UnitOfWork, principal: Principal, *, kind: StudyPeriodKind
) -> School:
    """Quarters, trimesters or halves; academic years created afterwards are checked by it."""
    school_id = _require(principal, Role.ADMINISTRATOR)
    async with uow:
        school = await uow.session.get(School, school_id, with_for_update=True)
        if school is None:
            raise NotFound("Школа не найдена.")
        school.study_period_kind = kind.value
        await uow.commit()
    return school


# --- subgroups ----------------------------------------------------------------------------


async def _keepable_class(
    session: AsyncSession, principal: Principal, school_id: UUID, class_id: UUID
) -> SchoolClass:
    """The academic secretary keeps every class's subgroups, a class teacher only their own
    class's (the class row decides, not a possibly older token)."""
    school_class = await _school_class(session, school_id, class_id)
    if principal.has_role(Role.ACADEMIC_SECRETARY):
        return school_class
    if school_class.class_teacher_id is None or school_class.class_teacher_id != (
        principal.person_id
    ):
        raise Forbidden(
            "Подгруппы класса ведёт его классный руководитель или секретарь учебной части."
        )
    return school_class


async def _members(session: AsyncSession, subgroup_id: UUID) -> list[UUID]:
    return list(
        await session.scalars(
            select(SubgroupMember.person_id)
            .join(Person, Person.id == SubgroupMember.person_id)
            .where(SubgroupMember.subgroup_id == subgroup_id)
            .order_by(*by_name())
        )
    )


async def _check_members(
    session: AsyncSession, subgroup: Subgroup, student_ids: Sequence[UUID]
) -> None:
    if len(set(student_ids)) != len(student_ids):
        raise ValidationFailed("Учащийся указан дважды.", field="studentIds")
    enrolled = set(
        await session.scalars(
            select(Enrolment.person_id).where(
                Enrolment.school_class_id == subgroup.school_class_id,
                Enrolment.left_on.is_(None),
                Enrolment.person_id.in_(student_ids),
            )
        )
    )
    if len(enrolled) != len(student_ids):
        raise ValidationFailed(
            "В подгруппу можно включить только учащихся этого класса.", field="studentIds"
        )
    elsewhere = await session.scalar(
        select(func.count())
        .select_from(SubgroupMember)
        .where(
            SubgroupMember.school_class_id == subgroup.school_class_id,
            SubgroupMember.subject == subgroup.subject,
            SubgroupMember.subgroup_id != subgroup.id,
            SubgroupMember.person_id.in_(student_ids),
        )
    )
    if elsewhere:
        raise Conflict(
            f"Учащийся уже в другой подгруппе по предмету «{subgroup.subject}».",
            field="studentIds",
        )


async def _replace_members(
    uow: UnitOfWork, subgroup: Subgroup, student_ids: Sequence[UUID]
) -> None:
    await _check_members(uow.session, subgroup, student_ids)
    await uow.session.execute(
        delete(SubgroupMember).where(SubgroupMember.subgroup_id == subgroup.id)
    )
    if student_ids:
        await uow.session.execute(
            insert(SubgroupMember),
            [
                {
                    "subgroup_id": subgroup.id,
                    "person_id": student_id,
                    "school_id": subgroup.school_id,
                    "school_class_id": subgroup.school_class_id,
                    "subject": subgroup.subject,
                }
                for student_id in student_ids
            ],
        )
    emit_members_changed(uow, subgroup, await _members(uow.session, subgroup.id))


def emit_members_changed(uow: UnitOfWork, subgroup: Subgroup, student_ids: list[UUID]) -> None:
    uow.emit(
        SubgroupMembersChanged(
            subgroup_id=subgroup.id,
            school_id=subgroup.school_id,
            school_class_id=subgroup.school_class_id,
            subject=subgroup.subject,
            student_ids=student_ids,
        ),
        school_id=subgroup.school_id,
    )


async def create_subgroup(
    uow: UnitOfWork,
    principal: Principal,
    *,
    school_class_id: UUID,
    subject: str,
    name: str,
    student_ids: Sequence[UUID] = (),
) -> Subgroup:
    school_id = _require(principal, *SUBGROUP_KEEPERS)
    subject = domain.clean_subject(subject)
    name = domain.clean_text(name, "name", "Укажите название подгруппы (до 50 символов).", limit=50)
    async with uow:
        await _keepable_class(uow.session, principal, school_id, school_class_id)
        taken = await uow.session.scalar(
            select(Subgroup.id).where(
                Subgroup.school_class_id == school_class_id,
                Subgroup.subject == subject,
                Subgroup.name == name,
            )
        )
        if taken:
            raise Conflict(f"Подгруппа «{name}» по предмету «{subject}» уже есть.", field="name")
        subgroup = Subgroup(
            id=uuid7(),
            school_id=school_id,
            school_class_id=school_class_id,
            subject=subject,
            name=name,
        )
        uow.session.add(subgroup)
        await uow.session.flush()
        uow.emit(
            SubgroupCreated(
                subgroup_id=subgroup.id,
                school_id=school_id,
                school_class_id=school_class_id,
                subject=subject,
                name=name,
            ),
            school_id=school_id,
        )
        await _replace_members(uow, subgroup, list(student_ids))
        await uow.commit()
    return subgroup


async def set_subgroup_members(
    uow: UnitOfWork, principal: Principal, *, subgroup_id: UUID, student_ids: Sequence[UUID]
) -> Subgroup:
    """The whole membership at once: what the class teacher sees is what is saved."""
    school_id = _require(principal, *SUBGROUP_KEEPERS)
    async with uow:
        subgroup = await uow.session.get(Subgroup, subgroup_id, with_for_update=True)
        if subgroup is None or subgroup.school_id != school_id:
            raise NotFound("Подгруппа не найдена.")
        await _keepable_class(uow.session, principal, school_id, subgroup.school_class_id)
        await _replace_members(uow, subgroup, list(student_ids))
        await uow.commit()
    return subgroup


async def subgroups(
    db: Database, principal: Principal, school_class_id: UUID
) -> list[tuple[Subgroup, list[Person]]]:
    """A class's subgroups with their members, for the school's staff."""
    school_id = _require(principal, *STAFF)
    async with db.sessionmaker() as session:
        await _school_class(session, school_id, school_class_id)
        groups = list(
            await session.scalars(
                select(Subgroup)
                .where(Subgroup.school_class_id == school_class_id)
                .order_by(Subgroup.subject, Subgroup.name)
            )
        )
        rows = await session.execute(
            select(SubgroupMember.subgroup_id, Person)
            .join(Person, Person.id == SubgroupMember.person_id)
            .where(SubgroupMember.school_class_id == school_class_id)
            .order_by(*by_name())
        )
        members: dict[UUID, list[Person]] = defaultdict(list)
        for subgroup_id, person in rows:
            members[subgroup_id].append(person)
    return [(g, members[g.id]) for g in groups]


# --- staff records ------------------------------------------------------------------------


def _check_keeper_may_touch(principal: Principal, holds_administration: bool) -> None:
    if holds_administration and not principal.has_role(Role.ADMINISTRATOR):
        raise Forbidden("Сведения о сотрудниках администрации ведёт администратор.")


async def _holds_administration(session: AsyncSession, person_id: UUID) -> bool:
    return bool(
        await session.scalar(
            select(func.count())
            .select_from(RoleGrantRow)
            .where(
                RoleGrantRow.person_id == person_id,
                RoleGrantRow.role.in_([r.value for r in ADMINISTRATION]),
                RoleGrantRow.withdrawn_at.is_(None),
            )
        )
    )


async def hire_staff(
    uow: UnitOfWork, principal: Principal, *, person_id: UUID, position: str, hired_on: date
) -> StaffRecord:
    school_id = _require(principal, *STAFF_KEEPERS)
    position = domain.clean_text(position, "position", "Укажите должность (до 200 символов).")
    async with uow:
        person = await _person(uow.session, school_id, person_id)
        if person.kind != PersonKind.STAFF:
            raise ValidationFailed("Должность указывается только для сотрудника.")
        open_record = await uow.session.scalar(
            select(StaffRecord.id).where(
                StaffRecord.person_id == person_id, StaffRecord.dismissed_on.is_(None)
            )
        )
        if open_record is not None:
            raise Conflict("Сотрудник уже принят на работу и не уволен.")
        record = StaffRecord(
            id=uuid7(),
            school_id=school_id,
            person_id=person_id,
            position=position,
            hired_on=hired_on,
        )
        uow.session.add(record)
        uow.emit(
            StaffHired(
                person_id=person_id, school_id=school_id, position=position, hired_on=hired_on
            ),
            school_id=school_id,
        )
        await uow.commit()
    return record


async def dismiss_staff(
    uow: UnitOfWork,
    principal: Principal,
    *,
    person_id: UUID,
    dismissed_on: date,
    order_number: str,
) -> StaffRecord:
    """Dismissal keeps the record and the history, withdraws every role and blocks the account
    at once (its sessions end, so the gateway refuses the person's tokens)."""
    school_id = _require(principal, *STAFF_KEEPERS)
    order_number = domain.clean_text(
        order_number, "orderNumber", "Укажите номер приказа об увольнении.", limit=50
    )
    if person_id == principal.person_id:
        raise ValidationFailed("Нельзя уволить самого себя.")
    async with uow:
        person = await _person(uow.session, school_id, person_id)
        if person.kind != PersonKind.STAFF:
            raise ValidationFailed("Уволить можно только сотрудника.")
        _check_keeper_may_touch(principal, await _holds_administration(uow.session, person_id))
        record = await uow.session.scalar(
            select(StaffRecord)
            .where(StaffRecord.person_id == person_id, StaffRecord.dismissed_on.is_(None))
            .with_for_update()
        )
        if record is None:
            already = await uow.session.scalar(
                select(StaffRecord.id).where(StaffRecord.person_id == person_id)
            )
            if already is not None:
                raise Conflict("Сотрудник уже уволен.")
            # Staff loaded before records were kept have none: the dismissal starts one.
            record = StaffRecord(id=uuid7(), school_id=school_id, person_id=person_id)
            uow.session.add(record)
        if record.hired_on is not None and dismissed_on < record.hired_on:
            raise ValidationFailed(
                "Дата увольнения раньше даты приёма на работу.", field="dismissedOn"
            )
        record.dismissed_on = dismissed_on
        record.dismissal_order = order_number
        record.dismissed_by = principal.person_id
        grants = list(
            await uow.session.scalars(
                select(RoleGrantRow).where(
                    RoleGrantRow.person_id == person_id, RoleGrantRow.withdrawn_at.is_(None)
                )
            )
        )
        for grant in grants:
            _withdraw(uow, principal, grant)
        await uow.session.execute(
            update(SchoolClass)
            .where(SchoolClass.class_teacher_id == person_id)
            .values(class_teacher_id=None)
        )
        await block_account_of(uow, person_id, reason="dismissal")
        await schedule_anonymisation(
            uow.session,
            school_id=school_id,
            person_id=person_id,
            reason=Reason.DISMISSAL,
            starting=dismissed_on,
        )
        uow.emit(
            StaffDismissed(
                person_id=person_id,
                school_id=school_id,
                dismissed_on=dismissed_on,
                order_number=order_number,
            ),
            school_id=school_id,
        )
        await uow.commit()
    return record


async def block_account_of(uow: UnitOfWork, person_id: UUID, *, reason: str) -> Account | None:
    """The block of ``service.block_account``, inside another use case's transaction."""
    account = await uow.session.scalar(
        select(Account).where(Account.person_id == person_id).with_for_update()
    )
    if account is None or account.blocked_at is not None:
        return account
    account.blocked_at = utcnow()
    account.blocked_reason = reason
    await end_sessions(uow, account.id, keep=None, reason="account_blocked")
    uow.emit(
        AccountBlocked(
            account_id=account.id,
            person_id=person_id,
            school_id=account.school_id,
            reason=reason,
        ),
        school_id=account.school_id,
    )
    return account


async def staff_records(
    db: Database, principal: Principal, *, include_dismissed: bool = True
) -> list[tuple[StaffRecord, Person]]:
    school_id = _require(principal, *STAFF_READERS)
    query = (
        select(StaffRecord, Person)
        .join(Person, Person.id == StaffRecord.person_id)
        .where(StaffRecord.school_id == school_id)
        .order_by(*by_name(), StaffRecord.hired_on)
    )
    if not include_dismissed:
        query = query.where(StaffRecord.dismissed_on.is_(None))
    async with db.sessionmaker() as session:
        return [(record, person) for record, person in await session.execute(query)]


# --- the regional view --------------------------------------------------------------------


@dataclass(frozen=True)
class ClassCount:
    name: str
    grade_level: int
    students: int


@dataclass(frozen=True)
class SchoolCount:
    """A school as the education authority sees it: names and counts, no personal data."""

    id: UUID
    name: str
    short_name: str
    academic_year: str | None
    classes: list[ClassCount]

    @property
    def students(self) -> int:
        return sum(c.students for c in self.classes)


async def region_schools(db: Database, principal: Principal) -> list[SchoolCount]:
    """Every school of the installation with its latest year's classes and contingent."""
    if not is_regional_administrator(principal):
        _require(principal, Role.REGIONAL_OFFICER)
    latest = (
        select(AcademicYear.school_id, func.max(AcademicYear.starts_on).label("starts_on"))
        .group_by(AcademicYear.school_id)
        .subquery()
    )
    async with db.sessionmaker() as session:
        schools = list(await session.scalars(select(School).order_by(School.name, School.id)))
        years = dict(
            (
                await session.execute(
                    select(AcademicYear.school_id, AcademicYear.name).join(
                        latest,
                        (latest.c.school_id == AcademicYear.school_id)
                        & (latest.c.starts_on == AcademicYear.starts_on),
                    )
                )
            ).all()
        )
        counts = await session.execute(
            select(
                SchoolClass.school_id,
                SchoolClass.name,
                SchoolClass.grade_level,
                func.count(Enrolment.id),
            )
            .join(AcademicYear, AcademicYear.id == SchoolClass.academic_year_id)
            .join(
                latest,
                (latest.c.school_id == AcademicYear.school_id)
                & (latest.c.starts_on == AcademicYear.starts_on),
            )
            .outerjoin(
                Enrolment,
                (Enrolment.school_class_id == SchoolClass.id) & Enrolment.left_on.is_(None),
            )
            .group_by(SchoolClass.id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter)
        )
        by_school: dict[UUID, list[ClassCount]] = defaultdict(list)
        for school_id, name, grade_level, students in counts:
            by_school[school_id].append(ClassCount(name, grade_level, students))
    return [
        SchoolCount(
            id=s.id,
            name=s.name,
            short_name=s.short_name,
            academic_year=years.get(s.id),
            classes=by_school[s.id],
        )
        for s in schools
    ]
