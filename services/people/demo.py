"""The demo school «Перспектива»: generated but realistic people, loaded once in one transaction.

Rows go in with bulk inserts (the per-person use cases would take a transaction each); every
row still comes with the same events the use cases emit, so the other contexts build their
replicas of the demo school from the stream like from any other school.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.demo import demo_id, demo_year
from services.kernel.events import Event, utcnow, uuid7
from services.kernel.graphql import Runtime
from services.kernel.principal import Principal
from services.kernel.roles import ROLE_LABELS, SENSITIVE_ROLES, Role
from services.kernel.settings import Settings
from services.kernel.tokens import hash_password
from services.people import models
from services.people.domain import PersonKind, Relation, Sex, generate_password
from services.people.events import (
    AcademicYearCreated,
    AccountIssued,
    ClassTeacherAssigned,
    GuardianshipLinked,
    HealthDataChanged,
    PersonRegistered,
    PeTeacherAssigned,
    RoleGranted,
    SchoolClassCreated,
    SchoolCreated,
    StaffHired,
    StudentEnrolled,
    StudyPeriodPayload,
    SubgroupCreated,
    SubgroupMembersChanged,
    WellbeingDataChanged,
)
from services.people.region import regional_rows

log = logging.getLogger("sgo.people.demo")

_LOCK_KEY = 0x5600_0101
SCHOOL_ID = demo_id("school")
SCHOOL_NAME = "МАОУ Школа «Перспектива» г. Томска"
SCHOOL_SHORT_NAME = "Школа «Перспектива»"
TIMEZONE = "Asia/Tomsk"
# The academic year around today (the same one the journal's demo fills with lessons).
DEMO_YEAR = demo_year()
YEAR_ID = DEMO_YEAR.id
YEAR_STARTS, YEAR_ENDS = DEMO_YEAR.starts_on, DEMO_YEAR.ends_on
QUARTERS = tuple((p.name, p.starts_on, p.ends_on) for p in DEMO_YEAR.periods)
STUDENTS_PER_CLASS = (20, 25)
CONSENT_DOCUMENT = "Согласие на обработку персональных данных (152-ФЗ), бумажный экземпляр"


def class_letters(grade: int) -> str:
    return "АБВ" if 5 <= grade <= 7 else "АБ"


# Masculine surnames; the feminine form follows the usual rules (see ``feminine``).
SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
    "Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков "
    "Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров "
    "Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов "
    "Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов "
    "Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин "
    "Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв "
    "Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев "
    "Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов "
    "Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов "
    "Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров "
    "Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов Аксёнов Софронов "
    "Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников "
    "Дёмин Хохлов Жданов Руднев Ёлкин Шевченко Бондаренко Ковальчук Мельник Высоцкий "
    "Островский Покровский Заречный Толстой Рождественский Вишневский"
).split()

# (name, patronymic of a son, patronymic of a daughter)
MALE_NAMES = (
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Антон", "Антонович", "Антоновна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"),
    ("Василий", "Васильевич", "Васильевна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Григорий", "Григорьевич", "Григорьевна"),
    ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Егор", "Егорович", "Егоровна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Лев", "Львович", "Львовна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Матвей", "Матвеевич", "Матвеевна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Пётр", "Петрович", "Петровна"),
    ("Роман", "Романович", "Романовна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Степан", "Степанович", "Степановна"),
    ("Тимофей", "Тимофеевич", "Тимофеевна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Ярослав", "Ярославович", "Ярославовна"),
)
FEMALE_NAMES = (
    "Александра Алёна Алиса Анастасия Анна Валерия Варвара Вера Вероника Виктория Галина "
    "Дарья Ева Евгения Екатерина Елена Елизавета Ирина Кира Ксения Любовь Людмила Маргарита "
    "Марина Мария Милана Надежда Наталья Ольга Полина Светлана София Татьяна Ульяна Юлия"
).split()


def feminine(surname: str) -> str:
    """Иванов → Иванова, Ёлкин → Ёлкина, Высоцкий → Высоцкая, Толстой → Толстая, Ковальчук stays."""
    if surname.endswith(("ов", "ёв", "ев", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith("ный"):
        return surname[:-2] + "ая"
    if surname.endswith("ой"):
        return surname[:-2] + "ая"
    return surname


@dataclass
class DemoPerson:
    key: str
    kind: PersonKind
    sex: Sex
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date
    roles: list[tuple[Role, UUID | None]] = field(default_factory=list)
    login: str | None = None

    @property
    def id(self) -> UUID:
        return demo_id(f"person:{self.key}")


# The demo logins and who stands behind them.
STAFF_LOGINS: tuple[tuple[str, Sex, str, str, str, tuple[Role, ...]], ...] = (
    ("director", Sex.FEMALE, "Смирнова", "Ольга", "Викторовна", (Role.DIRECTOR,)),
    ("admin", Sex.MALE, "Кузнецов", "Андрей", "Петрович", (Role.ADMINISTRATOR,)),
    ("zavuch", Sex.FEMALE, "Морозова", "Елена", "Николаевна", (Role.DEPUTY_DIRECTOR_QUALITY,)),
    ("teacher", Sex.MALE, "Волков", "Дмитрий", "Сергеевич", (Role.SUBJECT_TEACHER,)),
    (
        "klassruk",
        Sex.FEMALE,
        "Соколова",
        "Ирина",
        "Александровна",
        (Role.SUBJECT_TEACHER,),  # and the class teacher of 7Б, given with the class below
    ),
    ("medic", Sex.FEMALE, "Павлова", "Наталья", "Игоревна", (Role.MEDICAL_WORKER,)),
    ("psychologist", Sex.FEMALE, "Лебедева", "Анна", "Сергеевна", (Role.PSYCHOLOGIST,)),
    ("secretary", Sex.FEMALE, "Николаева", "Татьяна", "Юрьевна", (Role.ACADEMIC_SECRETARY,)),
    ("hr", Sex.FEMALE, "Орлова", "Светлана", "Михайловна", (Role.HR_SECRETARY,)),
)
OTHER_STAFF: tuple[tuple[str, Role], ...] = (
    ("staff:deputy_director_content", Role.DEPUTY_DIRECTOR_CONTENT),
    ("staff:deputy_director_general", Role.DEPUTY_DIRECTOR_GENERAL),
    ("staff:deputy_director_upbringing", Role.DEPUTY_DIRECTOR_UPBRINGING),
    ("staff:social_pedagogue", Role.SOCIAL_PEDAGOGUE),
)
DEMO_LOGINS = (*(row[0] for row in STAFF_LOGINS), "parent", "student")
REGIONAL_LOGIN = "region"  # the installation's administrator, of no school


class NameMaker:
    """Random but plausible Russian names with the forms agreeing in sex."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def father(self) -> tuple[str, str, str]:
        return self.rng.choice(MALE_NAMES)

    def adult(self, sex: Sex, surname: str | None = None) -> tuple[str, str, str]:
        last = surname or self.surname()
        _, son, daughter = self.father()
        if sex is Sex.MALE:
            return last, self.rng.choice(MALE_NAMES)[0], son
        return feminine(last), self.rng.choice(FEMALE_NAMES), daughter

    def birth_date(self, year: int) -> date:
        return date(year, 1, 1).replace(month=self.rng.randint(1, 12), day=self.rng.randint(1, 28))


@dataclass
class DemoSchool:
    """Everything the demo school holds, built in memory before one bulk insert."""

    persons: list[DemoPerson] = field(default_factory=list)
    classes: list[dict[str, Any]] = field(default_factory=list)
    enrolments: list[tuple[UUID, UUID]] = field(default_factory=list)  # student, class
    guardianships: list[tuple[UUID, UUID, Relation]] = field(default_factory=list)
    consent_by: dict[UUID, UUID] = field(default_factory=dict)  # subject -> given by


def build(seed: int = 2026) -> DemoSchool:
    rng = random.Random(seed)
    names = NameMaker(rng)
    school = DemoSchool()
    adult_year = lambda: rng.randint(1965, 1998)  # noqa: E731

    for login, sex, last, first, middle, _roles in STAFF_LOGINS:
        school.persons.append(
            DemoPerson(
                login,
                PersonKind.STAFF,
                sex,
                last,
                first,
                middle,
                names.birth_date(adult_year()),
                login=login,
            )
        )
    staff_by_key = {p.key: p for p in school.persons}
    for login, *_rest, roles in STAFF_LOGINS:
        staff_by_key[login].roles = [(role, None) for role in roles]
    for key, role in OTHER_STAFF:
        sex = rng.choice((Sex.FEMALE, Sex.FEMALE, Sex.MALE))
        person = DemoPerson(
            key, PersonKind.STAFF, sex, *names.adult(sex), names.birth_date(adult_year())
        )
        person.roles = [(role, None)]
        school.persons.append(person)

    class_ids: dict[str, UUID] = {}
    for grade in range(1, 12):
        for letter in class_letters(grade):
            name = f"{grade}{letter}"
            class_ids[name] = demo_id(f"class:{name}")
            school.classes.append(
                {"id": class_ids[name], "grade_level": grade, "letter": letter, "name": name}
            )

    # One class teacher per class; klassruk has 7Б, the others are generated teachers.
    teacher_number = 0
    for school_class in school.classes:
        if school_class["name"] == "7Б":
            teacher = staff_by_key["klassruk"]
        else:
            teacher_number += 1
            sex = rng.choice((Sex.FEMALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE))
            teacher = DemoPerson(
                f"teacher:{teacher_number}",
                PersonKind.STAFF,
                sex,
                *names.adult(sex),
                names.birth_date(adult_year()),
            )
            teacher.roles = [(Role.SUBJECT_TEACHER, None)]
            school.persons.append(teacher)
        school_class["class_teacher_id"] = teacher.id
        teacher.roles.insert(0, (Role.CLASS_TEACHER, school_class["id"]))
    for n in range(teacher_number + 1, teacher_number + 17):  # subject teachers without a class
        sex = rng.choice((Sex.FEMALE, Sex.MALE))
        teacher = DemoPerson(
            f"teacher:{n}", PersonKind.STAFF, sex, *names.adult(sex), names.birth_date(adult_year())
        )
        teacher.roles = [(Role.SUBJECT_TEACHER, None)]
        school.persons.append(teacher)
    for person in school.persons:
        school.consent_by[person.id] = person.id

    for school_class in school.classes:
        grade, name = school_class["grade_level"], school_class["name"]
        count = rng.randint(*STUDENTS_PER_CLASS)
        for number in range(1, count + 1):
            demo_student = name == "7Б" and number == 1
            _family(
                school,
                names,
                rng,
                key="student" if demo_student else f"student:{name}:{number}",
                class_id=school_class["id"],
                birth_year=YEAR_STARTS.year - 7 - grade + rng.choice((0, 0, 0, 1)),
                demo_family=demo_student,
            )
    return school


def _family(
    school: DemoSchool,
    names: NameMaker,
    rng: random.Random,
    *,
    key: str,
    class_id: UUID,
    birth_year: int,
    demo_family: bool,
) -> None:
    if demo_family:  # the "student" and "parent" logins: Петров Артём and his mother
        surname, father = "Петров", ("Алексей", "Алексеевич", "Алексеевна")
        sex, first = Sex.MALE, "Артём"
    else:
        surname, father = names.surname(), names.father()
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        first = names.father()[0] if sex is Sex.MALE else rng.choice(FEMALE_NAMES)
    student = DemoPerson(
        key,
        PersonKind.STUDENT,
        sex,
        surname if sex is Sex.MALE else feminine(surname),
        first,
        father[1] if sex is Sex.MALE else father[2],
        names.birth_date(birth_year),
        roles=[(Role.STUDENT, None)],
        login="student" if demo_family else None,
    )
    school.persons.append(student)
    school.enrolments.append((student.id, class_id))

    # Most families bring both parents; some only the mother, a few only the father.
    shape = "both" if demo_family else rng.choices(("both", "mother", "father"), (7, 2, 1))[0]
    parents: list[tuple[DemoPerson, Relation]] = []
    parent_year = birth_year - rng.randint(22, 38)
    if shape in ("both", "mother"):
        last, first_name, middle = names.adult(Sex.FEMALE, surname)
        if demo_family:
            first_name, middle = "Мария", "Владимировна"
        mother = DemoPerson(
            "parent" if demo_family else f"parent:{key.removeprefix('student:')}:1",
            PersonKind.PARENT,
            Sex.FEMALE,
            last,
            first_name,
            middle,
            names.birth_date(parent_year),
            roles=[(Role.PARENT, None)],
            login="parent" if demo_family else None,
        )
        parents.append((mother, Relation.MOTHER))
    if shape in ("both", "father"):
        _, _, middle = names.adult(Sex.MALE)
        father_person = DemoPerson(
            f"parent:{key.removeprefix('student:')}:2",
            PersonKind.PARENT,
            Sex.MALE,
            surname,
            father[0],
            middle,
            names.birth_date(parent_year - rng.randint(0, 4)),
            roles=[(Role.PARENT, None)],
        )
        parents.append((father_person, Relation.FATHER))
    for parent, relation in parents:
        school.persons.append(parent)
        school.guardianships.append((parent.id, student.id, relation))
        school.consent_by[parent.id] = parent.id
    # A minor's consent is given by a parent.
    school.consent_by[student.id] = parents[0][0].id


def demo_password(settings: Settings) -> str:
    """``SGO_DEMO_PASSWORD``, else one generated on first start and kept in the data dir."""
    given = os.environ.get("SGO_DEMO_PASSWORD")
    if given:
        return given
    path = Path(settings.data_dir) / "demo-password"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    password = generate_password()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another replica wrote it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def _chunks(rows: list[dict[str, Any]], size: int = 2000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def load_demo(runtime: Runtime) -> bool:
    """Load the demo school unless it is there; returns whether it loaded it now."""
    password = demo_password(runtime.settings)
    log.warning("Демо-пароль: %s", password)
    started = time.perf_counter()
    principal = Principal(school_id=SCHOOL_ID)
    async with runtime.uow(principal) as uow:
        session = uow.session
        # Replicas start together: one loads, the others find the school and leave.
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        if await session.get(models.School, SCHOOL_ID) is not None:
            return False
        school = build()
        password_hash = await asyncio.to_thread(hash_password, password)
        events = _insert_rows(school, password_hash)
        for model, rows in events.rows:
            for chunk in _chunks(rows):
                await session.execute(insert(model), chunk)
        for event in events.events:
            uow.emit(event, school_id=SCHOOL_ID)
        await _add_regional_administrator(session, password_hash)
        await uow.commit()
    log.info(
        "Демо-школа загружена за %.2f с: %d человек, %d классов, %d событий",
        time.perf_counter() - started,
        len(school.persons),
        len(school.classes),
        len(events.events),
    )
    return True


async def _add_regional_administrator(session: AsyncSession, password_hash: str) -> None:
    """The ``region`` login: the installation's administrator, of no school, so its screens
    (opening schools, appointing directors, the grants it oversees) can be tried."""
    if await session.get(models.Account, demo_id(f"account:{REGIONAL_LOGIN}")) is not None:
        return
    for row in regional_rows(
        person_id=demo_id(f"person:{REGIONAL_LOGIN}"),
        account_id=demo_id(f"account:{REGIONAL_LOGIN}"),
        login=REGIONAL_LOGIN,
        last_name="Егорова",
        first_name="Людмила",
        middle_name="Павловна",
        password_hash=password_hash,
        must_change_password=False,
        now=utcnow(),
    ):
        session.add(row)
        await session.flush()


@dataclass
class _Batch:
    rows: list[tuple[type, list[dict[str, Any]]]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _insert_rows(school: DemoSchool, password_hash: str) -> _Batch:
    now = utcnow()
    given_at = datetime.combine(YEAR_STARTS - timedelta(days=4), dtime(10, 0), tzinfo=now.tzinfo)
    batch = _Batch()
    ev = batch.events

    batch.rows.append(
        (
            models.School,
            [
                {
                    "id": SCHOOL_ID,
                    "school_id": SCHOOL_ID,
                    "name": SCHOOL_NAME,
                    "short_name": SCHOOL_SHORT_NAME,
                    "timezone": TIMEZONE,
                    "study_period_kind": "quarters",
                }
            ],
        )
    )
    ev.append(
        SchoolCreated(
            school_id=SCHOOL_ID, name=SCHOOL_NAME, short_name=SCHOOL_SHORT_NAME, timezone=TIMEZONE
        )
    )
    year = {
        "id": YEAR_ID,
        "school_id": SCHOOL_ID,
        "name": "2026/2027",
        "starts_on": YEAR_STARTS,
        "ends_on": YEAR_ENDS,
    }
    periods = [
        {
            "id": demo_id(f"period:{YEAR_STARTS.year}:{n}"),
            "school_id": SCHOOL_ID,
            "academic_year_id": YEAR_ID,
            "name": name,
            "starts_on": starts,
            "ends_on": ends,
        }
        for n, (name, starts, ends) in enumerate(QUARTERS, start=1)
    ]
    batch.rows += [(models.AcademicYear, [year]), (models.StudyPeriod, periods)]
    ev.append(
        AcademicYearCreated(
            academic_year_id=YEAR_ID,
            school_id=SCHOOL_ID,
            name=year["name"],
            starts_on=YEAR_STARTS,
            ends_on=YEAR_ENDS,
            study_periods=[
                StudyPeriodPayload(
                    study_period_id=p["id"],
                    name=p["name"],
                    starts_on=p["starts_on"],
                    ends_on=p["ends_on"],
                )
                for p in periods
            ],
        )
    )

    persons = [
        {
            "id": p.id,
            "school_id": SCHOOL_ID,
            "kind": p.kind.value,
            "last_name": p.last_name,
            "first_name": p.first_name,
            "middle_name": p.middle_name,
            "sex": p.sex.value,
            "birth_date": p.birth_date,
        }
        for p in school.persons
    ]
    batch.rows.append((models.Person, persons))
    ev += [
        PersonRegistered(
            person_id=p.id,
            school_id=SCHOOL_ID,
            kind=p.kind.value,
            last_name=p.last_name,
            first_name=p.first_name,
            middle_name=p.middle_name,
        )
        for p in school.persons
    ]

    classes = [{**c, "school_id": SCHOOL_ID, "academic_year_id": YEAR_ID} for c in school.classes]
    batch.rows.append((models.SchoolClass, classes))
    for c in classes:
        ev.append(
            SchoolClassCreated(
                school_class_id=c["id"],
                school_id=SCHOOL_ID,
                academic_year_id=YEAR_ID,
                grade_level=c["grade_level"],
                letter=c["letter"],
                name=c["name"],
            )
        )
        ev.append(
            ClassTeacherAssigned(
                school_class_id=c["id"], school_id=SCHOOL_ID, person_id=c["class_teacher_id"]
            )
        )

    grants = []
    for p in school.persons:
        for n, (role, class_id) in enumerate(p.roles):
            grants.append(
                {
                    "id": demo_id(f"grant:{p.key}:{n}"),
                    "school_id": SCHOOL_ID,
                    "person_id": p.id,
                    "role": role.value,
                    "school_class_id": class_id,
                }
            )
            ev.append(
                RoleGranted(
                    person_id=p.id, school_id=SCHOOL_ID, role=role.value, school_class_id=class_id
                )
            )
    batch.rows.append((models.RoleGrantRow, grants))
    # As a grant through the API would: the roles that open special-category data are audited.
    batch.rows.append(
        (
            models.RoleAudit,
            [
                {
                    "id": demo_id(f"role_audit:{g['id']}"),
                    "school_id": SCHOOL_ID,
                    "person_id": g["person_id"],
                    "role": g["role"],
                    "school_class_id": g["school_class_id"],
                    "granted_by": demo_id("person:admin"),
                    "granted_at": now,  # the demo is set up now: its grants are recent
                }
                for g in grants
                if Role(g["role"]) in SENSITIVE_ROLES
            ],
        )
    )

    batch.rows.append(
        (
            models.Enrolment,
            [
                {
                    "id": demo_id(f"enrolment:{student_id}"),
                    "school_id": SCHOOL_ID,
                    "person_id": student_id,
                    "school_class_id": class_id,
                    "enrolled_on": YEAR_STARTS,
                }
                for student_id, class_id in school.enrolments
            ],
        )
    )
    ev += [
        StudentEnrolled(
            person_id=student_id,
            school_id=SCHOOL_ID,
            school_class_id=class_id,
            enrolled_on=YEAR_STARTS,
        )
        for student_id, class_id in school.enrolments
    ]
    batch.rows.append(
        (
            models.Guardianship,
            [
                {
                    "id": demo_id(f"guardianship:{parent_id}:{student_id}"),
                    "school_id": SCHOOL_ID,
                    "parent_id": parent_id,
                    "student_id": student_id,
                    "relation": relation.value,
                }
                for parent_id, student_id, relation in school.guardianships
            ],
        )
    )
    ev += [
        GuardianshipLinked(
            parent_id=parent_id, student_id=student_id, school_id=SCHOOL_ID, relation=relation.value
        )
        for parent_id, student_id, relation in school.guardianships
    ]
    batch.rows.append(
        (
            models.Consent,
            [
                {
                    "id": demo_id(f"consent:{subject_id}"),
                    "school_id": SCHOOL_ID,
                    "subject_id": subject_id,
                    "given_by_id": given_by,
                    "document": CONSENT_DOCUMENT,
                    "given_at": given_at,
                }
                for subject_id, given_by in school.consent_by.items()
            ],
        )
    )
    accounts = [
        {
            "id": demo_id(f"account:{p.login}"),
            "school_id": SCHOOL_ID,
            "person_id": p.id,
            "login": p.login,
            "password_hash": password_hash,
            "must_change_password": False,
            "failed_attempts": 0,
            "password_changed_at": now,
        }
        for p in school.persons
        if p.login
    ]
    batch.rows.append((models.Account, accounts))
    ev += [
        AccountIssued(
            account_id=a["id"], person_id=a["person_id"], school_id=SCHOOL_ID, login=a["login"]
        )
        for a in accounts
    ]
    _english_subgroups(school, batch)
    _add_health_data(school, batch, now)
    # Last: the journal starts its demo once the roster's events stop arriving, and these
    # would pause the roster's (the journal does not consume them).
    _staff_records(school, batch)
    return batch


def _position(person: DemoPerson) -> str:
    roles = [role for role, _ in person.roles]
    if Role.SUBJECT_TEACHER in roles:
        return "учитель"
    return ROLE_LABELS[roles[0]]


def _staff_records(school: DemoSchool, batch: _Batch) -> None:
    """Every member of staff is employed (the HR secretary's list): position and hire date."""
    staff = [p for p in school.persons if p.kind is PersonKind.STAFF]
    records = [
        {
            "id": demo_id(f"staff_record:{p.key}"),
            "school_id": SCHOOL_ID,
            "person_id": p.id,
            "position": _position(p),
            # Spread over the years before this one, the same on every load.
            "hired_on": date(YEAR_STARTS.year - 1 - n % 17, 8, 20 + n % 9),
        }
        for n, p in enumerate(staff)
    ]
    batch.rows.append((models.StaffRecord, records))
    batch.events += [
        StaffHired(
            person_id=r["person_id"],
            school_id=SCHOOL_ID,
            position=r["position"],
            hired_on=r["hired_on"],
        )
        for r in records
    ]


def _english_subgroups(school: DemoSchool, batch: _Batch) -> None:
    """7Б learns English in two subgroups, split down the class list."""
    class_id = demo_id("class:7Б")
    by_id = {p.id: p for p in school.persons}
    students = sorted(
        (by_id[student_id] for student_id, c in school.enrolments if c == class_id),
        key=lambda p: (p.last_name.lower().replace("ё", "е"), p.first_name.lower()),
    )
    half = (len(students) + 1) // 2
    subject = "английский язык"
    groups, members = [], []
    for number, group in ((1, students[:half]), (2, students[half:])):
        subgroup_id = demo_id(f"subgroup:7Б:{subject}:{number}")
        name = f"{number} группа"
        groups.append(
            {
                "id": subgroup_id,
                "school_id": SCHOOL_ID,
                "school_class_id": class_id,
                "subject": subject,
                "name": name,
            }
        )
        members += [
            {
                "subgroup_id": subgroup_id,
                "person_id": p.id,
                "school_id": SCHOOL_ID,
                "school_class_id": class_id,
                "subject": subject,
            }
            for p in group
        ]
        batch.events += [
            SubgroupCreated(
                subgroup_id=subgroup_id,
                school_id=SCHOOL_ID,
                school_class_id=class_id,
                subject=subject,
                name=name,
            ),
            SubgroupMembersChanged(
                subgroup_id=subgroup_id,
                school_id=SCHOOL_ID,
                school_class_id=class_id,
                subject=subject,
                student_ids=[p.id for p in group],
            ),
        ]
    batch.rows += [(models.Subgroup, groups), (models.SubgroupMember, members)]


# Medical data of two 7Б students (the demo student among them), the class's PE teacher, and
# one psychological record; the medical worker's and the psychologist's writes are logged.
DEMO_HEALTH: tuple[tuple[str, str, str, str, date], ...] = (
    ("student", "II", "main", "миопия", date(2024, 10, 3)),
    ("student:7Б:2", "III", "special_a", "астигматизм", date(2025, 4, 15)),
)
DEMO_PE_TEACHER = "teacher:25"  # a subject teacher without a class of their own
DEMO_WELLBEING = (
    "student:7Б:3",
    "Эмоционально устойчив, в коллективе класса занимает позицию лидера; "
    "рекомендовано вовлечение в проектную деятельность.",
    ["large_family"],
)


def _add_health_data(school: DemoSchool, batch: _Batch, now: datetime) -> None:
    ids = {p.key: p.id for p in school.persons}
    medic, psychologist = ids["medic"], ids["psychologist"]
    seventh_b = demo_id("class:7Б")
    records, conditions, entries = [], [], []
    for key, health_group, pe_group, condition, since in DEMO_HEALTH:
        student_id = ids[key]
        records.append(
            {
                "student_id": student_id,
                "school_id": SCHOOL_ID,
                "health_group": health_group,
                "pe_group": pe_group,
                "updated_by": medic,
            }
        )
        condition_id = demo_id(f"health_condition:{key}")
        conditions.append(
            {
                "id": condition_id,
                "school_id": SCHOOL_ID,
                "student_id": student_id,
                "name": condition,
                "since": since,
                "recorded_by": medic,
            }
        )
        after = {"health_group": health_group, "pe_group": pe_group}
        for field_name, changes, values in (
            ("recordHealth", ["health_group", "pe_group"], after),
            ("addHealthCondition", ["conditions"], {"id": str(condition_id), "name": condition}),
        ):
            entries.append(
                _demo_write(
                    student_id,
                    medic,
                    "medical_worker",
                    "medical",
                    field_name,
                    changes,
                    values,
                    now,
                )
            )
        batch.events.append(
            HealthDataChanged(
                student_id=student_id,
                school_id=SCHOOL_ID,
                sections=["health_group", "pe_group", "conditions"],
            )
        )
    key, characteristics, statuses = DEMO_WELLBEING
    profile = {
        "student_id": ids[key],
        "school_id": SCHOOL_ID,
        "characteristics": characteristics,
        "social_statuses": statuses,
        "updated_by": psychologist,
    }
    entries.append(
        _demo_write(
            ids[key],
            psychologist,
            "psychologist",
            "psych_social",
            "setPsychologicalCharacteristics",
            ["characteristics", "social_status"],
            {"characteristics": characteristics, "social_statuses": statuses},
            now,
        )
    )
    batch.events.append(
        WellbeingDataChanged(
            student_id=ids[key], school_id=SCHOOL_ID, sections=["characteristics", "social_status"]
        )
    )
    pe_teacher = ids[DEMO_PE_TEACHER]
    batch.rows += [
        (models.HealthRecord, records),
        (models.HealthCondition, conditions),
        (models.WellbeingProfile, [profile]),
        (
            models.PeTeacherAssignment,
            [
                {
                    "id": demo_id(f"pe_teacher:7Б:{DEMO_PE_TEACHER}"),
                    "school_id": SCHOOL_ID,
                    "school_class_id": seventh_b,
                    "teacher_id": pe_teacher,
                }
            ],
        ),
        (models.DataAccessEntry, entries),
    ]
    batch.events.append(
        PeTeacherAssigned(school_class_id=seventh_b, school_id=SCHOOL_ID, person_id=pe_teacher)
    )


def _demo_write(
    subject_id: UUID,
    actor_id: UUID,
    role: str,
    section: str,
    field_name: str,
    changes: list[str],
    after: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": uuid7(),  # time-ordered like every entry: the log reads newest first by id
        "school_id": SCHOOL_ID,
        "subject_id": subject_id,
        "actor_id": actor_id,
        "actor_role": role,
        "action": "write",
        "section": section,
        "field": field_name,
        "changes": changes,
        "after": after,
        "occurred_at": now,
    }
