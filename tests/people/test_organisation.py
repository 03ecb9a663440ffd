"""Organisation: subgroups, staff records and dismissal, role withdrawal, the study-period kind,
and the regional view across schools."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from gateway.auth import authenticate
from gateway.revocation import RevocationList
from services.kernel.errors import Unauthenticated, ValidationFailed
from services.kernel.events import Envelope
from services.kernel.roles import Role
from services.people import domain
from services.people.domain import PeriodDraft, StudyPeriodKind
from services.people.models import RoleGrantRow, SchoolClass, Session
from tests.people.helpers import (
    CREATE_YEAR,
    ENROL,
    School,
    build_school,
    error_code,
    login,
    ok,
    read_events,
    sign_in,
    staff,
)
from tests.support import Infra, eventually, running_service

CREATE_SUBGROUP = """mutation($input: CreateSubgroupInput!) {
  createSubgroup(input: $input) { id subject name schoolClass { name } students { id } } }"""
SET_MEMBERS = """mutation($id: ID!, $students: [ID!]!) {
  setSubgroupMembers(subgroupId: $id, studentIds: $students) { id students { id } } }"""
SUBGROUPS = """query($id: ID!) { subgroups(schoolClassId: $id) { name subject
  students { shortName } } }"""
HIRE = """mutation($input: HireStaffInput!) { hireStaff(input: $input) {
  position hiredOn dismissedOn person { id } } }"""
DISMISS = """mutation($input: DismissStaffInput!) { dismissStaff(input: $input) {
  position hiredOn dismissedOn dismissalOrder person { fullName } } }"""
STAFF_RECORDS = """{ staffRecords { position dismissedOn person { id } } }"""
WITHDRAW = """mutation($input: RoleGrantInput!) { withdrawRole(input: $input) }"""
GRANT = """mutation($input: RoleGrantInput!) { grantRole(input: $input) { code } }"""
SET_KIND = """mutation($kind: StudyPeriodKind!) { setStudyPeriodKind(kind: $kind) }"""
REGION = """{ regionSchools { name academicYear studentCount classes { name studentCount } } }"""
SCHOOL_CLASS = """query($id: ID!) { schoolClass(id: $id) { name } }"""
STUDENT = """query($id: ID!) { student(id: $id) { fullName } }"""


async def events_of(infra: Infra, namespace: str, *types: str) -> list[Envelope]:
    """The namespace's people events, once every one of ``types`` has been published."""

    async def read() -> list[Envelope] | None:
        events = await read_events(infra.nats_url, namespace, until=1, timeout=5)
        return events if set(types) <= {e.type for e in events} else None

    return await eventually(read)  # type: ignore[no-any-return]


def english(school: School, name: str, *students: str) -> dict[str, object]:
    return {
        "input": {
            "schoolClassId": str(school.class_id),
            "subject": "английский язык",
            "name": name,
            "studentIds": [str(school.ids[s]) for s in students],
        }
    }


async def test_subgroups_are_kept_by_the_class_teacher_of_that_class_or_the_secretary(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        other = await build_school(svc)
        await school.person("zaytseva", "STUDENT", "Зайцева", "Алёна", "Игоревна", "FEMALE")
        enrol = {"personId": str(school.ids["zaytseva"]), "schoolClassId": str(school.class_id)}
        await ok(
            svc, ENROL, {"input": {**enrol, "enrolledOn": "2026-09-01"}}, principal=school.admin
        )
        klassruk = staff(school.id, Role.CLASS_TEACHER, person_id=school.ids["klassruk"])
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)

        first = await ok(svc, CREATE_SUBGROUP, english(school, "1 группа", "petrov.student"),
                         principal=klassruk)  # fmt: skip
        group = first["createSubgroup"]
        assert group["schoolClass"]["name"] == "7Б"
        assert group["students"] == [{"id": str(school.ids["petrov.student"])}]

        # Another class teacher, a subject teacher, another school's secretary: refused.
        other_teacher = staff(school.id, Role.CLASS_TEACHER)
        body = await svc.gql(CREATE_SUBGROUP, english(school, "3 группа"), principal=other_teacher)
        assert error_code(body) == "FORBIDDEN"
        subject_teacher = staff(school.id, Role.SUBJECT_TEACHER)
        body = await svc.gql(
            CREATE_SUBGROUP, english(school, "3 группа"), principal=subject_teacher
        )
        assert error_code(body) == "FORBIDDEN"
        stranger = staff(other.id, Role.ACADEMIC_SECRETARY)
        body = await svc.gql(CREATE_SUBGROUP, english(school, "3 группа"), principal=stranger)
        assert error_code(body) == "NOT_FOUND"
        body = await svc.gql(
            SET_MEMBERS, {"id": group["id"], "students": []}, principal=other_teacher
        )
        assert error_code(body) == "FORBIDDEN"

        # One subgroup per subject for a student; members come from the class itself.
        body = await svc.gql(
            CREATE_SUBGROUP, english(school, "2 группа", "petrov.student"), principal=secretary
        )
        assert error_code(body) == "CONFLICT"
        body = await svc.gql(
            CREATE_SUBGROUP, english(school, "2 группа", "orlov.student"), principal=secretary
        )
        assert error_code(body) == "VALIDATION"
        capitalised = english(school, "2 группа")
        capitalised["input"]["subject"] = "Английский язык"  # type: ignore[index]
        assert error_code(await svc.gql(CREATE_SUBGROUP, capitalised, principal=secretary)) == (
            "VALIDATION"
        )
        await ok(svc, CREATE_SUBGROUP, english(school, "2 группа", "zaytseva"), principal=secretary)
        await ok(
            svc,
            SET_MEMBERS,
            {"id": group["id"], "students": [str(school.ids["petrov.student"])]},
            principal=klassruk,
        )

        data = await ok(svc, SUBGROUPS, {"id": str(school.class_id)}, principal=klassruk)
        assert [
            (g["name"], [s["shortName"] for s in g["students"]]) for g in data["subgroups"]
        ] == [
            ("1 группа", ["Петров А. А."]),
            ("2 группа", ["Зайцева А. И."]),
        ]
        parent = staff(school.id, Role.PARENT)
        body = await svc.gql(SUBGROUPS, {"id": str(school.class_id)}, principal=parent)
        assert error_code(body) == "FORBIDDEN"

        events = await events_of(
            infra, namespace, "people.subgroup.created", "people.subgroup.members_changed"
        )
        changed = [e for e in events if e.type == "people.subgroup.members_changed"]
        assert {e.payload["subject"] for e in changed} == {"английский язык"}


async def test_dismissal_withdraws_roles_blocks_the_account_and_keeps_the_record(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        other = await build_school(svc)
        hr = staff(school.id, Role.HR_SECRETARY)
        klassruk = str(school.ids["klassruk"])
        hire = {"input": {"personId": klassruk, "position": "учитель", "hiredOn": "2020-08-25"}}
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        assert error_code(await svc.gql(HIRE, hire, principal=teacher)) == "FORBIDDEN"
        foreign_hr = staff(other.id, Role.HR_SECRETARY)
        assert error_code(await svc.gql(HIRE, hire, principal=foreign_hr)) == "NOT_FOUND"
        await ok(svc, HIRE, hire, principal=hr)
        assert error_code(await svc.gql(HIRE, hire, principal=hr)) == "CONFLICT"

        password = await school.account("klassruk", "sokolova")
        await sign_in(svc, "sokolova", password)
        dismiss = {
            "input": {"personId": klassruk, "dismissedOn": "2026-11-30", "orderNumber": "45-к"}
        }
        assert error_code(await svc.gql(DISMISS, dismiss, principal=teacher)) == "FORBIDDEN"
        assert error_code(await svc.gql(DISMISS, dismiss, principal=foreign_hr)) == "NOT_FOUND"
        data = await ok(svc, DISMISS, dismiss, principal=hr)
        assert data["dismissStaff"] == {
            "position": "учитель",
            "hiredOn": "2020-08-25",
            "dismissedOn": "2026-11-30",
            "dismissalOrder": "45-к",
            "person": {"fullName": "Соколова Ирина Александровна"},
        }
        assert error_code(await svc.gql(DISMISS, dismiss, principal=hr)) == "CONFLICT"

        refused = await login(svc, "sokolova", password)
        assert error_code(refused) == "FORBIDDEN"
        async with svc.runtime.db.sessionmaker() as session:
            grants = (
                await session.scalars(
                    select(RoleGrantRow).where(RoleGrantRow.person_id == school.ids["klassruk"])
                )
            ).all()
            assert grants and all(g.withdrawn_at is not None for g in grants)
            school_class = await session.get(SchoolClass, school.class_id)
            assert school_class is not None and school_class.class_teacher_id is None
            open_sessions = await session.scalars(select(Session).where(Session.ended_at.is_(None)))
            assert open_sessions.all() == []

        records = await ok(svc, STAFF_RECORDS, principal=hr)
        assert records["staffRecords"] == [
            {"position": "учитель", "dismissedOn": "2026-11-30", "person": {"id": klassruk}}
        ]
        assert error_code(await svc.gql(STAFF_RECORDS, principal=teacher)) == "FORBIDDEN"

        # The HR secretary does not dismiss the administration; the administrator does.
        await school.person("zavuch", "STAFF", "Ким", "Ольга", "Петровна", "FEMALE")
        grant = {
            "input": {"personId": str(school.ids["zavuch"]), "role": "DEPUTY_DIRECTOR_CONTENT"}
        }
        await ok(svc, GRANT, grant, principal=school.admin)
        dismiss["input"]["personId"] = str(school.ids["zavuch"])
        assert error_code(await svc.gql(DISMISS, dismiss, principal=hr)) == "FORBIDDEN"
        await ok(svc, DISMISS, dismiss, principal=school.admin)

        events = await events_of(
            infra,
            namespace,
            "people.staff.hired",
            "people.staff.dismissed",
            "people.role.withdrawn",
            "people.account.blocked",
            "people.session.ended",
        )
        dismissed = [e for e in events if e.type == "people.staff.dismissed"]
        assert [e.payload["order_number"] for e in dismissed] == ["45-к", "45-к"]


async def test_a_withdrawn_role_ends_the_sessions_so_the_gateway_refuses_the_old_token(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        password = await school.account("klassruk", "sokolova")
        body = await login(svc, "sokolova", password)
        token = body["data"]["login"]["accessToken"]
        public_key = svc.settings.jwt_public_key
        revocations = RevocationList()
        authenticate(f"Bearer {token}", public_key, revocations)

        withdraw = {
            "input": {
                "personId": str(school.ids["klassruk"]),
                "role": "CLASS_TEACHER",
                "schoolClassId": str(school.class_id),
            }
        }
        director = staff(school.id, Role.DIRECTOR)
        assert error_code(await svc.gql(WITHDRAW, withdraw, principal=director)) == "FORBIDDEN"
        await ok(svc, WITHDRAW, withdraw, principal=school.admin)

        # The gateway's revocation feed reads the same stream.
        for envelope in await events_of(infra, namespace, "people.session.ended"):
            revocations.apply_event(envelope.type, envelope.model_dump(mode="json"))
        with pytest.raises(Unauthenticated):
            authenticate(f"Bearer {token}", public_key, revocations)
        fresh = await sign_in(svc, "sokolova", password)
        assert Role.CLASS_TEACHER not in {g.role for g in fresh.roles}


async def test_the_study_period_kind_decides_how_a_year_is_divided(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        assert error_code(await svc.gql(SET_KIND, {"kind": "QUARTERS"}, principal=teacher)) == (
            "FORBIDDEN"
        )
        data = await ok(svc, SET_KIND, {"kind": "TRIMESTERS"}, principal=school.admin)
        assert data["setStudyPeriodKind"] == "TRIMESTERS"

        def year(*periods: tuple[str, str]) -> dict[str, object]:
            return {
                "input": {
                    "name": "2027/2028",
                    "startsOn": "2027-09-01",
                    "endsOn": "2028-05-31",
                    "studyPeriods": [
                        {"name": f"{n} триместр", "startsOn": a, "endsOn": b}
                        for n, (a, b) in enumerate(periods, 1)
                    ],
                }
            }

        halves = year(("2027-09-01", "2027-12-28"), ("2028-01-10", "2028-05-31"))
        body = await svc.gql(CREATE_YEAR, halves, principal=school.admin)
        assert error_code(body) == "VALIDATION"
        assert "триместры" in body["errors"][0]["message"]
        gap_at_end = year(
            ("2027-09-01", "2027-11-30"), ("2027-12-01", "2028-02-28"), ("2028-03-01", "2028-05-20")
        )
        assert error_code(await svc.gql(CREATE_YEAR, gap_at_end, principal=school.admin)) == (
            "VALIDATION"
        )
        overlap = year(
            ("2027-09-01", "2027-11-30"), ("2027-11-30", "2028-02-28"), ("2028-03-01", "2028-05-31")
        )
        assert error_code(await svc.gql(CREATE_YEAR, overlap, principal=school.admin)) == (
            "VALIDATION"
        )
        good = year(
            ("2027-09-01", "2027-11-30"), ("2027-12-01", "2028-02-28"), ("2028-03-01", "2028-05-31")
        )
        await ok(svc, CREATE_YEAR, good, principal=school.admin)


async def test_a_regional_officer_sees_every_schools_counts_and_no_personal_data(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        first = await build_school(svc)
        second = await build_school(svc)
        officer = staff(first.id, Role.REGIONAL_OFFICER)
        data = await ok(svc, REGION, principal=officer)
        ours = [s for s in data["regionSchools"] if s["studentCount"] == 2]
        assert len(ours) >= 2
        assert ours[0]["academicYear"] == "2026/2027"
        assert ours[0]["classes"] == [
            {"name": "7А", "studentCount": 1},
            {"name": "7Б", "studentCount": 1},
        ]
        # No names of students, and no school's records through the school's own queries.
        body = await svc.gql(STUDENT, {"id": str(second.ids["petrov.student"])}, principal=officer)
        assert error_code(body) == "NOT_FOUND"
        body = await svc.gql(SCHOOL_CLASS, {"id": str(second.class_id)}, principal=officer)
        assert error_code(body) == "NOT_FOUND"
        assert error_code(await svc.gql(REGION, principal=first.admin)) == "FORBIDDEN"

        # A school's administrator cannot touch another school's people.
        grant = {"input": {"personId": str(second.ids["klassruk"]), "role": "SUBJECT_TEACHER"}}
        assert error_code(await svc.gql(GRANT, grant, principal=first.admin)) == "NOT_FOUND"


def test_quarters_must_be_four_and_cover_the_year_from_its_first_to_its_last_day() -> None:
    starts, ends = date(2026, 9, 1), date(2027, 5, 31)
    quarters = [
        PeriodDraft("1 четверть", starts, date(2026, 10, 26)),
        PeriodDraft("2 четверть", date(2026, 11, 5), date(2026, 12, 28)),
        PeriodDraft("3 четверть", date(2027, 1, 12), date(2027, 3, 22)),
        PeriodDraft("4 четверть", date(2027, 4, 1), ends),
    ]
    domain.check_periods_for_kind(StudyPeriodKind.QUARTERS, starts, ends, quarters)
    with pytest.raises(ValidationFailed):
        domain.check_periods_for_kind(StudyPeriodKind.TRIMESTERS, starts, ends, quarters)
    with pytest.raises(ValidationFailed):
        domain.check_periods_for_kind(StudyPeriodKind.QUARTERS, starts, date(2027, 6, 30), quarters)
