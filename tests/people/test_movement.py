"""Student movement on the director's order: transfer, arrival, departure, the movement book,
and the promotion of all classes at the end of the year."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from services.kernel.errors import ValidationFailed
from services.kernel.roles import Role
from services.people import domain
from services.people.models import Anonymisation, Enrolment, SchoolClass, Session
from tests.people.helpers import (
    CREATE_CLASS,
    CREATE_YEAR,
    ENROL,
    School,
    build_school,
    error_code,
    login,
    ok,
    sign_in,
    staff,
)
from tests.people.test_organisation import CREATE_SUBGROUP, SUBGROUPS, english, events_of
from tests.support import Infra, running_service

TRANSFER = """mutation($input: TransferStudentInput!) { transferStudent(input: $input) {
  kind label occurredOn orderNumber orderDate fromClass { name } toClass { name }
  student { fullName } } }"""
ARRIVAL = """mutation($input: EnrolArrivalInput!) { enrolArrival(input: $input) {
  kind otherSchool toClass { name } } }"""
DEPARTURE = """mutation($input: RecordDepartureInput!) { recordDeparture(input: $input) {
  kind label otherSchool reason fromClass { name } } }"""
BOOK = """query($from: Date!, $to: Date!, $kind: MovementKind, $order: String) {
  movementBook(fromDate: $from, toDate: $to, kind: $kind, orderNumber: $order) {
    kind orderNumber student { shortName } fromClass { name } toClass { name } otherSchool } }"""
PREVIEW = """query($input: PromotionInput!) { promotionPreview(input: $input) {
  fromAcademicYear toAcademicYear studentCount
  classes { fromClass { name } toClassName graduates createsClass
    promoted { shortName } heldBack { shortName } } } }"""
APPLY = """mutation($input: ApplyPromotionInput!) { applyPromotion(input: $input) {
  studentCount classes { fromClass { name } toClassName graduates } } }"""
CLASSES = """query($year: ID) { schoolClasses(academicYearId: $year) { name
  classTeacher { shortName } students { shortName } } }"""


def transfer(school: School, student: str, to: UUID, **overrides: Any) -> dict[str, Any]:
    fields = {
        "personId": str(school.ids[student]),
        "toClassId": str(to),
        "transferredOn": "2026-11-16",
        "orderNumber": "112-у",
        "orderDate": "2026-11-13",
    }
    return {"input": {**fields, **overrides}}


async def test_a_transfer_between_classes_rests_on_an_order_and_moves_the_student(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        other = await build_school(svc)
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        klassruk = staff(school.id, Role.CLASS_TEACHER, person_id=school.ids["klassruk"])
        await ok(svc, CREATE_SUBGROUP, english(school, "1 группа", "petrov.student"),
                 principal=klassruk)  # fmt: skip

        to_7a = transfer(school, "petrov.student", school.other_class_id)
        for bad in (
            transfer(school, "petrov.student", school.other_class_id, orderNumber=" "),
            transfer(school, "petrov.student", school.other_class_id, orderDate="2026-11-17"),
            transfer(school, "petrov.student", school.class_id),
        ):
            assert error_code(await svc.gql(TRANSFER, bad, principal=secretary)) in (
                "VALIDATION",
                "CONFLICT",
            )
        teacher = staff(school.id, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
        assert error_code(await svc.gql(TRANSFER, to_7a, principal=teacher)) == "FORBIDDEN"
        foreign = staff(other.id, Role.ACADEMIC_SECRETARY)
        assert error_code(await svc.gql(TRANSFER, to_7a, principal=foreign)) == "NOT_FOUND"

        data = await ok(svc, TRANSFER, to_7a, principal=secretary)
        assert data["transferStudent"] == {
            "kind": "TRANSFER",
            "label": "перевод в другой класс",
            "occurredOn": "2026-11-16",
            "orderNumber": "112-у",
            "orderDate": "2026-11-13",
            "fromClass": {"name": "7Б"},
            "toClass": {"name": "7А"},
            "student": {"fullName": "Петров Артём Алексеевич"},
        }
        lists = await ok(svc, CLASSES, {"year": str(school.year_id)}, principal=secretary)
        assert {
            c["name"]: [s["shortName"] for s in c["students"]] for c in lists["schoolClasses"]
        } == {
            "7А": ["Орлов К. И.", "Петров А. А."],
            "7Б": [],
        }
        groups = await ok(svc, SUBGROUPS, {"id": str(school.class_id)}, principal=klassruk)
        assert groups["subgroups"][0]["students"] == []

        events = await events_of(
            infra, namespace, "people.student.transferred", "people.subgroup.members_changed"
        )
        moved = [e for e in events if e.type == "people.student.enrolled"][-1]
        assert moved.payload["school_class_id"] == str(school.other_class_id)
        transferred = next(e for e in events if e.type == "people.student.transferred")
        assert transferred.payload["order_number"] == "112-у"


async def test_departure_blocks_the_account_at_once_and_both_moves_enter_the_book(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        other = await build_school(svc)
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        password = await school.account("petrov.student", "petrov.aa", given_by="petrov.parent")
        await sign_in(svc, "petrov.aa", password)
        departure = {
            "input": {
                "personId": str(school.ids["petrov.student"]),
                "leftOn": "2026-11-20",
                "orderNumber": "118-у",
                "orderDate": "2026-11-19",
                "toSchoolId": str(other.id),
                "reason": "переезд семьи",
            }
        }
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        assert error_code(await svc.gql(DEPARTURE, departure, principal=teacher)) == "FORBIDDEN"
        foreign = staff(other.id, Role.ACADEMIC_SECRETARY)
        assert error_code(await svc.gql(DEPARTURE, departure, principal=foreign)) == "NOT_FOUND"
        data = await ok(svc, DEPARTURE, departure, principal=secretary)
        assert data["recordDeparture"] == {
            "kind": "DEPARTURE",
            "label": "выбытие",
            "otherSchool": "МАОУ СОШ № 1 г. Томска",
            "reason": "переезд семьи",
            "fromClass": {"name": "7Б"},
        }
        assert error_code(await login(svc, "petrov.aa", password)) == "FORBIDDEN"
        async with svc.runtime.db.sessionmaker() as session:
            assert (
                await session.scalars(select(Session).where(Session.ended_at.is_(None)))
            ).all() == []
            open_enrolments = await session.scalar(
                select(func.count())
                .select_from(Enrolment)
                .where(
                    Enrolment.person_id == school.ids["petrov.student"], Enrolment.left_on.is_(None)
                )
            )
            assert open_enrolments == 0
            # 152-FZ: a student who left is anonymised after the school's term (30 days).
            due = await session.get(Anonymisation, school.ids["petrov.student"])
            assert due is not None
            assert (due.reason, due.due_on) == ("departure", date(2026, 12, 20))
        assert error_code(await svc.gql(DEPARTURE, departure, principal=secretary)) == "CONFLICT"

        await school.person("new", "STUDENT", "Ёлкина", "Вера", "Олеговна", "FEMALE")
        arrival = {
            "input": {
                "personId": str(school.ids["new"]),
                "schoolClassId": str(school.class_id),
                "enrolledOn": "2026-11-23",
                "orderNumber": "119-у",
                "orderDate": "2026-11-20",
                "fromSchoolName": "МБОУ СОШ № 5 г. Северска",
            }
        }
        assert error_code(await svc.gql(ARRIVAL, arrival, principal=teacher)) == "FORBIDDEN"
        data = await ok(svc, ARRIVAL, arrival, principal=staff(school.id, Role.DIRECTOR))
        assert data["enrolArrival"]["toClass"] == {"name": "7Б"}
        assert error_code(await svc.gql(ARRIVAL, arrival, principal=secretary)) == "CONFLICT"

        period = {"from": "2026-11-01", "to": "2026-11-30"}
        book = await ok(svc, BOOK, period, principal=secretary)
        assert book["movementBook"] == [
            {
                "kind": "DEPARTURE",
                "orderNumber": "118-у",
                "student": {"shortName": "Петров А. А."},
                "fromClass": {"name": "7Б"},
                "toClass": None,
                "otherSchool": "МАОУ СОШ № 1 г. Томска",
            },
            {
                "kind": "ARRIVAL",
                "orderNumber": "119-у",
                "student": {"shortName": "Ёлкина В. О."},
                "fromClass": None,
                "toClass": {"name": "7Б"},
                "otherSchool": "МБОУ СОШ № 5 г. Северска",
            },
        ]
        only = await ok(svc, BOOK, {**period, "kind": "ARRIVAL"}, principal=secretary)
        assert [m["orderNumber"] for m in only["movementBook"]] == ["119-у"]
        by_order = await ok(svc, BOOK, {**period, "order": "118-у"}, principal=secretary)
        assert [m["kind"] for m in by_order["movementBook"]] == ["DEPARTURE"]
        assert error_code(await svc.gql(BOOK, period, principal=teacher)) == "FORBIDDEN"
        theirs = await ok(svc, BOOK, period, principal=foreign)
        assert theirs["movementBook"] == []

        events = await events_of(infra, namespace, "people.student.left", "people.account.blocked")
        left = next(e for e in events if e.type == "people.student.left")
        assert left.payload["destination_school_id"] == str(other.id)
        assert left.payload["school_class_id"] == str(school.class_id)


async def test_promotion_is_previewed_then_applied_to_every_class_at_once(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        deputy = staff(school.id, Role.DEPUTY_DIRECTOR_CONTENT)
        data = await ok(
            svc,
            CREATE_CLASS,
            {"input": {"academicYearId": str(school.year_id), "gradeLevel": 11, "letter": "А"}},
            principal=school.admin,
        )
        eleventh = data["createSchoolClass"]["id"]
        await school.person("senior", "STUDENT", "Белов", "Денис", "Ильич")
        enrol = {"personId": str(school.ids["senior"]), "schoolClassId": eleventh}
        await ok(
            svc, ENROL, {"input": {**enrol, "enrolledOn": "2026-09-01"}}, principal=school.admin
        )
        next_year = await ok(
            svc,
            CREATE_YEAR,
            {
                "input": {
                    "name": "2027/2028",
                    "startsOn": "2027-09-01",
                    "endsOn": "2028-05-31",
                    "studyPeriods": [
                        {"name": "1 полугодие", "startsOn": "2027-09-01", "endsOn": "2027-12-28"},
                        {"name": "2 полугодие", "startsOn": "2028-01-11", "endsOn": "2028-05-31"},
                    ],
                }
            },
            principal=school.admin,
        )
        years = {
            "fromAcademicYearId": str(school.year_id),
            "toAcademicYearId": next_year["createAcademicYear"]["id"],
            "heldBackStudentIds": [str(school.ids["orlov.student"])],
        }
        teacher = staff(school.id, Role.SUBJECT_TEACHER, Role.CLASS_TEACHER)
        assert (
            error_code(await svc.gql(PREVIEW, {"input": years}, principal=teacher)) == "FORBIDDEN"
        )

        preview = (await ok(svc, PREVIEW, {"input": years}, principal=deputy))["promotionPreview"]
        assert preview["studentCount"] == 3
        assert preview["classes"] == [
            {
                "fromClass": {"name": "7А"},
                "toClassName": "8А",
                "graduates": False,
                "createsClass": False,
                "promoted": [],
                "heldBack": [{"shortName": "Орлов К. И."}],
            },
            {
                "fromClass": {"name": "7Б"},
                "toClassName": "8Б",
                "graduates": False,
                "createsClass": True,
                "promoted": [{"shortName": "Петров А. А."}],
                "heldBack": [],
            },
            {
                "fromClass": {"name": "11А"},
                "toClassName": None,
                "graduates": True,
                "createsClass": False,
                "promoted": [{"shortName": "Белов Д. И."}],
                "heldBack": [],
            },
        ]
        # The preview changed nothing.
        async with svc.runtime.db.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(SchoolClass)) == 3

        order = {"orderNumber": "75-о", "orderDate": "2027-05-29"}
        assert (
            error_code(await svc.gql(APPLY, {"input": {**years, **order}}, principal=teacher))
            == "FORBIDDEN"
        )
        late = {**years, "orderNumber": "75-о", "orderDate": "2027-09-02"}
        assert error_code(await svc.gql(APPLY, {"input": late}, principal=deputy)) == "VALIDATION"
        applied = await ok(svc, APPLY, {"input": {**years, **order}}, principal=school.admin)
        assert applied["applyPromotion"]["studentCount"] == 3
        again = await svc.gql(APPLY, {"input": {**years, **order}}, principal=school.admin)
        assert error_code(again) == "CONFLICT"

        lists = await ok(svc, CLASSES, {"year": years["toAcademicYearId"]}, principal=deputy)
        assert lists["schoolClasses"] == [
            {"name": "7А", "classTeacher": None, "students": [{"shortName": "Орлов К. И."}]},
            {
                "name": "8Б",
                "classTeacher": {"shortName": "Соколова И. А."},
                "students": [{"shortName": "Петров А. А."}],
            },
        ]
        book = await ok(
            svc, BOOK, {"from": "2027-05-01", "to": "2027-09-30"}, principal=school.admin
        )
        assert sorted((m["kind"], m["student"]["shortName"]) for m in book["movementBook"]) == [
            ("GRADUATION", "Белов Д. И."),
            ("PROMOTION", "Орлов К. И."),
            ("PROMOTION", "Петров А. А."),
        ]
        klassruk = await sign_in(svc, "sokolova", await school.account("klassruk", "sokolova"))
        # The class teacher goes up with the class: 7Б of last year and 8Б of the next.
        assert len([g for g in klassruk.roles if g.role is Role.CLASS_TEACHER]) == 2
        events = await events_of(
            infra, namespace, "people.students.promoted", "people.student.left"
        )
        graduated = next(e for e in events if e.type == "people.student.left")
        assert graduated.payload["kind"] == "graduation"
        assert graduated.payload["left_on"] == "2027-05-31"


def test_promotion_plan_moves_each_class_up_and_graduates_the_eleventh_grade() -> None:
    plans = domain.plan_promotion(
        [
            domain.ClassToPromote("11А", 11, "А", ("s1",)),
            domain.ClassToPromote("7Б", 7, "Б", ("s2", "s3")),
        ],
        held_back=["s3"],
    )
    assert [(p.source.id, p.target, p.promoted, p.held_back) for p in plans] == [
        ("7Б", (8, "Б"), ("s2",), ("s3",)),
        ("11А", None, ("s1",), ()),
    ]
    assert plans[1].graduates


def test_an_order_needs_a_number_and_a_date_not_after_the_movement() -> None:
    on = date(2026, 11, 16)
    assert domain.check_order(" 112-у ", date(2026, 11, 13), on) == domain.Order(
        "112-у", date(2026, 11, 13)
    )
    late = date(2026, 11, 17)
    for number, issued in (("", date(2026, 11, 13)), ("112-у", None), ("112-у", late)):
        with pytest.raises(ValidationFailed):
            domain.check_order(number, issued, on)
