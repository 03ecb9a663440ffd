"""Persons, students, classes, schools and administration: the core of the people subgraph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any, Self
from uuid import UUID

import strawberry
from strawberry.dataloader import DataLoader

from services.kernel.errors import NotFound, Unauthenticated
from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.principal import RoleGrant as PrincipalGrant
from services.kernel.roles import ROLE_LABELS, STAFF, Role, any_of
from services.people import accounts, models, service
from services.people.domain import PeriodDraft, PersonKind, Relation, Sex, full_name, short_name

federation = strawberry.federation
PUBLIC = [["public"]]

RoleName = schema_enum(
    Role,
    name="Role",
    description="Роль в школе",
)
PersonKindName = schema_enum(
    PersonKind,
    name="PersonKind",
    description="Сотрудник, учащийся или родитель",
)
SexName = schema_enum(
    Sex,
    name="Sex",
)
RelationName = schema_enum(
    Relation,
    name="GuardianshipRelation",
    description="Кем родитель приходится учащемуся",
)

# Who may change what (the regulation, section II.5); the service checks rows again.
SCHOOL_ADMINS = any_of(Role.ADMINISTRATOR)
REGION_ADMINS = any_of(Role.REGIONAL_ADMINISTRATOR)
ROLE_KEEPERS = any_of(Role.ADMINISTRATOR, Role.REGIONAL_ADMINISTRATOR)
YEAR_EDITORS = any_of(Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_CONTENT)
CLASS_EDITORS = any_of(Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_CONTENT, Role.ACADEMIC_SECRETARY)
CLASS_TEACHER_EDITORS = any_of(Role.DIRECTOR, Role.ADMINISTRATOR, Role.DEPUTY_DIRECTOR_CONTENT)
REGISTRARS = any_of(Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)
STUDENT_REGISTRARS = any_of(Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY)
STAFF_ONLY = any_of(*STAFF)


def _loader(info: Info, name: str, batch: Callable[[Sequence[Any]], Awaitable[list[Any]]]) -> Any:
    """One DataLoader per request and kind of row: entity joins arrive as one batch."""
    loaders = info.context.loaders
    if name not in loaders:
        loaders[name] = DataLoader(load_fn=batch)
    return loaders[name]


def persons(info: Info) -> DataLoader[UUID, models.Person | None]:
    db, principal = info.context.runtime.db, info.context.principal
    return _loader(info, "person", lambda ids: service.persons_by_id(db, principal, ids))


def classes(info: Info) -> DataLoader[UUID, models.SchoolClass | None]:
    db, principal = info.context.runtime.db, info.context.principal
    return _loader(info, "class", lambda ids: service.classes_by_id(db, principal, ids))


def schools(info: Info) -> DataLoader[UUID, models.School | None]:
    db, principal = info.context.runtime.db, info.context.principal
    return _loader(info, "school", lambda ids: service.schools_by_id(db, principal, ids))


def current_class(info: Info) -> DataLoader[UUID, UUID | None]:
    db = info.context.runtime.db
    return _loader(info, "current_class", lambda ids: service.current_classes(db, ids))


def class_students(info: Info) -> DataLoader[UUID, list[models.Person]]:
    db, principal = info.context.runtime.db, info.context.principal
    return _loader(info, "class_students", lambda ids: service.class_students(db, principal, ids))


def periods(info: Info) -> DataLoader[UUID, list[models.StudyPeriod]]:
    db = info.context.runtime.db
    return _loader(info, "periods", lambda ids: service.study_periods(db, ids))


# --- entities -----------------------------------------------------------------------------


@federation.type(keys=["id"], authenticated=True, description="Школа")
class School:
    id: strawberry.ID
    name: str
    short_name: str
    timezone: str

    @classmethod
    def from_row(cls, row: models.School) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            short_name=row.short_name,
            timezone=row.timezone,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        row = await schools(info).load(parse_id(id))
        return cls.from_row(row) if row else None


@federation.type(
    keys=["id"], authenticated=True, description="Человек: сотрудник, учащийся, родитель"
)
class Person:
    id: strawberry.ID
    kind: PersonKindName  # type: ignore[valid-type]
    last_name: str
    first_name: str
    middle_name: str | None

    @federation.field(authenticated=True, description="Фамилия Имя Отчество")
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)

    @federation.field(authenticated=True, description="Фамилия И. О.")
    def short_name(self) -> str:
        return short_name(self.last_name, self.first_name, self.middle_name)

    @classmethod
    def from_row(cls, row: models.Person) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=PersonKindName(row.kind),
            last_name=row.last_name,
            first_name=row.first_name,
            middle_name=row.middle_name,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        row = await persons(info).load(parse_id(id))
        return cls.from_row(row) if row else None


@federation.type(keys=["id"], authenticated=True, description="Учащийся")
class Student:
    id: strawberry.ID
    last_name: str
    first_name: str
    middle_name: str | None

    @federation.field(authenticated=True, description="Фамилия Имя Отчество")
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)

    @federation.field(authenticated=True, description="Фамилия И. О.")
    def short_name(self) -> str:
        return short_name(self.last_name, self.first_name, self.middle_name)

    @federation.field(authenticated=True, description="Класс, в котором учится сейчас")
    async def school_class(self, info: Info) -> SchoolClass | None:
        class_id = await current_class(info).load(UUID(self.id))
        if class_id is None:
            return None
        row = await classes(info).load(class_id)
        return SchoolClass.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: models.Person) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            last_name=row.last_name,
            first_name=row.first_name,
            middle_name=row.middle_name,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        row = await persons(info).load(parse_id(id))
        return cls.from_row(row) if row and row.kind == PersonKind.STUDENT else None


@federation.type(keys=["id"], authenticated=True, description="Класс (7Б)")
class SchoolClass:
    id: strawberry.ID
    name: str
    grade_level: int
    letter: str
    academic_year_id: strawberry.ID
    class_teacher_id: strawberry.Private[UUID | None]

    @federation.field(authenticated=True, description="Классный руководитель")
    async def class_teacher(self, info: Info) -> Person | None:
        if self.class_teacher_id is None:
            return None
        row = await persons(info).load(self.class_teacher_id)
        return Person.from_row(row) if row else None

    @federation.field(requires_scopes=STAFF_ONLY, description="Список класса (по алфавиту)")
    async def students(self, info: Info) -> list[Student]:
        rows = await class_students(info).load(UUID(self.id))
        return [Student.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: models.SchoolClass) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            grade_level=row.grade_level,
            letter=row.letter,
            academic_year_id=strawberry.ID(str(row.academic_year_id)),
            class_teacher_id=row.class_teacher_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        row = await classes(info).load(parse_id(id))
        return cls.from_row(row) if row else None


# --- plain types --------------------------------------------------------------------------


@federation.type(authenticated=True, description="Учебный период (четверть, триместр…)")
class StudyPeriod:
    id: strawberry.ID
    name: str
    starts_on: date
    ends_on: date


@federation.type(authenticated=True, description="Учебный год")
class AcademicYear:
    id: strawberry.ID
    name: str
    starts_on: date
    ends_on: date

    @federation.field(authenticated=True)
    async def study_periods(self, info: Info) -> list[StudyPeriod]:
        rows = await periods(info).load(UUID(self.id))
        return [
            StudyPeriod(
                id=strawberry.ID(str(p.id)), name=p.name, starts_on=p.starts_on, ends_on=p.ends_on
            )
            for p in rows
        ]

    @classmethod
    def from_row(cls, row: models.AcademicYear) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
        )


@federation.type(authenticated=True, description="Роль человека с её областью")
class RoleGrant:
    role: RoleName  # type: ignore[valid-type]
    school_class_id: strawberry.Private[UUID | None]
    student_ids: strawberry.Private[tuple[UUID, ...]]

    @federation.field(authenticated=True, description="Код роли (как в областях доступа)")
    def code(self) -> str:
        return str(self.role.value)

    @federation.field(authenticated=True, description="Название роли по-русски")
    def label(self) -> str:
        return ROLE_LABELS[Role(self.role.value)]

    @federation.field(authenticated=True, description="Класс классного руководителя, ученика")
    async def school_class(self, info: Info) -> SchoolClass | None:
        if self.school_class_id is None:
            return None
        row = await classes(info).load(self.school_class_id)
        return SchoolClass.from_row(row) if row else None

    @federation.field(authenticated=True, description="Дети родителя")
    async def students(self, info: Info) -> list[Student]:
        rows = await persons(info).load_many(list(self.student_ids))
        return [Student.from_row(r) for r in rows if r is not None]

    @classmethod
    def from_grant(cls, grant: PrincipalGrant) -> Self:
        return cls(
            role=RoleName(grant.role.value),
            school_class_id=grant.school_class_id,
            student_ids=grant.student_ids,
        )


@federation.type(authenticated=True, description="Учётная запись")
class Account:
    login: str
    must_change_password: bool
    password_changed_at: datetime
    blocked: bool

    @classmethod
    def from_row(cls, row: models.Account) -> Self:
        return cls(
            login=row.login,
            must_change_password=row.must_change_password,
            password_changed_at=row.password_changed_at,
            blocked=row.blocked_at is not None,
        )


@federation.type(authenticated=True, description="Кто я в системе")
class Me:
    login: str = federation.field(authenticated=True, description="Мой логин")
    account: Account
    person: Person
    roles: list[RoleGrant]
    school_id: strawberry.Private[UUID | None]

    @federation.field(authenticated=True, description="Моя школа")
    async def school(self, info: Info) -> School:
        row = await schools(info).load(self.school_id) if self.school_id else None
        if row is None:
            # The regional administrator belongs to the installation, not to a school.
            raise NotFound("Вы не относитесь ни к одной школе.")
        return School.from_row(row)


# --- inputs -------------------------------------------------------------------------------


@strawberry.input
class CreateSchoolInput:
    name: str
    short_name: str
    timezone: str = "Asia/Tomsk"


@strawberry.input
class StudyPeriodInput:
    name: str
    starts_on: date
    ends_on: date


@strawberry.input
class CreateAcademicYearInput:
    name: str
    starts_on: date
    ends_on: date
    study_periods: list[StudyPeriodInput]


@strawberry.input
class CreateSchoolClassInput:
    academic_year_id: strawberry.ID
    grade_level: int
    letter: str


@strawberry.input
class AssignClassTeacherInput:
    school_class_id: strawberry.ID
    person_id: strawberry.ID


@strawberry.input
class RegisterPersonInput:
    kind: PersonKindName  # type: ignore[valid-type]
    last_name: str
    first_name: str
    middle_name: str | None = None
    sex: SexName | None = None  # type: ignore[valid-type]
    birth_date: date | None = None


@strawberry.input
class EnrolStudentInput:
    person_id: strawberry.ID
    school_class_id: strawberry.ID
    enrolled_on: date


@strawberry.input
class LinkGuardianshipInput:
    parent_id: strawberry.ID
    student_id: strawberry.ID
    relation: RelationName  # type: ignore[valid-type]


@strawberry.input
class RoleGrantInput:
    person_id: strawberry.ID
    role: RoleName  # type: ignore[valid-type]
    school_class_id: strawberry.ID | None = None


def _id(value: strawberry.ID | None) -> UUID | None:
    return parse_id(value) if value is not None else None


# --- root ---------------------------------------------------------------------------------


@strawberry.type
class CoreQuery:
    @federation.field(authenticated=True, description="Кто я: учётная запись, человек, роли")
    async def me(self, info: Info) -> Me | None:
        ctx = info.context
        account = await accounts.get_account(ctx.runtime.db, ctx.principal)
        person = await persons(info).load(account.person_id)
        if person is None:
            raise Unauthenticated()
        grants = await service.my_role_grants(ctx.runtime.db, ctx.principal)
        return Me(
            login=account.login,
            account=Account.from_row(account),
            person=Person.from_row(person),
            roles=[RoleGrant.from_grant(g) for g in grants],
            school_id=account.school_id,
        )

    @federation.field(authenticated=True, description="Моя школа")
    async def school(self, info: Info) -> School | None:
        return School.from_row(
            await service.get_school(info.context.runtime.db, info.context.principal)
        )

    @federation.field(authenticated=True, description="Учебные годы школы")
    async def academic_years(self, info: Info) -> list[AcademicYear] | None:
        rows = await service.academic_years(info.context.runtime.db, info.context.principal)
        return [AcademicYear.from_row(r) for r in rows]

    @federation.field(
        authenticated=True, description="Классы учебного года (по умолчанию — последнего)"
    )
    async def school_classes(
        self, info: Info, academic_year_id: strawberry.ID | None = None
    ) -> list[SchoolClass] | None:
        rows = await service.school_classes(
            info.context.runtime.db, info.context.principal, _id(academic_year_id)
        )
        return [SchoolClass.from_row(r) for r in rows]

    @federation.field(authenticated=True, description="Класс")
    async def school_class(self, info: Info, id: strawberry.ID) -> SchoolClass | None:
        row = await service.get_school_class(
            info.context.runtime.db, info.context.principal, parse_id(id)
        )
        return SchoolClass.from_row(row)

    @federation.field(
        requires_scopes=any_of(*STAFF, Role.PARENT, Role.STUDENT),
        description="Учащийся: сотрудникам школы; родителю — свой ребёнок; учащемуся — он сам",
    )
    async def student(self, info: Info, id: strawberry.ID) -> Student | None:
        row = await service.get_student(
            info.context.runtime.db, info.context.principal, parse_id(id)
        )
        return Student.from_row(row)

    @federation.field(requires_scopes=any_of(Role.PARENT), description="Мои дети")
    async def my_children(self, info: Info) -> list[Student] | None:
        rows = await service.my_children(info.context.runtime.db, info.context.principal)
        return [Student.from_row(r) for r in rows]


@strawberry.type
class CoreMutation:
    @federation.field(requires_scopes=REGION_ADMINS, description="Создать школу")
    async def create_school(self, info: Info, input: CreateSchoolInput) -> School | None:
        row = await service.create_school(
            info.context.uow(),
            info.context.principal,
            name=input.name,
            short_name=input.short_name,
            timezone=input.timezone,
        )
        return School.from_row(row)

    @federation.field(requires_scopes=YEAR_EDITORS, description="Создать учебный год с периодами")
    async def create_academic_year(
        self, info: Info, input: CreateAcademicYearInput
    ) -> AcademicYear | None:
        row = await service.create_academic_year(
            info.context.uow(),
            info.context.principal,
            name=input.name,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            periods=[PeriodDraft(p.name, p.starts_on, p.ends_on) for p in input.study_periods],
        )
        return AcademicYear.from_row(row)

    @federation.field(requires_scopes=CLASS_EDITORS, description="Создать класс")
    async def create_school_class(
        self, info: Info, input: CreateSchoolClassInput
    ) -> SchoolClass | None:
        row = await service.create_school_class(
            info.context.uow(),
            info.context.principal,
            academic_year_id=parse_id(input.academic_year_id),
            grade_level=input.grade_level,
            letter=input.letter,
        )
        return SchoolClass.from_row(row)

    @federation.field(
        requires_scopes=CLASS_TEACHER_EDITORS, description="Назначить классного руководителя"
    )
    async def assign_class_teacher(
        self, info: Info, input: AssignClassTeacherInput
    ) -> SchoolClass | None:
        row = await service.assign_class_teacher(
            info.context.uow(),
            info.context.principal,
            school_class_id=parse_id(input.school_class_id),
            person_id=parse_id(input.person_id),
        )
        return SchoolClass.from_row(row)

    @federation.field(
        requires_scopes=REGISTRARS,
        description="Внести человека: учащихся и родителей — секретарь учебной части, "
        "сотрудников — секретарь по кадрам",
    )
    async def register_person(self, info: Info, input: RegisterPersonInput) -> Person | None:
        row = await service.register_person(
            info.context.uow(),
            info.context.principal,
            kind=PersonKind(input.kind.value),
            last_name=input.last_name,
            first_name=input.first_name,
            middle_name=input.middle_name,
            sex=Sex(input.sex.value) if input.sex else None,
            birth_date=input.birth_date,
        )
        return Person.from_row(row)

    @federation.field(requires_scopes=STUDENT_REGISTRARS, description="Зачислить учащегося в класс")
    async def enrol_student(self, info: Info, input: EnrolStudentInput) -> Student | None:
        enrolment = await service.enrol_student(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            school_class_id=parse_id(input.school_class_id),
            enrolled_on=input.enrolled_on,
        )
        row = await persons(info).load(enrolment.person_id)
        return Student.from_row(row)

    @federation.field(requires_scopes=STUDENT_REGISTRARS, description="Связать родителя с учащимся")
    async def link_guardianship(self, info: Info, input: LinkGuardianshipInput) -> Student | None:
        link = await service.link_guardianship(
            info.context.uow(),
            info.context.principal,
            parent_id=parse_id(input.parent_id),
            student_id=parse_id(input.student_id),
            relation=Relation(input.relation.value),
        )
        row = await persons(info).load(link.student_id)
        return Student.from_row(row)

    @federation.field(requires_scopes=ROLE_KEEPERS, description="Выдать роль")
    async def grant_role(self, info: Info, input: RoleGrantInput) -> RoleGrant | None:
        row = await service.grant_role(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            role=Role(input.role.value),
            school_class_id=_id(input.school_class_id),
        )
        return RoleGrant(
            role=RoleName(row.role), school_class_id=row.school_class_id, student_ids=()
        )

    @federation.field(requires_scopes=ROLE_KEEPERS, description="Снять роль")
    async def withdraw_role(self, info: Info, input: RoleGrantInput) -> bool | None:
        await service.withdraw_role(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            role=Role(input.role.value),
            school_class_id=_id(input.school_class_id),
        )
        return True
