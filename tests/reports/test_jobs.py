"""Reports ordered as files: jobs taken from a JetStream work queue, progress as it happens,
the file through a signed link, reused while its data is unchanged, ordered only by those who
may read the report."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import openpyxl
import pikepdf
import pytest
from sqlalchemy import func, select

from services.kernel.events import stream_name
from services.kernel.roles import Role
from services.reports import downloads, jobs
from services.reports.archive_models import ReportFile
from tests.reports.files_school import School, apply
from tests.support import Infra, ServiceClient, eventually, new_namespace, running_service

REQUEST = """mutation($kind: ReportKind!, $p: ReportParametersInput!, $f: ReportFormat!) {
  requestReport(kind: $kind, parameters: $p, format: $f) {
    id status progress reused fileName downloadUrl error
  }
}"""
JOB = "query($id: ID!) { reportJob(id: $id) { id status progress reused fileName downloadUrl } }"


@pytest.fixture(scope="module")
async def svc(infra: Infra) -> AsyncIterator[ServiceClient]:
    async with running_service(infra, "reports", namespace=new_namespace()) as service:
        yield service


@pytest.fixture(scope="module")
async def school(svc: ServiceClient) -> School:
    school = School()
    await apply(svc, *school.setup_events())
    return school


async def order(
    svc: ServiceClient,
    school: School,
    who: Any,
    *,
    kind: str = "PROGRESS_SUMMARY",
    school_class: UUID | None = None,
    fmt: str = "XLSX",
) -> dict[str, Any]:
    params: dict[str, Any] = {"academicYearId": str(school.year)}
    if school_class is not None:
        params["schoolClassId"] = str(school_class)
    return await svc.gql(REQUEST, {"kind": kind, "p": params, "f": fmt}, principal=who)


async def finished(svc: ServiceClient, who: Any, job_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = (await svc.gql(JOB, {"id": job_id}, principal=who))["data"]["reportJob"]
        return job if job["status"] in ("DONE", "FAILED") else None

    return await eventually(done, timeout=60)


async def download(svc: ServiceClient, url: str) -> Any:
    assert url.startswith(downloads.LINK_PREFIX)
    return await svc.http.get(f"/files/{url.removeprefix(downloads.LINK_PREFIX)}")


async def test_the_director_orders_a_class_sheet_and_downloads_it_once_built(
    svc: ServiceClient, school: School
) -> None:
    director = school.principal(Role.DIRECTOR, school.director)
    answer = await order(svc, school, director, school_class=school.class_7b)
    job = answer["data"]["requestReport"]
    assert job["status"] == "QUEUED" and job["downloadUrl"] is None and not job["reused"]
    job = await finished(svc, director, job["id"])
    assert job["status"] == "DONE" and job["progress"] == 100
    assert job["fileName"] == "Сводная ведомость 7Б 2025-2026.xlsx"
    response = await download(svc, job["downloadUrl"])
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    names = {c.value for row in book.worksheets[0].iter_rows() for c in row}
    assert {"Иванова Мария", "Петров Пётр", "Сидоров Семён"} <= names
    assert "Алексеев Антон" not in names  # 8А's student is not on 7Б's sheet
    # The work queue keeps nothing once the job is acknowledged.
    js = svc.runtime.extras["nats"].jetstream()
    queue = stream_name(svc.settings.namespace, jobs.JOB_STREAM)
    assert await eventually(lambda: _empty(js, queue))


async def _empty(js: Any, stream: str) -> bool:
    info = await js.stream_info(stream)
    return info.state.messages == 0 and info.state.last_seq >= 1


async def test_unchanged_data_reuses_the_file_and_a_changed_mark_builds_a_new_one(
    svc: ServiceClient, school: School
) -> None:
    director = school.principal(Role.DIRECTOR, school.director)
    first = await order(svc, school, director, school_class=school.class_8a, fmt="PDF")
    first = await finished(svc, director, first["data"]["requestReport"]["id"])
    again = (await order(svc, school, director, school_class=school.class_8a, fmt="PDF"))["data"][
        "requestReport"
    ]
    assert again["status"] == "DONE" and again["reused"] and again["id"] != first["id"]
    assert (await download(svc, again["downloadUrl"])).content == (
        await download(svc, first["downloadUrl"])
    ).content
    student = next(iter(school.students_8a))
    await apply(svc, school.period_mark(student, school.class_8a, school.maths, "year", 2))
    changed = (await order(svc, school, director, school_class=school.class_8a, fmt="PDF"))["data"][
        "requestReport"
    ]
    assert changed["status"] == "QUEUED" and not changed["reused"]
    changed = await finished(svc, director, changed["id"])
    pdf = (await download(svc, changed["downloadUrl"])).content
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 1
    assert pdf != (await download(svc, first["downloadUrl"])).content


async def test_progress_comes_live_until_the_file_is_ready(
    svc: ServiceClient, school: School
) -> None:
    deputy = school.principal(Role.DEPUTY_DIRECTOR_QUALITY)
    answer = await order(svc, school, deputy, kind="PROGRESS_SUMMARY_SCHOOL", fmt="PDF")
    job_id = UUID(answer["data"]["requestReport"]["id"])
    seen = [
        view
        async for view in jobs.watch_job(svc.runtime, svc.background.nats_ready, deputy, job_id)
    ]
    assert seen[-1].status is jobs.JobStatus.DONE and seen[-1].progress == 100
    progress = [v.progress for v in seen]
    assert progress == sorted(progress) and len(set(progress)) == len(progress)
    # A school-wide sheet has every class.
    pdf = await download(svc, seen[-1].download_url(svc.settings.internal_secret, 60) or "")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("role", "person", "school_class", "kind", "code"),
    [
        ("CLASS_TEACHER", "class_teacher", "class_7b", "PROGRESS_SUMMARY", None),
        ("CLASS_TEACHER", "class_teacher", "class_8a", "PROGRESS_SUMMARY", "NOT_FOUND"),
        ("SUBJECT_TEACHER", "subject_teacher", "class_7b", "PROGRESS_SUMMARY", None),
        ("SUBJECT_TEACHER", "subject_teacher", "class_8a", "PROGRESS_SUMMARY", "NOT_FOUND"),
        ("SUBJECT_TEACHER", "subject_teacher", None, "PROGRESS_SUMMARY_SCHOOL", "FORBIDDEN"),
        ("CLASS_TEACHER", "class_teacher", None, "PROGRESS_SUMMARY", "VALIDATION"),
        ("PARENT", None, "class_7b", "PROGRESS_SUMMARY", "FORBIDDEN"),
        ("STUDENT", None, "class_7b", "PROGRESS_SUMMARY", "FORBIDDEN"),
    ],
)
async def test_who_may_order_which_report(
    svc: ServiceClient,
    school: School,
    role: str,
    person: str | None,
    school_class: str | None,
    kind: str,
    code: str | None,
) -> None:
    who = school.principal(Role[role], getattr(school, person) if person else None)
    class_id = getattr(school, school_class) if school_class else None
    answer = await order(svc, school, who, kind=kind, school_class=class_id)
    if code is None:
        assert answer["data"]["requestReport"]["status"] in ("QUEUED", "DONE")
    else:
        assert answer["data"]["requestReport"] is None
        assert answer["errors"][0]["extensions"]["code"] == code


async def test_a_class_of_another_school_answers_as_missing(
    svc: ServiceClient, school: School
) -> None:
    other = School()
    await apply(svc, *other.setup_events()[:4])
    director = school.principal(Role.DIRECTOR, school.director)
    answer = await order(svc, school, director, school_class=other.class_7b)
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_job_is_seen_only_by_whoever_ordered_it(svc: ServiceClient, school: School) -> None:
    director = school.principal(Role.DIRECTOR, school.director)
    job = (await order(svc, school, director, school_class=school.class_7b))["data"][
        "requestReport"
    ]
    deputy = school.principal(Role.DEPUTY_DIRECTOR_QUALITY)
    answer = await svc.gql(JOB, {"id": job["id"]}, principal=deputy)
    assert answer["data"]["reportJob"] is None
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    bad = await svc.gql(JOB, {"id": "not-a-uuid\x00"}, principal=director)
    assert bad["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_a_forged_or_expired_link_opens_nothing(svc: ServiceClient, school: School) -> None:
    secret = svc.settings.internal_secret
    expired = downloads.sign_link(downloads.FileKind.REPORT, uuid4(), secret, -5)
    forged = downloads.sign_link(downloads.FileKind.REPORT, uuid4(), "another secret", 60)
    missing = downloads.sign_link(downloads.FileKind.REPORT, uuid4(), secret, 60)
    assert (await download(svc, expired)).status_code == 403
    assert (await download(svc, forged)).status_code == 403
    assert (await download(svc, missing)).status_code == 404
    assert (await svc.http.get("/files/%00garbage")).status_code == 403


async def test_a_redelivered_job_is_not_built_twice(svc: ServiceClient, school: School) -> None:
    director = school.principal(Role.DIRECTOR, school.director)
    job = (await order(svc, school, director, school_class=school.class_7b, fmt="PDF"))["data"][
        "requestReport"
    ]
    await finished(svc, director, job["id"])
    files = await _files(svc)
    await jobs.run_job(svc.runtime, UUID(job["id"]))  # the queue brings it back after a crash
    again = (await svc.gql(JOB, {"id": job["id"]}, principal=director))["data"]["reportJob"]
    assert again["status"] == "DONE" and await _files(svc) == files


async def _files(svc: ServiceClient) -> int:
    async with svc.runtime.db.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(ReportFile)) or 0)


async def test_a_subject_teachers_file_shows_only_the_subjects_they_teach(
    svc: ServiceClient, school: School
) -> None:
    teacher = school.principal(Role.SUBJECT_TEACHER, school.subject_teacher)
    job = (await order(svc, school, teacher, school_class=school.class_7b))["data"]["requestReport"]
    job = await finished(svc, teacher, job["id"])
    book = openpyxl.load_workbook(io.BytesIO((await download(svc, job["downloadUrl"])).content))
    texts = {c.value for row in book.worksheets[0].iter_rows() for c in row}
    assert "Математика" in texts and "Русский язык" not in texts
    # The director's file of the same class is another file, with every subject.
    director = school.principal(Role.DIRECTOR, school.director)
    full = (await order(svc, school, director, school_class=school.class_7b))["data"][
        "requestReport"
    ]
    full = await finished(svc, director, full["id"])
    book = openpyxl.load_workbook(io.BytesIO((await download(svc, full["downloadUrl"])).content))
    assert "Русский язык" in {c.value for row in book.worksheets[0].iter_rows() for c in row}


async def test_a_long_render_keeps_telling_the_queue_the_job_is_in_hand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0)
    beats = 0
    released = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal beats
        beats += 1
        if beats == 3:
            released.set()  # the render ends only once the queue has heard three times

    async def render() -> bytes:
        await released.wait()
        return b"file"

    async with asyncio.timeout(30):  # without the beats the render would never end
        assert await jobs._beating(render(), heartbeat) == b"file"
    assert beats >= 3


async def test_a_year_the_school_does_not_have_answers_as_missing(
    svc: ServiceClient, school: School
) -> None:
    director = school.principal(Role.DIRECTOR, school.director)
    unknown = School(school=school.school, class_7b=school.class_7b)  # another year's ids
    answer = await order(svc, unknown, director, school_class=school.class_7b)
    assert answer["data"]["requestReport"] is None
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"
