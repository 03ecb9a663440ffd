"""The import use case: read the file, check it against the school, write it all or nothing.

The write is bulk: one ``COPY`` per table and one for the outbox, in the unit of work's
transaction, so a school's lists (thousands of rows) load in well under a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select, text

from services.kernel.errors import Forbidden, Unauthenticated, ValidationFailed
from services.kernel.events import Event, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork
from services.people import domain
from services.people.domain import PersonKind
from services.people.events import (
    GuardianshipLinked,
    PersonRegistered,
    RoleGranted,
    SchoolClassCreated,
    StaffHired,
    StudentEnrolled,
)
from services.people.importing.parse import (
    KIND_LABELS,
    FileFormat,
    ImportKind,
    UnreadableFile,
    decode_content,
    read_file,
)
from services.people.importing.validate import (
    Known,
    PersonDraft,
    Plan,
    Problem,
    Snapshot,
    Year,
    validate,
)
from services.people.models import (
    AcademicYear,
    Enrolment,
    Guardianship,
    Person,
    SchoolClass,
)

# Who may load which list (the regulation, section II.5); the administrator loads them all.
IMPORTERS: dict[ImportKind, frozenset[Role]] = {
    ImportKind.CLASSES: frozenset({Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY}),
    ImportKind.STUDENTS: domain.REGISTRARS[PersonKind.STUDENT],
    ImportKind.PARENTS: domain.REGISTRARS[PersonKind.PARENT],
    ImportKind.STAFF: domain.REGISTRARS[PersonKind.STAFF],
}
ANY_IMPORTER: tuple[Role, ...] = tuple(frozenset().union(*IMPORTERS.values()))
PROBLEMS_MESSAGE = "В файле есть ошибки; ничего не загружено. Исправьте строки из списка."
NOTHING_MESSAGE = "В файле нет ни одной строки для загрузки."


@dataclass(frozen=True)
class ImportReport:
    dry_run: bool
    written: bool
    classes: int
    students: int
    parents: int
    staff: int
    enrolments: int
    guardianships: int
    problems: list[Problem]

    @classmethod
    def of(cls, plan: Plan, *, dry_run: bool, written: bool) -> ImportReport:
        return cls(
            dry_run=dry_run,
            written=written,
            classes=len(plan.classes),
            students=len(plan.students),
            parents=len(plan.parents),
            staff=len(plan.staff),
            enrolments=len(plan.students),
            guardianships=len(plan.links),
            problems=plan.problems,
        )


def _check_access(principal: Principal, kinds: set[ImportKind]) -> UUID:
    if not principal.is_authenticated or principal.school_id is None:
        raise Unauthenticated()
    roles = {grant.role for grant in principal.roles}
    for kind in sorted(kinds, key=list(ImportKind).index):
        if not IMPORTERS[kind] & roles:
            raise Forbidden(
                f"Недостаточно прав: список «{KIND_LABELS[kind]}» загружает "
                + (
                    "секретарь по кадрам."
                    if kind is ImportKind.STAFF
                    else "секретарь учебной части."
                )
            )
    return principal.school_id


async def import_people(
    uow: UnitOfWork,
    principal: Principal,
    *,
    kind: ImportKind | None,
    fmt: FileFormat,
    content: str,
    is_base64: bool = False,
    dry_run: bool,
) -> ImportReport:
    """A dry run reports; a real run writes everything or, on any problem, nothing."""
    # The coarse check first, so a caller with no right to any list learns nothing of the file.
    _check_access(principal, {kind} if kind else set())
    if not principal.has_role(*ANY_IMPORTER):
        raise Forbidden()
    try:
        data = decode_content(content, fmt, is_base64=is_base64)
        sheets = await asyncio.to_thread(read_file, data, fmt, kind)
    except UnreadableFile as exc:
        return _refuse(Plan(year=None, problems=[Problem("Файл", None, None, str(exc))]), dry_run)
    if not sheets:
        names = ", ".join(f"«{label}»" for label in KIND_LABELS.values())
        message = f"В книге нет листов с названиями {names}."
        return _refuse(Plan(year=None, problems=[Problem("Файл", None, None, message)]), dry_run)
    school_id = _check_access(principal, {s.kind for s in sheets if s.rows})
    async with uow:
        if not dry_run:
            # One import per school at a time: the checks below stay true until commit.
            await uow.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext('people.import:' || :school))"),
                {"school": str(school_id)},
            )
        snapshot = await _snapshot(uow, school_id, {s.kind for s in sheets})
        plan = await asyncio.to_thread(validate, sheets, snapshot)
        if not plan.problems and not plan.records and not plan.links:
            plan.problems.append(Problem("Файл", None, None, NOTHING_MESSAGE))
        if plan.problems or dry_run:
            return _refuse(plan, dry_run)
        await _write(uow, principal, school_id, plan)
        await uow.commit()
    return ImportReport.of(plan, dry_run=False, written=True)


def _refuse(plan: Plan, dry_run: bool) -> ImportReport:
    if dry_run:
        return ImportReport.of(plan, dry_run=True, written=False)
    raise ValidationFailed(PROBLEMS_MESSAGE, problems=[p.as_dict() for p in plan.problems])


async def _snapshot(uow: UnitOfWork, school_id: UUID, kinds: set[ImportKind]) -> Snapshot:
    session = uow.session
    year_row = await session.scalar(
        select(AcademicYear)
        .where(AcademicYear.school_id == school_id)
        .order_by(AcademicYear.starts_on.desc())
        .limit(1)
    )
    year = (
        Year(year_row.id, year_row.name, year_row.starts_on, year_row.ends_on) if year_row else None
    )
    snapshot = Snapshot(year=year, classes={})
    if year is not None:
        rows = await session.execute(
            select(SchoolClass.name, SchoolClass.id).where(SchoolClass.academic_year_id == year.id)
        )
        snapshot.classes = {name: class_id for name, class_id in rows}

    async def known(kind: PersonKind, with_class: bool = False) -> list[Known]:
        columns = [Person.id, Person.last_name, Person.first_name, Person.middle_name]
        query = select(*columns, Person.birth_date)
        if with_class:
            current = (
                select(SchoolClass.name)
                .join(Enrolment, Enrolment.school_class_id == SchoolClass.id)
                .where(Enrolment.person_id == Person.id, Enrolment.left_on.is_(None))
                .limit(1)
                .scalar_subquery()
            )
            query = select(*columns, Person.birth_date, current)
        rows = await session.execute(
            query.where(Person.school_id == school_id, Person.kind == kind.value)
        )
        return [Known(*row) for row in rows]

    if kinds & {ImportKind.STUDENTS, ImportKind.PARENTS}:
        snapshot.students = await known(PersonKind.STUDENT, with_class=True)
    if ImportKind.PARENTS in kinds:
        snapshot.parents = await known(PersonKind.PARENT)
        links = await session.execute(
            select(Guardianship.parent_id, Guardianship.student_id).where(
                Guardianship.school_id == school_id
            )
        )
        snapshot.guardianships = {(p, s) for p, s in links}
    if ImportKind.STAFF in kinds:
        snapshot.staff = await known(PersonKind.STAFF)
    return snapshot


async def _copy(
    conn: Any, table: str, *, records: Sequence[tuple[object, ...]], columns: Sequence[str]
) -> None:
    if records:
        await conn.copy_records_to_table(table, records=records, columns=columns)


async def _write(uow: UnitOfWork, principal: Principal, school_id: UUID, plan: Plan) -> None:
    """Rows by ``COPY`` in the order the foreign keys need; events in the order they happened.

    Events are built with ``model_construct``: every value is already typed by the plan."""
    conn = await uow.driver_connection()
    events: list[Event] = []
    actor = principal.person_id
    if plan.classes:
        assert plan.year is not None
        year_id = plan.year.id
        await _copy(
            conn,
            "school_classes",
            records=[
                (c.id, school_id, year_id, c.grade_level, c.letter, c.name) for c in plan.classes
            ],
            columns=("id", "school_id", "academic_year_id", "grade_level", "letter", "name"),
        )
        events += [
            SchoolClassCreated.model_construct(
                school_class_id=c.id,
                school_id=school_id,
                academic_year_id=year_id,
                grade_level=c.grade_level,
                letter=c.letter,
                name=c.name,
            )
            for c in plan.classes
        ]
    persons: list[tuple[PersonKind, PersonDraft]] = [
        *((PersonKind.STAFF, p) for p in plan.staff),
        *((PersonKind.STUDENT, p) for p in plan.students),
        *((PersonKind.PARENT, p) for p in plan.parents),
    ]
    await _copy(
        conn,
        "persons",
        records=[
            (
                p.id,
                school_id,
                kind.value,
                p.last_name,
                p.first_name,
                p.middle_name,
                p.sex.value if p.sex else None,
                p.birth_date,
            )
            for kind, p in persons
        ],
        columns=(
            "id",
            "school_id",
            "kind",
            "last_name",
            "first_name",
            "middle_name",
            "sex",
            "birth_date",
        ),
    )
    # Students and parents get their role with their registration, as one by one.
    grants = [
        (p.id, Role.STUDENT if kind is PersonKind.STUDENT else Role.PARENT)
        for kind, p in persons
        if kind is not PersonKind.STAFF
    ]
    await _copy(
        conn,
        "role_grants",
        records=[(uuid7(), school_id, person_id, role.value, actor) for person_id, role in grants],
        columns=("id", "school_id", "person_id", "role", "granted_by"),
    )
    for kind, p in persons:
        events.append(
            PersonRegistered.model_construct(
                person_id=p.id,
                school_id=school_id,
                kind=kind.value,
                last_name=p.last_name,
                first_name=p.first_name,
                middle_name=p.middle_name,
            )
        )
        if kind is not PersonKind.STAFF:
            role = Role.STUDENT if kind is PersonKind.STUDENT else Role.PARENT
            events.append(
                RoleGranted.model_construct(
                    person_id=p.id, school_id=school_id, role=role.value, school_class_id=None
                )
            )
    if plan.staff:
        await _copy(
            conn,
            "staff_records",
            records=[(uuid7(), school_id, s.id, s.position, s.hired_on) for s in plan.staff],
            columns=("id", "school_id", "person_id", "position", "hired_on"),
        )
        events += [
            StaffHired.model_construct(
                person_id=s.id, school_id=school_id, position=s.position, hired_on=s.hired_on
            )
            for s in plan.staff
        ]
    enrolments = [(s.id, plan.class_ids[s.class_name], s.enrolled_on) for s in plan.students]
    await _copy(
        conn,
        "enrolments",
        records=[(uuid7(), school_id, *e) for e in enrolments],
        columns=("id", "school_id", "person_id", "school_class_id", "enrolled_on"),
    )
    events += [
        StudentEnrolled.model_construct(
            person_id=person_id, school_id=school_id, school_class_id=class_id, enrolled_on=on
        )
        for person_id, class_id, on in enrolments
    ]
    await _copy(
        conn,
        "guardianships",
        records=[
            (uuid7(), school_id, link.parent_id, link.student_id, link.relation.value)
            for link in plan.links
        ],
        columns=("id", "school_id", "parent_id", "student_id", "relation"),
    )
    events += [
        GuardianshipLinked.model_construct(
            parent_id=link.parent_id,
            student_id=link.student_id,
            school_id=school_id,
            relation=link.relation.value,
        )
        for link in plan.links
    ]
    await uow.emit_copied(events, school_id=school_id)
