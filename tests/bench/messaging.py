"""Messaging: one announcement and one letter to a whole school of 3,000 against a raw multi-row
insert of the same delivery rows, and a parent's first inbox page at 30 concurrent readers
against the raw SQL of the same page."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.kernel.db import Database
from services.kernel.events import uuid7
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.uow import OutboxSignal, UnitOfWork
from services.messaging import announcements, mail, mailbox
from services.messaging.domain.audiences import Audience, AudienceKind
from tests.support import Infra, asyncpg_dsn, new_namespace

CLASSES = 50
STUDENTS_PER_CLASS = 29  # 1,450 students, a parent each, 100 staff: 3,000 people
STAFF = 100
LETTERS = 300  # in the bench parent's inbox
READERS = 30
PAGES = 600


async def _seed(conn: asyncpg.Connection, school: UUID) -> dict[str, object]:
    classes = [uuid4() for _ in range(CLASSES)]
    staff = [uuid4() for _ in range(STAFF)]
    students = [uuid4() for _ in range(CLASSES * STUDENTS_PER_CLASS)]
    parents = [uuid4() for _ in students]
    people = [(p, "staff") for p in staff] + [(p, "student") for p in students]
    people += [(p, "parent") for p in parents]
    await conn.copy_records_to_table(
        "person",
        records=[
            (p, school, kind, f"Фамилия{n}", "Имя", None, 0) for n, (p, kind) in enumerate(people)
        ],
        columns=[
            "person_id",
            "school_id",
            "kind",
            "last_name",
            "first_name",
            "middle_name",
            "version",
        ],
    )
    await conn.copy_records_to_table(
        "school_class",
        records=[
            (c, school, f"{5 + n // 10}{'АБВГД'[n % 5]}", 5 + n // 10, 0)
            for n, c in enumerate(classes)
        ],
        columns=["id", "school_id", "name", "grade_level", "version"],
    )
    grants = [(uuid4(), school, p, "subject_teacher", None, True, 0) for p in staff[1:]]
    grants.append((uuid4(), school, staff[0], "director", None, True, 0))
    grants += [(uuid4(), school, s, "student", None, True, 0) for s in students]
    await conn.copy_records_to_table(
        "role_grant",
        records=grants,
        columns=["id", "school_id", "person_id", "role", "school_class_id", "active", "version"],
    )
    await conn.copy_records_to_table(
        "enrolment",
        records=[
            (s, school, classes[n // STUDENTS_PER_CLASS], None, True, 0)
            for n, s in enumerate(students)
        ],
        columns=["student_id", "school_id", "school_class_id", "enrolled_on", "active", "version"],
    )
    await conn.copy_records_to_table(
        "guardianship",
        records=[(p, s, school, "мать", 0) for p, s in zip(parents, students, strict=True)],
        columns=["parent_id", "student_id", "school_id", "relation", "version"],
    )
    await conn.copy_records_to_table(
        "class_teacher",
        records=[(c, school, staff[1 + n], True, 0) for n, c in enumerate(classes)],
        columns=["school_class_id", "school_id", "person_id", "active", "version"],
    )
    return {"staff": staff, "students": students, "parents": parents, "classes": classes}


def _principal(school: UUID, person: UUID, *roles: Role) -> Principal:
    return Principal(
        account_id=uuid4(),
        person_id=person,
        school_id=school,
        session_id=uuid4(),
        login="bench",
        roles=tuple(RoleGrant(r) for r in roles),
    )


def _stats(label: str, latencies: list[float], elapsed: float | None = None) -> float:
    ordered = sorted(latencies)
    mean = statistics.fmean(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    extra = f"   {len(ordered) / elapsed:8.0f}/s" if elapsed else ""
    print(f"{label:<58} mean {mean:7.2f} ms   p99 {p99:7.2f} ms{extra}")
    return mean


async def run(infra: Infra) -> None:
    url = await infra.fresh_database("messaging")
    db = Database.connect(url, pool_size=READERS)
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=4, max_size=READERS)
    namespace, signal, school = new_namespace(), OutboxSignal(), uuid4()
    async with pool.acquire() as conn:
        world = await _seed(conn, school)
    director = _principal(school, world["staff"][0], Role.DIRECTOR)  # type: ignore[index]
    everyone = [Audience(AudienceKind.WHOLE_SCHOOL)]

    # --- one announcement / one letter to the whole school -------------------------------------
    print(f"a whole school: {STAFF} staff, {len(world['students'])} students and as many parents")  # type: ignore[arg-type]
    start = time.perf_counter()
    posted = await announcements.post_announcement(
        UnitOfWork(db, director, namespace=namespace, signal=signal),
        director,
        announcements.AnnouncementInput(title="Каникулы", body="С 29 декабря", audiences=everyone),
    )
    post_s = time.perf_counter() - start
    start = time.perf_counter()
    letter = await mail.send_message(
        UnitOfWork(db, director, namespace=namespace, signal=signal),
        director,
        mail.LetterInput(to=[], subject="Каникулы", body="С 29 декабря", audiences=everyone),
    )
    send_s = time.perf_counter() - start
    async with pool.acquire() as conn:
        readers = await conn.fetch(
            "SELECT reader_id, school_class_id FROM announcement_reader WHERE announcement_id=$1",
            posted,
        )
        deliveries = await conn.fetch(
            "SELECT recipient_id, sender_rank, child_id FROM delivery WHERE message_id=$1", letter
        )
        await conn.execute(
            "CREATE TABLE bench_reader (LIKE announcement_reader INCLUDING ALL);"
            "CREATE TABLE bench_delivery (LIKE delivery INCLUDING ALL)"
        )
        start = time.perf_counter()
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO bench_reader (announcement_id, reader_id, school_class_id) "
                "SELECT $1, r, c FROM unnest($2::uuid[], $3::uuid[]) AS t(r, c)",
                uuid7(),
                [r["reader_id"] for r in readers],
                [r["school_class_id"] for r in readers],
            )
        raw_reader_s = time.perf_counter() - start
        start = time.perf_counter()
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO bench_delivery (message_id, recipient_id, school_id, copy,"
                " sender_rank, child_id, delivered_at) SELECT $1, r, $2, 'to', k, c, now() "
                "FROM unnest($3::uuid[], $4::smallint[], $5::uuid[]) AS t(r, k, c)",
                uuid7(),
                school,
                [d["recipient_id"] for d in deliveries],
                [d["sender_rank"] for d in deliveries],
                [d["child_id"] for d in deliveries],
            )
        raw_delivery_s = time.perf_counter() - start
    for label, seconds in (
        (f"postAnnouncement to the whole school ({len(readers)} readers)", post_s),
        ("raw multi-row insert of the same reader rows (baseline)", raw_reader_s),
        ("ratio postAnnouncement / raw", None),
        (f"sendMessage to the whole school ({len(deliveries)} deliveries)", send_s),
        ("raw multi-row insert of the same delivery rows (baseline)", raw_delivery_s),
        ("ratio sendMessage / raw", None),
    ):
        if seconds is None:
            ratio = (
                post_s / raw_reader_s if "postAnnouncement" in label else send_s / raw_delivery_s
            )
            print(f"{label:<58} {ratio:9.1f}")
        else:
            print(f"{label:<58} {seconds * 1000:9.0f} ms")

    # --- a parent's first inbox page at 30 readers ---------------------------------------------
    parent_id = world["parents"][0]  # type: ignore[index]
    teacher = world["staff"][1]  # type: ignore[index]
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        ids = [uuid7() for _ in range(LETTERS)]
        await conn.copy_records_to_table(
            "message",
            records=[
                (m, school, teacher, m, f"Письмо {n}", "Текст письма " * 20, 1)
                for n, m in enumerate(ids)
            ],
            columns=[
                "id",
                "school_id",
                "sender_id",
                "thread_id",
                "subject",
                "body",
                "recipient_count",
            ],
        )
        await conn.execute("UPDATE message SET sent_at = now() WHERE id = ANY($1::uuid[])", ids)
        await conn.copy_records_to_table(
            "delivery",
            records=[
                (m, parent_id, school, "to", 1 + n % 5, None, now - timedelta(hours=n))
                for n, m in enumerate(ids)
            ],
            columns=[
                "message_id",
                "recipient_id",
                "school_id",
                "copy",
                "sender_rank",
                "child_id",
                "delivered_at",
            ],
        )
        # Letters of ranks 4 and 5 read already: the priority page mixes unread and read ones.
        await conn.execute(
            "UPDATE delivery SET read_at = now() WHERE recipient_id = $1 AND sender_rank > 3",
            parent_id,
        )
        await conn.execute("ANALYZE")
    reader = _principal(school, parent_id, Role.PARENT)
    page_sql = (
        "SELECT m.id, m.thread_id, m.subject, m.body, m.sender_id, m.sent_at, m.created_at,"
        " m.recipient_count, d.sender_rank, d.read_at, d.child_id, p.last_name, p.first_name"
        " FROM delivery d JOIN message m ON m.id = d.message_id"
        " JOIN person p ON p.person_id = m.sender_id"
        " WHERE d.recipient_id = $1 AND d.school_id = $2 AND d.deleted_at IS NULL"
        " ORDER BY d.read_at IS NOT NULL, d.sender_rank, d.delivered_at DESC, d.message_id DESC"
        " LIMIT 50"
    )

    async def measured(op) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
        latencies: list[float] = []
        queue = iter(range(PAGES))

        async def worker() -> None:
            for _ in queue:
                t = time.perf_counter()
                await op()
                latencies.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(READERS)))
        return latencies, time.perf_counter() - t0

    async def raw_page() -> None:
        async with pool.acquire() as conn:
            await conn.fetch(page_sql, parent_id, school)

    async def inbox_page() -> None:
        await mailbox.inbox(db, reader, order=mailbox.Order.PRIORITY, limit=50)

    print(f"a parent's first inbox page (PRIORITY, 50 of {LETTERS}), {READERS} concurrent readers")
    await measured(raw_page)  # warm both paths
    await measured(inbox_page)
    raw_lat, raw_s = await measured(raw_page)
    page_lat, page_s = await measured(inbox_page)
    raw_mean = _stats("raw SQL of the same page (baseline)", raw_lat, raw_s)
    page_mean = _stats("mailbox.inbox (the query, recipients, names)", page_lat, page_s)
    print(f"{'ratio inbox / raw (mean)':<58} {page_mean / raw_mean:9.1f}")
    await pool.close()
    await db.dispose()


if __name__ == "__main__":
    from tests.support import env_infra

    found = env_infra()
    assert found is not None, "set SGO_TEST_DATABASE_URL and SGO_TEST_NATS_URL"
    asyncio.run(run(found))
