"""Report jobs: a report ordered as a file, built by a worker off the API's path.

``request_report`` checks who may have the report, then either reuses a file built from the
same data (its ``data_version``, a checksum of the projection rows it reads) or records a
queued job and, in the same transaction, ``reports.report_job.requested``. The relay publishes
that event to reports' stream, which JetStream sources into the ``REPORT_JOBS`` work queue
(WorkQueue retention: each job taken once, gone when acknowledged — unlike event streams,
which keep everything for replay). Every reports process runs a worker pulling one job at a
time; rendering runs in a thread, so a school-wide report never holds up the API.

Progress and completion: each step is written to the job's row, then announced on a core NATS
subject (``<ns>.live.reports.report_job``) that every process hears; ``watch_job`` (the
``reportJobUpdated`` subscription) reads the row again on each announcement.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import BadRequestError, NotFoundError
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from services.kernel.events import Envelope, stream_name, utcnow, uuid7
from services.kernel.graphql import Runtime
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork
from services.reports import access
from services.reports.archive_models import ReportFile, ReportJob
from services.reports.downloads import FileKind, sign_link
from services.reports.events import ReportJobRequested
from services.reports.names import school_and_year
from services.reports.periods import Period, span
from services.reports.rendering import Report, render_pdf, render_xlsx
from services.reports.rendering.progress_sheet import (
    progress_sheet_report,
    school_progress_report,
)
from services.reports.sheets import classes_of_year, load_class_sheets, sheets_version

log = logging.getLogger("sgo.reports.jobs")

ORDERERS = access.CLASS_READERS
JOB_STREAM = "report_jobs"
WORKERS = "reports-report-jobs"
LIVE_SUBJECT = "live.reports.report_job"
FEED_KEY = "report_job_feed"
ACK_WAIT_SECONDS = 120.0
HEARTBEAT_SECONDS = 20.0
MAX_DELIVER = 3
# A subscriber re-reads its job this often even without an announcement (one may be lost).
WATCH_POLL_SECONDS = 5.0


class ReportKind(StrEnum):
    PROGRESS_SUMMARY = "progress_summary"  # one class's сводная ведомость of a year
    PROGRESS_SUMMARY_SCHOOL = "progress_summary_school"  # every class of the school


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


TERMINAL = (JobStatus.DONE, JobStatus.FAILED)
CONTENT_TYPES = {
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
}
FAILED_MESSAGE = "Не удалось построить отчёт. Попробуйте заказать его ещё раз."


@dataclass(frozen=True)
class ReportParameters:
    academic_year_id: UUID
    school_class_id: UUID | None = None

    def key(self, subject_ids: frozenset[UUID] | None = None) -> str:
        """Which file answers: a subject teacher's file shows their subjects only."""
        subjects = ",".join(sorted(map(str, subject_ids))) if subject_ids is not None else "*"
        return f"{self.academic_year_id}:{self.school_class_id or '-'}:{subjects}"

    def to_json(self) -> dict[str, str | None]:
        return {
            "academic_year_id": str(self.academic_year_id),
            "school_class_id": str(self.school_class_id) if self.school_class_id else None,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ReportParameters:
        class_id = value.get("school_class_id")
        return cls(UUID(value["academic_year_id"]), UUID(class_id) if class_id else None)


@dataclass(frozen=True)
class JobView:
    job_id: UUID
    kind: ReportKind
    format: ReportFormat
    parameters: ReportParameters
    status: JobStatus
    progress: int
    reused: bool
    error: str | None
    file_id: UUID | None
    file_name: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def download_url(self, secret: str, ttl_seconds: int) -> str | None:
        if self.status is not JobStatus.DONE or self.file_id is None:
            return None
        return sign_link(FileKind.REPORT, self.file_id, secret, ttl_seconds)


def _view(job: ReportJob, file_name: str | None) -> JobView:
    return JobView(
        job_id=job.job_id,
        kind=ReportKind(job.kind),
        format=ReportFormat(job.format),
        parameters=ReportParameters.from_json(job.parameters),
        status=JobStatus(job.status),
        progress=job.progress,
        reused=job.reused,
        error=job.error,
        file_id=job.file_id,
        file_name=file_name,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


# --- ordering ----------------------------------------------------------------------------------


async def _scope(
    session: AsyncSession, principal: Principal, kind: ReportKind, params: ReportParameters
) -> frozenset[UUID] | None:
    """The same rules as the report queries: the subjects the caller's file may show (None:
    every one); a class the caller may not see is NOT_FOUND."""
    assert principal.school_id is not None
    await span(session, principal.school_id, Period(params.academic_year_id))  # NOT_FOUND
    if kind is ReportKind.PROGRESS_SUMMARY_SCHOOL:
        if not access.is_administration(principal):
            raise Forbidden("Отчёт по всей школе заказывает администрация.")
        return None
    if params.school_class_id is None:
        raise ValidationFailed("Укажите класс.", field="schoolClassId")
    scope = await access.class_scope(session, principal, params.school_class_id)
    return scope.subject_ids


async def data_version(
    session: AsyncSession, school_id: UUID, kind: ReportKind, params: ReportParameters
) -> str:
    if kind is ReportKind.PROGRESS_SUMMARY:
        assert params.school_class_id is not None
        classes = [params.school_class_id]
    else:
        classes = await classes_of_year(session, school_id, params.academic_year_id)
    return await sheets_version(session, school_id, classes, params.academic_year_id)


async def request_report(
    uow: UnitOfWork,
    principal: Principal,
    kind: ReportKind,
    params: ReportParameters,
    fmt: ReportFormat,
) -> JobView:
    if not principal.is_authenticated:
        raise Unauthenticated()
    if (
        not principal.has_role(*ORDERERS)
        or principal.school_id is None
        or principal.person_id is None
    ):
        raise Forbidden("Отчёты заказывают администрация и учителя.")
    school_id = principal.school_id
    async with uow:
        session = uow.session
        subject_ids = await _scope(session, principal, kind, params)
        key = params.key(subject_ids)
        version = await data_version(session, school_id, kind, params)
        reusable = (
            await session.execute(
                select(ReportFile.file_id, ReportFile.name)
                .where(
                    ReportFile.school_id == school_id,
                    ReportFile.kind == kind.value,
                    ReportFile.parameters_key == key,
                    ReportFile.format == fmt.value,
                    ReportFile.data_version == version,
                )
                .order_by(ReportFile.created_at.desc())
                .limit(1)
            )
        ).first()
        now = utcnow()
        job = ReportJob(
            job_id=uuid7(),
            school_id=school_id,
            requested_by=principal.person_id,
            kind=kind.value,
            parameters={
                **params.to_json(),
                "subject_ids": sorted(map(str, subject_ids)) if subject_ids is not None else None,
            },
            parameters_key=key,
            format=fmt.value,
            status=JobStatus.DONE.value if reusable else JobStatus.QUEUED.value,
            progress=100 if reusable else 0,
            data_version=version,
            file_id=reusable.file_id if reusable else None,
            reused=reusable is not None,
            created_at=now,
            finished_at=now if reusable else None,
        )
        session.add(job)
        if reusable is None:
            uow.emit(
                ReportJobRequested(
                    job_id=job.job_id, school_id=school_id, kind=kind.value, format=fmt.value
                ),
                school_id=school_id,
            )
        await uow.commit()
    return _view(job, reusable.name if reusable else None)


async def report_job(db: Database, principal: Principal, job_id: UUID) -> JobView:
    """A job of the caller's own; anyone else's answers as one that does not exist."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    async with db.sessionmaker() as session:
        view = await _own_job(session, principal, job_id)
    if view is None:
        raise NotFound("Заказ отчёта не найден.")
    return view


async def _own_job(session: AsyncSession, principal: Principal, job_id: UUID) -> JobView | None:
    row = (
        await session.execute(
            select(ReportJob, ReportFile.name)
            .outerjoin(ReportFile, ReportFile.file_id == ReportJob.file_id)
            .where(
                ReportJob.job_id == job_id,
                ReportJob.school_id == principal.school_id,
                ReportJob.requested_by == principal.person_id,
            )
        )
    ).first()
    return _view(row[0], row[1]) if row is not None else None


# --- building ----------------------------------------------------------------------------------


async def build_report(
    session: AsyncSession,
    school_id: UUID,
    kind: ReportKind,
    params: ReportParameters,
    subject_ids: frozenset[UUID] | None = None,
) -> tuple[Report, str]:
    """The report's document and a file name; reads in the caller's (snapshot) transaction."""
    organisation, year_name = await school_and_year(session, school_id, params.academic_year_id)
    if kind is ReportKind.PROGRESS_SUMMARY:
        assert params.school_class_id is not None
        sheets = await load_class_sheets(
            session, school_id, params.school_class_id, params.academic_year_id, subject_ids
        )
        report = progress_sheet_report(
            sheets.year, sheets.terms, year_name=year_name, organisation=organisation
        )
        return report, f"Сводная ведомость {sheets.year.class_name} {year_name}"
    class_reports = []
    for class_id in await classes_of_year(session, school_id, params.academic_year_id):
        sheets = await load_class_sheets(session, school_id, class_id, params.academic_year_id)
        class_reports.append(
            (sheets.year, progress_sheet_report(sheets.year, sheets.terms, year_name=year_name))
        )
    report = school_progress_report(class_reports, year_name=year_name, organisation=organisation)
    return report, f"Сводная ведомость школы {year_name}"


def render(report: Report, fmt: ReportFormat, kind: ReportKind) -> bytes:
    if fmt is ReportFormat.XLSX:
        return render_xlsx(report)
    # Tags (the structure screen readers follow) make a school's hundreds of pages 20× larger.
    return render_pdf(report, tagged=kind is not ReportKind.PROGRESS_SUMMARY_SCHOOL)


async def run_job(
    runtime: Runtime, job_id: UUID, heartbeat: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Build one job's file. A job already finished (a redelivery) is left as it is."""
    db = runtime.db
    async with db.sessionmaker() as session, session.begin():
        job = await session.get(ReportJob, job_id, with_for_update=True)
        if job is None or job.status in TERMINAL:
            return
        job.status, job.progress = JobStatus.RUNNING.value, 5
        kind, fmt = ReportKind(job.kind), ReportFormat(job.format)
        params, school_id = ReportParameters.from_json(job.parameters), job.school_id
        subjects = job.parameters.get("subject_ids")
        subject_ids = frozenset(UUID(s) for s in subjects) if subjects is not None else None
    await announce(runtime, job_id)
    try:
        async with db.sessionmaker() as session, session.begin():
            # One snapshot: the version names exactly the rows the report shows.
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            version = await data_version(session, school_id, kind, params)
            report, title = await build_report(session, school_id, kind, params, subject_ids)
        await _progress(runtime, job_id, 30)
        content = await _beating(asyncio.to_thread(render, report, fmt, kind), heartbeat)
        await _progress(runtime, job_id, 90)
        async with db.sessionmaker() as session, session.begin():
            file_id = uuid7()
            session.add(
                ReportFile(
                    file_id=file_id,
                    school_id=school_id,
                    kind=kind.value,
                    parameters_key=params.key(subject_ids),
                    format=fmt.value,
                    data_version=version,
                    name=f"{title.replace('/', '-')}.{fmt.value}",
                    content_type=CONTENT_TYPES[fmt],
                    content=content,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    created_at=utcnow(),
                )
            )
            await session.execute(
                update(ReportJob)
                .where(ReportJob.job_id == job_id)
                .values(
                    status=JobStatus.DONE.value,
                    progress=100,
                    data_version=version,
                    file_id=file_id,
                    finished_at=utcnow(),
                )
            )
    except Exception:
        log.exception("report job %s failed", job_id)
        async with db.sessionmaker() as session, session.begin():
            await session.execute(
                update(ReportJob)
                .where(ReportJob.job_id == job_id)
                .values(status=JobStatus.FAILED.value, error=FAILED_MESSAGE, finished_at=utcnow())
            )
    await announce(runtime, job_id)


async def _beating(
    work: Awaitable[bytes], heartbeat: Callable[[], Awaitable[None]] | None
) -> bytes:
    """Await ``work``, telling the queue the job is still in hand every so often: a render
    longer than the ack wait must not be handed to a second worker meanwhile."""
    task = asyncio.ensure_future(work)
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_SECONDS)
        if done:
            return task.result()
        if heartbeat is not None:
            with contextlib.suppress(Exception):
                await heartbeat()


async def _progress(runtime: Runtime, job_id: UUID, progress: int) -> None:
    async with runtime.db.sessionmaker() as session, session.begin():
        await session.execute(
            update(ReportJob).where(ReportJob.job_id == job_id).values(progress=progress)
        )
    await announce(runtime, job_id)


# --- the work queue ----------------------------------------------------------------------------


def job_stream_config(namespace: str) -> StreamConfig:
    """The work queue, fed by JetStream itself from reports' event stream."""
    return StreamConfig(
        name=stream_name(namespace, JOB_STREAM),
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        sources=[
            StreamSource(
                name=stream_name(namespace, "reports"),
                filter_subject=f"{namespace}.{ReportJobRequested.type}",
            )
        ],
    )


async def ensure_job_stream(js: JetStreamContext, namespace: str) -> None:
    config = job_stream_config(namespace)
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        with contextlib.suppress(BadRequestError):  # another process created it first
            await js.add_stream(config)


class JobWorker:
    """Takes jobs from the work queue one at a time, for as long as the service runs."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.done = 0

    async def run(self) -> None:
        # Start-up hooks run before the service connects to NATS: wait for its connection.
        while "nats" not in self._runtime.extras:
            await asyncio.sleep(0.2)
        nc = self._runtime.extras["nats"]
        js = nc.jetstream()
        namespace = self._runtime.settings.namespace
        config = ConsumerConfig(
            durable_name=WORKERS,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ACK_WAIT_SECONDS,
            max_deliver=MAX_DELIVER,
        )
        while True:
            try:
                await ensure_job_stream(js, namespace)
                psub = await js.pull_subscribe(
                    "", durable=WORKERS, stream=stream_name(namespace, JOB_STREAM), config=config
                )
                await self._pull(psub, nc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # After a server restart an old pull subscription can go deaf (nats.py #504).
                log.warning("report jobs: %s; resubscribing", exc)
                await asyncio.sleep(1.0)

    async def _pull(self, psub: Any, nc: Any) -> None:
        idle = 0
        while True:
            try:
                msgs: list[Msg] = await psub.fetch(1, timeout=1.0)
            except TimeoutError:
                idle += 1
                if idle >= 30 and not nc.is_connected:
                    raise ConnectionError("NATS connection lost") from None
                continue
            idle = 0
            for msg in msgs:
                await self._take(msg)

    async def _take(self, msg: Msg) -> None:
        try:
            job_id = UUID(Envelope.model_validate_json(msg.data).payload["job_id"])
        except (ValueError, KeyError, TypeError):
            log.error("report jobs: unreadable message dropped")
            await msg.term()
            return
        await run_job(self._runtime, job_id, heartbeat=msg.in_progress)
        await msg.ack()
        self.done += 1


WORKER_KEY = "report_job_worker"


async def start_worker(runtime: Runtime) -> None:
    """The service's start-up hook: one worker per process."""
    worker = runtime.extras[WORKER_KEY] = JobWorker(runtime)
    runtime.spawn(worker.run(), "report-jobs")


# --- live progress -----------------------------------------------------------------------------


async def announce(runtime: Runtime, job_id: UUID) -> None:
    """Tell every process's subscribers that the job's row changed (best effort: they also
    re-read on their own every few seconds)."""
    nc = runtime.extras.get("nats")
    if nc is None or not nc.is_connected:
        return
    with contextlib.suppress(Exception):
        await nc.publish(
            f"{runtime.settings.namespace}.{LIVE_SUBJECT}",
            orjson.dumps({"job_id": str(job_id)}),
        )


class JobFeed:
    """One per process: job id -> the queues of its live subscribers."""

    def __init__(self) -> None:
        self._subscribers: dict[UUID, set[asyncio.Queue[None]]] = {}
        self._started: asyncio.Task[None] | None = None

    def listen(self, runtime: Runtime, nats_ready: asyncio.Event) -> None:
        if self._started is None:
            self._started = runtime.spawn(self._subscribe(runtime, nats_ready), "report-job-feed")

    async def ready(self) -> None:
        if self._started is not None:
            await asyncio.shield(self._started)

    async def _subscribe(self, runtime: Runtime, nats_ready: asyncio.Event) -> None:
        await nats_ready.wait()
        nc = runtime.extras["nats"]
        # Core NATS outside every stream's subjects; nats-py renews it after a reconnect.
        await nc.subscribe(f"{runtime.settings.namespace}.{LIVE_SUBJECT}", cb=self._on_message)
        await nc.flush()

    async def _on_message(self, msg: Any) -> None:
        try:
            job_id = UUID(orjson.loads(msg.data)["job_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return
        for queue in self._subscribers.get(job_id, ()):
            queue.put_nowait(None)

    @contextlib.contextmanager
    def subscribed(self, job_id: UUID) -> Iterator[asyncio.Queue[None]]:
        queue: asyncio.Queue[None] = asyncio.Queue()
        self._subscribers.setdefault(job_id, set()).add(queue)
        try:
            yield queue
        finally:
            queues = self._subscribers.get(job_id, set())
            queues.discard(queue)
            if not queues:
                self._subscribers.pop(job_id, None)


def feed_of(runtime: Runtime, nats_ready: asyncio.Event) -> JobFeed:
    feed = runtime.extras.get(FEED_KEY)
    if feed is None:
        feed = runtime.extras[FEED_KEY] = JobFeed()
    feed.listen(runtime, nats_ready)
    return feed


async def watch_job(
    runtime: Runtime, nats_ready: asyncio.Event, principal: Principal, job_id: UUID
) -> AsyncIterator[JobView]:
    """The job as it is now, then at each change, until it is done or failed."""
    if not principal.is_authenticated:
        raise Unauthenticated()
    feed = feed_of(runtime, nats_ready)
    await feed.ready()
    with feed.subscribed(job_id) as queue:  # registered before the first read: nothing lost
        last: tuple[JobStatus, int] | None = None
        while True:
            async with runtime.db.sessionmaker() as session:
                view = await _own_job(session, principal, job_id)
            if view is None:
                raise NotFound("Заказ отчёта не найден.")
            if (view.status, view.progress) != last:
                last = (view.status, view.progress)
                yield view
            if view.terminal:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queue.get(), WATCH_POLL_SECONDS)
