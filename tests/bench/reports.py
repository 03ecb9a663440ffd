"""Reports: projection catch-up against raw JetStream pull+ack, and the year's сводная ведомость
of a 1,000-student school through GraphQL against one hand-written SQL query per class."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.kernel.consumer import EventConsumer
from services.kernel.db import Database
from services.kernel.events import Envelope
from services.kernel.nats import connect, ensure_streams
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.reports.events import SUBSCRIPTIONS
from tests.bench.eventing import _consume_all
from tests.support import Infra, asyncpg_dsn, new_namespace, running_service

EVENTS = 6000
CLASSES, STUDENTS_PER_CLASS, SUBJECTS = 40, 25, 12
ROUNDS = 5


def _journal_story(n: int, school: UUID) -> list[Envelope]:
    """A school's journal traffic: marks recorded (some changed or removed), registers,
    attendance, lessons with topics — in the proportions of a school day."""
    rng = random.Random(7)
    out: list[Envelope] = []
    classes = [uuid4() for _ in range(10)]
    subjects = [uuid4() for _ in range(8)]
    seq = 0

    def env(type_: str, aggregate: object, **payload: Any) -> Envelope:
        nonlocal seq
        seq += 1
        body = {k: str(v) if isinstance(v, UUID | date) else v for k, v in payload.items()}
        return Envelope(
            type=type_,
            school_id=school,
            payload={"school_id": str(school), **body},
            aggregate=str(aggregate),
            sequence=seq,
        )

    day = date(2026, 10, 5)
    while len(out) < n:
        lesson, klass, subject = uuid4(), rng.choice(classes), rng.choice(subjects)
        teacher = uuid4()
        ids = {"lesson_id": lesson, "school_class_id": klass, "subject_id": subject}
        out.append(
            env(
                "journal.lesson.scheduled",
                lesson,
                **ids,
                subject_name="алгебра",
                teacher_id=teacher,
                date=day,
                number=rng.randint(1, 7),
            )
        )
        out.append(
            env(
                "journal.lesson.topic_set",
                lesson,
                **ids,
                date=day,
                number=1,
                set_by=teacher,
                has_topic=True,
                has_homework=rng.random() < 0.8,
            )
        )
        for _ in range(6):
            mark = uuid4()
            student = uuid4()
            m = {"mark_id": mark, "student_id": student, "school_class_id": klass}
            out.append(
                env(
                    "journal.mark.recorded",
                    mark,
                    **m,
                    lesson_id=lesson,
                    subject_id=subject,
                    subject_name="алгебра",
                    teacher_id=teacher,
                    value=rng.randint(2, 5),
                    weight=rng.randint(1, 3),
                    date=day,
                )
            )
            if rng.random() < 0.1:
                out.append(
                    env(
                        "journal.mark.changed",
                        mark,
                        **m,
                        subject_id=subject,
                        value_before=3,
                        value=4,
                    )
                )
        for _ in range(2):
            student = uuid4()
            out.append(
                env(
                    "journal.attendance.set",
                    f"{lesson}:{student}",
                    attendance_id=uuid4(),
                    lesson_id=lesson,
                    student_id=student,
                    school_class_id=klass,
                    subject_name="алгебра",
                    date=day,
                    lesson_number=1,
                    code="ОТ",
                    set_by=teacher,
                    category="absent_unknown",
                )
            )
        day += timedelta(days=rng.random() < 0.05)
    return out[:n]


async def catch_up(infra: Infra) -> None:
    db = Database.connect(await infra.fresh_database("reports"))
    namespace = new_namespace()
    nc = await connect(infra.nats_url, name="bench-reports")
    js = nc.jetstream()
    await ensure_streams(js, namespace)
    events = _journal_story(EVENTS, uuid4())
    for chunk in range(0, len(events), 500):
        await asyncio.gather(
            *(
                js.publish(
                    e.subject(namespace),
                    e.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": str(e.id)},
                )
                for e in events[chunk : chunk + 500]
            )
        )
    psub = await js.pull_subscribe(f"{namespace}.journal.>", durable="raw-bench")
    start = time.perf_counter()
    got = 0
    while got < len(events):
        msgs = await psub.fetch(64, timeout=1.0)
        await asyncio.gather(*(m.ack() for m in msgs))
        got += len(msgs)
    raw_rate = len(events) / (time.perf_counter() - start)
    journal = next(s for s in SUBSCRIPTIONS if s.context == "journal")
    consumer = EventConsumer(
        db, nc, service="bench-reports", namespace=namespace, subscription=journal
    )
    rate = len(events) / await _consume_all(consumer, len(events))
    print(f"{len(events)} journal events already in the stream (marks, lessons, attendance)")
    print(f"{'raw pull + ack, batches of 64 (baseline)':<56} {raw_rate:>9.0f}/s")
    print(f"{'reports projections: one statement a table a batch':<56} {rate:>9.0f}/s")
    print(f"{'ratio projections / raw (target >= 0.5)':<56} {rate / raw_rate:>9.2f}")
    await nc.close()
    await db.dispose()


# The sheet as a screen shows it: the marks as printed, each subject's and the class's figures.
SHEET = """query($c: ID!, $y: ID!) {
  progressSheet(schoolClassId: $c, academicYearId: $y) {
    className
    subjects { subjectName figures { n passRate qualityRate learningLevel averageMark } }
    rows { studentName standing averageMark displays }
    total { n passRate qualityRate learningLevel }
  }
}"""
# Every cell as an object (value, special, display): ~1,000 more fields a class.
SHEET_CELLS = SHEET.replace("displays", "cells { display value special }")

# The same facts in one statement: the class's students at the year's end, their year marks.
RAW = """
SELECT e.student_id, p.last_name, p.first_name, m.subject_id, m.subject_name, m.value, m.special
FROM enrolment e
LEFT JOIN person p ON p.person_id = e.student_id
LEFT JOIN progress_summary_mark m
  ON m.student_id = e.student_id AND m.school_class_id = e.school_class_id
 AND m.academic_year_id = $2 AND m.kind = 'year' AND NOT m.removed
WHERE e.school_class_id = $1 AND (e.left_on IS NULL OR e.left_on > $3)
ORDER BY p.last_name, p.first_name, m.subject_name
"""


async def _school(url: str) -> tuple[UUID, UUID, list[UUID], date]:
    """A 1,000-student school straight into the projections (40 classes × 25, 12 subjects,
    four terms and the year)."""
    school, year = uuid4(), uuid4()
    starts, ends = date(2025, 9, 1), date(2026, 5, 31)
    classes = [uuid4() for _ in range(CLASSES)]
    subjects = [(uuid4(), f"предмет {i:02d}") for i in range(SUBJECTS)]
    terms = [uuid4() for _ in range(4)]
    rng = random.Random(3)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO academic_year VALUES ($1, $2, '2025/2026', $3, $4)",
            year,
            school,
            starts,
            ends,
        )
        await conn.executemany(
            "INSERT INTO school_class (school_class_id, school_id, academic_year_id, grade_level,"
            " letter, name) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                (c, school, year, 1 + i // 4, "АБВГ"[i % 4], f"{1 + i // 4}{'АБВГ'[i % 4]}")
                for i, c in enumerate(classes)
            ],
        )
        students = [(uuid4(), c) for c in classes for _ in range(STUDENTS_PER_CLASS)]
        await conn.copy_records_to_table(
            "person",
            records=[
                (s, school, "student", f"Фамилия{i:04d}", "Имя", None, 0)
                for i, (s, _) in enumerate(students)
            ],
        )
        await conn.copy_records_to_table(
            "enrolment",
            records=[(s, c, school, starts, None, None) for s, c in students],
        )
        marks = []
        for s, c in students:
            for subject, name in subjects:
                for kind, period in [*(("term", t) for t in terms), ("year", None)]:
                    special = "not_attested" if rng.random() < 0.01 else None
                    value = None if special else rng.choice((3, 4, 4, 5, 5, 2))
                    marks.append(
                        (
                            uuid4(),
                            school,
                            year,
                            period,
                            None,
                            kind,
                            c,
                            subject,
                            name,
                            s,
                            value,
                            special,
                            None,
                            value,
                            False,
                        )
                    )
        await conn.execute(
            "ALTER TABLE progress_summary_mark ALTER COLUMN event_at SET DEFAULT now()"
        )
        await conn.copy_records_to_table(
            "progress_summary_mark",
            columns=[
                "period_mark_id",
                "school_id",
                "academic_year_id",
                "study_period_id",
                "study_period_name",
                "kind",
                "school_class_id",
                "subject_id",
                "subject_name",
                "student_id",
                "value",
                "special",
                "average",
                "proposed",
                "removed",
            ],
            records=marks,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return school, year, classes, ends


async def progress_sheet(infra: Infra) -> None:
    url = await infra.fresh_database("reports")
    school, year, classes, ends = await _school(url)
    director = Principal(
        account_id=uuid4(), person_id=uuid4(), school_id=school, roles=(RoleGrant(Role.DIRECTOR),)
    )
    conn = await asyncpg.connect(asyncpg_dsn(url.replace("postgresql+asyncpg", "postgresql")))
    stmt = await conn.prepare(RAW)
    async with running_service(
        infra, "reports", namespace=new_namespace(), database_url=url
    ) as svc:
        graph: list[float] = []
        cells: list[float] = []
        raw: list[float] = []
        for _ in range(ROUNDS):
            for document, times in ((SHEET, graph), (SHEET_CELLS, cells)):
                start = time.perf_counter()
                for c in classes:
                    variables = {"c": str(c), "y": str(year)}
                    result = await svc.gql(document, variables, principal=director)
                    assert "errors" not in result, result
                times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for c in classes:
                rows = await stmt.fetch(c, year, ends)
                assert rows
            raw.append(time.perf_counter() - start)
    await conn.close()
    g, r, gc = statistics.median(graph), statistics.median(raw), statistics.median(cells)
    print(
        f"{CLASSES * STUDENTS_PER_CLASS} students, {CLASSES} classes × {SUBJECTS} subjects, "
        f"{len(classes) * STUDENTS_PER_CLASS * SUBJECTS * 5} period marks; median of {ROUNDS}"
    )
    print(f"{'one SQL query per class (baseline), all classes':<56} {r * 1000:>9.1f} ms")
    print(f"{'progressSheet through the subgraph, all classes':<56} {g * 1000:>9.1f} ms")
    print(f"{'ratio GraphQL / SQL (target <= 1.5)':<56} {g / r:>9.2f}")
    print(f"{'progressSheet with every cell as an object':<56} {gc * 1000:>9.1f} ms")
    print(f"{'ratio GraphQL (cells) / SQL':<56} {gc / r:>9.2f}")


async def run(infra: Infra) -> None:
    await catch_up(infra)
    await progress_sheet(infra)
