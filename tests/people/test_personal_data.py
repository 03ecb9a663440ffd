"""Personal data: formats, who reads and writes which field, the change log, the export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from sqlalchemy import select

from gateway.access import allows
from gateway.compose import SubgraphSchema, compose
from services.kernel.errors import ValidationFailed
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.uow import OUTBOX
from services.people import personal_data_rules as rules
from services.people import subject_access
from services.people.domain import PersonKind
from services.people.models import PersonalDataChange
from services.people.personal_data_rules import Document, DocumentKind
from services.people.schema import schema
from tests.people.helpers import (
    CREATE_SCHOOL,
    School,
    build_school,
    error_code,
    ok,
    regional_admin,
    staff,
)
from tests.support import Infra, ServiceClient, new_namespace, running_service

READ = """query($id: ID!) { personalData(personId: $id) { personId canEdit sex birthDate phone
  email actualAddress registrationAddress snils
  identityDocument { kind kindLabel series number issuedBy issuedOn } } }"""
CONTACTS = """query($id: ID!) { personalData(personId: $id) { phone email birthDate } }"""
SNILS = """query($id: ID!) { personalData(personId: $id) { phone snils } }"""
UPDATE = """mutation($input: UpdatePersonalDataInput!) { updatePersonalData(input: $input) {
  phone email snils birthDate identityDocument { kind series number } } }"""
CHANGES = """query($person: ID, $field: String, $since: DateTime, $until: DateTime, $first: Int!,
  $after: String) { personalDataChanges(personId: $person, field: $field, since: $since,
  until: $until, first: $first, after: $after) { items { id field fieldLabel kind valueBefore
  valueAfter changedAt changedBy { id } person { id } } nextCursor } }"""
MY_CHANGES = """query($id: ID!) { myDataChanges(personId: $id) { items { field fieldLabel kind
  changedBy { id } } nextCursor } }"""
EXPORT = """query($id: ID!) { myDataExport(personId: $id) }"""
TERM = "mutation($days: Int!) { setAnonymiseAfterDays(days: $days) }"

CHILD_DATA = {
    "phone": "8 (913) 123-45-67",
    "email": "Petrov.Artem@Mail.RU",
    "actualAddress": "г. Томск, ул. Ленина, д. 1, кв. 2",
    "registrationAddress": "г. Томск,   пр. Фрунзе, д. 3",
    "birthDate": "2013-04-05",
    "snils": "112 233 445 95",
    "identityDocument": {
        "kind": "BIRTH_CERTIFICATE",
        "series": "iv ом",
        "number": "123456",
        "issuedBy": "Отдел ЗАГС Кировского района г. Томска",
        "issuedOn": "2013-04-20",
    },
}


# --- formats (no database) ----------------------------------------------------------------


def test_snils_with_a_right_check_number_is_kept_in_canonical_form() -> None:
    assert rules.clean_snils("11223344595") == "112-233-445 95"
    assert rules.snils_checksum("112233445") == 95


@pytest.mark.parametrize("value", ["112-233-445 96", "1122334459", "abc", "001-001-998 00"])
def test_a_wrong_snils_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.clean_snils(value)
    assert refused.value.details == {"field": "snils"}


@pytest.mark.parametrize(
    "value", ["+7 913 123-45-67", "8 (913) 123 45 67", "79131234567", "9131234567"]
)
def test_russian_phone_numbers_are_normalised(value: str) -> None:
    assert rules.clean_phone(value) == "+79131234567"


@pytest.mark.parametrize("value", ["+8 913 123-45-67", "12345", "+1 913 123 45 67", "tel"])
def test_a_phone_that_is_not_russian_is_refused(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.clean_phone(value)
    assert refused.value.details == {"field": "phone"}


def test_email_is_checked_and_its_domain_lowercased() -> None:
    assert rules.clean_email(" Anna.P@Mail.RU ") == "Anna.P@mail.ru"
    for bad in ("anna", "anna@", "anna@mail", "an..na@mail.ru"):
        with pytest.raises(ValidationFailed):
            rules.clean_email(bad)


def test_birth_date_must_be_plausible_for_the_kind_of_person() -> None:
    today = date(2026, 9, 1)
    assert rules.check_birth_date(date(2013, 4, 5), PersonKind.STUDENT, today)
    for born, kind in (
        (date(2026, 9, 2), PersonKind.STUDENT),  # not born yet
        (date(2024, 1, 1), PersonKind.STUDENT),  # two years old
        (date(2013, 4, 5), PersonKind.PARENT),  # thirteen
        (date(1900, 1, 1), PersonKind.STAFF),
    ):
        with pytest.raises(ValidationFailed) as refused:
            rules.check_birth_date(born, kind, today)
        assert refused.value.details == {"field": "birthDate"}


def test_identity_documents_follow_their_formats() -> None:
    today = date(2026, 9, 1)
    passport = rules.clean_document(
        Document(DocumentKind.PASSPORT_RF, "69 04", "123456", "УМВД", date(2020, 1, 1)), None, today
    )
    assert (passport.series, passport.number) == ("6904", "123456")
    certificate = rules.clean_document(
        Document(DocumentKind.BIRTH_CERTIFICATE, "xii-мю", "654321", None, None), None, today
    )
    assert certificate.series == "XII-МЮ"
    for doc, field in (
        (Document(DocumentKind.PASSPORT_RF, "690", "123456", None, None), "documentSeries"),
        (Document(DocumentKind.PASSPORT_RF, "6904", "12345", None, None), "documentNumber"),
        (
            Document(DocumentKind.BIRTH_CERTIFICATE, "IIV-МЮ", "654321", None, None),
            "documentSeries",
        ),
        (Document(DocumentKind.BIRTH_CERTIFICATE, "II-MY", "654321", None, None), "documentSeries"),
        (
            Document(DocumentKind.PASSPORT_RF, "6904", "123456", None, date(2027, 1, 1)),
            "documentIssuedOn",
        ),
    ):
        with pytest.raises(ValidationFailed) as refused:
            rules.clean_document(doc, None, today)
        assert refused.value.details == {"field": field}


def test_the_gateway_lets_only_declared_roles_near_snils() -> None:
    supergraph = compose([SubgraphSchema("people", "http://people/graphql", schema.as_str())])
    snils = supergraph.access_rule("PersonalData", "snils")
    phone = supergraph.access_rule("PersonalData", "phone")
    school = uuid4()
    assert not allows(snils, staff(school, Role.SUBJECT_TEACHER))
    assert not allows(snils, staff(school, Role.CLASS_TEACHER))
    assert allows(phone, staff(school, Role.CLASS_TEACHER))
    assert allows(snils, staff(school, Role.ACADEMIC_SECRETARY))
    assert not allows(
        supergraph.access_rule("Query", "personalData"), staff(school, Role.MEDICAL_WORKER)
    )
    changes = supergraph.access_rule("Query", "personalDataChanges")
    assert allows(changes, staff(school, Role.DIRECTOR))
    assert not allows(changes, staff(school, Role.ACADEMIC_SECRETARY))


# --- through the subgraph -----------------------------------------------------------------


@dataclass
class World:
    svc: ServiceClient
    school: School
    who: dict[str, Principal]

    def id(self, key: str) -> str:
        return str(self.school.ids[key])

    async def gql(self, query: str, who: str, **variables: Any) -> dict[str, Any]:
        return await self.svc.gql(query, variables, principal=self.who[who])


def _person(school: School, key: str, *grants: RoleGrant) -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=school.ids[key],
        school_id=school.id,
        session_id=uuid4(),
        login=key,
        roles=grants,
    )


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    async with running_service(infra, "people", namespace=new_namespace()) as svc:
        school = await build_school(svc)
        data = await ok(
            svc,
            CREATE_SCHOOL,
            {"input": {"name": "МАОУ СОШ № 2", "shortName": "СОШ № 2"}},
            principal=regional_admin(),
        )
        other_school = UUID(data["createSchool"]["id"])
        await school.person("teacher", "STAFF", "Волков", "Дмитрий", "Сергеевич")
        await school.person("secretary", "STAFF", "Кузнецова", "Ольга", "Ивановна", "FEMALE")
        ids = school.ids
        who = {
            "admin": school.admin,
            "director": staff(school.id, Role.DIRECTOR),
            "secretary": _person(school, "secretary", RoleGrant(Role.ACADEMIC_SECRETARY)),
            "hr": staff(school.id, Role.HR_SECRETARY),
            "teacher": _person(school, "teacher", RoleGrant(Role.SUBJECT_TEACHER)),
            "klassruk": _person(
                school,
                "klassruk",
                RoleGrant(Role.SUBJECT_TEACHER),
                RoleGrant(Role.CLASS_TEACHER, school_class_id=school.class_id),
            ),
            "student": _person(
                school, "petrov.student", RoleGrant(Role.STUDENT, school_class_id=school.class_id)
            ),
            "parent": _person(
                school,
                "petrov.parent",
                RoleGrant(Role.PARENT, student_ids=(ids["petrov.student"],)),
            ),
            "other_parent": _person(
                school, "orlov.parent", RoleGrant(Role.PARENT, student_ids=(ids["orlov.student"],))
            ),
            "foreign_secretary": staff(other_school, Role.ACADEMIC_SECRETARY),
            "foreign_admin": staff(other_school, Role.ADMINISTRATOR),
        }
        w = World(svc, school, who)
        await ok(
            svc,
            UPDATE,
            {"input": {"personId": w.id("petrov.student"), **CHILD_DATA}},
            principal=who["secretary"],
        )
        for key, phone in (("petrov.parent", "+7 913 000-00-01"), ("orlov.student", "89130000002")):
            await ok(
                svc,
                UPDATE,
                {"input": {"personId": w.id(key), "phone": phone}},
                principal=who["secretary"],
            )
        yield w


async def test_secretary_records_personal_data_in_normalised_form(world: World) -> None:
    data = await ok(
        world.svc, READ, {"id": world.id("petrov.student")}, principal=world.who["secretary"]
    )
    pd = data["personalData"]
    assert pd["phone"] == "+79131234567"
    assert pd["email"] == "Petrov.Artem@mail.ru"
    assert pd["snils"] == "112-233-445 95"
    assert pd["registrationAddress"] == "г. Томск, пр. Фрунзе, д. 3"
    assert pd["identityDocument"] == {
        "kind": "BIRTH_CERTIFICATE",
        "kindLabel": "свидетельство о рождении",
        "series": "IV-ОМ",
        "number": "123456",
        "issuedBy": "Отдел ЗАГС Кировского района г. Томска",
        "issuedOn": "2013-04-20",
    }
    assert pd["canEdit"] is True


async def test_each_change_is_logged_in_the_transaction_that_makes_it(world: World) -> None:
    person = world.school.ids["orlov.student"]
    await ok(
        world.svc,
        UPDATE,
        {"input": {"personId": str(person), "phone": "+7 (913) 000-00-03", "email": "k@ya.ru"}},
        principal=world.who["secretary"],
    )
    async with world.svc.runtime.db.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(PersonalDataChange)
                .where(PersonalDataChange.person_id == person)
                .order_by(PersonalDataChange.id.desc())
                .limit(2)
            )
        ).all()
        outbox = (
            await session.execute(
                select(OUTBOX.c.envelope, OUTBOX.c.created_at)
                .where(OUTBOX.c.aggregate == str(person))
                .order_by(OUTBOX.c.created_at.desc())
                .limit(1)
            )
        ).one()
    assert {(r.field, r.value_before, r.value_after) for r in rows} == {
        ("phone", "+79130000002", "+79130000003"),
        ("email", None, "k@ya.ru"),
    }
    # now() is the transaction's start: the log rows and the event share one transaction.
    assert {r.changed_at for r in rows} == {outbox.created_at}
    assert outbox.envelope["type"] == "people.personal_data.changed"
    assert sorted(outbox.envelope["payload"]["fields"]) == ["email", "phone"]
    assert "k@ya.ru" not in orjson.dumps(outbox.envelope).decode()


async def test_a_refused_value_changes_nothing_and_logs_nothing(world: World) -> None:
    person = world.id("petrov.parent")
    before = await world.gql(READ, "secretary", id=person)
    body = await world.gql(
        UPDATE,
        "secretary",
        input={"personId": person, "email": "new@mail.ru", "snils": "112-233-445 96"},
    )
    assert error_code(body) == "VALIDATION"
    assert body["errors"][0]["extensions"]["field"] == "snils"
    assert "СНИЛС" in body["errors"][0]["message"]
    assert await world.gql(READ, "secretary", id=person) == before
    async with world.svc.runtime.db.sessionmaker() as session:
        logged = await session.scalars(
            select(PersonalDataChange.field).where(
                PersonalDataChange.person_id == UUID(person), PersonalDataChange.field == "email"
            )
        )
        assert logged.all() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "+1 202 555 0100"),
        ("email", "not-an-email"),
        ("birthDate", "2025-01-01"),
        ("lastName", "  "),
        ("documentSeries", {"kind": "PASSPORT_RF", "series": "AB 12", "number": "123456"}),
    ],
)
async def test_invalid_personal_data_is_refused_naming_the_field(
    world: World, field: str, value: Any
) -> None:
    key = "identityDocument" if field.startswith("document") else field
    body = await world.gql(
        UPDATE, "secretary", input={"personId": world.id("orlov.student"), key: value}
    )
    assert error_code(body) == "VALIDATION"
    assert body["errors"][0]["extensions"]["field"] == field


async def test_the_student_and_their_parent_read_all_of_the_childs_data(world: World) -> None:
    for who in ("student", "parent"):
        data = await ok(
            world.svc, READ, {"id": world.id("petrov.student")}, principal=world.who[who]
        )
        assert data["personalData"]["snils"] == "112-233-445 95"
        assert data["personalData"]["canEdit"] is False


async def test_a_parent_cannot_read_another_familys_child_phone(world: World) -> None:
    body = await world.gql(CONTACTS, "other_parent", id=world.id("petrov.student"))
    assert error_code(body) == "NOT_FOUND"  # another family's child: as if there were none
    assert body["data"] == {"personalData": None}


async def test_class_teacher_reads_contacts_and_birth_date_of_the_class_not_snils(
    world: World,
) -> None:
    for key in ("petrov.student", "petrov.parent"):
        data = await ok(world.svc, CONTACTS, {"id": world.id(key)}, principal=world.who["klassruk"])
        assert data["personalData"]["phone"].startswith("+7913")
    body = await world.gql(SNILS, "klassruk", id=world.id("petrov.student"))
    assert body["data"] == {"personalData": {"phone": "+79131234567", "snils": None}}
    assert error_code(body) == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["personalData", "snils"]
    # Orlov studies in 7А, not the class teacher's 7Б.
    body = await world.gql(CONTACTS, "klassruk", id=world.id("orlov.student"))
    assert error_code(body) == "FORBIDDEN"


async def test_a_subject_teacher_reads_names_only(world: World) -> None:
    body = await world.gql(SNILS, "teacher", id=world.id("petrov.student"))
    assert error_code(body) == "FORBIDDEN"
    assert body["data"] == {"personalData": None}


async def test_a_secretary_of_another_school_finds_nobody(world: World) -> None:
    person = world.id("petrov.student")
    assert error_code(await world.gql(CONTACTS, "foreign_secretary", id=person)) == "NOT_FOUND"
    body = await world.gql(
        UPDATE, "foreign_secretary", input={"personId": person, "phone": "89130000009"}
    )
    assert error_code(body) == "NOT_FOUND"


async def test_each_secretary_edits_only_the_files_they_keep(world: World) -> None:
    staff_member, student = world.id("teacher"), world.id("petrov.student")
    refused = [
        await world.gql(UPDATE, "hr", input={"personId": student, "phone": "89130000010"}),
        await world.gql(
            UPDATE, "secretary", input={"personId": staff_member, "phone": "89130000010"}
        ),
        await world.gql(UPDATE, "klassruk", input={"personId": student, "phone": "89130000010"}),
        await world.gql(UPDATE, "parent", input={"personId": student, "phone": "89130000010"}),
    ]
    assert [error_code(b) for b in refused] == ["FORBIDDEN"] * 4
    data = await ok(
        world.svc,
        UPDATE,
        {"input": {"personId": staff_member, "phone": "+79130000011"}},
        principal=world.who["hr"],
    )
    assert data["updatePersonalData"]["phone"] == "+79130000011"


async def test_the_director_reads_the_change_log_filtered_and_paged(world: World) -> None:
    person = world.id("petrov.student")
    all_rows = (
        await ok(
            world.svc, CHANGES, {"person": person, "first": 100}, principal=world.who["director"]
        )
    )["personalDataChanges"]
    items = all_rows["items"]
    assert {i["person"]["id"] for i in items} == {person}
    assert {"phone", "snils", "documentSeries", "birthDate"} <= {i["field"] for i in items}
    assert [i["changedAt"] for i in items] == sorted((i["changedAt"] for i in items), reverse=True)
    snils = next(i for i in items if i["field"] == "snils")
    assert (snils["valueBefore"], snils["valueAfter"], snils["fieldLabel"]) == (
        None,
        "112-233-445 95",
        "СНИЛС",
    )
    # Pages of two walk the same rows in the same order.
    seen, after = [], None
    while True:
        page = (
            await ok(
                world.svc,
                CHANGES,
                {"person": person, "first": 2, "after": after},
                principal=world.who["admin"],
            )
        )["personalDataChanges"]
        seen += [i["id"] for i in page["items"]]
        after = page["nextCursor"]
        if after is None:
            break
    assert seen == [i["id"] for i in items]
    only_phone = (
        await ok(world.svc, CHANGES, {"field": "phone", "first": 100}, principal=world.who["admin"])
    )["personalDataChanges"]["items"]
    assert only_phone and {i["field"] for i in only_phone} == {"phone"}
    future = (
        await ok(
            world.svc,
            CHANGES,
            {"since": "2999-01-01T00:00:00+00:00", "first": 10},
            principal=world.who["admin"],
        )
    )["personalDataChanges"]["items"]
    assert future == []


async def test_the_change_log_is_closed_to_secretaries_and_other_schools(world: World) -> None:
    assert error_code(await world.gql(CHANGES, "secretary", first=10)) == "FORBIDDEN"
    foreign = await ok(world.svc, CHANGES, {"first": 10}, principal=world.who["foreign_admin"])
    assert foreign["personalDataChanges"]["items"] == []


async def test_a_parent_sees_who_changed_their_childs_data_without_values(world: World) -> None:
    data = await ok(
        world.svc, MY_CHANGES, {"id": world.id("petrov.student")}, principal=world.who["parent"]
    )
    items = data["myDataChanges"]["items"]
    assert {"phone", "snils"} <= {i["field"] for i in items}
    assert {(i["changedBy"]["id"], i["kind"]) for i in items} == {(world.id("secretary"), "change")}
    body = await world.gql(MY_CHANGES, "other_parent", id=world.id("petrov.student"))
    assert error_code(body) == "NOT_FOUND"
    # The type has no value fields to ask for.
    body = await world.gql(
        "query($id: ID!) { myDataChanges(personId: $id) { items { valueAfter } } }",
        "parent",
        id=world.id("petrov.student"),
    )
    assert error_code(body) == "GRAPHQL_VALIDATION"


async def test_a_parent_exports_everything_held_about_their_child(world: World) -> None:
    data = await ok(
        world.svc, EXPORT, {"id": world.id("petrov.student")}, principal=world.who["parent"]
    )
    doc = orjson.loads(data["myDataExport"])
    assert list(doc) == [
        "format",
        "generatedAt",
        "subjectId",
        "person",
        "personalData",
        "enrolments",
        "guardianships",
        "roles",
        "accounts",
        "consents",
        "changes",
        "medical",
    ]
    assert doc["medical"] == {"health_group": None, "pe_group": None, "conditions": []}
    assert doc["person"]["lastName"] == "Петров"
    assert doc["personalData"]["snils"] == "112-233-445 95"
    assert doc["personalData"]["identityDocument"]["series"] == "IV-ОМ"
    assert [e["schoolClass"] for e in doc["enrolments"]] == ["7Б"]
    assert doc["guardianships"] == [
        {
            "as": "child",
            "personId": world.id("petrov.parent"),
            "fullName": "Петрова Мария Владимировна",
            "relation": "мать",
        }
    ]
    assert [r["role"] for r in doc["roles"]] == ["student"]
    assert {c["field"] for c in doc["changes"]} >= {"phone", "snils"}
    assert all("valueAfter" not in c for c in doc["changes"])
    body = await world.gql(EXPORT, "other_parent", id=world.id("petrov.student"))
    assert error_code(body) == "NOT_FOUND"
    assert error_code(await world.gql(EXPORT, "klassruk", id=world.id("petrov.student"))) == (
        "FORBIDDEN"
    )


async def test_an_exported_account_has_no_password_hash(world: World) -> None:
    await world.school.account("petrov.parent", "petrova.export")
    data = await ok(
        world.svc, EXPORT, {"id": world.id("petrov.parent")}, principal=world.who["parent"]
    )
    doc = orjson.loads(data["myDataExport"])
    assert [a["login"] for a in doc["accounts"]] == ["petrova.export"]
    assert "argon2" not in data["myDataExport"] and "passwordHash" not in doc["accounts"][0]
    assert [c["document"] for c in doc["consents"]] == ["Заявление № 17 от 28.08.2026"]


async def test_another_context_adds_an_export_section_with_one_function(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subject_access, "SECTIONS", dict(subject_access.SECTIONS))

    @subject_access.section("library")
    async def library(ctx: subject_access.SectionContext) -> dict[str, Any]:
        return {"booksOnLoan": 2, "for": ctx.person.id, "askedBy": ctx.principal.person_id}

    data = await ok(
        world.svc, EXPORT, {"id": world.id("petrov.student")}, principal=world.who["student"]
    )
    doc = orjson.loads(data["myDataExport"])
    assert list(doc)[-1] == "library"
    assert doc["library"] == {
        "booksOnLoan": 2,
        "for": world.id("petrov.student"),
        "askedBy": world.id("petrov.student"),
    }


async def test_only_the_head_of_school_sets_the_anonymisation_term(world: World) -> None:
    assert (await ok(world.svc, TERM, {"days": 30}, principal=world.who["director"])) == {
        "setAnonymiseAfterDays": 30
    }
    assert error_code(await world.gql(TERM, "secretary", days=10)) == "FORBIDDEN"
    body = await world.gql(TERM, "admin", days=31)
    assert error_code(body) == "VALIDATION"
    assert body["errors"][0]["extensions"]["field"] == "days"


async def test_a_corrected_name_is_logged_and_published_for_the_replicas(world: World) -> None:
    person = world.school.ids["orlov.parent"]
    data = await ok(
        world.svc,
        """mutation($input: UpdatePersonalDataInput!) { updatePersonalData(input: $input) {
          person { fullName } } }""",
        {"input": {"personId": str(person), "lastName": "Орлова-Смирнова"}},
        principal=world.who["secretary"],
    )
    assert data["updatePersonalData"]["person"]["fullName"] == "Орлова-Смирнова Анна Сергеевна"
    async with world.svc.runtime.db.sessionmaker() as session:
        renamed = (
            await session.execute(
                select(OUTBOX.c.envelope).where(
                    OUTBOX.c.aggregate == str(person),
                    OUTBOX.c.envelope["type"].astext == "people.person.renamed",
                )
            )
        ).scalar_one()
        logged = await session.scalar(
            select(PersonalDataChange.value_before).where(
                PersonalDataChange.person_id == person, PersonalDataChange.field == "lastName"
            )
        )
    assert renamed["payload"]["last_name"] == "Орлова-Смирнова"
    assert logged == "Орлова"
