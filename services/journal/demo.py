"""The demo school's journal around today: timetable, five weeks of lessons, marks, absences.

The academic year and its quarters are people's (``services.kernel.demo.demo_year``); the
journal adds the bells, a weekly timetable with rooms, and the lessons of the current school
week and the two before and after it, generated from that timetable. Lessons up to the current
school day are taught: topics, homework, the register taken, assignments of several types with
marks (some mandatory ones with debts), absences set by the subject teachers and, on earlier
days, explained by the class teachers (a few ОТ stay unexplained on the current day: the class
teacher's work). A couple of substitutions, class events, and term marks of the quarters that
have ended. Everything goes in with ``COPY`` in one transaction, with the events the use cases
emit. Runs once, in the background, after people's demo roster has reached the replica.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.journal import domain
from services.journal.domain import demo as plan
from services.journal.events import (
    AttendanceSet,
    LessonScheduled,
    MarkRecorded,
    PeriodMarkSet,
    SubjectCreated,
    TeachingLoadAssigned,
)
from services.journal.models import (
    AcademicYear,
    AssignmentType,
    BellSchedule,
    Enrolment,
    JournalSettings,
    Person,
    RoleGrant,
    School,
    SchoolClass,
    StudyPeriod,
    Subject,
    TeachingLoad,
)
from services.kernel.demo import demo_id, demo_today, demo_year
from services.kernel.events import Event, stream_name, uuid7
from services.kernel.graphql import Runtime
from services.kernel.principal import Principal
from services.kernel.roles import Role

log = logging.getLogger("sgo.journal.demo")

POLL_SECONDS = 0.5
STABLE_POLLS = 6  # three seconds without a new roster row
WAIT_SECONDS = 120.0

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


async def _people_events_pending(runtime: Runtime) -> int | None:
    """People's events the journal has not applied yet (None: the consumer is not there yet)."""
    nc = runtime.extras.get("nats")
    if nc is None:
        return None
    try:
        info = await nc.jetstream().consumer_info(
            stream_name(runtime.settings.namespace, "people"), "journal-from-people"
        )
    except Exception:
        return None
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def wait_for_roster(runtime: Runtime, timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    previous: tuple[int, ...] = ()
    unchanged = 0
    while time.monotonic() < deadline:
        if await _roster_ready(runtime):
            # people publishes its roster in bursts, which a busy machine spaces out: wait until
            # it has stopped growing for a while and nothing published is left to apply (a demo
            # built on half the roster has classes without students).
            size = await _replica_size(runtime)
            pending = await _people_events_pending(runtime)  # None: not known, size decides
            unchanged = unchanged + 1 if size == previous and pending in (0, None) else 0
            if unchanged >= STABLE_POLLS:
                return True
            previous = size
        await asyncio.sleep(POLL_SECONDS)
    return False


def curriculum_for(grade: int) -> dict[str, int]:
    for (low, high), hours in CURRICULUM.items():
        if low <= grade <= high:
            return hours
    return CURRICULUM[(7, 9)]


# Extra work now and then (ответ на уроке is every taught lesson's): type, share, mandatory.
EXTRA_WORK = (
    ("самостоятельная работа", 45, False),
    ("тест", 20, False),
    ("контрольная работа", 20, True),
    ("диктант", 15, True),
)
EXTRA_WORK_SHARE = 0.08
DUE_DAYS = 7  # a mandatory work is due a week after the lesson; unmarked after that, a debt
NO_MARKS_GRADES = (1,)  # the first grade is taught without marks
# What class teachers find out about an absence: a whole day away, a single lesson missed.
DAY_REASONS = (("Б", 60), ("УП", 30), ("НП", 10))
LESSON_REASONS = (("УП", 40), ("НП", 60))
DEMO_STUDENT = demo_id("person:student")
UNRESOLVED_CLASSES = 3  # besides 7Б, classes whose teacher has not explained today's ОТ yet
SUBSTITUTIONS = (
    "болезнь учителя",
    "курсы повышения квалификации",
)


@dataclass
class _Rows:
    """Everything the load writes, table by table, and the events that go with it."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    events: list[Event] = field(default_factory=list)

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        self.tables[table].append(row)
        return row


@dataclass
class _School:
    """What the load reads from the replica and decides before writing lessons."""

    id: UUID
    tz: ZoneInfo
    today: date
    day: date  # the current school day
    year_id: UUID
    year_starts: date
    year_ends: date
    periods: list[StudyPeriod]
    thresholds: tuple[Decimal, Decimal, Decimal]
    types: dict[str, tuple[UUID, int]]  # assignment type name -> (id, weight)
    classes: list[SchoolClass]
    students: dict[UUID, list[UUID]]
    bells: dict[int, tuple[dtime, dtime]]
    subject_ids: dict[str, UUID] = field(default_factory=dict)
    teacher_of: dict[UUID, dict[str, UUID]] = field(default_factory=dict)
    level: dict[tuple[UUID, str], float] = field(default_factory=dict)
    busy: set[tuple[int, int, UUID]] = field(default_factory=set)  # (weekday, number, teacher)
    test_given: bool = False  # 7Б's first algebra lesson has had its контрольная

    subject_name: dict[UUID, str] = field(default_factory=dict)
    grade_of: dict[UUID, int] = field(default_factory=dict)

    def at(self, day: date, moment: dtime, minutes: int = 0) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz) + timedelta(minutes=minutes)

    def level_of(self, rng: random.Random, student: UUID, subject: str) -> float:
        """The student's level in the subject: their own (from their id) and a subject's turn."""
        key = (student, subject)
        if key not in self.level:
            base = 3.3 + 1.6 * (student.int % 997) / 997
            self.level[key] = min(5.2, max(2.6, base + rng.gauss(0, 0.35)))
        return self.level[key]

    def mark_value(self, rng: random.Random, student: UUID, subject: str) -> int:
        """A mark around the student's level in the subject."""
        return min(5, max(2, round(rng.gauss(self.level_of(rng, student, subject), 0.75))))

    def mark_values(self, rng: random.Random, student: UUID, subject: str, k: int) -> list[int]:
        """``k`` marks around the level at once (the same spread as ``mark_value``)."""
        level = self.level_of(rng, student, subject)
        odds = [math.exp(-((v - level) ** 2) / (2 * 0.75**2)) for v in (2, 3, 4, 5)]
        return rng.choices((2, 3, 4, 5), weights=odds, k=k)


async def _read_school(s: Any, school_id: UUID, today: date) -> _School:
    tz_name = await s.scalar(select(School.timezone).where(School.id == school_id))
    classes = list(
        await s.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_id == school_id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter)
        )
    )
    students: dict[UUID, list[UUID]] = defaultdict(list)
    for person_id, class_id in await s.execute(
        select(Enrolment.person_id, Enrolment.school_class_id)
        .where(Enrolment.school_id == school_id)
        .order_by(Enrolment.person_id)
    ):
        students[class_id].append(person_id)
    year = await s.scalar(
        select(AcademicYear)
        .where(
            AcademicYear.school_id == school_id,
            AcademicYear.starts_on <= today + timedelta(days=90),
        )
        .order_by(AcademicYear.starts_on.desc())
        .limit(1)
    )
    fallback = demo_year(today)
    periods = (
        list(
            await s.scalars(
                select(StudyPeriod)
                .where(StudyPeriod.academic_year_id == year.id)
                .order_by(StudyPeriod.starts_on)
            )
        )
        if year is not None
        else []
    )
    settings = await s.get(JournalSettings, school_id)
    thresholds = (
        (settings.threshold_5, settings.threshold_4, settings.threshold_3)
        if settings is not None
        else (Decimal("4.65"), Decimal("3.65"), Decimal("2.65"))
    )
    types = {
        name: (type_id, weight)
        for type_id, name, weight in await s.execute(
            select(AssignmentType.id, AssignmentType.name, AssignmentType.weight).where(
                AssignmentType.school_id == school_id, AssignmentType.archived.is_(False)
            )
        )
    }
    default = await s.scalar(
        select(AssignmentType.name).where(
            AssignmentType.school_id == school_id, AssignmentType.is_default
        )
    )
    types["ответ на уроке"] = types[default]
    return _School(
        id=school_id,
        tz=ZoneInfo(tz_name or "Asia/Tomsk"),
        today=today,
        day=plan.current_school_day(today),
        year_id=year.id if year else fallback.id,
        year_starts=year.starts_on if year else fallback.starts_on,
        year_ends=year.ends_on if year else fallback.ends_on,
        periods=periods,
        thresholds=thresholds,
        types=types,
        classes=classes,
        students=students,
        bells={n: (a, b) for n, a, b in plan.bell_schedule()},
    )


async def load_demo(runtime: Runtime, today: date | None = None) -> dict[str, Any]:
    """Write the demo journal in one transaction; returns counts and the time it took."""
    started = time.perf_counter()
    rng = random.Random(2026)
    school_id = demo_id("school")
    teacher, klassruk = demo_id("person:teacher"), demo_id("person:klassruk")
    rows = _Rows()
    uow = runtime.uow(Principal())
    async with uow:
        s = uow.session
        school = await _read_school(s, school_id, today or demo_today())
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

        names = sorted({name for hours in CURRICULUM.values() for name in hours})
        school.subject_ids = {name: uuid7() for name in names}
        school.subject_name = {i: n for n, i in school.subject_ids.items()}
        school.grade_of = {c.id: c.grade_level for c in school.classes}
        await s.execute(
            insert(Subject),
            [{"id": i, "school_id": school_id, "name": n} for n, i in school.subject_ids.items()],
        )
        rows.events += [
            SubjectCreated(subject_id=subject_id, school_id=school_id, name=name)
            for name, subject_id in school.subject_ids.items()
        ]
        await s.execute(
            pg_insert(BellSchedule)
            .values(
                [
                    {
                        "id": uuid7(),
                        "school_id": school_id,
                        "number": n,
                        "starts_at": a,
                        "ends_at": b,
                    }
                    for n, (a, b) in school.bells.items()
                ]
            )
            .on_conflict_do_nothing()
        )
        loads = _teaching_load(school, staff, teacher, klassruk)
        await s.execute(insert(TeachingLoad), loads)
        # As ``assign_teaching_load`` does: other contexts learn who teaches which class.
        rows.events += [
            TeachingLoadAssigned(
                teaching_load_id=load["id"],
                school_id=school_id,
                teacher_id=load["teacher_id"],
                school_class_id=load["school_class_id"],
                subject_id=load["subject_id"],
                subgroup_id=None,
                hours_per_week=float(load["hours_per_week"]),
            )
            for load in loads
        ]

        lessons = _timetable_and_lessons(school, rows, rng, [*staff, teacher, klassruk])
        _substitutions(school, rows, rng, lessons, staff)
        for lesson in lessons:
            if lesson["date"] <= school.day:
                _teach(school, rows, rng, lesson)
        _explain_absences(school, rows, rng)
        _class_events(school, rows)
        _term_marks(school, rows, rng)

        conn = await uow.driver_connection()
        for table in (
            "timetable_entry",
            "lesson",
            "substitution",
            "assignment",
            "mark",
            "mark_history",
            "attendance",
            "attendance_history",
            "class_event",
            "period_mark",
            "period_mark_history",
        ):
            await _copy(conn, table, rows.tables.get(table, []))
        events = await uow.emit_copied(rows.events, school_id=school_id)
        await uow.commit()
    seconds = time.perf_counter() - started
    t = rows.tables
    summary = {
        "today": school.today.isoformat(),
        "classes": len(school.classes),
        "subjects": len(school.subject_ids),
        "teaching_load": len(loads),
        "timetable": len(t["timetable_entry"]),
        "lessons": len(t["lesson"]),
        "assignments": len(t["assignment"]),
        "marks": len(t["mark"]),
        "attendance": len(t["attendance"]),
        "substitutions": len(t["substitution"]),
        "class_events": len(t["class_event"]),
        "term_marks": len(t["period_mark"]),
        "events": events,
        "seconds": round(seconds, 2),
    }
    log.info("demo journal loaded: %s", summary)
    return summary


async def _copy(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        columns = list(rows[0])
        records = [tuple(row[c] for c in columns) for row in rows]
        await conn.copy_records_to_table(table, records=records, columns=columns)


def _teaching_load(
    school: _School, staff: list[UUID], teacher: UUID, klassruk: UUID
) -> list[dict[str, Any]]:
    """The demo's named teachers where the scenario says, a pool elsewhere."""
    fixed = {
        ("7Б", "алгебра"): teacher,
        ("7Б", "геометрия"): teacher,
        ("8А", "алгебра"): teacher,
        ("8А", "геометрия"): teacher,
        ("7Б", "русский язык"): klassruk,
    }
    loads = []
    week_hours: Counter[UUID] = Counter()
    taught: dict[UUID, set[str]] = defaultdict(set)
    for school_class in school.classes:
        hours = curriculum_for(school_class.grade_level)
        teacher_of = {}
        for name, n in hours.items():
            chosen = fixed.get((school_class.name, name)) or min(
                staff, key=lambda p, name=name, n=n: plan.fit(p, name, n, week_hours, taught)
            )
            teacher_of[name] = chosen
            week_hours[chosen] += n
            taught[chosen].add(name)
        school.teacher_of[school_class.id] = teacher_of
        loads += [
            {
                "id": uuid7(),
                "school_id": school.id,
                "teacher_id": t,
                "school_class_id": school_class.id,
                "subject_id": school.subject_ids[name],
                "hours_per_week": Decimal(hours[name]),
            }
            for name, t in teacher_of.items()
        ]
    return loads


def _timetable_and_lessons(
    school: _School, rows: _Rows, rng: random.Random, teachers: list[UUID]
) -> list[dict[str, Any]]:
    """Each class's week in the timetable (a teacher's own room), then the lessons of the demo's
    days from it."""
    room_of = {t: f"каб. {200 + n}" for n, t in enumerate(sorted(teachers), start=1)}
    busy = school.busy
    entries: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    subject_name = school.subject_name
    for school_class in school.classes:
        teacher_of = school.teacher_of[school_class.id]
        week = plan.week_plan(curriculum_for(school_class.grade_level), teacher_of, busy, rng)
        for (weekday, number), name in sorted(week.items()):
            entry = rows.add(
                "timetable_entry",
                id=uuid7(),
                school_id=school.id,
                academic_year_id=school.year_id,
                school_class_id=school_class.id,
                weekday=weekday + 1,
                number=number,
                subject_id=school.subject_ids[name],
                teacher_id=teacher_of[name],
                subgroup_id=None,
                room=room_of[teacher_of[name]],
                valid_from=school.year_starts,
                valid_to=school.year_ends,
            )
            entries[school_class.id].append(entry)
    lessons = []
    for day in plan.demo_days(school.today):
        for school_class in school.classes:
            for entry in entries[school_class.id]:
                if entry["weekday"] != day.isoweekday():
                    continue
                lesson = rows.add(
                    "lesson",
                    id=uuid7(),
                    school_id=school.id,
                    school_class_id=school_class.id,
                    subject_id=entry["subject_id"],
                    teacher_id=entry["teacher_id"],
                    subgroup_id=None,
                    room=entry["room"],
                    timetable_entry_id=entry["id"],
                    date=day,
                    number=entry["number"],
                    topic=None,
                    homework=None,
                    register_taken_by=None,
                    register_taken_at=None,
                )
                lessons.append(lesson)
                rows.events.append(
                    LessonScheduled(
                        lesson_id=lesson["id"],
                        school_id=school.id,
                        school_class_id=school_class.id,
                        subject_id=lesson["subject_id"],
                        subject_name=subject_name[lesson["subject_id"]],
                        teacher_id=lesson["teacher_id"],
                        date=day,
                        number=lesson["number"],
                    )
                )
    return lessons


def _substitutions(
    school: _School,
    rows: _Rows,
    rng: random.Random,
    lessons: list[dict[str, Any]],
    staff: list[UUID],
) -> None:
    """Two lessons of the past week given by a colleague free at that hour."""
    busy = school.busy
    week_ago = school.day - timedelta(days=7)
    candidates = [
        lesson
        for lesson in lessons
        if week_ago <= lesson["date"] < school.day and lesson["teacher_id"] in staff
    ]
    used_days: set[date] = set()
    for reason in SUBSTITUTIONS:
        options = [c for c in candidates if c["date"] not in used_days]
        if not options:
            return
        lesson = rng.choice(options)
        slot = (lesson["date"].weekday(), lesson["number"])
        free = [p for p in staff if (*slot, p) not in busy and p != lesson["teacher_id"]]
        if not free:
            continue
        substitute = rng.choice(free)
        busy.add((*slot, substitute))
        used_days.add(lesson["date"])
        rows.add(
            "substitution",
            lesson_id=lesson["id"],
            school_id=school.id,
            substitute_id=substitute,
            absent_teacher_id=lesson["teacher_id"],
            reason=reason,
            recorded_by=demo_id("person:zavuch"),
            recorded_at=school.at(lesson["date"] - timedelta(days=1), dtime(15, 0)),
        )
        lesson["teacher_id"] = substitute  # who actually gave it (and filled the journal)


def _teach(school: _School, rows: _Rows, rng: random.Random, lesson: dict[str, Any]) -> None:
    """A taught lesson: topic, homework, attendance, marks, the register taken at the bell."""
    name = school.subject_name[lesson["subject_id"]]
    starts, ends = school.bells[lesson["number"]]
    lesson["topic"] = rng.choice(
        TOPICS.get(name, ["Повторение пройденного", "Практическая работа"])
    )
    lesson["homework"] = rng.choice(HOMEWORK)
    lesson["register_taken_by"] = lesson["teacher_id"]
    lesson["register_taken_at"] = school.at(lesson["date"], ends)
    roster = school.students.get(lesson["school_class_id"], [])
    if not roster:
        return
    absent = _attendance(school, rows, rng, lesson, name, roster, starts)
    if school.grade_of[lesson["school_class_id"]] in NO_MARKS_GRADES:
        return
    present = [p for p in roster if p not in absent]
    marked_at = school.at(lesson["date"], ends, -5)
    answer = _assignment(school, rows, lesson, "ответ на уроке", lesson["topic"], None)
    for student in rng.sample(present, k=max(1, len(present) // 5)):
        _mark(school, rows, rng, lesson, name, answer, student, marked_at)
    # The demo teacher's story: 7Б's first algebra lesson had a контрольная (debts by now).
    first_test = (
        not school.test_given
        and lesson["school_class_id"] == demo_id("class:7Б")
        and name == "алгебра"
    )
    school.test_given = school.test_given or first_test
    if first_test or rng.random() < EXTRA_WORK_SHARE:
        kind, _, mandatory = (
            EXTRA_WORK[2]
            if first_test
            else rng.choices(EXTRA_WORK, weights=[w for _, w, _ in EXTRA_WORK])[0]
        )
        if kind == "диктант" and name != "русский язык":
            kind, mandatory = "самостоятельная работа", False
        due = lesson["date"] + timedelta(days=DUE_DAYS) if mandatory else None
        work = _assignment(school, rows, lesson, kind, lesson["topic"], due)
        # A mandatory work leaves the absent and one or two others to write it later (debts
        # once it is due); an ordinary one is marked for nearly everyone present.
        missing = set(rng.sample(present, k=min(len(present), rng.randint(1, 2))))
        for student in present:
            if student in missing or (not mandatory and rng.random() < 0.1):
                continue
            _mark(school, rows, rng, lesson, name, work, student, marked_at)


def _assignment(
    school: _School,
    rows: _Rows,
    lesson: dict[str, Any],
    kind: str,
    topic: str | None,
    due: date | None,
) -> tuple[UUID, int]:
    type_id, weight = school.types[kind]
    row = rows.add(
        "assignment",
        id=uuid7(),
        school_id=school.id,
        lesson_id=lesson["id"],
        assignment_type_id=type_id,
        topic=topic if kind != "ответ на уроке" else None,
        mandatory=due is not None,
        due_on=due,
        created_by=lesson["teacher_id"],
        created_at=school.at(lesson["date"], school.bells[lesson["number"]][0]),
    )
    return row["id"], weight


def _mark(
    school: _School,
    rows: _Rows,
    rng: random.Random,
    lesson: dict[str, Any],
    subject_name: str,
    assignment: tuple[UUID, int],
    student: UUID,
    at: datetime,
) -> None:
    value = school.mark_value(rng, student, subject_name)
    mark = rows.add(
        "mark",
        id=uuid7(),
        school_id=school.id,
        lesson_id=lesson["id"],
        assignment_id=assignment[0],
        student_id=student,
        value=value,
        created_by=lesson["teacher_id"],
        created_at=at,
    )
    rows.add(
        "mark_history",
        id=uuid7(),
        school_id=school.id,
        mark_id=mark["id"],
        lesson_id=lesson["id"],
        assignment_id=assignment[0],
        student_id=student,
        action="recorded",
        value_after=value,
        changed_by=lesson["teacher_id"],
        changed_at=at,
    )
    rows.events.append(
        MarkRecorded(
            mark_id=mark["id"],
            school_id=school.id,
            lesson_id=lesson["id"],
            student_id=student,
            school_class_id=lesson["school_class_id"],
            subject_id=lesson["subject_id"],
            subject_name=subject_name,
            teacher_id=lesson["teacher_id"],
            value=value,
            weight=assignment[1],
            date=lesson["date"],
            assignment_id=assignment[0],
        )
    )


def _away_today(school: _School, class_id: UUID, day: date, roster: list[UUID]) -> set[UUID]:
    """Who misses the whole day (the same for every lesson of it: one seed per class and day)."""
    rng = random.Random(f"{class_id}:{day.isoformat()}")
    away = {p for p in roster if rng.random() < 0.008}
    if day == school.day and class_id == demo_id("class:7Б"):
        # 7Б's class teacher has an absence to explain today (not the demo student's).
        away.update([p for p in roster if p != DEMO_STUDENT][:1])
    return away


def _attendance(
    school: _School,
    rows: _Rows,
    rng: random.Random,
    lesson: dict[str, Any],
    subject_name: str,
    roster: list[UUID],
    starts: dtime,
) -> set[UUID]:
    """ОТ for the students away and now and then one more; ОП for a late one. Returns the
    absent."""
    away = _away_today(school, lesson["school_class_id"], lesson["date"], roster)
    codes = {student: "ОТ" for student in away}
    if rng.random() < 0.04:
        codes.setdefault(rng.choice(roster), "ОТ")
    if rng.random() < 0.08:
        codes.setdefault(rng.choice(roster), "ОП")
    if lesson["date"] >= school.day - timedelta(days=school.day.weekday()):
        # The demo student's current week is clean: an absence marked now is news to the parent.
        codes.pop(DEMO_STUDENT, None)
    set_at = school.at(lesson["date"], starts, 5)
    for student, code in codes.items():
        row = rows.add(
            "attendance",
            id=uuid7(),
            school_id=school.id,
            lesson_id=lesson["id"],
            student_id=student,
            code=code,
            set_by=lesson["teacher_id"],
            set_at=set_at,
        )
        row["_whole_day"] = student in away  # dropped before writing
        rows.add(
            "attendance_history",
            id=uuid7(),
            school_id=school.id,
            lesson_id=lesson["id"],
            student_id=student,
            code_before=None,
            code_after=code,
            changed_by=lesson["teacher_id"],
            changed_at=set_at,
        )
        rows.events.append(
            AttendanceSet(
                attendance_id=row["id"],
                school_id=school.id,
                lesson_id=lesson["id"],
                student_id=student,
                school_class_id=lesson["school_class_id"],
                subject_name=subject_name,
                date=lesson["date"],
                lesson_number=lesson["number"],
                code=code,
                set_by=lesson["teacher_id"],
            )
        )
    return {student for student, code in codes.items() if code == "ОТ"}


def _explain_absences(school: _School, rows: _Rows, rng: random.Random) -> None:
    """Class teachers turn ОТ into a reason the same afternoon; on the current school day a few
    classes (7Б among them) still have theirs to do."""
    lessons = {lesson["id"]: lesson for lesson in rows.tables["lesson"]}
    class_teacher = {c.id: c.class_teacher_id for c in school.classes}
    others = [c.id for c in school.classes if c.id != demo_id("class:7Б")]
    pending = {demo_id("class:7Б"), *rng.sample(others, k=min(UNRESOLVED_CLASSES, len(others)))}
    reason_of: dict[tuple[UUID, date], str] = {}
    for row in rows.tables["attendance"]:
        whole_day = row.pop("_whole_day")
        lesson = lessons[row["lesson_id"]]
        explainer = class_teacher.get(lesson["school_class_id"])
        if row["code"] != "ОТ" or explainer is None:
            continue
        if lesson["date"] == school.day and lesson["school_class_id"] in pending:
            continue
        if whole_day:
            key = (row["student_id"], lesson["date"])
            reason = reason_of.setdefault(key, _pick(rng, DAY_REASONS))
        else:
            reason = _pick(rng, LESSON_REASONS)
        at = school.at(lesson["date"], dtime(16, 30))
        row.update(code=reason, set_by=explainer, set_at=at)
        rows.add(
            "attendance_history",
            id=uuid7(),
            school_id=school.id,
            lesson_id=lesson["id"],
            student_id=row["student_id"],
            code_before="ОТ",
            code_after=reason,
            changed_by=explainer,
            changed_at=at,
        )


def _pick(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    """One of (value, weight) pairs, by weight."""
    return rng.choices([v for v, _ in options], weights=[w for _, w in options])[0]


def _class_events(school: _School, rows: _Rows) -> None:
    """A parent meeting next week in 7Б, an excursion last week in 8А, a subbotnik in 5А."""
    monday = school.today - timedelta(days=school.today.weekday())
    plans = (
        ("7Б", "parent_meeting", "Родительское собрание «Итоги второй четверти»", 10, 1, "18:00"),
        ("8А", "trip", "Экскурсия в Томский областной краеведческий музей", -4, 1, "10:00"),
        ("5А", "subbotnik", "Субботник: уборка школьного двора", 5, 1, "11:00"),
        ("7Б", "extracurricular", "Классный час «Безопасный интернет»", 3, 1, "14:00"),
    )
    by_name = {c.name: c for c in school.classes}
    for class_name, kind, title, offset, days, at in plans:
        school_class = by_name.get(class_name)
        if school_class is None:
            continue
        starts = monday + timedelta(days=offset)
        rows.add(
            "class_event",
            id=uuid7(),
            school_id=school.id,
            school_class_id=school_class.id,
            kind=domain.ClassEventKind(kind).value,
            title=title,
            description=None,
            place="школа" if kind != "trip" else "г. Томск, пр. Ленина, 75",
            starts_on=starts,
            ends_on=starts + timedelta(days=days - 1),
            starts_at=dtime.fromisoformat(at),
            created_by=school_class.class_teacher_id,
        )


def _term_marks(school: _School, rows: _Rows, rng: random.Random) -> None:
    """Term marks of every quarter that has ended: the rounding of each student's weighted
    average by the school's thresholds (its lessons are before the demo's weeks, so the marks
    behind the average are drawn here from the same levels as the current ones), each with
    the event the use case publishes."""
    weights = [school.types[k][1] for k, _, _ in EXTRA_WORK] + [school.types["ответ на уроке"][1]]
    for period in school.periods:
        if period.ends_on >= school.today:
            continue
        set_at = school.at(period.ends_on, dtime(15, 0))
        for school_class in school.classes:
            if school_class.grade_level in NO_MARKS_GRADES:
                continue
            for name, teacher_id in school.teacher_of[school_class.id].items():
                for student in school.students.get(school_class.id, []):
                    k = rng.randint(6, 12)
                    drawn = list(
                        zip(
                            school.mark_values(rng, student, name, k),
                            rng.choices(weights, k=k),
                            strict=True,
                        )
                    )
                    average = plan.weighted_average(drawn)
                    if average is None:
                        continue
                    value = plan.term_mark(average, *school.thresholds)
                    mark = rows.add(
                        "period_mark",
                        id=uuid7(),
                        school_id=school.id,
                        academic_year_id=period.academic_year_id,
                        study_period_id=period.id,
                        kind="term",
                        school_class_id=school_class.id,
                        subject_id=school.subject_ids[name],
                        student_id=student,
                        value=value,
                        average=average,
                        proposed=value,
                        set_by=teacher_id,
                        set_at=set_at,
                    )
                    rows.add(
                        "period_mark_history",
                        id=uuid7(),
                        school_id=school.id,
                        period_mark_id=mark["id"],
                        value_before=None,
                        value_after=value,
                        changed_by=teacher_id,
                        changed_at=set_at,
                    )
                    # As setPeriodMark publishes it: reports' progress summary is built on it.
                    rows.events.append(
                        PeriodMarkSet(
                            period_mark_id=mark["id"],
                            school_id=school.id,
                            academic_year_id=period.academic_year_id,
                            study_period_id=period.id,
                            study_period_name=period.name,
                            kind="term",
                            school_class_id=school_class.id,
                            subject_id=school.subject_ids[name],
                            subject_name=name,
                            student_id=student,
                            value=value,
                            special=None,
                            average=average,
                            proposed=value,
                            set_by=teacher_id,
                        )
                    )


async def run_demo(runtime: Runtime, today: date | None = None) -> dict[str, Any] | None:
    if await _has_subjects(runtime):
        return None
    if not await wait_for_roster(runtime):
        log.warning("demo journal skipped: people's demo roster did not arrive in time")
        return None
    if await _has_subjects(runtime):  # another replica loaded it meanwhile
        return None
    summary = await load_demo(runtime, today)
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
