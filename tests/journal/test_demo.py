"""The demo journal: loaded around today once the demo roster has arrived from people's events."""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from datetime import time as dtime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from sqlalchemy import and_, func, select, text

from services.journal import demo
from services.journal.domain import demo as plan
from services.journal.models import (
    Assignment,
    AssignmentType,
    Attendance,
    AttendanceHistory,
    BellSchedule,
    ClassEvent,
    Enrolment,
    Lesson,
    Mark,
    PeriodMark,
    Subject,
    Substitution,
    TeachingLoad,
    TimetableEntry,
    outbox,
)
from services.kernel.demo import demo_id, demo_today, demo_year
from services.kernel.roles import Role
from tests.journal.roster import Roster, publish
from tests.support import Infra, eventually, running_service

STUDENTS_PER_CLASS = 25

# --- the demo's calendar rules ---------------------------------------------------------------


def test_the_demo_shows_the_current_school_week_and_two_before_and_after() -> None:
    sunday = date(2026, 11, 29)
    days = plan.demo_days(sunday)
    assert len(days) == 25 and all(d.weekday() < 5 for d in days)
    assert days[0] == date(2026, 11, 9) and days[-1] == date(2026, 12, 11)
    wednesday = date(2026, 12, 2)
    assert plan.demo_days(wednesday)[0] == date(2026, 11, 16)


def test_on_a_weekend_the_current_school_day_is_friday() -> None:
    assert plan.current_school_day(date(2026, 11, 29)) == date(2026, 11, 27)
    assert plan.current_school_day(date(2026, 11, 28)) == date(2026, 11, 27)
    assert plan.current_school_day(date(2026, 12, 1)) == date(2026, 12, 1)


def test_bells_ring_from_half_past_eight_for_45_minutes_with_10_to_20_minute_breaks() -> None:
    bells = plan.bell_schedule()
    assert bells[0] == (1, dtime(8, 30), dtime(9, 15))
    for (_, _, ends), (_, starts, _) in itertools.pairwise(bells):
        gap = (starts.hour * 60 + starts.minute) - (ends.hour * 60 + ends.minute)
        assert 10 <= gap <= 20


def test_the_term_mark_rounds_the_weighted_average_by_the_thresholds() -> None:
    assert plan.weighted_average([(5, 1), (4, 3)]) == Decimal("4.25")
    assert plan.weighted_average([]) is None
    assert [plan.term_mark(Decimal(a)) for a in ("4.65", "4.64", "3.65", "2.65", "2.64")] == [
        5,
        4,
        4,
        3,
        2,
    ]


def test_the_demo_year_holds_today_and_ids_follow_its_first_year() -> None:
    year = demo_year(date(2026, 11, 29))
    assert (year.starts_on, year.ends_on) == (date(2026, 9, 1), date(2027, 5, 31))
    assert year.id == demo_id("year:2026") and year.name == "2026/2027"
    assert next(p.name for p in year.periods) == "1 четверть"
    assert demo_year(date(2027, 3, 1)).id == year.id
    assert demo_year(date(2027, 9, 1)).starts_on == date(2027, 9, 1)


def test_a_week_plan_places_every_hour_without_gaps_or_a_teacher_in_two_classes() -> None:
    rng = random.Random(1)
    teachers = [uuid4() for _ in range(9)]
    busy: set[tuple[int, int, UUID]] = set()
    hours = demo.curriculum_for(8)
    for _ in range(4):  # four classes sharing nine teachers
        teacher_of = {name: teachers[i % len(teachers)] for i, name in enumerate(hours)}
        before = len(busy)
        week = plan.week_plan(hours, teacher_of, busy, rng)
        assert len(week) == sum(hours.values()) and plan.gaps(week) == 0
        assert len(busy) == before + len(week)  # every slot taken by a free teacher


# --- the loaded journal ------------------------------------------------------------------------


def demo_roster(today: date) -> Roster:
    """People's demo school as the journal receives it: its year and quarters, 25 classes, a
    class teacher each (klassruk has 7Б), 16 more subject teachers and the demo teacher."""
    year = demo_year(today)
    r = Roster(school_id=demo_id("school"), year_id=year.id)
    r.add(
        "people.academic_year.created",
        academic_year_id=year.id,
        school_id=r.school_id,
        name=year.name,
        starts_on=year.starts_on.isoformat(),
        ends_on=year.ends_on.isoformat(),
        study_periods=[
            {
                "study_period_id": str(p.id),
                "name": p.name,
                "starts_on": p.starts_on.isoformat(),
                "ends_on": p.ends_on.isoformat(),
            }
            for p in year.periods
        ],
    )
    letters = {grade: "АБВ" if 5 <= grade <= 7 else "АБ" for grade in range(1, 12)}
    n_teacher = 0
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
            if (grade, letter) != (7, "Б"):
                n_teacher += 1
                r.staff(
                    f"Классный{n_teacher}",
                    Role.SUBJECT_TEACHER,
                    Role.CLASS_TEACHER,
                    school_class_id=class_id,
                    pid=demo_id(f"person:teacher:{n_teacher}"),
                )
    r.staff("Учителев", Role.SUBJECT_TEACHER, pid=demo_id("person:teacher"))
    r.staff(
        "Классов",
        Role.SUBJECT_TEACHER,
        Role.CLASS_TEACHER,
        school_class_id=demo_id("class:7Б"),
        pid=demo_id("person:klassruk"),
    )
    for n in range(n_teacher + 1, n_teacher + 17):
        r.staff(f"Предметник{n}", Role.SUBJECT_TEACHER, pid=demo_id(f"person:teacher:{n}"))
    return r


def _count(query: object) -> object:
    return select(func.count()).select_from(query.subquery())  # type: ignore[attr-defined]


# Today as it is, and a Wednesday of the third quarter (two quarters ended, today taught).
@pytest.mark.parametrize("on", [None, date(2027, 2, 17)], ids=["today", "wednesday"])
async def test_the_demo_journal_is_generated_around_today_from_a_timetable(
    infra: Infra, namespace: str, on: date | None
) -> None:
    today = on or demo_today()
    day = plan.current_school_day(today)
    async with running_service(infra, "journal", namespace=namespace) as svc:
        roster = demo_roster(today)
        await publish(svc.runtime.extras["nats"], namespace, roster.envelopes)
        started = time.perf_counter()
        summary = await demo.run_demo(svc.runtime, today)
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

            # Bells and the days: five school weeks around today, 4–7 lessons a day.
            bells = list(await s.scalars(select(BellSchedule.starts_at).order_by("number")))
            assert bells[0] == dtime(8, 30) and len(bells) == 8
            per_day: dict[tuple[object, date], list[int]] = defaultdict(list)
            for c, d, n in await s.execute(
                select(Lesson.school_class_id, Lesson.date, Lesson.number)
            ):
                per_day[(c, d)].append(n)
            assert {len(numbers) for numbers in per_day.values()} <= {4, 5, 6, 7}
            # From the first lesson, without an empty period between lessons.
            assert all(sorted(n) == list(range(1, len(n) + 1)) for n in per_day.values())
            assert sorted({d for _, d in per_day}) == plan.demo_days(today)

            # Every lesson comes from its class's timetable slot, room included; only a
            # substitution puts another teacher there.
            mismatched = await s.scalar(
                _count(
                    select(Lesson.id)
                    .join(TimetableEntry, TimetableEntry.id == Lesson.timetable_entry_id)
                    .outerjoin(Substitution, Substitution.lesson_id == Lesson.id)
                    .where(
                        (TimetableEntry.school_class_id != Lesson.school_class_id)
                        | (TimetableEntry.subject_id != Lesson.subject_id)
                        | (TimetableEntry.number != Lesson.number)
                        | (TimetableEntry.room.is_distinct_from(Lesson.room))
                        | (TimetableEntry.weekday != func.extract("isodow", Lesson.date))
                        | (
                            Substitution.lesson_id.is_(None)
                            & (TimetableEntry.teacher_id != Lesson.teacher_id)
                        )
                        | (
                            Substitution.lesson_id.is_not(None)
                            & (Substitution.absent_teacher_id != TimetableEntry.teacher_id)
                        )
                    )
                )
            )
            assert mismatched == 0
            assert (
                await s.scalar(select(func.count()).where(Lesson.timetable_entry_id.is_(None))) == 0
            )
            assert await s.scalar(select(func.count()).select_from(TimetableEntry)) > 600

            # No teacher is in two places at once, in the timetable or in the lessons given.
            for columns in (
                (TimetableEntry.teacher_id, TimetableEntry.weekday, TimetableEntry.number),
                (Lesson.teacher_id, Lesson.date, Lesson.number),
                (TimetableEntry.room, TimetableEntry.weekday, TimetableEntry.number),
            ):
                clashes = await s.scalar(
                    _count(select(*columns).group_by(*columns).having(func.count() > 1))
                )
                assert clashes == 0, f"double-booked: {columns}"
            substitutions = list(await s.scalars(select(Substitution)))
            assert 1 <= len(substitutions) <= 2
            assert all(x.substitute_id != x.absent_teacher_id for x in substitutions)

            # Taught lessons (up to the current school day) have a topic, homework and their
            # register taken; later ones have nothing yet.
            taught = Lesson.date <= day
            assert (
                await s.scalar(
                    select(func.count()).where(
                        taught,
                        Lesson.topic.is_(None)
                        | Lesson.homework.is_(None)
                        | Lesson.register_taken_by.is_(None),
                    )
                )
                == 0
            )
            assert (
                await s.scalar(select(func.count()).select_from(Mark).join(Lesson).where(~taught))
                == 0
            )
            assert (
                await s.scalar(select(func.count()).where(~taught, Lesson.topic.is_not(None))) == 0
            )
            assert set(await s.scalars(select(Mark.value).distinct())) <= {2, 3, 4, 5}

            # Work of several types, ответ на уроке the most; some mandatory work is overdue
            # with students of the class who have no mark for it (debts).
            by_type = Counter(
                dict(
                    (
                        await s.execute(
                            select(AssignmentType.name, func.count())
                            .join(Assignment)
                            .join(Mark, Mark.assignment_id == Assignment.id)
                            .group_by(AssignmentType.name)
                        )
                    ).all()
                )
            )
            assert by_type.most_common(1)[0][0] == "ответ на уроке"
            assert {"самостоятельная работа", "контрольная работа"} <= set(by_type)
            debts = await s.scalar(
                _count(
                    select(Assignment.id, Enrolment.person_id)
                    .join(Lesson, Lesson.id == Assignment.lesson_id)
                    .join(Enrolment, Enrolment.school_class_id == Lesson.school_class_id)
                    .outerjoin(
                        Mark,
                        and_(
                            Mark.assignment_id == Assignment.id,
                            Mark.student_id == Enrolment.person_id,
                        ),
                    )
                    .where(Assignment.mandatory, Assignment.due_on < today, Mark.id.is_(None))
                )
            )
            assert debts > 0
            seventh_b_test = await s.scalar(
                select(func.count())
                .select_from(Assignment)
                .join(Lesson)
                .where(
                    Assignment.mandatory,
                    Lesson.school_class_id == demo_id("class:7Б"),
                    Lesson.teacher_id == demo_id("person:teacher"),
                )
            )
            assert seventh_b_test >= 1

            # Attendance: no ОТ left on earlier days; some on the current day (7Б's too);
            # every row's history ends with its code.
            ot = (
                select(Lesson.date, Lesson.school_class_id)
                .join(Attendance, Attendance.lesson_id == Lesson.id)
                .where(Attendance.code == "ОТ")
            )
            left = list(await s.execute(ot))
            assert left and all(d == day for d, _ in left)
            assert demo_id("class:7Б") in {c for _, c in left}
            codes = set(await s.scalars(select(Attendance.code).distinct()))
            assert {"Б", "ОП"} <= codes and codes <= {"ОТ", "ОП", "Б", "УП", "НП"}
            latest = (
                select(
                    AttendanceHistory.lesson_id,
                    AttendanceHistory.student_id,
                    AttendanceHistory.code_after,
                    func.row_number()
                    .over(
                        partition_by=(AttendanceHistory.lesson_id, AttendanceHistory.student_id),
                        order_by=AttendanceHistory.changed_at.desc(),
                    )
                    .label("n"),
                )
            ).subquery()
            unmatched = await s.scalar(
                select(func.count())
                .select_from(Attendance)
                .outerjoin(
                    latest,
                    and_(
                        latest.c.lesson_id == Attendance.lesson_id,
                        latest.c.student_id == Attendance.student_id,
                        latest.c.n == 1,
                    ),
                )
                .where(latest.c.code_after.is_distinct_from(Attendance.code))
            )
            assert unmatched == 0
            explained = await s.scalar(
                select(func.count()).where(AttendanceHistory.code_before == "ОТ")
            )
            assert explained > 0

            kinds = set(await s.scalars(select(ClassEvent.kind)))
            assert {"parent_meeting", "trip", "subbotnik"} <= kinds

            # Quarters that have ended have term marks: the rounding of the stored average.
            term_marks = list(await s.scalars(select(PeriodMark)))
            ended = {p.id for p in demo_year(today).periods if p.ends_on < today}
            assert {m.study_period_id for m in term_marks} == ended
            assert all(
                m.value == m.proposed == plan.term_mark(m.average) and m.kind == "term"
                for m in term_marks
            )

            # mark.recorded carries the weight of the mark's assignment type.
            wrong_weight = await s.scalar(
                text(
                    "SELECT count(*) FROM outbox o JOIN mark m "
                    "ON m.id = (o.envelope->'payload'->>'mark_id')::uuid "
                    "JOIN assignment a ON a.id = m.assignment_id "
                    "JOIN assignment_type t ON t.id = a.assignment_type_id "
                    "WHERE (o.envelope->'payload'->>'weight')::int <> t.weight"
                )
            )
            assert wrong_weight == 0
            published_marks = await s.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.subject.like("%journal.mark.recorded"))
            )
            assert published_marks == await s.scalar(select(func.count()).select_from(Mark))
            # Every term mark is published as setPeriodMark publishes it (reports' summary).
            published_terms = await s.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.subject.like("%journal.period_mark.set"))
            )
            assert published_terms == len(term_marks)

        relay_started = time.perf_counter()

        async def all_published() -> bool:
            async with svc.runtime.db.sessionmaker() as s:
                left = await s.scalar(
                    select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
                )
            return left == 0

        await eventually(all_published, timeout=180, interval=0.2)
        relayed = time.perf_counter() - relay_started
        print(
            f"\ndemo journal: {summary}; roster wait+load {waited:.1f}s; "
            f"relay of {summary['events']} events {relayed:.1f}s"
        )
        # A second start finds subjects and leaves the journal alone.
        assert await demo.run_demo(svc.runtime) is None
        assert timedelta(0) <= today - day <= timedelta(days=2)
