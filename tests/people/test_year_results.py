"""People consumes the journal's year closing: the promotion proposes a conditional promotion
(or, for a graduating class, staying) for students with academic debt, saying why."""

from __future__ import annotations

from uuid import UUID, uuid4

import orjson
from sqlalchemy import func, select

from services.kernel.events import Envelope
from services.kernel.roles import Role
from services.people.domain import academic_debt_reason
from services.people.models import Movement, YearResult
from tests.people.helpers import CREATE_CLASS, CREATE_YEAR, ENROL, build_school, ok, staff
from tests.support import Infra, eventually, running_service

PREVIEW = """query($input: PromotionInput!) { promotionPreview(input: $input) {
  yearClosed
  classes { fromClass { name } promoted { shortName } heldBack { shortName }
    conditionallyPromoted { student { shortName } reason }
    heldBackReasons { student { shortName } reason } } } }"""
APPLY = (
    """mutation($input: ApplyPromotionInput!) { applyPromotion(input: $input) { studentCount } }"""
)


def year_closed(school_id: UUID, year_id: UUID, results: list[dict[str, object]]) -> Envelope:
    algebra, russian = str(ALGEBRA), str(RUSSIAN)
    return Envelope(
        type="journal.year.closed",
        school_id=school_id,
        payload={
            "academic_year_id": str(year_id),
            "school_id": str(school_id),
            "closed_by": str(uuid4()),
            "subject_names": {algebra: "алгебра", russian: "русский язык"},
            "results": results,
        },
    )


ALGEBRA, RUSSIAN = uuid4(), uuid4()


def result(
    student: UUID, school_class: UUID, failed: list[UUID], not_attested: list[UUID]
) -> dict[str, object]:
    return {
        "student_id": str(student),
        "school_class_id": str(school_class),
        "failed_subject_ids": [str(s) for s in failed],
        "not_attested_subject_ids": [str(s) for s in not_attested],
    }


async def test_students_with_academic_debt_are_proposed_conditionally_promoted_or_kept(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        deputy = staff(school.id, Role.DEPUTY_DIRECTOR_CONTENT)
        eleventh = UUID(
            (
                await ok(
                    svc,
                    CREATE_CLASS,
                    {
                        "input": {
                            "academicYearId": str(school.year_id),
                            "gradeLevel": 11,
                            "letter": "А",
                        }
                    },
                    principal=school.admin,
                )
            )["createSchoolClass"]["id"]
        )
        await school.person("senior", "STUDENT", "Белов", "Денис", "Ильич")
        enrol = {"personId": str(school.ids["senior"]), "schoolClassId": str(eleventh)}
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
        }
        before = (await ok(svc, PREVIEW, {"input": years}, principal=deputy))["promotionPreview"]
        assert before["yearClosed"] is False

        envelope = year_closed(
            school.id,
            school.year_id,
            [
                result(school.ids["petrov.student"], school.class_id, [ALGEBRA], []),
                result(school.ids["orlov.student"], school.other_class_id, [], []),
                result(school.ids["senior"], eleventh, [], [RUSSIAN]),
            ],
        )
        js = svc.runtime.extras["nats"].jetstream()
        for _ in range(2):  # a redelivered closing changes nothing
            await js.publish(
                envelope.subject(namespace),
                orjson.dumps(envelope.model_dump(mode="json")),
            )

        async def consumed() -> bool:
            async with svc.runtime.db.sessionmaker() as s:
                return await s.scalar(select(func.count()).select_from(YearResult)) == 3

        await eventually(consumed, timeout=20)
        preview = (await ok(svc, PREVIEW, {"input": years}, principal=deputy))["promotionPreview"]
        assert preview["yearClosed"] is True
        by_class = {c["fromClass"]["name"]: c for c in preview["classes"]}
        petrov = by_class["7Б"]
        assert petrov["promoted"] == []
        [note] = petrov["conditionallyPromoted"]
        assert note["student"] == {"shortName": "Петров А. А."}
        assert "переведён условно" in note["reason"] and "алгебра" in note["reason"]
        assert by_class["7А"]["promoted"] == [{"shortName": "Орлов К. И."}]
        assert by_class["7А"]["conditionallyPromoted"] == []
        senior = by_class["11А"]
        assert senior["promoted"] == [] and senior["heldBack"] == [{"shortName": "Белов Д. И."}]
        [kept] = senior["heldBackReasons"]
        assert "не аттестован: русский язык" in kept["reason"]

        order = {"orderNumber": "75-о", "orderDate": "2027-05-29"}
        await ok(svc, APPLY, {"input": {**years, **order}}, principal=deputy)
        async with svc.runtime.db.sessionmaker() as s:
            reason = await s.scalar(
                select(Movement.reason).where(Movement.person_id == school.ids["petrov.student"])
            )
        assert reason is not None and reason.startswith("переведён условно")


def test_a_debt_reason_names_the_subjects_and_the_way_out() -> None:
    assert academic_debt_reason([], [], graduating=False) is None
    reason = academic_debt_reason(["алгебра"], ["музыка"], graduating=False)
    assert reason is not None
    assert "алгебра" in reason and "не аттестован: музыка" in reason and "ст. 58" in reason
    graduating = academic_debt_reason(["алгебра"], [], graduating=True)
    assert graduating is not None and "выпуск не проводится" in graduating
