"""The progress summary (сводная ведомость успеваемости) from journal's period mark events,
archived when the journal closes the year: nothing after the closing changes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import nats
import orjson
import pytest
from nats.aio.client import Client
from sqlalchemy import func, select

from services.kernel.events import Envelope
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.reports.models import ArchivedYear, ProgressSummaryMark
from tests.support import Infra, ServiceClient, eventually, running_service

SCHOOL, OTHER_SCHOOL = uuid4(), uuid4()
CLASS_7B, YEAR, TERM1 = uuid4(), uuid4(), uuid4()
ALGEBRA, RUSSIAN = uuid4(), uuid4()
STUDENT, DEBTOR = uuid4(), uuid4()

SUMMARY = """query($c: ID!, $y: ID!) {
  progressSummary(schoolClassId: $c, academicYearId: $y) {
    closed closedAt schoolClass { id }
    rows {
      student { id } failedSubjectIds notAttestedSubjectIds
      marks { subjectName kind studyPeriodName value special display average proposed
              differsFromProposal }
    }
  }
}"""


def principal(role: Role, *, school: UUID = SCHOOL, grant: RoleGrant | None = None) -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=uuid4(),
        school_id=school,
        session_id=uuid4(),
        roles=(grant or RoleGrant(role),),
    )


DIRECTOR = principal(Role.DIRECTOR)


def envelope(type_: str, **payload: Any) -> Envelope:
    body = {k: str(v) if isinstance(v, UUID) else v for k, v in payload.items()}
    return Envelope(type=type_, school_id=SCHOOL, payload=body)


def mark_id(student: UUID, subject: UUID, kind: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"{student}:{subject}:{kind}")


def period_mark_set(
    student: UUID,
    subject: UUID,
    name: str,
    kind: str,
    *,
    value: int | None = None,
    special: str | None = None,
    average: str | None = None,
    proposed: int | None = None,
) -> Envelope:
    return envelope(
        "journal.period_mark.set",
        period_mark_id=mark_id(student, subject, kind),
        school_id=SCHOOL,
        academic_year_id=YEAR,
        study_period_id=TERM1 if kind == "term" else None,
        study_period_name="I полугодие" if kind == "term" else None,
        kind=kind,
        school_class_id=CLASS_7B,
        subject_id=subject,
        subject_name=name,
        student_id=student,
        value=value,
        special=special,
        average=average,
        proposed=proposed,
        set_by=uuid4(),
    )


def period_mark_removed(student: UUID, subject: UUID, kind: str) -> Envelope:
    return envelope(
        "journal.period_mark.removed",
        period_mark_id=mark_id(student, subject, kind),
        school_id=SCHOOL,
        academic_year_id=YEAR,
        study_period_id=None,
        kind=kind,
        school_class_id=CLASS_7B,
        subject_id=subject,
        student_id=student,
        removed_by=uuid4(),
    )


async def publish(nc: Client, namespace: str, *envelopes: Envelope) -> None:
    for env in envelopes:
        await nc.jetstream().publish(
            env.subject(namespace),
            orjson.dumps(env.model_dump(mode="json")),
            headers={"Nats-Msg-Id": str(env.id)},
        )


@pytest.fixture
async def nc(infra: Infra) -> AsyncIterator[Client]:
    client = await nats.connect(infra.nats_url)
    yield client
    await client.close()


@pytest.fixture
async def svc(infra: Infra, namespace: str) -> AsyncIterator[ServiceClient]:
    async with running_service(infra, "reports", namespace=namespace) as service:
        yield service


async def count(svc: ServiceClient, table: Any) -> int:
    async with svc.runtime.db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


async def summary(svc: ServiceClient, who: Principal = DIRECTOR) -> dict[str, Any]:
    return await svc.gql(SUMMARY, {"c": str(CLASS_7B), "y": str(YEAR)}, principal=who)


def marks_of(result: dict[str, Any], student: UUID) -> dict[tuple[str, str], dict[str, Any]]:
    [row] = [
        r for r in result["data"]["progressSummary"]["rows"] if r["student"]["id"] == str(student)
    ]
    return {(m["subjectName"], m["kind"]): m for m in row["marks"]}


async def test_summary_shows_the_period_marks_as_last_set(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    await publish(
        nc,
        namespace,
        period_mark_set(STUDENT, ALGEBRA, "алгебра", "term", value=4, average="4.75", proposed=5),
        period_mark_set(STUDENT, ALGEBRA, "алгебра", "year", value=5, average="4.50", proposed=4),
        period_mark_set(STUDENT, RUSSIAN, "русский язык", "year", value=3),
        period_mark_removed(STUDENT, RUSSIAN, "year"),
        period_mark_set(DEBTOR, ALGEBRA, "алгебра", "year", special="not_attested"),
    )
    await eventually(lambda: _rows(svc, 4), timeout=20)
    result = await summary(svc)
    assert not result.get("errors"), result
    body = result["data"]["progressSummary"]
    assert body["closed"] is False and body["schoolClass"] == {"id": str(CLASS_7B)}
    student = marks_of(result, STUDENT)
    assert set(student) == {("алгебра", "term"), ("алгебра", "year")}
    term = student[("алгебра", "term")]
    assert (term["value"], term["average"], term["proposed"]) == (4, "4.75", 5)
    assert term["differsFromProposal"] is True and term["studyPeriodName"] == "I полугодие"
    assert marks_of(result, DEBTOR)[("алгебра", "year")]["display"] == "н/а"
    # The removed mark is a tombstone: kept, not shown.
    assert await count(svc, ProgressSummaryMark) == 4


async def _rows(svc: ServiceClient, n: int) -> bool:
    return await count(svc, ProgressSummaryMark) == n


async def test_summary_is_for_the_administration_only(svc: ServiceClient) -> None:
    klassruk = principal(
        Role.CLASS_TEACHER, grant=RoleGrant(Role.CLASS_TEACHER, school_class_id=CLASS_7B)
    )
    for who in (klassruk, principal(Role.SUBJECT_TEACHER), principal(Role.STUDENT)):
        result = await summary(svc, who)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    foreign = await summary(svc, principal(Role.DIRECTOR, school=OTHER_SCHOOL))
    assert foreign["data"]["progressSummary"]["rows"] == []


async def test_a_closed_year_is_archived_and_later_events_do_not_change_it(
    svc: ServiceClient, nc: Client, namespace: str
) -> None:
    await publish(
        nc,
        namespace,
        period_mark_set(STUDENT, ALGEBRA, "алгебра", "year", value=5),
        period_mark_set(DEBTOR, ALGEBRA, "алгебра", "year", value=2),
        envelope(
            "journal.year.closed",
            academic_year_id=YEAR,
            school_id=SCHOOL,
            closed_by=uuid4(),
            subject_names={str(ALGEBRA): "алгебра"},
            results=[
                {
                    "student_id": str(STUDENT),
                    "school_class_id": str(CLASS_7B),
                    "failed_subject_ids": [],
                    "not_attested_subject_ids": [],
                },
                {
                    "student_id": str(DEBTOR),
                    "school_class_id": str(CLASS_7B),
                    "failed_subject_ids": [str(ALGEBRA)],
                    "not_attested_subject_ids": [],
                },
            ],
        ),
    )
    await eventually(lambda: count(svc, ArchivedYear), timeout=20)
    # After the closing: a change and a removal that must not reach the archive.
    await publish(
        nc,
        namespace,
        period_mark_set(DEBTOR, ALGEBRA, "алгебра", "year", value=3),
        period_mark_removed(STUDENT, ALGEBRA, "year"),
        period_mark_set(STUDENT, RUSSIAN, "русский язык", "year", value=4),
    )
    # The consumer handles the stream in order: once a later mark of another year is in, the
    # events above have been handled too.
    marker = period_mark_set(uuid4(), ALGEBRA, "алгебра", "term", value=5)
    payload = {**marker.payload, "academic_year_id": str(uuid4())}
    await publish(nc, namespace, marker.model_copy(update={"payload": payload}))
    await eventually(lambda: _rows(svc, 3), timeout=20)
    result = await summary(svc)
    body = result["data"]["progressSummary"]
    assert body["closed"] is True and body["closedAt"]
    assert marks_of(result, DEBTOR)[("алгебра", "year")]["value"] == 2
    assert set(marks_of(result, STUDENT)) == {("алгебра", "year")}
    [debtor] = [r for r in body["rows"] if r["student"]["id"] == str(DEBTOR)]
    assert debtor["failedSubjectIds"] == [str(ALGEBRA)]
