"""The people subgraph end to end: sign-in, credentials, row rules, events on NATS."""

from __future__ import annotations

from uuid import uuid4

import nats
from sqlalchemy import select, text, update

from services.kernel.events import Envelope
from services.kernel.principal import RoleGrant
from services.kernel.roles import Role
from services.people.models import Account, Session
from tests.people.helpers import (
    ISSUE,
    REGISTER,
    build_school,
    error_code,
    login,
    ok,
    read_events,
    regional_admin,
    sign_in,
    staff,
)
from tests.support import Infra, eventually, running_service

ME = """{ me { account { login mustChangePassword } person { fullName kind }
  roles { role code label schoolClass { name } students { fullName } } school { name } } }"""
STUDENT = """query($id: ID!) { student(id: $id) { fullName schoolClass { name } } }"""
CLASS_LIST = """query($id: ID!) { schoolClass(id: $id) { name classTeacher { shortName }
  students { fullName } } }"""
LOGOUT = "mutation { logout }"
CHANGE = """mutation($old: String!, $new: String!) { changePassword(oldPassword: $old,
  newPassword: $new) }"""


async def test_login_returns_a_token_whose_principal_carries_scoped_role_grants(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("petrov.parent", "petrova.mv")
        body = await login(svc, "Petrova.MV", password)
        assert body["data"]["login"]["mustChangePassword"] is True
        parent = await sign_in(svc, "petrova.mv", password)
        assert parent.school_id == school.id
        assert parent.person_id == school.ids["petrov.parent"]
        assert parent.roles == (
            RoleGrant(Role.PARENT, student_ids=(school.ids["petrov.student"],)),
        )

        klassruk = await sign_in(svc, "sokolova", await school.account("klassruk", "sokolova"))
        assert RoleGrant(Role.CLASS_TEACHER, school_class_id=school.class_id) in klassruk.roles
        async with svc.runtime.db.sessionmaker() as session:
            sessions = (await session.scalars(select(Session))).all()
        assert len(sessions) == 3  # the parent logged in twice
        assert {parent.session_id, klassruk.session_id} <= {s.id for s in sessions}


async def test_wrong_password_and_unknown_login_are_refused_with_the_same_message(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        await school.account("klassruk", "sokolova")
        wrong = await login(svc, "sokolova", "not-the-password")
        unknown = await login(svc, "nobody", "not-the-password")
        for body in (wrong, unknown):
            assert error_code(body) == "UNAUTHENTICATED"
            assert body["errors"][0]["message"] == "Неверный логин или пароль."


async def test_blocked_account_cannot_log_in_even_with_the_right_password(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("klassruk", "sokolova")
        await sign_in(svc, "sokolova", password)
        query = "mutation($id: ID!) { blockAccount(personId: $id) { blocked } }"
        variables = {"id": str(school.ids["klassruk"])}
        denied = await svc.gql(query, variables, principal=staff(school.id, Role.DIRECTOR))
        assert error_code(denied) == "FORBIDDEN"
        data = await ok(svc, query, variables, principal=school.admin)
        assert data["blockAccount"]["blocked"] is True
        body = await login(svc, "sokolova", password)
        assert error_code(body) == "FORBIDDEN"
        assert "заблокирована" in body["errors"][0]["message"]
        async with svc.runtime.db.sessionmaker() as session:
            open_sessions = await session.scalars(select(Session).where(Session.ended_at.is_(None)))
            assert open_sessions.all() == []


async def test_five_failed_logins_lock_the_account_even_for_the_right_password(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("klassruk", "sokolova")
        for _ in range(5):
            assert error_code(await login(svc, "sokolova", "wrong-password")) == "UNAUTHENTICATED"
        locked = await login(svc, "sokolova", password)
        assert error_code(locked) == "RATE_LIMITED"
        assert "Повторите через" in locked["errors"][0]["message"]
        # Once the lock has run out, the right password works again.
        async with svc.runtime.db.sessionmaker() as session, session.begin():
            await session.execute(
                update(Account).values(locked_until=text("now() - interval '1 second'"))
            )
        await sign_in(svc, "sokolova", password)


async def test_logout_ends_the_session_and_publishes_session_ended(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        principal = await sign_in(svc, "sokolova", await school.account("klassruk", "sokolova"))
        nc = await nats.connect(infra.nats_url)
        try:
            sub = await nc.subscribe(f"{namespace}.people.session.ended")
            data = await ok(svc, LOGOUT, principal=principal)
            assert data["logout"] is True
            msg = await sub.next_msg(timeout=10)
        finally:
            await nc.close()
        envelope = Envelope.model_validate_json(msg.data)
        assert envelope.payload == {
            "session_id": str(principal.session_id),
            "account_id": str(principal.account_id),
            "reason": "logout",
        }
        again = await ok(svc, LOGOUT, principal=principal)
        assert again["logout"] is False  # already ended: nothing to end, nothing published


async def test_logout_everywhere_ends_every_session_of_the_caller_only(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("klassruk", "sokolova")
        first = await sign_in(svc, "sokolova", password)
        await sign_in(svc, "sokolova", password)
        other = await sign_in(svc, "petrova", await school.account("petrov.parent", "petrova"))
        data = await ok(svc, "mutation { logoutEverywhere }", principal=first)
        assert data["logoutEverywhere"] == 2
        async with svc.runtime.db.sessionmaker() as session:
            still_open = await session.scalars(select(Session.id).where(Session.ended_at.is_(None)))
            assert still_open.all() == [other.session_id]


async def test_change_password_checks_the_policy_clears_the_flag_and_ends_other_sessions(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("klassruk", "sokolova")
        current = await sign_in(svc, "sokolova", password)
        elsewhere = await sign_in(svc, "sokolova", password)
        short = await svc.gql(CHANGE, {"old": password, "new": "коротко"}, principal=current)
        assert error_code(short) == "VALIDATION"
        as_login = await svc.gql(CHANGE, {"old": password, "new": "Sokolova"}, principal=current)
        assert error_code(as_login) == "VALIDATION"
        wrong_old = await svc.gql(
            CHANGE, {"old": "nope", "new": "Новый-пароль-7Б"}, principal=current
        )
        assert error_code(wrong_old) == "VALIDATION"
        await ok(svc, CHANGE, {"old": password, "new": "Новый-пароль-7Б"}, principal=current)
        async with svc.runtime.db.sessionmaker() as session:
            ended = await session.scalar(
                select(Session.ended_at).where(Session.id == elsewhere.session_id)
            )
            still = await session.scalar(
                select(Session.ended_at).where(Session.id == current.session_id)
            )
        # The one-time password's session ends too: its token was only good for the change.
        assert ended is not None and still is not None
        assert error_code(await login(svc, "sokolova", password)) == "UNAUTHENTICATED"
        body = await login(svc, "sokolova", "Новый-пароль-7Б")
        assert body["data"]["login"]["mustChangePassword"] is False


async def test_credentials_are_refused_without_consent_and_issued_after_it(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        variables = {"input": {"personId": str(school.ids["orlov.student"])}}
        refused = await svc.gql(ISSUE, variables, principal=school.admin)
        assert error_code(refused) == "CONFLICT"
        assert refused["errors"][0]["message"].startswith(
            "Нельзя выдать логин: не зарегистрировано согласие на обработку персональных данных"
        )
        # A student's consent comes from their parent; a stranger's "consent" is refused.
        stranger = await svc.gql(
            """mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }""",
            {
                "input": {
                    "subjectId": str(school.ids["orlov.student"]),
                    "givenById": str(school.ids["petrov.parent"]),
                    "document": "Заявление",
                }
            },
            principal=school.admin,
        )
        assert error_code(stranger) == "VALIDATION"
        await school.consent("orlov.student", given_by="orlov.parent")
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        data = await ok(svc, ISSUE, variables, principal=secretary)
        issued = data["issueCredentials"]
        assert issued["login"] == "orlov.ki"
        principal = await sign_in(svc, issued["login"], issued["oneTimePassword"])
        assert principal.roles == (RoleGrant(Role.STUDENT, school_class_id=school.other_class_id),)


async def test_academic_secretary_cannot_issue_credentials_to_staff_but_hr_secretary_can(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        await school.consent("klassruk")
        variables = {"input": {"personId": str(school.ids["klassruk"])}}
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        assert error_code(await svc.gql(ISSUE, variables, principal=secretary)) == "FORBIDDEN"
        await ok(svc, ISSUE, variables, principal=staff(school.id, Role.HR_SECRETARY))
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        assert error_code(await svc.gql(ISSUE, variables, principal=teacher)) == "FORBIDDEN"


async def test_parent_sees_only_their_own_child(infra: Infra, namespace: str) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        parent = await sign_in(svc, "petrova", await school.account("petrov.parent", "petrova"))
        own = await ok(svc, STUDENT, {"id": str(school.ids["petrov.student"])}, principal=parent)
        assert own["student"] == {
            "fullName": "Петров Артём Алексеевич",
            "schoolClass": {"name": "7Б"},
        }
        other = await svc.gql(STUDENT, {"id": str(school.ids["orlov.student"])}, principal=parent)
        assert error_code(other) == "NOT_FOUND"  # another family's child: as if none
        children = await ok(svc, "{ myChildren { fullName } }", principal=parent)
        assert children["myChildren"] == [{"fullName": "Петров Артём Алексеевич"}]
        class_list = await svc.gql(CLASS_LIST, {"id": str(school.class_id)}, principal=parent)
        assert error_code(class_list) == "FORBIDDEN"


async def test_student_sees_only_self_and_staff_see_any_student_of_the_school(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        await school.consent("petrov.student", given_by="petrov.parent")
        student = await sign_in(svc, "petrov", await school.credentials("petrov.student", "petrov"))
        await ok(svc, STUDENT, {"id": str(school.ids["petrov.student"])}, principal=student)
        other = await svc.gql(STUDENT, {"id": str(school.ids["orlov.student"])}, principal=student)
        assert error_code(other) == "NOT_FOUND"
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        await ok(svc, STUDENT, {"id": str(school.ids["orlov.student"])}, principal=teacher)
        elsewhere = staff(uuid4(), Role.SUBJECT_TEACHER)
        body = await svc.gql(STUDENT, {"id": str(school.ids["orlov.student"])}, principal=elsewhere)
        assert error_code(body) == "NOT_FOUND"


async def test_me_answers_with_account_person_roles_and_school(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        parent = await sign_in(svc, "petrova", await school.account("petrov.parent", "petrova"))
        me = (await ok(svc, ME, principal=parent))["me"]
        assert me["account"] == {"login": "petrova", "mustChangePassword": True}
        assert me["person"] == {"fullName": "Петрова Мария Владимировна", "kind": "PARENT"}
        assert me["roles"] == [
            {
                "role": "PARENT",
                "code": "parent",
                "label": "родитель (законный представитель)",
                "schoolClass": None,
                "students": [{"fullName": "Петров Артём Алексеевич"}],
            }
        ]
        assert me["school"] == {"name": "МАОУ СОШ № 1 г. Томска"}
        anonymous = await svc.gql(ME)
        assert error_code(anonymous) == "UNAUTHENTICATED"


async def test_class_list_is_in_russian_alphabetical_order_with_yo_sorted_as_ye(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        for last in ("Яковлев", "Ёжиков", "Жуков", "Абрамов", "Елисеев", "ежов"):
            person = await school.person(last, "STUDENT", last, "Иван", "Иванович")
            await ok(
                svc,
                "mutation($input: EnrolStudentInput!) { enrolStudent(input: $input) { id } }",
                {
                    "input": {
                        "personId": str(person),
                        "schoolClassId": str(school.class_id),
                        "enrolledOn": "2026-09-02",
                    }
                },
                principal=school.admin,
            )
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        data = await ok(svc, CLASS_LIST, {"id": str(school.class_id)}, principal=teacher)
        names = [s["fullName"].split()[0] for s in data["schoolClass"]["students"]]
        # Byte order would put Ё after Я and lower-case before upper-case.
        assert names == ["Абрамов", "Ёжиков", "ежов", "Елисеев", "Жуков", "Петров", "Яковлев"]
        assert data["schoolClass"]["classTeacher"] == {"shortName": "Соколова И. А."}


async def test_entities_resolve_students_and_classes_in_one_batch(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        query = """query($r: [_Any!]!) { _entities(representations: $r) {
          ... on Student { id fullName schoolClass { name } }
          ... on SchoolClass { id name gradeLevel letter }
          ... on Person { id shortName } } }"""
        representations = [
            {"__typename": "Student", "id": str(school.ids["petrov.student"])},
            {"__typename": "Student", "id": str(school.ids["orlov.student"])},
            {"__typename": "SchoolClass", "id": str(school.class_id)},
            {"__typename": "Person", "id": str(school.ids["klassruk"])},
            {"__typename": "Student", "id": str(uuid4())},
        ]
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        data = await ok(svc, query, {"r": representations}, principal=teacher)
        assert data["_entities"] == [
            {
                "id": str(school.ids["petrov.student"]),
                "fullName": "Петров Артём Алексеевич",
                "schoolClass": {"name": "7Б"},
            },
            {
                "id": str(school.ids["orlov.student"]),
                "fullName": "Орлов Кирилл Игоревич",
                "schoolClass": {"name": "7А"},
            },
            {"id": str(school.class_id), "name": "7Б", "gradeLevel": 7, "letter": "Б"},
            {"id": str(school.ids["klassruk"]), "shortName": "Соколова И. А."},
            None,
        ]


async def test_only_the_administrator_grants_and_withdraws_roles_and_both_are_published(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        grant = """mutation($input: RoleGrantInput!) { grantRole(input: $input) { role label } }"""
        withdraw = """mutation($input: RoleGrantInput!) { withdrawRole(input: $input) }"""
        variables = {"input": {"personId": str(school.ids["klassruk"]), "role": "PSYCHOLOGIST"}}
        director = staff(school.id, Role.DIRECTOR)
        assert error_code(await svc.gql(grant, variables, principal=director)) == "FORBIDDEN"
        data = await ok(svc, grant, variables, principal=school.admin)
        assert data["grantRole"] == {"role": "PSYCHOLOGIST", "label": "педагог-психолог"}
        assert error_code(await svc.gql(grant, variables, principal=school.admin)) == "CONFLICT"
        await ok(svc, withdraw, variables, principal=school.admin)
        parent_role = {"input": {"personId": str(school.ids["klassruk"]), "role": "PARENT"}}
        assert error_code(await svc.gql(grant, parent_role, principal=school.admin)) == "VALIDATION"

        def is_psychologist(e: Envelope) -> bool:
            return e.payload.get("role") == "psychologist"

        async def both_published() -> list[str]:
            events = await read_events(infra.nats_url, namespace, until=1, timeout=2)
            types = [e.type for e in events if is_psychologist(e)]
            return types if len(types) == 2 else []

        types = await eventually(both_published)
        assert types == ["people.role.granted", "people.role.withdrawn"]


async def test_school_structure_enrolment_and_guardianship_events_reach_jetstream(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        await school.account("petrov.parent", "petrova")
        expected = 1 + 1 + 2 + 5 + 2 + 2 + 2 + 1 + 1  # see build_school
        events = await read_events(infra.nats_url, namespace, until=expected)
        by_type: dict[str, list[dict[str, object]]] = {}
        for envelope in events:
            assert envelope.school_id == school.id
            by_type.setdefault(envelope.type, []).append(envelope.payload)
        assert by_type["people.school.created"] == [
            {
                "school_id": str(school.id),
                "name": "МАОУ СОШ № 1 г. Томска",
                "short_name": "СОШ № 1",
                "timezone": "Asia/Tomsk",
            }
        ]
        year = by_type["people.academic_year.created"][0]
        assert year["starts_on"] == "2026-09-01"
        assert [p["name"] for p in year["study_periods"]] == ["1 полугодие", "2 полугодие"]  # type: ignore[index]
        assert {c["name"] for c in by_type["people.school_class.created"]} == {"7А", "7Б"}
        assert by_type["people.school_class.class_teacher_assigned"] == [
            {
                "school_class_id": str(school.class_id),
                "school_id": str(school.id),
                "person_id": str(school.ids["klassruk"]),
            }
        ]
        assert {
            "person_id": str(school.ids["petrov.student"]),
            "school_id": str(school.id),
            "school_class_id": str(school.class_id),
            "enrolled_on": "2026-09-01",
        } in by_type["people.student.enrolled"]
        assert {
            "parent_id": str(school.ids["petrov.parent"]),
            "student_id": str(school.ids["petrov.student"]),
            "school_id": str(school.id),
            "relation": "мать",
        } in by_type["people.guardianship.linked"]
        registered = by_type["people.person.registered"]
        assert {p["kind"] for p in registered} == {"staff", "student", "parent"}
        roles = {(p["role"], p["school_class_id"]) for p in by_type["people.role.granted"]}
        assert ("class_teacher", str(school.class_id)) in roles
        assert ("parent", None) in roles and ("student", None) in roles
        assert by_type["people.account.issued"][0]["login"] == "petrova"


async def test_registration_is_refused_to_roles_without_the_duty(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        variables = {"input": {"kind": "STAFF", "lastName": "Новиков", "firstName": "Олег"}}
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        assert error_code(await svc.gql(REGISTER, variables, principal=secretary)) == "FORBIDDEN"
        hr = staff(school.id, Role.HR_SECRETARY)
        await ok(svc, REGISTER, variables, principal=hr)
        blank = {"input": {"kind": "STUDENT", "lastName": " ", "firstName": "Олег"}}
        assert error_code(await svc.gql(REGISTER, blank, principal=school.admin)) == "VALIDATION"
        # Requests without the gateway's signature never reach a resolver.
        response = await svc.http.post("/graphql", json={"query": "{ school { name } }"})
        assert response.status_code == 401


ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Student { id fullName } ... on Person { id shortName } } }"""


async def test_a_student_or_parent_resolves_only_staff_and_their_own_family_by_reference(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        await school.consent("petrov.student", given_by="petrov.parent")
        student = await sign_in(svc, "petrov", await school.credentials("petrov.student", "petrov"))
        parent = await sign_in(svc, "petrova", await school.account("petrov.parent", "petrova"))

        def ref(typename: str, key: str) -> dict[str, str]:
            return {"__typename": typename, "id": str(school.ids[key])}

        representations = [
            ref("Student", "petrov.student"),
            ref("Student", "orlov.student"),
            ref("Person", "orlov.parent"),
            ref("Person", "petrov.parent"),
            ref("Person", "klassruk"),
        ]
        for reader in (student, parent):
            found = (await ok(svc, ENTITIES, {"r": representations}, principal=reader))["_entities"]
            assert found == [
                {"id": str(school.ids["petrov.student"]), "fullName": "Петров Артём Алексеевич"},
                None,
                None,
                {"id": str(school.ids["petrov.parent"]), "shortName": "Петрова М. В."},
                {"id": str(school.ids["klassruk"]), "shortName": "Соколова И. А."},
            ]
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        found = (await ok(svc, ENTITIES, {"r": representations}, principal=teacher))["_entities"]
        assert None not in found


async def test_a_malformed_identifier_is_a_validation_error(infra: Infra, namespace: str) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        body = await svc.gql(STUDENT, {"id": "not-a-uuid"}, principal=teacher)
        assert error_code(body) == "VALIDATION"
        assert body["errors"][0]["message"] == "Неверный идентификатор."
        reference = {"r": [{"__typename": "Person", "id": "x" * 10_000}]}
        assert error_code(await svc.gql(ENTITIES, reference, principal=teacher)) == "VALIDATION"


async def test_an_hr_secretary_cannot_reset_the_password_of_an_administrator(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        director = await school.person("director", "STAFF", "Директоров", "Пётр", "Ильич")
        grant = """mutation($input: RoleGrantInput!) { grantRole(input: $input) { role } }"""
        await ok(
            svc,
            grant,
            {"input": {"personId": str(director), "role": "DIRECTOR"}},
            principal=school.admin,
        )
        await school.account("director", "direktor")
        variables = {"input": {"personId": str(director)}}
        hr = staff(school.id, Role.HR_SECRETARY)
        assert error_code(await svc.gql(ISSUE, variables, principal=hr)) == "FORBIDDEN"
        await ok(svc, ISSUE, variables, principal=school.admin)
        # Ordinary staff are still the HR secretary's to serve.
        await school.consent("klassruk")
        await ok(svc, ISSUE, {"input": {"personId": str(school.ids["klassruk"])}}, principal=hr)


async def test_blank_or_oversized_texts_are_validation_errors(infra: Infra, namespace: str) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        year = """mutation($input: CreateAcademicYearInput!) { createAcademicYear(input: $input) {
          id } }"""
        for name in (" ", "г" * 10_000):
            variables = {
                "input": {
                    "name": name,
                    "startsOn": "2027-09-01",
                    "endsOn": "2028-05-31",
                    "studyPeriods": [],
                }
            }
            body = await svc.gql(year, variables, principal=school.admin)
            assert error_code(body) == "VALIDATION"
        consent = (
            """mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }"""
        )
        subject = str(school.ids["klassruk"])
        variables = {
            "input": {"subjectId": subject, "givenById": subject, "document": "з" * 10_000}
        }
        assert error_code(await svc.gql(consent, variables, principal=school.admin)) == "VALIDATION"
        create = """mutation($input: CreateSchoolInput!) { createSchool(input: $input) { id } }"""
        variables = {"input": {"name": "ш" * 10_000, "shortName": "СОШ"}}
        assert error_code(await svc.gql(create, variables, principal=regional_admin())) == (
            "VALIDATION"
        )
