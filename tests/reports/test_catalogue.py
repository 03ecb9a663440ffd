"""The report catalogue on one hand-computed class, fed through events as in production: each
report's figures, and who may read it (allow and deny; a row the caller may not see answers
exactly as a missing one)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import nats
import orjson
import pytest
from nats.aio.client import Client
from sqlalchemy import select

from services.kernel.events import Envelope, utcnow
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.reports.domain.metrics import SCHOOL_TIMEZONE
from services.reports.events import JOURNAL_PROJECTION, PEOPLE_PROJECTION
from services.reports.models import Checkpoint, outbox
from tests.support import Infra, ServiceClient, eventually, running_service

SCHOOL = uuid4()
# A year that has ended, whatever day the tests run.
_TODAY = utcnow().astimezone(SCHOOL_TIMEZONE).date()
Y0 = _TODAY.year - 1 if _TODAY.month >= 9 else _TODAY.year - 2
YEAR, Q1, Q2 = uuid4(), uuid4(), uuid4()
YEAR_STARTS, YEAR_ENDS = date(Y0, 9, 1), date(Y0 + 1, 5, 31)
Q1_STARTS, Q1_ENDS = date(Y0, 9, 1), date(Y0, 10, 26)  # eight weeks
CLASS_7A, CLASS_8B = uuid4(), uuid4()
KLASSRUK_7A, KLASSRUK_8B, ALGEBRA_TEACHER, RUSSIAN_TEACHER = (uuid4() for _ in range(4))
ALGEBRA, RUSSIAN = uuid4(), uuid4()
A, B, C, D, E, F, G = (uuid4() for _ in range(7))
PARENT_A, DEPUTY = uuid4(), uuid4()
L1, L2, L3 = uuid4(), uuid4(), uuid4()
D1, D2, D3 = date(Y0, 9, 10), date(Y0, 9, 20), date(Y0, 9, 22)

NAMES = {
    A: ("Алексеев", "Антон"),
    B: ("Борисова", "Вера"),
    C: ("Сидоров", "Глеб"),
    D: ("Дмитриев", "Денис"),
    E: ("Егорова", "Ева"),
    F: ("Фомин", "Фёдор"),
    G: ("Гусева", "Галина"),
    ALGEBRA_TEACHER: ("Петрова", "Анна"),
    RUSSIAN_TEACHER: ("Иванова", "Мария"),
}


def env(type_: str, *, at: datetime | None = None, **payload: Any) -> Envelope:
    body = {k: str(v) if isinstance(v, UUID | date | datetime) else v for k, v in payload.items()}
    return Envelope(
        type=type_,
        school_id=SCHOOL,
        payload={"school_id": str(SCHOOL), **body},
        occurred_at=at or utcnow(),
    )


def tomsk(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), SCHOOL_TIMEZONE)


def people_events() -> list[Envelope]:
    out = [
        env(
            "people.academic_year.created",
            academic_year_id=YEAR,
            name=f"{Y0}/{Y0 + 1}",
            starts_on=YEAR_STARTS,
            ends_on=YEAR_ENDS,
            study_periods=[
                {
                    "study_period_id": str(Q1),
                    "name": "I четверть",
                    "starts_on": str(Q1_STARTS),
                    "ends_on": str(Q1_ENDS),
                },
                {
                    "study_period_id": str(Q2),
                    "name": "II четверть",
                    "starts_on": str(date(Y0, 11, 5)),
                    "ends_on": str(date(Y0, 12, 28)),
                },
            ],
        ),
    ]
    for class_id, name, teacher in ((CLASS_7A, "7А", KLASSRUK_7A), (CLASS_8B, "8Б", KLASSRUK_8B)):
        out.append(
            env(
                "people.school_class.created",
                school_class_id=class_id,
                academic_year_id=YEAR,
                grade_level=int(name[0]),
                letter=name[1],
                name=name,
            )
        )
        out.append(
            env(
                "people.school_class.class_teacher_assigned",
                school_class_id=class_id,
                person_id=teacher,
            )
        )
    for person, (last, first) in NAMES.items():
        out.append(
            env(
                "people.person.registered",
                person_id=person,
                kind="student" if person in (A, B, C, D, E, F, G) else "staff",
                last_name=last,
                first_name=first,
                middle_name=None,
            )
        )
    for student in (A, B, C, D, E, F):
        out.append(
            env(
                "people.student.enrolled",
                person_id=student,
                school_class_id=CLASS_7A,
                enrolled_on=YEAR_STARTS,
            )
        )
    out.append(
        env(
            "people.student.left",
            person_id=F,
            school_class_id=CLASS_7A,
            left_on=date(Y0, 10, 1),
            kind="departure",
            destination_school_id=None,
            destination_school_name="школа № 5",
            order_number="17",
            order_date=str(date(Y0, 9, 30)),
        )
    )
    out.append(
        env(
            "people.student.enrolled",
            person_id=G,
            school_class_id=CLASS_7A,
            enrolled_on=date(Y0, 10, 10),
        )
    )
    out.append(env("people.guardianship.linked", parent_id=PARENT_A, student_id=A, relation="мать"))
    return out


def period_mark(
    student: UUID,
    subject: UUID,
    name: str,
    value: int | None,
    *,
    special: str | None = None,
    proposed: int | None = None,
    kind: str = "term",
) -> Envelope:
    return env(
        "journal.period_mark.set",
        period_mark_id=uuid4(),
        academic_year_id=YEAR,
        study_period_id=Q1 if kind == "term" else None,
        study_period_name="I четверть" if kind == "term" else None,
        kind=kind,
        school_class_id=CLASS_7A,
        subject_id=subject,
        subject_name=name,
        student_id=student,
        value=value,
        special=special,
        average=None,
        proposed=proposed if proposed is not None else value,
        set_by=uuid4(),
    )


def mark(student: UUID, value: int, weight: int, day: date, lesson: UUID) -> Envelope:
    return env(
        "journal.mark.recorded",
        mark_id=uuid4(),
        lesson_id=lesson,
        student_id=student,
        school_class_id=CLASS_7A,
        subject_id=ALGEBRA,
        subject_name="алгебра",
        teacher_id=ALGEBRA_TEACHER,
        value=value,
        weight=weight,
        date=day,
    )


def lesson(lesson_id: UUID, day: date) -> Envelope:
    return env(
        "journal.lesson.scheduled",
        lesson_id=lesson_id,
        school_class_id=CLASS_7A,
        subject_id=ALGEBRA,
        subject_name="алгебра",
        teacher_id=ALGEBRA_TEACHER,
        date=day,
        number=1,
    )


def held(lesson_id: UUID, day: date, at: datetime) -> list[Envelope]:
    ids = {"lesson_id": lesson_id, "school_class_id": CLASS_7A, "subject_id": ALGEBRA}
    return [
        env(
            "journal.lesson.held",
            **ids,
            teacher_id=ALGEBRA_TEACHER,
            date=day,
            number=1,
            topic_set_at=at,
        ),
        env(
            "journal.lesson.topic_set",
            **ids,
            date=day,
            number=1,
            set_by=ALGEBRA_TEACHER,
            has_topic=True,
            has_homework=True,
        ),
    ]


def journal_events() -> list[Envelope]:
    out = [
        env(
            "journal.teaching_load.assigned",
            teaching_load_id=uuid4(),
            teacher_id=teacher,
            school_class_id=CLASS_7A,
            subject_id=subject,
            subgroup_id=None,
            hours_per_week=None,
        )
        for teacher, subject in ((ALGEBRA_TEACHER, ALGEBRA), (RUSSIAN_TEACHER, RUSSIAN))
    ]
    out += [
        env(
            "journal.curriculum_hours.set",
            academic_year_id=YEAR,
            subject_id=ALGEBRA,
            school_class_id=CLASS_7A,
            grade_level=None,
            hours_per_week=3,
        ),
        env(
            "journal.curriculum_hours.set",
            academic_year_id=YEAR,
            subject_id=RUSSIAN,
            school_class_id=None,
            grade_level=7,
            hours_per_week=2,
        ),
    ]
    # Three algebra lessons: on time, a topic five days late, and none at all.
    out += [lesson(L1, D1), lesson(L2, D2), lesson(L3, D3)]
    out += held(L1, D1, tomsk(D1, 12)) + held(L2, D2, tomsk(D2 + timedelta(days=5)))
    out.append(
        env(
            "journal.register.taken",
            at=tomsk(D1, 9),
            lesson_id=L1,
            school_class_id=CLASS_7A,
            subject_id=ALGEBRA,
            date=D1,
            number=1,
            teacher_id=ALGEBRA_TEACHER,
            absent_ids=[str(A)],
            late_ids=[str(B)],
        )
    )
    for student, code, category in ((A, "Б", "illness"), (B, "ОП", "late")):
        out.append(
            env(
                "journal.attendance.set",
                attendance_id=uuid4(),
                lesson_id=L1,
                student_id=student,
                school_class_id=CLASS_7A,
                subject_name="алгебра",
                date=D1,
                lesson_number=1,
                code=code,
                set_by=ALGEBRA_TEACHER,
                category=category,
            )
        )
    out += [mark(A, 5, 1, D1, L1), mark(A, 4, 2, D2, L2), mark(B, 4, 1, D2, L2)]
    # I четверть, алгебра: 5, 4, 3, 2, н/а, осв (F left before the quarter's end).
    out += [
        period_mark(A, ALGEBRA, "алгебра", 5),
        period_mark(B, ALGEBRA, "алгебра", 4),
        period_mark(C, ALGEBRA, "алгебра", 3),
        period_mark(D, ALGEBRA, "алгебра", 2),
        period_mark(E, ALGEBRA, "алгебра", None, special="not_attested"),
        period_mark(G, ALGEBRA, "алгебра", None, special="exempt"),
        period_mark(F, ALGEBRA, "алгебра", 5),
    ]
    # русский язык: 5, 5, 4, 3, 4 (the last one above the proposed 5? no: below it).
    out += [
        period_mark(A, RUSSIAN, "русский язык", 5),
        period_mark(B, RUSSIAN, "русский язык", 5),
        period_mark(C, RUSSIAN, "русский язык", 4),
        period_mark(D, RUSSIAN, "русский язык", 3),
        period_mark(E, RUSSIAN, "русский язык", 4, proposed=5),
    ]
    # Year marks of three students only: a cell the region must not see.
    out += [period_mark(s, ALGEBRA, "алгебра", 4, kind="year") for s in (A, B, C)]
    return out


async def publish(nc: Client, namespace: str, envelopes: list[Envelope]) -> None:
    js = nc.jetstream()
    for e in envelopes:
        await js.publish(
            e.subject(namespace),
            orjson.dumps(e.model_dump(mode="json")),
            headers={"Nats-Msg-Id": str(e.id)},
        )


@pytest.fixture
async def nc(infra: Infra) -> AsyncIterator[Client]:
    client = await nats.connect(infra.nats_url)
    yield client
    await client.close()


@pytest.fixture
async def svc(infra: Infra, namespace: str, nc: Client) -> AsyncIterator[ServiceClient]:
    async with running_service(infra, "reports", namespace=namespace) as service:
        people, journal = people_events(), journal_events()
        await publish(nc, namespace, people)
        await eventually(lambda: applied(service, PEOPLE_PROJECTION, len(people)))
        await publish(nc, namespace, journal)
        await eventually(lambda: applied(service, JOURNAL_PROJECTION, len(journal)))
        yield service


async def applied(svc: ServiceClient, projection: str, n: int) -> bool:
    async with svc.runtime.db.sessionmaker() as session:
        checkpoint = await session.get(Checkpoint, projection)
    return checkpoint is not None and checkpoint.events_applied == n


def who(*grants: RoleGrant, person_id: UUID | None = None, school: UUID = SCHOOL) -> Principal:
    return Principal(
        account_id=uuid4(), person_id=person_id or uuid4(), school_id=school, roles=grants
    )


DIRECTOR = who(RoleGrant(Role.DIRECTOR))
QUALITY_DEPUTY = who(RoleGrant(Role.DEPUTY_DIRECTOR_QUALITY), person_id=DEPUTY)
KR_7A = who(RoleGrant(Role.CLASS_TEACHER, school_class_id=CLASS_7A), person_id=KLASSRUK_7A)
KR_8B = who(RoleGrant(Role.CLASS_TEACHER, school_class_id=CLASS_8B), person_id=KLASSRUK_8B)
ALGEBRA_T = who(RoleGrant(Role.SUBJECT_TEACHER), person_id=ALGEBRA_TEACHER)
RUSSIAN_T = who(RoleGrant(Role.SUBJECT_TEACHER), person_id=RUSSIAN_TEACHER)
PARENT = who(RoleGrant(Role.PARENT, student_ids=(A,)), person_id=PARENT_A)
OTHER_PARENT = who(RoleGrant(Role.PARENT, student_ids=(B,)))
STUDENT_A = who(RoleGrant(Role.STUDENT), person_id=A)
STUDENT_B = who(RoleGrant(Role.STUDENT), person_id=B)
REGIONAL = who(RoleGrant(Role.REGIONAL_OFFICER))
FOREIGN_DIRECTOR = who(RoleGrant(Role.DIRECTOR), school=uuid4())

SHEET = """query($c: ID!, $y: ID!, $p: ID) {
  progressSheet(schoolClassId: $c, academicYearId: $y, studyPeriodId: $p) {
    className periodName closed chart
    subjects { subjectName figures { n n5 n4 n3 n2 notAttested exempt noMarks
                                     passRate qualityRate learningLevel averageMark } }
    rows { student { id } studentName standing averageMark cells { display value special } }
    total { n passRate qualityRate }
  }
}"""


def sheet_vars(class_id: UUID = CLASS_7A) -> dict[str, Any]:
    return {"c": str(class_id), "y": str(YEAR), "p": str(Q1)}


def code(result: dict[str, Any]) -> str:
    return result["errors"][0]["extensions"]["code"]


async def test_the_progress_sheet_has_the_hand_computed_figures(svc: ServiceClient) -> None:
    result = await svc.gql(SHEET, sheet_vars(), principal=DIRECTOR)
    sheet = result["data"]["progressSheet"]
    assert (sheet["className"], sheet["periodName"], sheet["closed"]) == ("7А", "I четверть", False)
    algebra, russian = sheet["subjects"]
    assert algebra["subjectName"] == "алгебра"
    # N = 7А at the quarter's end (A, B, C, D, E, G; F left) − осв (G) = 5, н/а counted.
    assert algebra["figures"] == {
        "n": 5,
        "n5": 1,
        "n4": 1,
        "n3": 1,
        "n2": 1,
        "notAttested": 1,
        "exempt": 1,
        "noMarks": 0,
        "passRate": "60.00",
        "qualityRate": "40.00",
        "learningLevel": "44.60",  # (100 + 64 + 36 + 16 + 7) / 5
        "averageMark": "3.50",
    }
    f = russian["figures"]
    assert (f["n"], f["noMarks"], f["passRate"], f["qualityRate"], f["learningLevel"]) == (
        5,
        1,
        "100.00",
        "80.00",
        "72.80",  # (200 + 128 + 36) / 5
    )
    names = [r["studentName"] for r in sheet["rows"]]
    assert names == sorted(names) and "Фомин Фёдор" not in names and len(names) == 6
    by_name = {r["studentName"]: r for r in sheet["rows"]}
    assert [c["display"] for c in by_name["Егорова Ева"]["cells"]] == ["н/а", "4"]
    assert by_name["Гусева Галина"]["cells"][0]["display"] == "осв"
    assert by_name["Гусева Галина"]["cells"][1] is None
    assert by_name["Алексеев Антон"]["standing"] == "EXCELLENT"
    assert by_name["Дмитриев Денис"]["standing"] == "FAILING"
    assert sheet["chart"]["mark"] == "bar" and len(sheet["chart"]["data"]["values"]) == 4


async def test_a_subject_teacher_sees_only_their_subject_and_the_class_teacher_all(
    svc: ServiceClient,
) -> None:
    algebra = await svc.gql(SHEET, sheet_vars(), principal=ALGEBRA_T)
    assert [s["subjectName"] for s in algebra["data"]["progressSheet"]["subjects"]] == ["алгебра"]
    russian = await svc.gql(SHEET, sheet_vars(), principal=RUSSIAN_T)
    subjects = [s["subjectName"] for s in russian["data"]["progressSheet"]["subjects"]]
    assert subjects == ["русский язык"]
    klassruk = await svc.gql(SHEET, sheet_vars(), principal=KR_7A)
    assert len(klassruk["data"]["progressSheet"]["subjects"]) == 2


async def test_a_class_the_caller_may_not_read_answers_as_a_missing_one(
    svc: ServiceClient,
) -> None:
    missing = await svc.gql(SHEET, sheet_vars(uuid4()), principal=DIRECTOR)
    for caller in (KR_8B, FOREIGN_DIRECTOR, who(RoleGrant(Role.SUBJECT_TEACHER))):
        refused = await svc.gql(SHEET, sheet_vars(), principal=caller)
        assert refused["data"] == {"progressSheet": None}
        assert refused["errors"][0]["extensions"] == missing["errors"][0]["extensions"]
        assert refused["errors"][0]["message"] == missing["errors"][0]["message"]
    for caller in (PARENT, STUDENT_A, REGIONAL):
        assert code(await svc.gql(SHEET, sheet_vars(), principal=caller)) == "FORBIDDEN"


RESULTS = """query($c: ID!, $y: ID!, $p: ID) {
  classResults(schoolClassId: $c, academicYearId: $y, studyPeriodId: $p) {
    students
    excellent { studentName } good { studentName }
    oneFour { studentName subjectNames } oneThree { studentName subjectNames }
    failing { studentName subjectNames }
  }
}"""


async def test_class_results_list_the_students_by_standing(svc: ServiceClient) -> None:
    result = await svc.gql(RESULTS, sheet_vars(), principal=KR_7A)
    r = result["data"]["classResults"]
    assert r["students"] == 6
    assert r["excellent"] == [{"studentName": "Алексеев Антон"}]
    assert r["good"] == []
    assert r["oneFour"] == [{"studentName": "Борисова Вера", "subjectNames": ["алгебра"]}]
    assert r["oneThree"] == [{"studentName": "Сидоров Глеб", "subjectNames": ["алгебра"]}]
    assert r["failing"] == [
        {"studentName": "Дмитриев Денис", "subjectNames": ["алгебра"]},
        {"studentName": "Егорова Ева", "subjectNames": ["алгебра"]},
    ]
    # The standings need every subject: a subject teacher's view would mislead.
    for caller in (ALGEBRA_T, KR_8B):
        refused = await svc.gql(RESULTS, sheet_vars(), principal=caller)
        assert refused["data"] == {"classResults": None} and code(refused) in (
            "NOT_FOUND",
            "FORBIDDEN",
        )
    assert code(await svc.gql(RESULTS, sheet_vars(), principal=KR_8B)) == "NOT_FOUND"


LETTER = """query($s: ID!, $y: ID!, $p: ID) {
  parentLetter(studentId: $s, academicYearId: $y, studyPeriodId: $p) {
    studentName className periodName
    subjects { subjectName marks counts { mark count } average periodMark }
    attendance { missed byIllness lates missedDays }
  }
}"""


def letter_vars(student: UUID = A) -> dict[str, Any]:
    return {"s": str(student), "y": str(YEAR), "p": str(Q1)}


async def test_the_parent_letter_has_marks_counts_average_and_period_mark(
    svc: ServiceClient,
) -> None:
    result = await svc.gql(LETTER, letter_vars(), principal=PARENT)
    letter = result["data"]["parentLetter"]
    assert (letter["studentName"], letter["className"]) == ("Алексеев Антон", "7А")
    algebra, russian = letter["subjects"]
    assert algebra["marks"] == [5, 4]
    assert {c["mark"]: c["count"] for c in algebra["counts"]} == {5: 1, 4: 1, 3: 0, 2: 0}
    assert algebra["average"] == "4.33"  # (5·1 + 4·2) / 3
    assert algebra["periodMark"] == "5"
    assert (russian["marks"], russian["average"], russian["periodMark"]) == ([], None, "5")
    # Absent through illness on the only lesson of the day: a missed day.
    assert letter["attendance"] == {"missed": 1, "byIllness": 1, "lates": 0, "missedDays": 1}
    own = await svc.gql(LETTER, letter_vars(), principal=STUDENT_A)
    assert own["data"]["parentLetter"]["studentName"] == "Алексеев Антон"
    assert (await svc.gql(LETTER, letter_vars(), principal=KR_7A))["data"]["parentLetter"]


async def test_someone_else_s_letter_answers_as_a_student_not_there(svc: ServiceClient) -> None:
    missing = await svc.gql(LETTER, letter_vars(uuid4()), principal=PARENT)
    assert code(missing) == "NOT_FOUND"
    for caller in (OTHER_PARENT, STUDENT_B, KR_8B):
        refused = await svc.gql(LETTER, letter_vars(), principal=caller)
        assert refused["data"] == {"parentLetter": None}
        assert refused["errors"][0]["extensions"] == missing["errors"][0]["extensions"]
        assert refused["errors"][0]["message"] == missing["errors"][0]["message"]
    assert code(await svc.gql(LETTER, letter_vars(), principal=ALGEBRA_T)) == "FORBIDDEN"


SEND = """mutation($s: ID!, $y: ID!, $p: ID) {
  sendParentLetter(studentId: $s, academicYearId: $y, studyPeriodId: $p) {
    letterId parents letter { studentName }
  }
}"""


async def test_sending_the_letter_publishes_it_for_messaging_with_its_data(
    svc: ServiceClient,
) -> None:
    result = await svc.gql(SEND, letter_vars(), principal=KR_7A)
    sent = result["data"]["sendParentLetter"]
    assert sent["parents"] == 1
    async with svc.runtime.db.sessionmaker() as session:
        rows = (await session.execute(select(outbox.c.envelope))).scalars().all()
    (envelope,) = [r for r in rows if r["type"] == "reports.parent_letter.requested"]
    p = envelope["payload"]
    assert p["letter_id"] == sent["letterId"] and p["parent_ids"] == [str(PARENT_A)]
    assert p["subjects"][0]["marks"] == [5, 4] and p["subjects"][0]["average"] == "4.33"
    assert p["missed_lessons"] == 1


async def test_only_the_class_teacher_or_the_administration_sends_a_letter(
    svc: ServiceClient,
) -> None:
    assert code(await svc.gql(SEND, letter_vars(), principal=KR_8B)) == "NOT_FOUND"
    assert code(await svc.gql(SEND, letter_vars(), principal=PARENT)) == "FORBIDDEN"
    no_parents = await svc.gql(SEND, letter_vars(B), principal=DIRECTOR)
    assert code(no_parents) == "VALIDATION"


ATTENDANCE = """query($c: ID!, $from: Date!, $to: Date!) {
  attendanceReport(schoolClassId: $c, startsOn: $from, endsOn: $to) {
    students { studentName figures { missed byIllness lates missedDays } }
    total { missed lates missedDays }
    byMonth { month figures { missed } }
    byReason { category label lessons }
  }
}"""


async def test_class_attendance_by_student_month_and_reason(svc: ServiceClient) -> None:
    variables = {"c": str(CLASS_7A), "from": str(Q1_STARTS), "to": str(Q1_ENDS)}
    report = (await svc.gql(ATTENDANCE, variables, principal=KR_7A))["data"]["attendanceReport"]
    by_name = {s["studentName"]: s["figures"] for s in report["students"]}
    assert by_name["Алексеев Антон"] == {"missed": 1, "byIllness": 1, "lates": 0, "missedDays": 1}
    assert by_name["Борисова Вера"] == {"missed": 0, "byIllness": 0, "lates": 1, "missedDays": 0}
    assert report["total"] == {"missed": 1, "lates": 1, "missedDays": 1}
    assert report["byMonth"] == [{"month": f"{Y0}-09", "figures": {"missed": 1}}]
    assert {r["category"]: r["lessons"] for r in report["byReason"]} == {"illness": 1, "late": 1}
    backwards = {**variables, "to": str(Q1_STARTS - timedelta(days=1))}
    assert code(await svc.gql(ATTENDANCE, backwards, principal=KR_7A)) == "VALIDATION"
    assert code(await svc.gql(ATTENDANCE, variables, principal=KR_8B)) == "NOT_FOUND"
    assert code(await svc.gql(ATTENDANCE, variables, principal=PARENT)) == "FORBIDDEN"


CONTROL = """query($y: ID!, $p: ID) {
  journalControl(academicYearId: $y, studyPeriodId: $p, lateDays: 1) {
    teachers { teacherName lessons lateTopics lateRegisters withoutTopic withoutHomework
               differingPeriodMarks studentsBelowDensity
               courses { subjectName held planned coverage studentsBelowDensity
                         periodMarks differingPeriodMarks } }
  }
}"""


async def test_journal_control_counts_late_and_empty_lessons_density_and_objectivity(
    svc: ServiceClient,
) -> None:
    variables = {"y": str(YEAR), "p": str(Q1)}
    result = await svc.gql(CONTROL, variables, principal=QUALITY_DEPUTY)
    teachers = {t["teacherName"]: t for t in result["data"]["journalControl"]["teachers"]}
    algebra = teachers["Петрова Анна"]
    assert (algebra["lessons"], algebra["lateTopics"], algebra["withoutTopic"]) == (3, 2, 1)
    assert algebra["lateRegisters"] == 2  # the register of L2 and L3 was never taken
    (course,) = algebra["courses"]
    # 3 hours a week over eight weeks: 24 planned, 2 held with a topic.
    assert (course["held"], course["planned"], course["coverage"]) == (2, 24, "8.33")
    # Band at 3 hours: 7 marks a quarter; nobody of the six has them.
    assert course["studentsBelowDensity"] == 6
    russian = teachers["Иванова Мария"]
    assert russian["differingPeriodMarks"] == 1
    assert russian["courses"][0]["periodMarks"] == 5
    for caller in (KR_7A, ALGEBRA_T):
        assert code(await svc.gql(CONTROL, variables, principal=caller)) == "FORBIDDEN"
    wrong = await svc.gql(
        CONTROL.replace("lateDays: 1", "lateDays: -3"), variables, principal=QUALITY_DEPUTY
    )
    assert code(wrong) == "VALIDATION"


QUALITY = """query($y: ID!, $p: ID) {
  schoolQuality(academicYearId: $y, studyPeriodId: $p) {
    cells { className subjectName teacherNames figures { qualityRate } }
    classes { className figures { n } }
    total { n qualityRate }
    chart
  }
}"""


async def test_school_quality_by_class_subject_and_teacher(svc: ServiceClient) -> None:
    variables = {"y": str(YEAR), "p": str(Q1)}
    result = await svc.gql(QUALITY, variables, principal=DIRECTOR)
    q = result["data"]["schoolQuality"]
    cells = {(c["className"], c["subjectName"]): c for c in q["cells"]}
    assert cells[("7А", "алгебра")]["figures"]["qualityRate"] == "40.00"
    assert cells[("7А", "алгебра")]["teacherNames"] == ["Петрова Анна"]
    assert cells[("7А", "русский язык")]["figures"]["qualityRate"] == "80.00"
    assert q["total"] == {"n": 10, "qualityRate": "60.00"}
    assert code(await svc.gql(QUALITY, variables, principal=KR_7A)) == "FORBIDDEN"
    assert code(await svc.gql(QUALITY, variables, principal=REGIONAL)) == "FORBIDDEN"


REGION = """query($y: Int!) {
  regionalQuality(yearEnding: $y) { schoolId gradeLevel n qualityRate suppressed }
}"""


async def test_the_region_sees_aggregates_with_cells_under_five_suppressed(
    svc: ServiceClient,
) -> None:
    result = await svc.gql(REGION, {"y": Y0 + 1}, principal=REGIONAL)
    assert result["data"]["regionalQuality"] == [
        {
            "schoolId": str(SCHOOL),
            "gradeLevel": 7,
            "n": None,
            "qualityRate": None,
            "suppressed": True,
        }
    ]
    assert code(await svc.gql(REGION, {"y": Y0 + 1}, principal=DIRECTOR)) == "FORBIDDEN"


CONTINGENT = """query($y: ID!) {
  contingent(academicYearId: $y) {
    asOf classes students arrivals departures grades { gradeLevel classes students }
  }
}"""


async def test_the_contingent_is_counted_on_20_september_with_the_year_s_movement(
    svc: ServiceClient,
) -> None:
    result = await svc.gql(CONTINGENT, {"y": str(YEAR)}, principal=DIRECTOR)
    c = result["data"]["contingent"]
    assert c["asOf"] == str(date(Y0, 9, 20))
    assert (c["classes"], c["students"], c["arrivals"], c["departures"]) == (2, 6, 1, 1)
    assert c["grades"] == [
        {"gradeLevel": 7, "classes": 1, "students": 6},
        {"gradeLevel": 8, "classes": 1, "students": 0},
    ]
    assert code(await svc.gql(CONTINGENT, {"y": str(YEAR)}, principal=KR_7A)) == "FORBIDDEN"
    foreign = await svc.gql(CONTINGENT, {"y": str(YEAR)}, principal=FOREIGN_DIRECTOR)
    assert code(foreign) == "NOT_FOUND"


DYNAMICS = """query($y: ID!, $c: ID, $s: ID, $t: ID) {
  averageDynamics(academicYearId: $y, schoolClassId: $c, studentId: $s, teacherId: $t) {
    subjects { subjectName periods { studyPeriodName average marksCount } }
  }
}"""


async def test_average_dynamics_across_periods_for_a_class_a_student_and_a_teacher(
    svc: ServiceClient,
) -> None:
    y = str(YEAR)
    by_class = await svc.gql(DYNAMICS, {"y": y, "c": str(CLASS_7A)}, principal=DIRECTOR)
    overall = by_class["data"]["averageDynamics"]["subjects"][0]
    assert overall["subjectName"] == "все предметы"
    assert overall["periods"] == [
        {"studyPeriodName": "I четверть", "average": "4.25", "marksCount": 3},  # 17 / 4
        {"studyPeriodName": "II четверть", "average": None, "marksCount": 0},
    ]
    own = await svc.gql(DYNAMICS, {"y": y, "s": str(A)}, principal=PARENT)
    assert own["data"]["averageDynamics"]["subjects"][0]["periods"][0]["average"] == "4.33"
    teacher = await svc.gql(DYNAMICS, {"y": y, "t": str(ALGEBRA_TEACHER)}, principal=ALGEBRA_T)
    assert teacher["data"]["averageDynamics"]["subjects"][0]["periods"][0]["marksCount"] == 3
    assert code(await svc.gql(DYNAMICS, {"y": y, "s": str(A)}, principal=OTHER_PARENT)) == (
        "NOT_FOUND"
    )
    others = await svc.gql(DYNAMICS, {"y": y, "t": str(ALGEBRA_TEACHER)}, principal=RUSSIAN_T)
    assert code(others) == "NOT_FOUND"
    both = await svc.gql(DYNAMICS, {"y": y, "c": str(CLASS_7A), "s": str(A)}, principal=DIRECTOR)
    assert code(both) == "VALIDATION"


TEACHER_REPORT = """query($y: ID!, $p: ID, $t: ID) {
  subjectTeacherReport(academicYearId: $y, studyPeriodId: $p, teacherId: $t) {
    teacherName courses { className subjectName figures { qualityRate } averageMark
                          marksCount studentsBelowDensity }
  }
}"""


async def test_the_subject_teacher_report_is_their_own_or_the_administration_s(
    svc: ServiceClient,
) -> None:
    variables = {"y": str(YEAR), "p": str(Q1)}
    result = await svc.gql(TEACHER_REPORT, variables, principal=ALGEBRA_T)
    report = result["data"]["subjectTeacherReport"]
    assert report["teacherName"] == "Петрова Анна"
    assert report["courses"] == [
        {
            "className": "7А",
            "subjectName": "алгебра",
            "figures": {"qualityRate": "40.00"},
            "averageMark": "4.25",
            "marksCount": 3,
            "studentsBelowDensity": 6,
        }
    ]
    theirs = {**variables, "t": str(ALGEBRA_TEACHER)}
    assert (await svc.gql(TEACHER_REPORT, theirs, principal=DIRECTOR))["data"][
        "subjectTeacherReport"
    ]["courses"]
    assert code(await svc.gql(TEACHER_REPORT, theirs, principal=RUSSIAN_T)) == "NOT_FOUND"
    assert code(await svc.gql(TEACHER_REPORT, variables, principal=PARENT)) == "FORBIDDEN"


async def test_bad_input_of_any_shape_is_a_validation_error(svc: ServiceClient) -> None:
    impossible = {"c": str(CLASS_7A), "from": "2026-02-30", "to": "2026-03-01"}
    assert code(await svc.gql(ATTENDANCE, impossible, principal=KR_7A)) == "VALIDATION"
    nul = {"c": "7А\x00", "from": str(Q1_STARTS), "to": str(Q1_ENDS)}
    assert code(await svc.gql(ATTENDANCE, nul, principal=KR_7A)) == "VALIDATION"
    huge = {"s": "x" * 100_000, "y": str(YEAR), "p": None}
    assert code(await svc.gql(LETTER, huge, principal=PARENT)) == "VALIDATION"
    too_long = {"c": str(CLASS_7A), "from": "2000-01-01", "to": "2030-01-01"}
    assert code(await svc.gql(ATTENDANCE, too_long, principal=KR_7A)) == "VALIDATION"
    far = await svc.gql(REGION, {"y": 2_000_000_000}, principal=REGIONAL)
    assert far["data"]["regionalQuality"] == [], far
