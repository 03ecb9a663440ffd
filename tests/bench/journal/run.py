"""Start the demo system, then time the journal's reads and writes through the gateway against
raw asyncpg on the journal's database, at the same concurrency, and print the figures."""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import orjson

from services.journal.domain import demo as plan
from services.journal.events import MarkRecorded
from services.kernel.demo import demo_id, demo_today
from services.kernel.events import Envelope, uuid7
from services.kernel.principal import PRINCIPAL_HEADER, encode_principal_header
from services.kernel.tokens import verify_access_token
from tests.bench.gateway.load import STUCK_SECONDS
from tests.bench.gateway.run import _demo_system, _login, _post, _settle
from tests.bench.journal import queries
from tests.support import Infra

SECONDS = float(os.environ.get("SGO_BENCH_SECONDS", "6"))
CLIENTS = 30
WARMUP = 1.0
DIARY_AIM_MS = 15.0  # the project's aim for the diary's mean at 30 clients
ED_FI_MS = "58–73 ms"  # Ed-Fi's API at 30 clients, as the project quotes it
WRITE_AIM = 0.3  # gateway mark writes per second / raw inserts per second
RAW_ASSIGNMENTS = 3000  # fresh assignments for the raw inserts: about 70 000 distinct marks

Call = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    mean_ms: float
    p50_ms: float
    p99_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


async def _client(call: Call, until: float, latencies: list[float]) -> None:
    while (start := time.perf_counter()) < until:
        await asyncio.wait_for(call(), STUCK_SECONDS)  # a stuck request fails the run
        latencies.append(time.perf_counter() - start)


async def measure(call: Call, *, clients: int = CLIENTS, seconds: float = SECONDS) -> Figures:
    """Closed loop: warm up, then `clients` clients each sending again once answered."""
    await asyncio.gather(*(_client(call, time.perf_counter() + WARMUP, []) for _ in range(4)))
    latencies: list[float] = []
    began = time.perf_counter()
    await asyncio.gather(*(_client(call, began + seconds, latencies) for _ in range(clients)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Figures(
        requests=len(latencies),
        seconds=elapsed,
        mean_ms=statistics.fmean(latencies) * 1000,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=cuts[98] * 1000,
    )


@dataclass
class Scene:
    """Who reads and writes what: found through the gateway as the demo's users see it."""

    url: str
    http: httpx.AsyncClient
    system: Any
    pool: asyncpg.Pool
    tokens: dict[str, str]
    student: UUID
    week: tuple[date, date]
    month: tuple[date, date]
    class_id: UUID
    subject_id: UUID
    lessons: list[dict[str, Any]]  # the demo teacher's lessons this week
    students: dict[UUID, list[UUID]]  # class -> roster

    async def gql(self, login: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.tokens[login]}"}
        return await _post(self.http, self.url, {"query": query, "variables": variables}, headers)

    def direct(self, login: str, query: str, variables: dict[str, Any]) -> Call:
        """The same operation sent to the journal subgraph as the gateway sends it (a signed
        principal, fresh for each figure: a signature is good for five minutes)."""
        url = f"{self.system.service_url('journal')}/graphql"
        principal = verify_access_token(self.tokens[login], self.system.public_key)
        headers = {
            PRINCIPAL_HEADER: encode_principal_header(principal, self.system.internal_secret)
        }
        body = {"query": query, "variables": variables}

        async def call() -> None:
            await _post(self.http, url, body, headers)

        return call


async def _scene(system: Any, http: httpx.AsyncClient, pool: asyncpg.Pool) -> Scene:
    url = system.graphql_url
    deadline = asyncio.get_running_loop().time() + 180
    while True:  # the demo journal loads in the background after people's roster
        try:
            teacher = await _login(http, url, "teacher")
            load = await _post(
                http,
                url,
                {"query": "{ teachingLoad { schoolClass { id name } subject { id name } } }"},
                {"authorization": f"Bearer {teacher}"},
            )
            if load["teachingLoad"]:
                break
        except (RuntimeError, httpx.HTTPError):
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the demo school did not load")
        await asyncio.sleep(0.5)
    algebra = next(
        item
        for item in load["teachingLoad"]
        if (item["schoolClass"]["name"], item["subject"]["name"]) == ("7Б", "алгебра")
    )
    class_id = algebra["schoolClass"]["id"]
    await _settle(http, url, await _login(http, url, "director"), class_id)
    tokens = {login: await _login(http, url, login) for login in ("teacher", "parent", "student")}
    days = plan.demo_days(demo_today())
    week = (days[2 * 5], days[2 * 5 + 4])
    month = (days[0], days[0] + timedelta(days=30))
    headers = {"authorization": f"Bearer {tokens['parent']}"}
    children = await _post(http, url, {"query": "{ myChildren { id } }"}, headers)
    scene = Scene(
        url=url,
        http=http,
        system=system,
        pool=pool,
        tokens=tokens,
        student=UUID(children["myChildren"][0]["id"]),
        week=week,
        month=month,
        class_id=UUID(class_id),
        subject_id=UUID(algebra["subject"]["id"]),
        lessons=[],
        students={},
    )
    lessons = await scene.gql(
        "teacher",
        "query($from: Date!, $to: Date!) { lessons(from: $from, to: $to) "
        "{ id date schoolClass { id } subject { id name } } }",
        {"from": week[0].isoformat(), "to": week[1].isoformat()},
    )
    scene.lessons = lessons["lessons"]
    for item in load["teachingLoad"]:
        journal = await scene.gql(
            "teacher",
            queries.CLASS_JOURNAL,
            {
                "class": item["schoolClass"]["id"],
                "subject": item["subject"]["id"],
                "from": week[0].isoformat(),
                "to": week[1].isoformat(),
            },
        )
        roster = [UUID(s["id"]) for s in journal["classJournal"]["students"]]
        scene.students[UUID(item["schoolClass"]["id"])] = roster
    return scene


# --- reads ------------------------------------------------------------------------------------


def _diary_variables(scene: Scene) -> dict[str, Any]:
    return {
        "student": str(scene.student),
        "from": scene.week[0].isoformat(),
        "to": scene.week[1].isoformat(),
    }


def _diary_gateway(scene: Scene) -> Call:
    logins = itertools.cycle(("parent", "student"))
    variables = _diary_variables(scene)

    async def call() -> None:
        await scene.gql(next(logins), queries.DIARY, variables)

    return call


def _diary_raw(scene: Scene) -> Call:
    async def call() -> None:
        async with scene.pool.acquire() as c:
            lessons = await c.fetch(queries.SQL_DIARY_LESSONS, scene.student, *scene.week)
            ids = [r["id"] for r in lessons]
            await c.fetch(queries.SQL_STUDENT_MARKS, ids, scene.student)
            await c.fetch(queries.SQL_STUDENT_ATTENDANCE, ids, scene.student)

    return call


def _journal_variables(scene: Scene) -> dict[str, Any]:
    return {
        "class": str(scene.class_id),
        "subject": str(scene.subject_id),
        "from": scene.month[0].isoformat(),
        "to": scene.month[1].isoformat(),
    }


def _journal_gateway(scene: Scene) -> Call:
    variables = _journal_variables(scene)

    async def call() -> None:
        await scene.gql("teacher", queries.CLASS_JOURNAL, variables)

    return call


def _journal_raw(scene: Scene) -> Call:
    async def call() -> None:
        async with scene.pool.acquire() as c:
            await c.fetch(queries.SQL_CLASS_STUDENTS, scene.class_id)
            lessons = await c.fetch(
                queries.SQL_CLASS_LESSONS, scene.class_id, scene.subject_id, *scene.month
            )
            ids = [r["id"] for r in lessons]
            await c.fetch(queries.SQL_LESSON_MARKS, ids)
            await c.fetch(queries.SQL_LESSON_ATTENDANCE, ids)

    return call


async def _same_data(scene: Scene) -> str:
    """The raw queries must see what the gateway answers before any timing counts."""
    diary = await scene.gql("parent", queries.DIARY, _diary_variables(scene))
    g_lessons = [les for day in diary["diary"] for les in day["lessons"]]
    g_marks = sum(len(les["marks"]) for les in g_lessons)
    journal = (await scene.gql("teacher", queries.CLASS_JOURNAL, _journal_variables(scene)))[
        "classJournal"
    ]
    j_marks = sum(len(les["marks"]) for les in journal["lessons"])
    async with scene.pool.acquire() as c:
        lessons = await c.fetch(queries.SQL_DIARY_LESSONS, scene.student, *scene.week)
        marks = await c.fetch(queries.SQL_STUDENT_MARKS, [r["id"] for r in lessons], scene.student)
        students = await c.fetch(queries.SQL_CLASS_STUDENTS, scene.class_id)
        class_lessons = await c.fetch(
            queries.SQL_CLASS_LESSONS, scene.class_id, scene.subject_id, *scene.month
        )
        class_marks = await c.fetch(queries.SQL_LESSON_MARKS, [r["id"] for r in class_lessons])
    gateway = (len(g_lessons), g_marks, len(journal["students"]), len(journal["lessons"]), j_marks)
    raw = (len(lessons), len(marks), len(students), len(class_lessons), len(class_marks))
    if gateway != raw:
        raise RuntimeError(f"the gateway and raw SQL disagree: {gateway} != {raw}")
    return (
        f"diary week {raw[0]} lessons, {raw[1]} marks; 7Б algebra "
        f"{scene.month[0]:%d.%m}–{scene.month[1]:%d.%m}: {raw[2]} students x {raw[3]} lessons, "
        f"{raw[4]} marks (gateway and raw SQL agree)"
    )


# --- writes -----------------------------------------------------------------------------------


def _pairs(lessons: list[dict[str, Any]], students: dict[UUID, list[UUID]]) -> Iterator[Any]:
    """(lesson, student) round the teacher's lessons, each student in turn: no two clients on
    the same mark, few on the same lesson at once."""
    for n in itertools.count():
        lesson = lessons[n % len(lessons)]
        roster = students[UUID(lesson["schoolClass"]["id"])]
        yield lesson, roster[(n // len(lessons)) % len(roster)]


def _writes_gateway(scene: Scene) -> Call:
    pairs = _pairs(scene.lessons, scene.students)

    async def call() -> None:
        lesson, student = next(pairs)
        variables = {"input": {"lessonId": lesson["id"], "studentId": str(student), "value": 4}}
        await scene.gql("teacher", queries.RECORD_MARK, variables)

    return call


async def _writes_raw(scene: Scene) -> Call:
    """A mark on a fresh assignment and its mark.recorded outbox row, in one transaction."""
    school, teacher = demo_id("school"), demo_id("person:teacher")
    async with scene.pool.acquire() as c:
        subject = await c.fetchval(
            "SELECT subject FROM outbox WHERE subject LIKE '%journal.mark.recorded' LIMIT 1"
        )
        type_id, weight = await c.fetchrow(
            "SELECT id, weight FROM assignment_type WHERE school_id = $1 AND is_default", school
        )
        assignments = [
            (uuid7(), scene.lessons[n % len(scene.lessons)]) for n in range(RAW_ASSIGNMENTS)
        ]
        await c.copy_records_to_table(
            "assignment",
            records=[(a, school, UUID(les["id"]), type_id, teacher) for a, les in assignments],
            columns=("id", "school_id", "lesson_id", "assignment_type_id", "created_by"),
        )
    pairs = (
        (assignment, lesson, student)
        for assignment, lesson in assignments
        for student in scene.students[UUID(lesson["schoolClass"]["id"])]
    )

    async def call() -> None:
        assignment, lesson, student = next(pairs)
        mark_id = uuid7()
        event = MarkRecorded(
            mark_id=mark_id,
            school_id=school,
            lesson_id=UUID(lesson["id"]),
            student_id=student,
            school_class_id=UUID(lesson["schoolClass"]["id"]),
            subject_id=UUID(lesson["subject"]["id"]),
            subject_name=lesson["subject"]["name"],
            teacher_id=teacher,
            value=4,
            weight=weight,
            date=date.fromisoformat(lesson["date"]),
        )
        envelope = Envelope.wrap(event, school_id=school, actor=teacher)
        body = orjson.dumps(envelope.model_dump(mode="json")).decode()
        async with scene.pool.acquire() as c, c.transaction():
            await c.execute(
                queries.SQL_INSERT_MARK,
                mark_id,
                school,
                event.lesson_id,
                assignment,
                student,
                4,
                teacher,
            )
            await c.execute(queries.SQL_INSERT_OUTBOX, envelope.id, subject, str(mark_id), body)

    return call


async def _idle(scene: Scene) -> None:
    """Let the relay and the consumers finish the previous figure's events."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while loop.time() < deadline:
        async with scene.pool.acquire() as c:
            left = await c.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        if not left:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)  # the consumers' share of the same events


# --- the run ----------------------------------------------------------------------------------


def _load() -> str:
    """The machine's load: figures taken beside other work are not the system's own."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _row(name: str, f: Figures) -> str:
    return (
        f"{name:<40} {f.throughput:>8.0f} {f.mean_ms:>8.2f} {f.p50_ms:>8.2f} {f.p99_ms:>8.2f}"
        f" {f.requests:>8}"
    )


async def run(infra: Infra) -> None:
    async with _demo_system(infra) as system:
        dsn = system.database_urls["journal"].replace("postgresql+asyncpg://", "postgresql://")
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with (
            httpx.AsyncClient(timeout=30, limits=limits) as http,
            asyncpg.create_pool(dsn, min_size=CLIENTS, max_size=CLIENTS) as pool,
        ):
            scene = await _scene(system, http, pool)
            print(await _same_data(scene))
            print(
                f"{CLIENTS} clients, {SECONDS:.0f} s per figure after {WARMUP:.0f} s warm-up; "
                f"raw = asyncpg on the journal's database, a pool of {CLIENTS}; "
                f"load average {_load()} on {os.cpu_count()} CPUs"
            )
            print(
                f"{'':<40} {'req/s':>8} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>8}"
            )
            figures: dict[str, tuple[Figures, Figures]] = {}
            diary = ("parent", queries.DIARY, _diary_variables(scene))
            journal = ("teacher", queries.CLASS_JOURNAL, _journal_variables(scene))
            plans = (
                (
                    "diary week",
                    _diary_gateway(scene),
                    _diary_raw(scene),
                    lambda: scene.direct(*diary),
                ),
                (
                    "class journal month",
                    _journal_gateway(scene),
                    _journal_raw(scene),
                    lambda: scene.direct(*journal),
                ),
            )
            await _idle(scene)
            for name, gateway_call, raw_call, direct in plans:
                # One client: what a request costs on its own, without the queue of thirty.
                print(_row(f"{name}: gateway, 1 client", await measure(gateway_call, clients=1)))
                through = await measure(gateway_call)
                print(_row(f"{name}: gateway", through))
                print(_row(f"{name}: journal subgraph", await measure(direct())))
                raw = await measure(raw_call)
                print(_row(f"{name}: raw SQL", raw))
                figures[name] = (through, raw)
            writes = await measure(_writes_gateway(scene))
            print(_row("recordMark: gateway", writes))
            await _idle(scene)
            raw_writes = await measure(await _writes_raw(scene))
            print(_row("mark + outbox insert: raw SQL", raw_writes))
            figures["mark writes"] = (writes, raw_writes)
    print(f"\nload average after the run {_load()}; ratios gateway/raw")
    for name, (through, raw) in figures.items():
        print(
            f"{name:<20} mean {through.mean_ms / raw.mean_ms:>6.2f}x  "
            f"throughput {through.throughput / raw.throughput:>5.2f}"
        )
    diary = figures["diary week"][0]
    write_ratio = figures["mark writes"][0].throughput / figures["mark writes"][1].throughput
    print(
        f"aims: diary mean ≤ {DIARY_AIM_MS:.0f} ms at {CLIENTS} clients (Ed-Fi's API "
        f"{ED_FI_MS}): {diary.mean_ms:.1f} ms; mark writes ≥ {WRITE_AIM} of raw: "
        f"{write_ratio:.2f}"
    )
