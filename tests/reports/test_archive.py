"""The archive: a closed year's сводные ведомости frozen as PDF/A-3 (XLSX and data inside),
signed by the director and the class teacher as of the closing, hashed, kept 75 years, checked
on a schedule — and nothing deletes or changes them: not the API, not an anonymisation, not an
administrator at the database, not a restart."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import nats
import pikepdf
import pytest
from nats.aio.client import Client
from prometheus_client import REGISTRY
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from services.kernel.roles import Role
from services.reports import archive, downloads
from services.reports.archive_models import ArchivedSheet
from services.reports.models import ArchivedYear
from tests.reports.files_school import School, apply, publish
from tests.support import Infra, ServiceClient, eventually, new_namespace, running_service

ARCHIVE = """query($y: ID!, $c: ID) {
  archive(academicYearId: $y, schoolClassId: $c) {
    id className academicYear closedAt retainUntil sealed sha256 size checkedAt fixityOk
    downloadUrl signatories { position name }
  }
}"""
MISMATCHES = "{ archiveMismatches { id className sha256 fixityOk } }"


@pytest.fixture(scope="module")
async def nc(infra: Infra) -> AsyncIterator[Client]:
    client = await nats.connect(infra.nats_url)
    yield client
    await client.close()


@pytest.fixture(scope="module")
async def database(infra: Infra) -> str:
    return await infra.fresh_database("reports")


@pytest.fixture(scope="module")
def namespace_() -> str:
    return new_namespace()


@pytest.fixture(scope="module")
async def svc(infra: Infra, database: str, namespace_: str) -> AsyncIterator[ServiceClient]:
    async with running_service(
        infra, "reports", namespace=namespace_, database_url=database
    ) as service:
        yield service


async def sealed(svc: ServiceClient, school: School, count: int) -> list[dict[str, Any]]:
    director = school.principal(Role.DIRECTOR, school.director)

    async def ready() -> list[dict[str, Any]] | None:
        answer = await svc.gql(ARCHIVE, {"y": str(school.year)}, principal=director)
        sheets = answer["data"]["archive"]
        return sheets if len(sheets) == count and all(s["sealed"] for s in sheets) else None

    return await eventually(ready, timeout=90)


async def closed_school(svc: ServiceClient, nc: Client, namespace: str) -> School:
    """A school whose year the journal closes: the closing comes through NATS."""
    school = School()
    await apply(svc, *school.setup_events())
    await publish(nc, namespace, school.year_closed())
    return school


async def fetch(svc: ServiceClient, url: str) -> bytes:
    answer = await svc.http.get(f"/files/{url.removeprefix(downloads.LINK_PREFIX)}")
    assert answer.status_code == 200, answer.text
    return answer.content


async def test_closing_a_year_archives_every_class_as_signed_pdf_a_with_its_data(
    svc: ServiceClient, nc: Client, namespace_: str
) -> None:
    school = await closed_school(svc, nc, namespace_)
    sheets = {s["className"]: s for s in await sealed(svc, school, 2)}
    b7 = sheets["7Б"]
    assert b7["academicYear"] == "2025/2026"
    assert b7["retainUntil"][:4] == str(int(b7["closedAt"][:4]) + 75)
    assert b7["signatories"] == [
        {"position": "Директор", "name": "Директорова Дина"},
        {"position": "Классный руководитель", "name": "Классная Клавдия"},
    ]
    assert sheets["8А"]["signatories"] == [{"position": "Директор", "name": "Директорова Дина"}]
    pdf = await fetch(svc, b7["downloadUrl"])
    assert hashlib.sha256(pdf).hexdigest() == b7["sha256"] and len(pdf) == b7["size"]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "U")
        for page in doc.pages:
            for name, font in (page.Resources.get("/Font") or {}).items():
                descriptor = (
                    font.DescendantFonts[0].FontDescriptor
                    if "/DescendantFonts" in font
                    else font.FontDescriptor
                )
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
        attached = {n: spec.get_file().read_bytes() for n, spec in doc.attachments.items()}
    assert set(attached) == {"sheet.xlsx", "data.json"}
    assert attached["sheet.xlsx"].startswith(b"PK")
    data = json.loads(attached["data.json"])
    assert data["school_class"] == "7Б"
    assert sorted(data["students"].values()) == ["Иванова Мария", "Петров Пётр", "Сидоров Семён"]


async def test_a_redelivered_closing_archives_nothing_twice(
    svc: ServiceClient, nc: Client, namespace_: str
) -> None:
    school = await closed_school(svc, nc, namespace_)
    before = await sealed(svc, school, 2)
    async with svc.runtime.db.sessionmaker() as session, session.begin():
        await archive.on_year_closed(session, school.year_closed())
    after = await sealed(svc, school, 2)
    assert [(s["id"], s["sha256"]) for s in after] == [(s["id"], s["sha256"]) for s in before]


async def test_nothing_deletes_or_changes_a_sealed_sheet(
    svc: ServiceClient, nc: Client, namespace_: str
) -> None:
    school = await closed_school(svc, nc, namespace_)
    await sealed(svc, school, 2)
    attempts = [
        "DELETE FROM archived_sheet WHERE school_id = :school",
        "UPDATE archived_sheet SET pdf = 'x'::bytea WHERE school_id = :school",
        "UPDATE archived_sheet SET retain_until = current_date WHERE school_id = :school",
        "UPDATE archived_sheet SET data = '{}' WHERE school_id = :school",
        "TRUNCATE archived_sheet CASCADE",
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="archived sheet"):
            async with svc.runtime.db.sessionmaker() as session, session.begin():
                await session.execute(text(statement), {"school": school.school})
    await sealed(svc, school, 2)


async def test_the_fixity_check_reports_a_sheet_whose_bytes_changed(
    svc: ServiceClient, nc: Client, namespace_: str
) -> None:
    school = await closed_school(svc, nc, namespace_)
    sheets = await sealed(svc, school, 2)
    assert await archive.check_fixity(svc.runtime.db) == 0
    director = school.principal(Role.DIRECTOR, school.director)
    assert (await svc.gql(MISMATCHES, principal=director))["data"]["archiveMismatches"] == []
    # Bit rot, or someone with the power to switch the guard off: the check still sees it.
    victim = next(s for s in sheets if s["className"] == "8А")
    async with svc.runtime.db.sessionmaker() as session, session.begin():
        await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(
            text(
                "UPDATE archived_sheet SET pdf = overlay(pdf placing '\\x00'::bytea from 200)"
                " WHERE archived_sheet_id = :id"
            ),
            {"id": victim["id"]},
        )
    assert await archive.check_fixity(svc.runtime.db) == 1
    assert REGISTRY.get_sample_value("sgo_archive_fixity_mismatches") == 1
    found = (await svc.gql(MISMATCHES, principal=director))["data"]["archiveMismatches"]
    assert [(s["id"], s["fixityOk"]) for s in found] == [(victim["id"], False)]
    other = School()
    stranger = other.principal(Role.DIRECTOR, other.director)
    assert (await svc.gql(MISMATCHES, principal=stranger))["data"]["archiveMismatches"] == []
    teacher = school.principal(Role.CLASS_TEACHER, school.class_teacher)
    refused = await svc.gql(MISMATCHES, principal=teacher)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Take the damaged sheet away (the guard off again), so the module's archive is sound.
    async with svc.runtime.db.sessionmaker() as session, session.begin():
        await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(
            text("DELETE FROM archived_sheet WHERE archived_sheet_id = :id"), {"id": victim["id"]}
        )
    assert await archive.check_fixity(svc.runtime.db) == 0


@pytest.mark.parametrize(
    ("role", "person", "visible"),
    [
        ("DIRECTOR", "director", ["7Б", "8А"]),
        ("DEPUTY_DIRECTOR_CONTENT", None, ["7Б", "8А"]),
        ("CLASS_TEACHER", "class_teacher", ["7Б"]),
        ("SUBJECT_TEACHER", "subject_teacher", ["7Б"]),
        ("CLASS_TEACHER", None, []),  # of no class here
    ],
)
async def test_who_sees_which_archived_sheets(
    svc: ServiceClient, nc: Client, namespace_: str, role: str, person: str | None, visible: list
) -> None:
    school = await closed_school(svc, nc, namespace_)
    await sealed(svc, school, 2)
    who = school.principal(Role[role], getattr(school, person) if person else None)
    answer = await svc.gql(ARCHIVE, {"y": str(school.year)}, principal=who)
    assert sorted(s["className"] for s in answer["data"]["archive"]) == visible


async def test_parents_students_and_other_schools_get_nothing_from_the_archive(
    svc: ServiceClient, nc: Client, namespace_: str
) -> None:
    school = await closed_school(svc, nc, namespace_)
    await sealed(svc, school, 2)
    for role in (Role.PARENT, Role.STUDENT):
        answer = await svc.gql(ARCHIVE, {"y": str(school.year)}, principal=school.principal(role))
        assert answer["data"]["archive"] is None
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = School()
    stranger = other.principal(Role.DIRECTOR, other.director)
    answer = await svc.gql(ARCHIVE, {"y": str(school.year)}, principal=stranger)
    assert answer["data"]["archive"] == []
    bad = await svc.gql(ARCHIVE, {"y": "2025\x00"}, principal=stranger)
    assert bad["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_the_archive_survives_an_anonymisation_and_a_restart(
    infra: Infra, svc: ServiceClient, nc: Client, database: str, namespace_: str
) -> None:
    school = await closed_school(svc, nc, namespace_)
    before = {s["className"]: s for s in await sealed(svc, school, 2)}
    pdf_before = await fetch(svc, before["7Б"]["downloadUrl"])
    student = next(iter(school.students_7b))
    await publish(
        nc,
        namespace_,
        school.envelope(
            "people.person.anonymised",
            person_id=student,
            reason="departure",
            last_name="Обезличено",
            first_name="a1b2c3",
            middle_name=None,
        ),
    )

    async def anonymised() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            name = await session.scalar(
                text("SELECT last_name FROM person WHERE person_id = :p"), {"p": student}
            )
        return name == "Обезличено"

    await eventually(anonymised, timeout=30)
    # A restart: another process on the same database.
    async with running_service(
        infra, "reports", namespace=namespace_, database_url=database
    ) as again:
        after = {s["className"]: s for s in await sealed(again, school, 2)}
        links = ("downloadUrl", "checkedAt", "fixityOk")  # a link is signed anew on each read
        assert {k: {f: v for f, v in s.items() if f not in links} for k, s in after.items()} == {
            k: {f: v for f, v in s.items() if f not in links} for k, s in before.items()
        }
        assert await fetch(again, after["7Б"]["downloadUrl"]) == pdf_before
        assert await archive.check_fixity(again.runtime.db) == 0
        async with again.runtime.db.sessionmaker() as session:
            data = await session.scalar(
                select(ArchivedSheet.data).where(
                    ArchivedSheet.archived_sheet_id == before["7Б"]["id"]
                )
            )
        assert data["students"][str(student)] != "Обезличено"


async def test_a_closing_before_the_years_description_is_archived_once_it_comes(
    svc: ServiceClient, nc: Client, namespace_: str
) -> None:
    school = School()
    events = school.setup_events()
    [year] = [e for e in events if e.type == "people.academic_year.created"]
    await apply(svc, *(e for e in events if e is not year))
    await publish(nc, namespace_, school.year_closed())

    async def closed() -> bool:
        async with svc.runtime.db.sessionmaker() as session:
            found = await session.scalar(
                select(ArchivedYear.closed_at).where(ArchivedYear.academic_year_id == school.year)
            )
        return found is not None

    await eventually(closed, timeout=30)  # the closing went through, its sheets wait
    await apply(svc, year)
    sheets = await sealed(svc, school, 2)
    assert {s["className"] for s in sheets} == {"7Б", "8А"}
    assert all(s["academicYear"] == "2025/2026" for s in sheets)
