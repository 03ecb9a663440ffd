"""Psychological and social data, and the access log: who may see it and who saw what."""

from __future__ import annotations

from tests.people.health_world import World
from tests.people.helpers import error_code

WELLBEING = """query($id: ID!) { studentWellbeing(studentId: $id) { characteristics
  socialStatuses { status label } deviantBehaviour { occurredOn description } } }"""
CHARACTERISTICS = """mutation($id: ID!, $text: String) {
  setPsychologicalCharacteristics(studentId: $id, text: $text) { characteristics } }"""
STATUSES = """mutation($id: ID!, $statuses: [SocialStatus!]!) {
  setSocialStatuses(studentId: $id, statuses: $statuses) { socialStatuses { status label } } }"""
DEVIANT = """mutation($input: RecordDeviantBehaviourInput!) {
  recordDeviantBehaviour(input: $input) { id occurredOn } }"""
HEALTH = """query($id: ID!) { studentHealth(studentId: $id) { healthGroup } }"""
LOG = """query($filter: DataAccessFilter, $first: Int, $after: ID) {
  dataAccessLog(filter: $filter, first: $first, after: $after) {
    entries { action section field readerName readerRole readerRoleLabel subjectName changes }
    nextCursor } }"""
WHO_READ = """query($id: ID!) { whoReadMyData(personId: $id) {
  entries { readerName readerRoleLabel sectionLabel action occurredAt } } }"""


def student_var(world: World, family: str = "petrov") -> dict[str, str]:
    return {"id": str(world.id(f"{family}.student"))}


async def test_the_psychologist_and_social_pedagogue_write_and_the_upbringing_deputy_reads(
    health_world: World,
) -> None:
    world = health_world
    student_id = str(world.id("petrov.student"))
    await world.ok(
        "psychologist",
        CHARACTERISTICS,
        {"id": student_id, "text": "Общителен, легко включается в работу группы."},
    )
    data = await world.ok(
        "social", STATUSES, {"id": student_id, "statuses": ["LARGE_FAMILY", "LOW_INCOME"]}
    )
    assert {s["label"] for s in data["setSocialStatuses"]["socialStatuses"]} == {
        "многодетная семья",
        "малоимущая семья",
    }
    await world.ok(
        "psychologist",
        DEVIANT,
        {
            "input": {
                "studentId": student_id,
                "occurredOn": "2026-10-12",
                "description": "Пропуск уроков без уважительной причины, беседа проведена.",
            }
        },
    )
    for reader in ("psychologist", "social", "director", "upbringing"):
        record = (await world.ok(reader, WELLBEING, student_var(world)))["studentWellbeing"]
        assert record["characteristics"].startswith("Общителен"), reader
        assert {s["status"] for s in record["socialStatuses"]} == {"LARGE_FAMILY", "LOW_INCOME"}
        assert [d["occurredOn"] for d in record["deviantBehaviour"]] == ["2026-10-12"]


async def test_nobody_else_reads_psych_social_data_not_even_the_family(
    health_world: World,
) -> None:
    world = health_world
    refused = ("content", "klassruk", "teacher", "medic", "admin", "secretary")
    for who in (*refused, "petrov.parent", "petrov.student"):
        assert error_code(await world.gql(who, WELLBEING, student_var(world))) == "FORBIDDEN", who
    assert error_code(await world.gql("other_psychologist", WELLBEING, student_var(world))) == (
        "NOT_FOUND"
    )


async def test_only_the_psychologist_and_social_pedagogue_write_psych_social_data(
    health_world: World,
) -> None:
    world = health_world
    variables = {"id": str(world.id("orlov.student")), "text": "Черновик"}
    for who in ("director", "upbringing", "klassruk", "medic"):
        assert error_code(await world.gql(who, CHARACTERISTICS, variables)) == "FORBIDDEN", who
    body = await world.gql("other_psychologist", CHARACTERISTICS, variables)
    assert error_code(body) == "NOT_FOUND"
    future = {
        "input": {
            "studentId": str(world.id("orlov.student")),
            "occurredOn": "2099-01-01",
            "description": "—",
        }
    }
    assert error_code(await world.gql("psychologist", DEVIANT, future)) == "VALIDATION"
    blank = {"input": {**future["input"], "occurredOn": "2026-10-01", "description": "  "}}
    assert error_code(await world.gql("psychologist", DEVIANT, blank)) == "VALIDATION"


async def test_the_administrator_and_the_director_read_the_log_newest_first_in_pages(
    health_world: World,
) -> None:
    world = health_world
    orlov = str(world.id("orlov.student"))
    await world.ok("upbringing", WELLBEING, {"id": orlov})
    await world.ok("director", HEALTH, {"id": orlov})
    await world.ok("director", WELLBEING, {"id": orlov})
    flt = {"subjectId": orlov, "action": "READ"}
    first = await world.ok("admin", LOG, {"filter": flt, "first": 2})
    page = first["dataAccessLog"]
    assert [(e["readerRole"], e["section"]) for e in page["entries"]] == [
        ("director", "PSYCH_SOCIAL"),
        ("director", "MEDICAL"),
    ]
    assert page["entries"][0]["readerName"] == "Смирнова Ольга Викторовна"
    assert page["entries"][0]["subjectName"] == "Орлов Кирилл Игоревич"
    second = await world.ok(
        "director", LOG, {"filter": flt, "first": 2, "after": page["nextCursor"]}
    )
    assert second["dataAccessLog"]["entries"][0]["readerRoleLabel"] == (
        "заместитель директора по воспитанию и социализации"
    )
    by_section = await world.ok(
        "admin", LOG, {"filter": {**flt, "section": "MEDICAL"}, "first": 200}
    )
    assert {e["section"] for e in by_section["dataAccessLog"]["entries"]} == {"MEDICAL"}
    # The log is for the administrator and the director only; nobody else reads it.
    for who in ("medic", "psychologist", "upbringing", "klassruk", "petrov.parent"):
        assert error_code(await world.gql(who, LOG, {"filter": flt})) == "FORBIDDEN", who
    assert error_code(await world.gql("admin", LOG, {"first": 0})) == "VALIDATION"


async def test_a_parent_and_a_student_see_who_read_their_data_and_nobody_elses(
    health_world: World,
) -> None:
    world = health_world
    await world.ok("director", HEALTH, student_var(world))
    data = await world.ok("petrov.parent", WHO_READ, student_var(world))
    newest = data["whoReadMyData"]["entries"][0]
    assert newest["readerName"] == "Смирнова Ольга Викторовна"
    assert newest["readerRoleLabel"] == "директор"
    assert newest["sectionLabel"] == "медицинские сведения"
    assert newest["action"] == "READ"
    own = await world.ok("petrov.student", WHO_READ, student_var(world))
    assert own["whoReadMyData"]["entries"][0] == newest
    assert error_code(await world.gql("orlov.parent", WHO_READ, student_var(world))) == "NOT_FOUND"
    assert error_code(await world.gql("orlov.student", WHO_READ, student_var(world))) == (
        "NOT_FOUND"
    )
    assert error_code(await world.gql("director", WHO_READ, student_var(world))) == "FORBIDDEN"


async def test_psych_social_writes_are_logged_once_and_a_write_that_changes_nothing_as_a_read(
    health_world: World,
) -> None:
    world = health_world
    orlov = world.id("orlov.student")
    variables = {"id": str(orlov), "statuses": ["UNDER_GUARDIANSHIP"]}
    await world.ok("social", STATUSES, variables)
    await world.ok("social", STATUSES, variables)
    assert await world.log_count(subject_id=orlov, action="write", field="setSocialStatuses") == 1
    assert await world.log_count(subject_id=orlov, action="read", field="setSocialStatuses") == 1
    reader = world.who["upbringing"].person_id
    before = await world.log_count(subject_id=orlov, actor_id=reader, action="read")
    await world.ok("upbringing", WELLBEING, {"id": str(orlov)})
    assert await world.log_count(subject_id=orlov, actor_id=reader, action="read") == before + 1
