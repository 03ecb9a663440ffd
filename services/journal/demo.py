"""The demo school's journal: curriculum, teaching load, three weeks of lessons, marks, absences.

Runs once, in the background, after people's demo roster has reached the replica.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select

from services.journal.domain.marks import DEFAULT_TYPE_NAME
from services.journal.events import AttendanceSet, LessonScheduled, MarkRecorded, SubjectCreated
from services.journal.models import (
    Assignment,
    AssignmentType,
    Attendance,
    Enrolment,
    Lesson,
    Mark,
    MarkHistory,
    Person,
    RoleGrant,
    School,
    SchoolClass,
    Subject,
    TeachingLoad,
)
from services.kernel.demo import demo_id
from services.kernel.events import uuid7
from services.kernel.graphql import Runtime
from services.kernel.principal import Principal
from services.kernel.roles import Role

log = logging.getLogger("sgo.journal.demo")

FIRST_DAY = date(2026, 11, 16)
LAST_DAY = date(2026, 12, 4)
TODAY = date(2026, 11, 29)  # the demo's "today": lessons before it are taught and marked
POLL_SECONDS = 0.5
WAIT_SECONDS = 120.0
MAX_WEEK_HOURS = 27  # a teacher's week in the timetable, below the 30 slots of a class

# Hours a week by grade band: (first grade, last grade) -> {subject: hours}.
CURRICULUM: dict[tuple[int, int], dict[str, int]] = {
    (1, 4): {
        "русский язык": 5,
        "литературное чтение": 4,
        "математика": 5,
        "окружающий мир": 3,
        "английский язык": 2,
        "музыка": 1,
        "изобразительное искусство": 1,
        "технология": 1,
        "физическая культура": 3,
    },
    (5, 6): {
        "русский язык": 5,
        "литература": 3,
        "математика": 5,
        "история": 2,
        "биология": 1,
        "география": 1,
        "английский язык": 3,
        "музыка": 1,
        "изобразительное искусство": 1,
        "технология": 2,
        "физическая культура": 2,
    },
    (7, 9): {
        "русский язык": 4,
        "литература": 2,
        "алгебра": 3,
        "геометрия": 2,
        "вероятность и статистика": 1,
        "информатика": 1,
        "история": 2,
        "обществознание": 1,
        "физика": 2,
        "химия": 2,
        "биология": 1,
        "география": 2,
        "английский язык": 3,
        "физическая культура": 2,
    },
    (10, 11): {
        "русский язык": 2,
        "литература": 3,
        "алгебра": 3,
        "геометрия": 2,
        "вероятность и статистика": 1,
        "информатика": 1,
        "история": 2,
        "обществознание": 2,
        "физика": 2,
        "химия": 1,
        "биология": 1,
        "география": 1,
        "английский язык": 3,
        "физическая культура": 2,
        "основы безопасности и защиты родины": 1,
    },
}

TOPICS: dict[str, list[str]] = {
    "русский язык": ["Причастный оборот", "Деепричастие", "Правописание НЕ с причастиями"],
    "литература": ["Н. В. Гоголь «Тарас Бульба»", "И. С. Тургенев «Бирюк»", "Стихотворения"],
    "алгебра": ["Линейная функция и её график", "Системы линейных уравнений", "Степень"],
    "геометрия": ["Признаки равенства треугольников", "Параллельные прямые", "Сумма углов"],
    "математика": ["Действия с дробями", "Решение задач на движение", "Площадь прямоугольника"],
    "физика": ["Сила трения", "Давление твёрдых тел", "Закон Архимеда"],
    "история": ["Россия в XVII веке", "Смутное время", "Реформы Петра I"],
    "английский язык": ["Past Simple", "Чтение текста «London»", "Контрольное аудирование"],
}
HOMEWORK = [
    "§ 12, упр. 5",
    "§ 14, вопросы 1–4",
    "№ 231, 233",
    "Выучить правило, упр. 7",
    "Конспект",
]


async def _roster_ready(runtime: Runtime) -> bool:
    """The school, class 7Б with students and the demo teachers are here, and arrivals stopped."""
    school_id, class_7b = demo_id("school"), demo_id("class:7Б")
    async with runtime.db.sessionmaker() as s:
        school = await s.get(School, school_id)
        students = await s.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.school_class_id == class_7b)
        )
        teachers = await s.scalar(
            select(func.count())
            .select_from(Person)
            .where(Person.id.in_([demo_id("person:teacher"), demo_id("person:klassruk")]))
        )
    return school is not None and bool(students) and teachers == 2


async def _replica_size(runtime: Runtime) -> tuple[int, ...]:
    async with runtime.db.sessionmaker() as s:
        counts = []
        for table in (Person, Enrolment, RoleGrant, SchoolClass):
            counts.append(await s.scalar(select(func.count()).select_from(table)) or 0)
    return tuple(counts)


async def _has_subjects(runtime: Runtime) -> bool:
    async with runtime.db.sessionmaker() as s:
        return bool(await s.scalar(select(func.count()).select_from(Subject)))


async def wait_for_roster(runtime: Runtime, timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    previous: tuple[int, ...] = ()
    while time.monotonic() < deadline:
        if await _roster_ready(runtime):
            # people publishes its roster in a burst: wait until it stops growing.
            size = await _replica_size(runtime)
            if size == previous:
                return True
            previous = size
        await asyncio.sleep(POLL_SECONDS)
    return False


def school_days(first: date = FIRST_DAY, last: date = LAST_DAY) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def curriculum_for(grade: int) -> dict[str, int]:
    for (low, high), hours in CURRICULUM.items():
        if low <= grade <= high:
            return hours
    return CURRICULUM[(7, 9)]


def _fit(
    person: UUID, subject: str, hours: int, week_hours: Counter[UUID], taught: dict[UUID, set[str]]
) -> tuple[int, int]:
    """Prefer a teacher of the same subject with room in their week, then the least loaded."""
    specialist = subject in taught[person] and week_hours[person] + hours <= MAX_WEEK_HOURS
    return (0 if specialist else 1, week_hours[person])


def _make_room(
    plan: dict[tuple[int, int], str],
    slots: list[tuple[int, int]],
    teacher: UUID,
    teacher_of: dict[str, UUID],
    busy: set[tuple[int, int, UUID]],
) -> tuple[int, int] | None:
    """Free a slot for ``teacher`` by moving the lesson in it to a slot its own teacher has free."""
    for slot, other in list(plan.items()):
        if (*slot, teacher) in busy:
            continue
        other_teacher = teacher_of[other]
        target = next((f for f in slots if f not in plan and (*f, other_teacher) not in busy), None)
        if target is not None:
            del plan[slot]
            busy.discard((*slot, other_teacher))
            plan[target] = other
            busy.add((*target, other_teacher))
            return slot
    return None


def week_plan(
    hours: dict[str, int],
    teacher_of: dict[str, UUID],
    busy: set[tuple[int, int, UUID]],
    rng: random.Random,
) -> dict[tuple[int, int], str]:
    """(weekday, number) -> subject for one class: 5–6 lessons a day, teachers not double-booked."""
    items = [name for name, n in hours.items() for _ in range(n)]
    rng.shuffle(items)
    items = items[:30]
    per_day = [len(items) // 5 + (1 if d < len(items) % 5 else 0) for d in range(5)]
    slots = [(d, n) for d in range(5) for n in range(1, per_day[d] + 1)]
    plan: dict[tuple[int, int], str] = {}
    for subject in items:
        teacher = teacher_of[subject]
        same_day = {d for (d, _), s in plan.items() if s == subject}
        free = [
            slot for slot in slots if slot not in plan and (slot[0], slot[1], teacher) not in busy
        ]
        # Prefer a day without this subject yet; take any free slot when the week is tight;
        # failing that, move a placed lesson out of the way; else the hour is not taught.
        choice = next((x for x in free if x[0] not in same_day), None) or (
            free[0] if free else None
        )
        if choice is None:
            choice = _make_room(plan, slots, teacher, teacher_of, busy)
        if choice is None:
            continue  # never put a teacher in two classes at once
        plan[choice] = subject
        busy.add((choice[0], choice[1], teacher))
    return plan


async def load_demo(runtime: Runtime) -> dict[str, Any]:
    """Write the demo journal in one transaction; returns counts and the time it took."""
    started = time.perf_counter()
    rng = random.Random(2026)
    school_id = demo_id("school")
    teacher, klassruk = demo_id("person:teacher"), demo_id("person:klassruk")
    uow = runtime.uow(Principal())
    async with uow:
        s = uow.session
        classes = list(
            await s.scalars(
                select(SchoolClass)
                .where(SchoolClass.school_id == school_id)
                .order_by(SchoolClass.grade_level, SchoolClass.letter)
            )
        )
        staff = list(
            await s.scalars(
                select(RoleGrant.person_id)
                .where(
                    RoleGrant.school_id == school_id,
                    RoleGrant.role == Role.SUBJECT_TEACHER.value,
                    RoleGrant.person_id.not_in([teacher, klassruk]),
                )
                .distinct()
                .order_by(RoleGrant.person_id)
            )
        ) or [klassruk]
        students: dict[UUID, list[UUID]] = defaultdict(list)
        for person_id, class_id in await s.execute(
            select(Enrolment.person_id, Enrolment.school_class_id).where(
                Enrolment.school_id == school_id
            )
        ):
            students[class_id].append(person_id)

        names = sorted({name for hours in CURRICULUM.values() for name in hours})
        subject_ids = {name: uuid7() for name in names}
        await s.execute(
            insert(Subject),
            [{"id": i, "school_id": school_id, "name": n} for n, i in subject_ids.items()],
        )
        for name, subject_id in subject_ids.items():
            uow.emit(
                SubjectCreated(subject_id=subject_id, school_id=school_id, name=name),
                school_id=school_id,
            )

        # Teaching load: the demo's named teachers where the scenario says, a pool elsewhere.
        fixed = {
            ("7Б", "алгебра"): teacher,
            ("7Б", "геометрия"): teacher,
            ("8А", "алгебра"): teacher,
            ("8А", "геометрия"): teacher,
            ("7Б", "русский язык"): klassruk,
        }
        loads, teacher_by_class = [], {}
        week_hours: Counter[UUID] = Counter()
        taught: dict[UUID, set[str]] = defaultdict(set)
        for school_class in classes:
            hours = curriculum_for(school_class.grade_level)
            teacher_of = {}
            for name, n in hours.items():
                chosen = fixed.get((school_class.name, name)) or min(
                    staff, key=lambda p, name=name, n=n: _fit(p, name, n, week_hours, taught)
                )
                teacher_of[name] = chosen
                week_hours[chosen] += n
                taught[chosen].add(name)
            teacher_by_class[school_class.id] = teacher_of
            loads += [
                {
                    "id": uuid7(),
                    "school_id": school_id,
                    "teacher_id": t,
                    "school_class_id": school_class.id,
                    "subject_id": subject_ids[name],
                }
                for name, t in teacher_of.items()
            ]
        await s.execute(insert(TeachingLoad), loads)

        answer_type = (
            await s.execute(
                select(AssignmentType.id, AssignmentType.weight).where(
                    AssignmentType.school_id == school_id, AssignmentType.is_default
                )
            )
        ).one()
        lessons, assignments, marks, history, absences = [], [], [], [], []
        busy: set[tuple[int, int, UUID]] = set()
        for school_class in classes:
            teacher_of = teacher_by_class[school_class.id]
            plan = week_plan(curriculum_for(school_class.grade_level), teacher_of, busy, rng)
            roster = students.get(school_class.id, [])
            for day in school_days():
                for (weekday, number), name in sorted(plan.items()):
                    if weekday != day.weekday():
                        continue
                    past = day < TODAY
                    topics = TOPICS.get(name, ["Повторение пройденного", "Практическая работа"])
                    lesson = {
                        "id": uuid7(),
                        "school_id": school_id,
                        "school_class_id": school_class.id,
                        "subject_id": subject_ids[name],
                        "teacher_id": teacher_of[name],
                        "date": day,
                        "number": number,
                        "topic": rng.choice(topics) if past else None,
                        "homework": rng.choice(HOMEWORK) if past else None,
                    }
                    lessons.append(lesson)
                    uow.emit(
                        LessonScheduled(
                            lesson_id=lesson["id"],
                            school_id=school_id,
                            school_class_id=school_class.id,
                            subject_id=lesson["subject_id"],
                            subject_name=name,
                            teacher_id=lesson["teacher_id"],
                            date=day,
                            number=number,
                        ),
                        school_id=school_id,
                    )
                    if past and roster:
                        _mark_lesson(
                            uow, rng, lesson, name, roster, (answer_type[0], answer_type[1]),
                            assignments, marks, history, absences,
                        )  # fmt: skip
        await s.execute(insert(Lesson), lessons)
        if assignments:
            await s.execute(insert(Assignment), assignments)
        if marks:
            await s.execute(insert(Mark), marks)
            await s.execute(insert(MarkHistory), history)
        if absences:
            await s.execute(insert(Attendance), absences)
        events = len(subject_ids) + len(lessons) + len(marks) + len(absences)
        await uow.commit()
    seconds = time.perf_counter() - started
    summary = {
        "classes": len(classes),
        "subjects": len(subject_ids),
        "teaching_load": len(loads),
        "lessons": len(lessons),
        "marks": len(marks),
        "attendance": len(absences),
        "events": events,
        "seconds": round(seconds, 2),
    }
    log.info("demo journal loaded: %s", summary)
    return summary


def _mark_lesson(
    uow: Any,
    rng: random.Random,
    lesson: dict[str, Any],
    subject_name: str,
    roster: list[UUID],
    answer_type: tuple[UUID, int],
    assignments: list[dict[str, Any]],
    marks: list[dict[str, Any]],
    history: list[dict[str, Any]],
    absences: list[dict[str, Any]],
) -> None:
    """Marks for about a third of the class and, now and then, an absence or a late arrival."""
    school_id = lesson["school_id"]
    absent: set[UUID] = set()
    if rng.random() < 0.3:
        student = rng.choice(roster)
        code = "ОТ" if rng.random() < 0.6 else "ОП"
        absent.add(student)
        attendance_id = uuid7()
        absences.append(
            {
                "id": attendance_id,
                "school_id": school_id,
                "lesson_id": lesson["id"],
                "student_id": student,
                "code": code,
                "set_by": lesson["teacher_id"],
            }
        )
        uow.emit(
            AttendanceSet(
                attendance_id=attendance_id,
                school_id=school_id,
                lesson_id=lesson["id"],
                student_id=student,
                school_class_id=lesson["school_class_id"],
                subject_name=subject_name,
                date=lesson["date"],
                lesson_number=lesson["number"],
                code=code,
                set_by=lesson["teacher_id"],
            ),
            school_id=school_id,
        )
    candidates = [p for p in roster if p not in absent]
    assignment_id = uuid7()
    assignments.append(
        {
            "id": assignment_id,
            "school_id": school_id,
            "lesson_id": lesson["id"],
            "assignment_type_id": answer_type[0],
            "created_by": lesson["teacher_id"],
        }
    )
    for student in rng.sample(candidates, k=max(1, len(candidates) // 3)):
        value = rng.choices((5, 4, 3, 2), weights=(40, 38, 17, 5))[0]
        mark_id = uuid7()
        marks.append(
            {
                "id": mark_id,
                "school_id": school_id,
                "lesson_id": lesson["id"],
                "assignment_id": assignment_id,
                "student_id": student,
                "value": value,
                "created_by": lesson["teacher_id"],
            }
        )
        history.append(
            {
                "id": uuid7(),
                "school_id": school_id,
                "mark_id": mark_id,
                "lesson_id": lesson["id"],
                "assignment_id": assignment_id,
                "student_id": student,
                "action": "recorded",
                "value_after": value,
                "changed_by": lesson["teacher_id"],
            }
        )
        uow.emit(
            MarkRecorded(
                mark_id=mark_id,
                school_id=school_id,
                lesson_id=lesson["id"],
                student_id=student,
                school_class_id=lesson["school_class_id"],
                subject_id=lesson["subject_id"],
                subject_name=subject_name,
                teacher_id=lesson["teacher_id"],
                value=value,
                weight=answer_type[1],
                date=lesson["date"],
                assignment_id=assignment_id,
                assignment_type=DEFAULT_TYPE_NAME,
            ),
            school_id=school_id,
        )


async def run_demo(runtime: Runtime) -> dict[str, Any] | None:
    if await _has_subjects(runtime):
        return None
    if not await wait_for_roster(runtime):
        log.warning("demo journal skipped: people's demo roster did not arrive in time")
        return None
    if await _has_subjects(runtime):  # another replica loaded it meanwhile
        return None
    summary = await load_demo(runtime)
    runtime.extras["demo_summary"] = summary
    return summary


async def start_demo(runtime: Runtime) -> None:
    """``on_startup`` hook: the load runs in the background so the service answers at once."""
    if not runtime.settings.demo:
        return

    async def guarded() -> None:
        try:
            await run_demo(runtime)
        except Exception:
            log.exception("demo journal failed")

    runtime.extras["demo_task"] = runtime.spawn(guarded(), name="journal-demo")
