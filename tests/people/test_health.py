"""Medical data: the medical worker writes; each reader sees only what their duty needs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import orjson
from sqlalchemy import select

from services.kernel.principal import ANONYMOUS, RoleGrant
from services.kernel.roles import Role
from services.people.anonymisation import anonymise_due, schedule_anonymisation
from services.people.models import DataAccessEntry, HealthCondition, HealthRecord
from tests.people.health_world import World, as_person
from tests.people.helpers import error_code, read_events

HEALTH = """query($id: ID!) { studentHealth(studentId: $id) { student { fullName }
  healthGroup healthGroupLabel peGroup peGroupLabel conditions { name note since } } }"""
PE_GROUP = """query($id: ID!) { studentPeGroup(studentId: $id) { peGroup peGroupLabel } }"""
CLASS_PE = """query($id: ID!) { classPeGroups(schoolClassId: $id) {
  student { fullName } peGroup } }"""
RECORD = """mutation($input: RecordHealthInput!) { recordHealth(input: $input) {
  healthGroup peGroup } }"""
ADD = """mutation($input: AddHealthConditionInput!) { addHealthCondition(input: $input) {
  id name } }"""
REMOVE = """mutation($id: ID!) { removeHealthCondition(id: $id) }"""
ASSIGN_PE = """mutation($input: PeTeacherInput!) { assignPeTeacher(input: $input) { name } }"""
WITHDRAW_PE = """mutation($input: PeTeacherInput!) { withdrawPeTeacher(input: $input) }"""


def student_var(world: World, family: str = "petrov") -> dict[str, str]:
    return {"id": str(world.id(f"{family}.student"))}


async def record(world: World, family: str, health_group: str, pe_group: str) -> dict:
    return await world.ok(
        "medic",
        RECORD,
        {
            "input": {
                "studentId": str(world.id(f"{family}.student")),
                "healthGroup": health_group,
                "peGroup": pe_group,
            }
        },
    )


async def test_medical_worker_records_groups_and_conditions_and_the_readers_see_them(
    health_world: World,
) -> None:
    world = health_world
    data = await record(world, "petrov", "II", "PREPARATORY")
    assert data["recordHealth"] == {"healthGroup": "II", "peGroup": "PREPARATORY"}
    student_id = str(world.id("petrov.student"))
    await world.ok(
        "medic",
        ADD,
        {"input": {"studentId": student_id, "name": "миопия", "note": "слабая степень"}},
    )
    for reader in ("medic", "director", "klassruk", "petrov.parent", "petrov.student"):
        health = (await world.ok(reader, HEALTH, student_var(world)))["studentHealth"]
        assert health["healthGroup"] == "II", reader
        assert health["healthGroupLabel"] == "II группа здоровья"
        assert health["peGroupLabel"] == "подготовительная"
        assert {c["name"] for c in health["conditions"]} >= {"миопия"}


async def test_everyone_without_the_duty_is_refused_medical_data(health_world: World) -> None:
    world = health_world
    for who in ("teacher", "pe", "content", "upbringing", "secretary", "admin", "psychologist"):
        body = await world.gql(who, HEALTH, student_var(world))
        assert error_code(body) == "FORBIDDEN", who


async def test_a_parent_of_another_family_and_the_class_teacher_of_another_class_are_refused(
    health_world: World,
) -> None:
    world = health_world
    # klassruk leads 7Б; Орлов is in 7А.
    assert error_code(await world.gql("klassruk", HEALTH, student_var(world, "orlov"))) == (
        "FORBIDDEN"
    )
    # Another family's child is not there for a parent or a student: as if there were none.
    assert error_code(await world.gql("orlov.parent", HEALTH, student_var(world))) == "NOT_FOUND"
    assert error_code(await world.gql("orlov.student", HEALTH, student_var(world))) == "NOT_FOUND"


async def test_a_medical_worker_of_another_school_neither_reads_nor_writes(
    health_world: World,
) -> None:
    world = health_world
    assert error_code(await world.gql("other_medic", HEALTH, student_var(world))) == "NOT_FOUND"
    body = await world.gql(
        "other_medic",
        RECORD,
        {"input": {"studentId": str(world.id("petrov.student")), "healthGroup": "V"}},
    )
    assert error_code(body) == "NOT_FOUND"


async def test_only_the_medical_worker_writes_medical_data(health_world: World) -> None:
    world = health_world
    variables = {"input": {"studentId": str(world.id("petrov.student")), "healthGroup": "I"}}
    for who in ("director", "klassruk", "petrov.parent", "admin"):
        assert error_code(await world.gql(who, RECORD, variables)) == "FORBIDDEN", who


async def test_the_pe_teacher_of_the_class_sees_the_pe_group_but_not_the_conditions(
    health_world: World,
) -> None:
    world = health_world
    await record(world, "petrov", "III", "SPECIAL_A")
    # Before the assignment the teacher is a subject teacher like any other.
    assert error_code(await world.gql("pe", PE_GROUP, student_var(world))) == "FORBIDDEN"
    pe_input = {"schoolClassId": str(world.school.class_id), "personId": str(world.id("pe"))}
    assert error_code(await world.gql("teacher", ASSIGN_PE, {"input": pe_input})) == "FORBIDDEN"
    await world.ok("content", ASSIGN_PE, {"input": pe_input})
    try:
        data = await world.ok("pe", PE_GROUP, student_var(world))
        assert data["studentPeGroup"] == {"peGroup": "SPECIAL_A", "peGroupLabel": "специальная «А»"}
        assert error_code(await world.gql("pe", HEALTH, student_var(world))) == "FORBIDDEN"
        # Only the class they were given: Орлов is in 7А.
        assert error_code(await world.gql("pe", PE_GROUP, student_var(world, "orlov"))) == (
            "FORBIDDEN"
        )
        listing = await world.ok("pe", CLASS_PE, {"id": str(world.school.class_id)})
        assert [s["peGroup"] for s in listing["classPeGroups"]] == ["SPECIAL_A"]
        assert error_code(await world.gql("teacher", PE_GROUP, student_var(world))) == "FORBIDDEN"
    finally:
        await world.ok("secretary", WITHDRAW_PE, {"input": pe_input})
    assert error_code(await world.gql("pe", PE_GROUP, student_var(world))) == "FORBIDDEN"


async def test_every_read_is_logged_once_with_reader_basis_section_and_field(
    health_world: World,
) -> None:
    world = health_world
    subject = world.id("petrov.student")
    director = world.who["director"].person_id
    before = await world.log_count(subject_id=subject, actor_id=director, action="read")
    await world.ok("director", HEALTH, student_var(world))
    await world.ok("director", PE_GROUP, student_var(world))
    assert await world.log_count(subject_id=subject, actor_id=director, action="read") == (
        before + 2
    )
    async with world.svc.runtime.db.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(DataAccessEntry)
                .where(DataAccessEntry.subject_id == subject, DataAccessEntry.actor_id == director)
                .order_by(DataAccessEntry.id.desc())
                .limit(2)
            )
        ).all()
    assert [(r.section, r.field, r.actor_role) for r in rows] == [
        ("pe_group", "studentPeGroup", "director"),
        ("medical", "studentHealth", "director"),
    ]
    # A refused read reads nothing and logs nothing.
    teacher = world.who["teacher"].person_id
    await world.gql("teacher", HEALTH, student_var(world))
    assert await world.log_count(actor_id=teacher) == 0


async def test_writes_are_logged_with_before_and_after_and_published_without_values(
    health_world: World,
) -> None:
    world = health_world
    subject = world.id("orlov.student")
    await record(world, "orlov", "I", "MAIN")
    await record(world, "orlov", "I", "EXEMPT")
    await record(world, "orlov", "I", "EXEMPT")  # nothing changes: the answer is a read
    assert await world.log_count(subject_id=subject, action="read", field="recordHealth") == 1
    added = await world.ok(
        "medic",
        ADD,
        {"input": {"studentId": str(subject), "name": "астигматизм", "since": "2025-05-14"}},
    )
    await world.ok("medic", REMOVE, {"id": added["addHealthCondition"]["id"]})
    async with world.svc.runtime.db.sessionmaker() as session:
        writes = (
            await session.scalars(
                select(DataAccessEntry)
                .where(DataAccessEntry.subject_id == subject, DataAccessEntry.action == "write")
                .order_by(DataAccessEntry.id)
            )
        ).all()
    assert [(w.field, w.changes) for w in writes] == [
        ("recordHealth", ["health_group", "pe_group"]),
        ("recordHealth", ["pe_group"]),
        ("addHealthCondition", ["conditions"]),
        ("removeHealthCondition", ["conditions"]),
    ]
    assert writes[1].before == {"health_group": "I", "pe_group": "main"}
    assert writes[1].after == {"health_group": "I", "pe_group": "exempt"}
    assert writes[3].before is not None and writes[3].before["name"] == "астигматизм"
    assert writes[3].after is None

    events = await read_events(world.svc.settings.nats_url, world.svc.settings.namespace, until=1)
    changed = [
        e.payload
        for e in events
        if e.type == "people.health.changed" and e.payload["student_id"] == str(subject)
    ]
    assert changed[:2] == [
        {
            "student_id": str(subject),
            "school_id": str(world.school.id),
            "sections": ["health_group", "pe_group"],
        },
        {"student_id": str(subject), "school_id": str(world.school.id), "sections": ["pe_group"]},
    ]
    assert all("exempt" not in str(p) and "астигматизм" not in str(p) for p in changed)


async def test_invalid_medical_input_is_a_validation_error(health_world: World) -> None:
    world = health_world
    student_id = str(world.id("petrov.student"))
    for condition in (
        {"name": "  "},
        {"name": "миопия", "since": "2099-01-01"},
        {"name": "миопия", "since": "2025-05-01", "until": "2025-01-01"},
    ):
        body = await world.gql("medic", ADD, {"input": {"studentId": student_id, **condition}})
        assert error_code(body) == "VALIDATION", condition
    body = await world.gql("medic", RECORD, {"input": {"studentId": "not-an-id"}})
    assert error_code(body) == "VALIDATION"
    # A staff member is not a student.
    body = await world.gql(
        "medic", RECORD, {"input": {"studentId": str(world.id("teacher")), "healthGroup": "I"}}
    )
    assert error_code(body) == "NOT_FOUND"
    assert isinstance(UUID(student_id), UUID)


EXPORT = """query($id: ID!) { myDataExport(personId: $id) }"""


async def test_the_export_carries_medical_data_only_to_its_readers_and_anonymisation_erases_it(
    health_world: World,
) -> None:
    world = health_world
    school = world.other  # its own school: anonymising here leaves the other tests' rows alone
    student = school.ids["orlov.student"]
    world.who["other.orlov.parent"] = as_person(
        school, school.ids["orlov.parent"], RoleGrant(Role.PARENT, student_ids=(student,))
    )
    await world.ok(
        "other_medic",
        RECORD,
        {"input": {"studentId": str(student), "healthGroup": "III", "peGroup": "MAIN"}},
    )
    await world.ok("other_medic", ADD, {"input": {"studentId": str(student), "name": "миопия"}})

    reads = await world.log_count(subject_id=student)
    exported = await world.ok("other.orlov.parent", EXPORT, {"id": str(student)})
    medical = orjson.loads(exported["myDataExport"])["medical"]
    assert medical["health_group"] == "III"
    assert [c["name"] for c in medical["conditions"]] == ["миопия"]
    assert await world.log_count(subject_id=student) == reads + 1  # the export is a read too
    # The administrator answers written requests, but never reads health data.
    petrov = world.id("petrov.student")
    by_admin = await world.ok("admin", EXPORT, {"id": str(petrov)})
    assert orjson.loads(by_admin["myDataExport"])["medical"] is None

    runtime = world.svc.runtime
    async with runtime.uow(ANONYMOUS) as uow:
        await schedule_anonymisation(
            uow.session,
            school_id=school.id,
            person_id=student,
            reason="departure",
            starting=date(2026, 9, 1),
        )
        await uow.commit()
    assert await anonymise_due(runtime.uow(ANONYMOUS), datetime(2027, 1, 1, tzinfo=UTC)) == 1
    async with runtime.db.sessionmaker() as session:
        assert await session.get(HealthRecord, student) is None
        conditions = await session.scalars(
            select(HealthCondition).where(HealthCondition.student_id == student)
        )
        assert conditions.all() == []
        writes = await session.scalars(
            select(DataAccessEntry).where(
                DataAccessEntry.subject_id == student, DataAccessEntry.action == "write"
            )
        )
        kept = writes.all()
        assert kept and all(e.before is None and e.after is None for e in kept)
