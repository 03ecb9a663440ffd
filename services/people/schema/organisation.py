"""Organisation: the study-period kind, subgroups, staff records and the regional view."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import UUID

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import Role, any_of
from services.people import models, organisation
from services.people.domain import StudyPeriodKind
from services.people.schema.core import (
    SCHOOL_ADMINS,
    STAFF_ONLY,
    Person,
    SchoolClass,
    Student,
    classes,
    persons,
)

federation = strawberry.federation

StudyPeriodKindName = schema_enum(
    StudyPeriodKind,
    name="StudyPeriodKind",
    description="Как школа делит учебный год: четверти, триместры или полугодия",
)

SUBGROUP_KEEPERS = any_of(*organisation.SUBGROUP_KEEPERS)
STAFF_KEEPERS = any_of(*organisation.STAFF_KEEPERS)
STAFF_READERS = any_of(*organisation.STAFF_READERS)
REGIONAL = any_of(Role.REGIONAL_OFFICER, Role.REGIONAL_ADMINISTRATOR)


@federation.type(authenticated=True, description="Подгруппа класса по предмету")
class Subgroup:
    id: strawberry.ID
    subject: str
    name: str
    school_class_id: strawberry.Private[UUID]
    student_ids: strawberry.Private[list[UUID]]

    @federation.field(authenticated=True, description="Класс")
    async def school_class(self, info: Info) -> SchoolClass | None:
        row = await classes(info).load(self.school_class_id)
        return SchoolClass.from_row(row) if row else None

    @federation.field(requires_scopes=STAFF_ONLY, description="Учащиеся подгруппы (по алфавиту)")
    async def students(self, info: Info) -> list[Student]:
        rows = await persons(info).load_many(self.student_ids)
        return [Student.from_row(r) for r in rows if r is not None]

    @classmethod
    def from_row(cls, row: models.Subgroup, student_ids: list[UUID]) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            subject=row.subject,
            name=row.name,
            school_class_id=row.school_class_id,
            student_ids=student_ids,
        )


@federation.type(requires_scopes=STAFF_READERS, description="Кадровые сведения сотрудника")
class StaffRecord:
    id: strawberry.ID
    person: Person
    position: str | None
    hired_on: date | None
    dismissed_on: date | None
    dismissal_order: str | None

    @classmethod
    def from_row(cls, row: models.StaffRecord, person: models.Person) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            person=Person.from_row(person),
            position=row.position,
            hired_on=row.hired_on,
            dismissed_on=row.dismissed_on,
            dismissal_order=row.dismissal_order,
        )


@federation.type(requires_scopes=REGIONAL, description="Класс школы региона: только численность")
class RegionClass:
    name: str
    grade_level: int
    student_count: int


@federation.type(
    requires_scopes=REGIONAL, description="Школа региона: название, классы и контингент"
)
class RegionSchool:
    id: strawberry.ID
    name: str
    short_name: str
    academic_year: str | None
    student_count: int
    classes: list[RegionClass]


@strawberry.input
class CreateSubgroupInput:
    school_class_id: strawberry.ID
    subject: str
    name: str
    student_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class HireStaffInput:
    person_id: strawberry.ID
    position: str
    hired_on: date


@strawberry.input
class DismissStaffInput:
    person_id: strawberry.ID
    dismissed_on: date
    order_number: str


@strawberry.type
class OrganisationQuery:
    @federation.field(requires_scopes=STAFF_ONLY, description="Подгруппы класса с их составом")
    async def subgroups(self, info: Info, school_class_id: strawberry.ID) -> list[Subgroup] | None:
        rows = await organisation.subgroups(
            info.context.runtime.db, info.context.principal, parse_id(school_class_id)
        )
        return [Subgroup.from_row(g, [p.id for p in members]) for g, members in rows]

    @federation.field(
        requires_scopes=STAFF_READERS, description="Кадровые сведения сотрудников школы"
    )
    async def staff_records(
        self, info: Info, include_dismissed: bool = True
    ) -> list[StaffRecord] | None:
        rows = await organisation.staff_records(
            info.context.runtime.db, info.context.principal, include_dismissed=include_dismissed
        )
        return [StaffRecord.from_row(r, p) for r, p in rows]

    @federation.field(
        requires_scopes=REGIONAL,
        description="Школы региона: классы последнего учебного года и численность учащихся",
    )
    async def region_schools(self, info: Info) -> list[RegionSchool] | None:
        rows = await organisation.region_schools(info.context.runtime.db, info.context.principal)
        return [
            RegionSchool(
                id=strawberry.ID(str(s.id)),
                name=s.name,
                short_name=s.short_name,
                academic_year=s.academic_year,
                student_count=s.students,
                classes=[
                    RegionClass(name=c.name, grade_level=c.grade_level, student_count=c.students)
                    for c in s.classes
                ],
            )
            for s in rows
        ]


@strawberry.type
class OrganisationMutation:
    @federation.field(
        requires_scopes=SCHOOL_ADMINS,
        description="Задать деление учебного года: четверти, триместры или полугодия",
    )
    async def set_study_period_kind(
        self,
        info: Info,
        kind: StudyPeriodKindName,  # type: ignore[valid-type]
    ) -> StudyPeriodKindName | None:  # type: ignore[valid-type]
        school = await organisation.set_study_period_kind(
            info.context.uow(), info.context.principal, kind=StudyPeriodKind(kind.value)
        )
        return StudyPeriodKindName(school.study_period_kind)

    @federation.field(
        requires_scopes=SUBGROUP_KEEPERS,
        description="Создать подгруппу класса по предмету: классный руководитель своего класса "
        "или секретарь учебной части",
    )
    async def create_subgroup(self, info: Info, input: CreateSubgroupInput) -> Subgroup | None:
        ids = [parse_id(i) for i in input.student_ids]
        row = await organisation.create_subgroup(
            info.context.uow(),
            info.context.principal,
            school_class_id=parse_id(input.school_class_id),
            subject=input.subject,
            name=input.name,
            student_ids=ids,
        )
        return await _reloaded(info, row)

    @federation.field(requires_scopes=SUBGROUP_KEEPERS, description="Задать состав подгруппы")
    async def set_subgroup_members(
        self, info: Info, subgroup_id: strawberry.ID, student_ids: list[strawberry.ID]
    ) -> Subgroup | None:
        row = await organisation.set_subgroup_members(
            info.context.uow(),
            info.context.principal,
            subgroup_id=parse_id(subgroup_id),
            student_ids=[parse_id(i) for i in student_ids],
        )
        return await _reloaded(info, row)

    @federation.field(requires_scopes=STAFF_KEEPERS, description="Принять сотрудника на работу")
    async def hire_staff(self, info: Info, input: HireStaffInput) -> StaffRecord | None:
        row = await organisation.hire_staff(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            position=input.position,
            hired_on=input.hired_on,
        )
        return StaffRecord.from_row(row, await _person(info, row.person_id))

    @federation.field(
        requires_scopes=STAFF_KEEPERS,
        description="Уволить сотрудника: роли снимаются, учётная запись блокируется сразу",
    )
    async def dismiss_staff(self, info: Info, input: DismissStaffInput) -> StaffRecord | None:
        row = await organisation.dismiss_staff(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            dismissed_on=input.dismissed_on,
            order_number=input.order_number,
        )
        return StaffRecord.from_row(row, await _person(info, row.person_id))


async def _person(info: Info, person_id: UUID) -> models.Person:
    row = await persons(info).load(person_id)
    assert row is not None
    return row


async def _reloaded(info: Info, row: models.Subgroup) -> Subgroup:
    groups = await organisation.subgroups(
        info.context.runtime.db, info.context.principal, row.school_class_id
    )
    members = next(m for g, m in groups if g.id == row.id)
    return Subgroup.from_row(row, [p.id for p in members])
