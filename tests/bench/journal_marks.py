"""Recording a mark (every check, the mark, its history and its event) against a raw insert."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta
from uuid import UUID, uuid4

import asyncpg
import orjson

from services.journal import marks
from services.journal.defaults import default_id, ensure_school_defaults
from services.journal.events import MarkRecorded
from services.journal.models import (
    Assignment,
    Enrolment,
    Lesson,
    School,
    SchoolClass,
    Subject,
    TeachingLoad,
)
from services.kernel.db import Database
from services.kernel.events import Envelope, uuid7
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.uow import OutboxSignal, UnitOfWork
from tests.bench.eventing import _row, _timed
from tests.support import Infra, asyncpg_dsn, new_namespace

STUDENTS = 30
ASSIGNMENTS = 60  # STUDENTS * ASSIGNMENTS marks at most
N = 1500
CONCURRENCY = 16


async def _seed(db: Database) -> tuple[Principal, UUID, list[UUID], list[UUID]]:
    school_id, class_id, teacher_id = uuid4(), uuid4(), uuid4()
    students = [uuid4() for _ in range(STUDENTS)]
    async with db.sessionmaker() as s:
        s.add(School(id=school_id, school_id=school_id, name="Школа", timezone="Asia/Tomsk"))
        await ensure_school_defaults(s, school_id)
        s.add(SchoolClass(id=class_id, school_id=school_id, name="7Б", grade_level=7, letter="Б"))
        subject = Subject(id=uuid7(), school_id=school_id, name="алгебра")
        s.add(subject)
        await s.flush()
        s.add(
            TeachingLoad(
                id=uuid7(),
                school_id=school_id,
                teacher_id=teacher_id,
                school_class_id=class_id,
                subject_id=subject.id,
            )
        )
        s.add_all(
            Enrolment(person_id=p, school_class_id=class_id, school_id=school_id) for p in students
        )
        lesson = Lesson(
            id=uuid7(),
            school_id=school_id,
            school_class_id=class_id,
            subject_id=subject.id,
            teacher_id=teacher_id,
            date=date.today() - timedelta(days=1),
            number=1,
        )
        s.add(lesson)
        await s.flush()
        type_id = default_id(school_id, "assignment_type", "ответ на уроке")
        assignments = [uuid7() for _ in range(ASSIGNMENTS)]
        s.add_all(
            Assignment(id=a, school_id=school_id, lesson_id=lesson.id, assignment_type_id=type_id)
            for a in assignments
        )
        await s.commit()
    principal = Principal(
        account_id=uuid4(),
        person_id=teacher_id,
        school_id=school_id,
        session_id=uuid4(),
        login="bench",
        roles=(RoleGrant(Role.SUBJECT_TEACHER),),
    )
    return principal, lesson.id, students, assignments


async def run(infra: Infra) -> None:
    url = await infra.fresh_database("journal")
    db = Database.connect(url, pool_size=CONCURRENCY)
    namespace = new_namespace()
    principal, lesson_id, students, assignments = await _seed(db)
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=CONCURRENCY, max_size=CONCURRENCY)
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE bench_marks (id uuid PRIMARY KEY, value int)")

    async def raw(i: int) -> None:
        mark_id = uuid7()
        event = MarkRecorded(
            mark_id=mark_id,
            school_id=principal.school_id,  # type: ignore[arg-type]
            lesson_id=lesson_id,
            student_id=students[0],
            school_class_id=lesson_id,
            subject_id=lesson_id,
            subject_name="алгебра",
            teacher_id=lesson_id,
            value=5,
            weight=1,
            date=date.today(),
        )
        env = Envelope.wrap(event, school_id=principal.school_id, actor=None)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO bench_marks VALUES ($1, $2)", mark_id, 5)
            await conn.execute(
                "INSERT INTO outbox (id, subject, aggregate, envelope) VALUES ($1,$2,$3,$4)",
                env.id,
                env.subject(namespace),
                str(mark_id),
                orjson.dumps(env.model_dump(mode="json")).decode(),
            )

    pairs = iter(itertools.product(assignments, students))
    signal = OutboxSignal()

    async def record(i: int) -> None:
        assignment_id, student_id = next(pairs)
        uow = UnitOfWork(db, principal, namespace=namespace, signal=signal)
        await marks.record_mark(uow, lesson_id, student_id, 5, None, assignment_id)

    async def record_default(i: int) -> None:
        uow = UnitOfWork(db, principal, namespace=namespace, signal=signal)
        await marks.record_mark(uow, lesson_id, students[i % STUDENTS], 4)

    print(f"{N} marks, {CONCURRENCY} concurrent")
    raw_rate = _row(
        "raw asyncpg: a row + its outbox row (baseline)", *await _timed(N, raw, CONCURRENCY), N
    )
    rate = _row(
        "recordMark on an assignment (checks, history, event)",
        *await _timed(N, record, CONCURRENCY),
        N,
    )
    print(f"{'ratio recordMark / raw':<52} {rate / raw_rate:>9.2f}")
    n = N // 3
    default_rate = _row(
        "recordMark without an assignment", *await _timed(n, record_default, CONCURRENCY), n
    )
    print(f"{'ratio recordMark (default type) / raw':<52} {default_rate / raw_rate:>9.2f}")
    await pool.close()
    await db.dispose()


if __name__ == "__main__":
    from tests.support import env_infra

    found = env_infra()
    assert found is not None, "set SGO_TEST_DATABASE_URL and SGO_TEST_NATS_URL"
    asyncio.run(run(found))
