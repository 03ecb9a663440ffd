"""The demo journal: loaded once the demo roster has arrived from people's events."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import func, select

from services.journal import demo
from services.journal.models import Lesson, Mark, Subject, TeachingLoad, outbox
from services.kernel.demo import demo_id
from services.kernel.roles import Role
from tests.journal.roster import Roster, publish
from tests.support import Infra, eventually, running_service

STUDENTS_PER_CLASS = 25


def demo_roster() -> Roster:
    r = Roster(school_id=demo_id("school"), year_id=demo_id("year:2026"))
    letters = {grade: "АБВ" if 5 <= grade <= 7 else "АБ" for grade in range(1, 12)}
    for grade, grade_letters in letters.items():
        for letter in grade_letters:
            class_id = r.school_class(grade, letter, demo_id(f"class:{grade}{letter}"))
            for n in range(1, STUDENTS_PER_CLASS + 1):
                key = (
                    "person:student"
                    if (grade, letter, n) == (7, "Б", 1)
                    else (f"person:student:{grade}{letter}:{n}")
                )
                r.student(f"Ученик{n}", class_id, demo_id(key))
    r.staff("Учителев", Role.SUBJECT_TEACHER, pid=demo_id("person:teacher"))
    r.staff(
        "Классов",
        Role.SUBJECT_TEACHER,
        Role.CLASS_TEACHER,
        school_class_id=demo_id("class:7Б"),
        pid=demo_id("person:klassruk"),
    )
    for n in range(1, 27):
        r.staff(f"Предметник{n}", Role.SUBJECT_TEACHER, pid=demo_id(f"person:staff:{n}"))
    return r


async def test_demo_journal_is_loaded_from_the_replicated_roster(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "journal", namespace=namespace) as svc:
        roster = demo_roster()
        await publish(svc.runtime.extras["nats"], namespace, roster.envelopes)
        started = time.perf_counter()
        summary = await demo.run_demo(svc.runtime)
        assert summary is not None
        waited = time.perf_counter() - started

        async with svc.runtime.db.sessionmaker() as s:
            names = set(await s.scalars(select(Subject.name)))
            assert {"русский язык", "алгебра", "геометрия", "физическая культура"} <= names
            teacher_load = set(
                await s.execute(
                    select(TeachingLoad.school_class_id, Subject.name)
                    .join(Subject)
                    .where(TeachingLoad.teacher_id == demo_id("person:teacher"))
                )
            )
            assert teacher_load == {
                (demo_id(f"class:{c}"), n) for c in ("7Б", "8А") for n in ("алгебра", "геометрия")
            }
            per_day = Counter(
                (c, d) for c, d in await s.execute(select(Lesson.school_class_id, Lesson.date))
            )
            assert set(per_day.values()) <= {4, 5, 6}
            assert len({d for _, d in per_day}) == 15  # three school weeks
            clashes = await s.scalar(
                select(func.count()).select_from(
                    select(Lesson.teacher_id, Lesson.date, Lesson.number)
                    .group_by(Lesson.teacher_id, Lesson.date, Lesson.number)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            late_marks = await s.scalar(
                select(func.count()).select_from(Mark).join(Lesson).where(Lesson.date >= demo.TODAY)
            )
            assert late_marks == 0
            assert clashes == 0, "a teacher is in two classes at once"
            assert set(await s.scalars(select(Mark.value).distinct())) <= {2, 3, 4, 5}

        relay_started = time.perf_counter()

        async def all_published() -> bool:
            async with svc.runtime.db.sessionmaker() as s:
                left = await s.scalar(
                    select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
                )
            return left == 0

        await eventually(all_published, timeout=120, interval=0.2)
        relayed = time.perf_counter() - relay_started
        print(
            f"\ndemo journal: {summary}; roster wait+load {waited:.1f}s; "
            f"relay of {summary['events']} events {relayed:.1f}s; teacher clashes {clashes}"
        )
        # A second start finds subjects and leaves the journal alone.
        assert await demo.run_demo(svc.runtime) is None
