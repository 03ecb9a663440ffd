"""Class averages from the marks projection fed by journal's envelopes; rebuild by replay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import nats
import orjson
import pytest
from nats.aio.client import Client
from sqlalchemy import select

from services.kernel.events import Envelope
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.reports.events import JOURNAL_PROJECTION as MARKS_PROJECTION
from services.reports.models import Checkpoint, Mark, SchoolClass
from services.reports.rebuild import rebuild
from tests.support import Infra, ServiceClient, eventually, running_service

SCHOOL = uuid4()
CLASS_7B, CLASS_8A = uuid4(), uuid4()
KLASSRUK_7B, KLASSRUK_8A = uuid4(), uuid4()
ALGEBRA, GEOMETRY = uuid4(), uuid4()

CLASS_AVERAGES = """
query ($id: ID!) {
  classAverages(schoolClassId: $id) {
    subjectId subjectName average marksCount schoolClass { id }
  }
}
"""


@pytest.fixture
async def nc(infra: Infra) -> AsyncIterator[Client]:
    client = await nats.connect(infra.nats_url)
    yield client
    await client.close()


@pytest.fixture
async def svc(infra: Infra, namespace: str, nc: Client) -> AsyncIterator[ServiceClient]:
    async with running_service(infra, "reports", namespace=namespace) as service:
        await feed_journal(nc, namespace)
        # Caught up before the test, so shutdown never meets a consumer mid-batch.
        await eventually(lambda: projection_caught_up(service))
        yield service


def envelope(type_: str, **payload: Any) -> Envelope:
    body = {k: str(v) if isinstance(v, UUID | date) else v for k, v in payload.items()}
    return Envelope(type=type_, school_id=SCHOOL, payload=body)


async def publish(nc: Client, namespace: str, env: Envelope) -> None:
    await nc.jetstream().publish(
        env.subject(namespace),
        orjson.dumps(env.model_dump(mode="json")),
        headers={"Nats-Msg-Id": str(env.id)},
    )


def recorded(
    mark_id: UUID, school_class_id: UUID, subject_id: UUID, name: str, value: int, weight: float
) -> Envelope:
    return envelope(
        "journal.mark.recorded",
        mark_id=mark_id,
        school_id=SCHOOL,
        lesson_id=uuid4(),
        student_id=uuid4(),
        school_class_id=school_class_id,
        subject_id=subject_id,
        subject_name=name,
        teacher_id=uuid4(),
        value=value,
        weight=weight,
        date=date(2026, 11, 20),
    )


def ids(mark_id: UUID, subject_id: UUID) -> dict[str, Any]:
    return {
        "mark_id": mark_id,
        "school_id": SCHOOL,
        "student_id": uuid4(),
        "school_class_id": CLASS_7B,
        "subject_id": subject_id,
    }


# алгебра in 7Б: 5·1 + (3→4)·2, the 4·1 removed → 13/3 = 4.33 from 2 marks
# геометрия in 7Б: 2·1 + 5·3 → 17/4 = 4.25 from 2 marks; 8А's mark does not count
JOURNAL_EVENTS = 8


async def feed_journal(nc: Client, namespace: str) -> None:
    m1, m2, m3, m4, m5, other = (uuid4() for _ in range(6))
    for name, class_id, grade, letter in (("7Б", CLASS_7B, 7, "Б"), ("8А", CLASS_8A, 8, "А")):
        await publish(
            nc,
            namespace,
            envelope(
                "people.school_class.created",
                school_class_id=class_id,
                school_id=SCHOOL,
                academic_year_id=uuid4(),
                grade_level=grade,
                letter=letter,
                name=name,
            ),
        )
    for class_id, person_id in ((CLASS_7B, KLASSRUK_7B), (CLASS_8A, KLASSRUK_8A)):
        await publish(
            nc,
            namespace,
            envelope(
                "people.school_class.class_teacher_assigned",
                school_class_id=class_id,
                school_id=SCHOOL,
                person_id=person_id,
            ),
        )
    for env in (
        recorded(m1, CLASS_7B, ALGEBRA, "алгебра", 5, 1),
        recorded(m2, CLASS_7B, ALGEBRA, "алгебра", 3, 2),
        recorded(m3, CLASS_7B, ALGEBRA, "алгебра", 4, 1),
        recorded(m4, CLASS_7B, GEOMETRY, "геометрия", 2, 1),
        recorded(m5, CLASS_7B, GEOMETRY, "геометрия", 5, 3),
        recorded(other, CLASS_8A, ALGEBRA, "алгебра", 2, 1),
        envelope("journal.mark.changed", **ids(m2, ALGEBRA), value_before=3, value=4),
        envelope("journal.mark.removed", **ids(m3, ALGEBRA)),
    ):
        await publish(nc, namespace, env)


async def projection_caught_up(svc: ServiceClient) -> bool:
    async with svc.runtime.db.sessionmaker() as session:
        checkpoint = await session.get(Checkpoint, MARKS_PROJECTION)
        classes = await session.execute(select(SchoolClass.name, SchoolClass.class_teacher_id))
        return (
            checkpoint is not None
            and checkpoint.events_applied == JOURNAL_EVENTS
            and sorted(classes.all()) == [("7Б", KLASSRUK_7B), ("8А", KLASSRUK_8A)]
        )


def staff(*grants: RoleGrant, person_id: UUID | None = None) -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=person_id or uuid4(),
        school_id=SCHOOL,
        session_id=uuid4(),
        login="user",
        roles=grants,
    )


EXPECTED = [
    {
        "subjectId": str(ALGEBRA),
        "subjectName": "алгебра",
        "average": 4.33,
        "marksCount": 2,
        "schoolClass": {"id": str(CLASS_7B)},
    },
    {
        "subjectId": str(GEOMETRY),
        "subjectName": "геометрия",
        "average": 4.25,
        "marksCount": 2,
        "schoolClass": {"id": str(CLASS_7B)},
    },
]


async def test_class_averages_are_weighted_after_record_change_and_removal(
    svc: ServiceClient,
) -> None:
    director = staff(RoleGrant(Role.DIRECTOR))
    result = await svc.gql(CLASS_AVERAGES, {"id": str(CLASS_7B)}, principal=director)
    assert "errors" not in result, result
    assert result["data"]["classAverages"] == EXPECTED


async def test_the_class_teacher_of_that_class_reads_its_averages(svc: ServiceClient) -> None:
    klassruk = staff(
        RoleGrant(Role.CLASS_TEACHER, school_class_id=CLASS_7B),
        RoleGrant(Role.SUBJECT_TEACHER),
        person_id=KLASSRUK_7B,
    )
    result = await svc.gql(CLASS_AVERAGES, {"id": str(CLASS_7B)}, principal=klassruk)
    assert result["data"]["classAverages"] == EXPECTED


@pytest.mark.parametrize(
    "grants",
    [
        pytest.param((RoleGrant(Role.CLASS_TEACHER, school_class_id=CLASS_8A),), id="other-class"),
        pytest.param((RoleGrant(Role.PARENT, student_ids=(uuid4(),)),), id="parent"),
        pytest.param((RoleGrant(Role.STUDENT),), id="student"),
        pytest.param((RoleGrant(Role.SUBJECT_TEACHER),), id="subject-teacher"),
    ],
)
async def test_others_may_not_read_a_class_s_averages(
    svc: ServiceClient, grants: tuple[RoleGrant, ...]
) -> None:
    result = await svc.gql(CLASS_AVERAGES, {"id": str(CLASS_7B)}, principal=staff(*grants))
    if grants[0].role is Role.CLASS_TEACHER:  # a list: another class's averages are not theirs
        assert result == {"data": {"classAverages": []}}
    else:  # roles without the field are refused whatever the class
        assert result["data"] == {"classAverages": None}  # only the refused field is null
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_class_teacher_withdrawn_by_people_loses_the_class_at_once(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    # The token still names the class: what people recorded last decides, not the token.
    klassruk = staff(RoleGrant(Role.CLASS_TEACHER, school_class_id=CLASS_8A), person_id=KLASSRUK_8A)
    allowed = await svc.gql(CLASS_AVERAGES, {"id": str(CLASS_8A)}, principal=klassruk)
    assert "errors" not in allowed and allowed["data"]["classAverages"], allowed
    await publish(
        nc,
        namespace,
        envelope(
            "people.role.withdrawn",
            person_id=KLASSRUK_8A,
            school_id=SCHOOL,
            role="class_teacher",
            school_class_id=CLASS_8A,
        ),
    )

    async def refused() -> bool:
        result = await svc.gql(CLASS_AVERAGES, {"id": str(CLASS_8A)}, principal=klassruk)
        return result == {"data": {"classAverages": []}}

    await eventually(refused)


async def test_a_director_of_another_school_sees_nothing_of_this_class(
    svc: ServiceClient,
) -> None:
    stranger = Principal(
        account_id=uuid4(),
        person_id=uuid4(),
        school_id=uuid4(),
        roles=(RoleGrant(Role.DIRECTOR),),
    )
    result = await svc.gql(CLASS_AVERAGES, {"id": str(CLASS_7B)}, principal=stranger)
    assert result == {"data": {"classAverages": []}}


async def marks_table(svc: ServiceClient) -> list[tuple[Any, ...]]:
    async with svc.runtime.db.sessionmaker() as session:
        rows = await session.scalars(select(Mark).order_by(Mark.mark_id))
        return [
            (
                m.mark_id,
                m.school_id,
                m.school_class_id,
                m.subject_id,
                m.subject_name,
                m.student_id,
                m.value,
                m.weight,
                m.date,
                m.removed,
                m.event_at,
            )
            for m in rows.all()
        ]


async def test_the_rebuilt_projection_equals_the_live_one(svc: ServiceClient) -> None:
    live = await marks_table(svc)
    assert len(live) == 6

    replayed = await rebuild(svc.runtime)

    assert replayed == JOURNAL_EVENTS
    assert await marks_table(svc) == live
    async with svc.runtime.db.sessionmaker() as session:
        checkpoint = await session.get(Checkpoint, MARKS_PROJECTION)
        assert checkpoint is not None
        assert checkpoint.events_applied == JOURNAL_EVENTS
        assert checkpoint.stream_seq == JOURNAL_EVENTS
        assert checkpoint.rebuilt_at is not None
    director = staff(RoleGrant(Role.DIRECTOR))
    result = await svc.gql(CLASS_AVERAGES, {"id": str(CLASS_7B)}, principal=director)
    assert result["data"]["classAverages"] == EXPECTED
