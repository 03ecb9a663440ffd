"""The secretaries' lists imported end to end, against raw asyncpg ``COPY`` of the same rows.

The import is timed in the use case (parse + validate + write + outbox, one transaction); the
baseline copies the rows the import wrote (every table, outbox included) into a fresh copy of
the same schema. Records are the rows of the file: classes, students, parents, staff.
"""

from __future__ import annotations

import base64
import csv
import io
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

import asyncpg
from openpyxl import Workbook

from services.kernel.db import Database
from services.kernel.events import uuid7
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork
from services.people.importing import FileFormat, ImportKind, import_people
from services.people.importing.parse import KIND_LABELS
from services.people.models import AcademicYear, School
from tests.support import Infra, asyncpg_dsn, new_namespace

RUNS = 5
TABLES = (
    "school_classes",
    "persons",
    "role_grants",
    "staff_records",
    "enrolments",
    "guardianships",
)
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов"]
LAST += ["Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров"]
MALE = ["Александр", "Максим", "Артём", "Михаил", "Иван", "Даниил", "Кирилл", "Егор", "Лев"]
FEMALE = ["Анна", "Мария", "Софья", "Алиса", "Виктория", "Полина", "Ева", "Дарья", "Алёна"]
PATRONYMIC_ROOTS = ["Александров", "Сергеев", "Андреев", "Дмитриев", "Алексеев", "Игорев"]


Lists = dict[ImportKind, list[list[Any]]]


def school_lists(students: int, parents: int, classes: int, staff: int, seed: int = 1) -> Lists:
    """The four lists of a school, header first, as a secretary's spreadsheet holds them."""
    rng = random.Random(seed)
    names = [f"{g}{letter}" for g in range(1, 12) for letter in "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"]
    rng.shuffle(names)
    class_names = sorted(names[:classes])

    def person(n: int, female: bool) -> tuple[str, str, str]:
        # The running number keeps each name unique, as real lists are by ФИО and birth date.
        last = LAST[n % len(LAST)] + ("а" if female else "")
        first = (FEMALE if female else MALE)[n // len(LAST) % 9]
        root = PATRONYMIC_ROOTS[n % len(PATRONYMIC_ROOTS)]
        middle = root + ("на" if female else "ич")
        return f"{last}-{_word(n)}", first, middle

    lists: Lists = {ImportKind.CLASSES: [["Класс"], *([name] for name in class_names)]}
    kids: list[tuple[str, str, str, date]] = []
    rows: list[list[Any]] = [["Фамилия", "Имя", "Отчество", "Пол", "Дата рождения", "Класс"]]
    for n in range(students):
        female = n % 2 == 1
        last, first, middle = person(n, female)
        born = date(2010, 1, 1) + timedelta(days=rng.randrange(3650))
        rows.append([last, first, middle, "Ж" if female else "М", born, class_names[n % classes]])
        kids.append((last, first, middle, born))
    lists[ImportKind.STUDENTS] = rows
    rows = [["ФИО", "Пол", "Родство", "Ребёнок", "Дата рождения ребёнка"]]
    for n in range(parents):
        last, first, middle, born = kids[n % students]
        mother = n < students
        parent = " ".join(person(students + n, mother))
        child = f"{last} {first} {middle}"
        rows.append([parent, "Ж" if mother else "М", "мать" if mother else "отец", child, born])
    lists[ImportKind.PARENTS] = rows
    rows = [["Фамилия", "Имя", "Отчество", "Должность", "Дата приёма"]]
    for n in range(staff):
        last, first, middle = person(students + parents + n, n % 3 != 0)
        rows.append([last, first, middle, "учитель", date(2015, 8, 25) + timedelta(days=n)])
    lists[ImportKind.STAFF] = rows
    return lists


def as_csv(rows: list[list[Any]]) -> str:
    """What Excel saves as «CSV (разделители — точки с запятой)»: dates as ДД.ММ.ГГГГ."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        writer.writerow([v.strftime("%d.%m.%Y") if isinstance(v, date) else v for v in row])
    return buffer.getvalue()


def as_xlsx(lists: Lists) -> str:
    workbook = Workbook(write_only=True)
    for kind, rows in lists.items():
        sheet = workbook.create_sheet(KIND_LABELS[kind])
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


_LETTERS = "абвгдежзиклмнопрстуфхцчшэюя"


def _word(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, len(_LETTERS))
        out += _LETTERS[r]
        if n == 0:
            return out.capitalize()


async def _school(infra: Infra) -> tuple[str, Database, Principal]:
    url = await infra.fresh_database("people")
    db = Database.connect(url)
    school_id = uuid7()
    async with db.sessionmaker() as session, session.begin():
        session.add(
            School(
                id=school_id,
                school_id=school_id,
                name="Школа",
                short_name="Ш",
                timezone="Asia/Tomsk",
            )
        )
        await session.flush()
        session.add(
            AcademicYear(
                id=uuid7(),
                school_id=school_id,
                name="2026/2027",
                starts_on=date(2026, 9, 1),
                ends_on=date(2027, 5, 31),
            )
        )
    principal = Principal(
        account_id=uuid7(),
        person_id=uuid7(),
        school_id=school_id,
        session_id=uuid7(),
        login="admin",
        roles=(RoleGrant(Role.ADMINISTRATOR),),
    )
    return url, db, principal


async def _reset(conn: asyncpg.Connection) -> None:
    await conn.execute(f"TRUNCATE {', '.join(TABLES)}, outbox CASCADE")


async def _case(infra: Infra, label: str, sizes: tuple[int, int, int, int]) -> None:
    lists = school_lists(*sizes)
    records = sum(len(rows) - 1 for rows in lists.values())
    files = [(kind, as_csv(rows)) for kind, rows in lists.items()]
    workbook = as_xlsx(lists)
    url, db, principal = await _school(infra)
    namespace = new_namespace()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    times: dict[str, list[float]] = {"csv": [], "xlsx": [], "copy": []}

    async def load(kind: ImportKind | None, fmt: FileFormat, content: str) -> None:
        uow = UnitOfWork(db, principal, namespace=namespace)
        report = await import_people(
            uow, principal, kind=kind, fmt=fmt, content=content, dry_run=False
        )
        assert report.written and not report.problems, report.problems[:3]

    try:
        for _ in range(RUNS):
            # Four CSV files, one transaction each: classes, students, parents, staff.
            await _reset(conn)
            start = time.perf_counter()
            for kind, text in files:
                await load(kind, FileFormat.CSV, text)
            times["csv"].append(time.perf_counter() - start)
            # One workbook, one transaction.
            await _reset(conn)
            start = time.perf_counter()
            await load(None, FileFormat.XLSX, workbook)
            times["xlsx"].append(time.perf_counter() - start)
            # The baseline: the very rows the import wrote, copied back in by raw asyncpg.
            dumped = {t: await conn.fetch(f"SELECT * FROM {t}") for t in (*TABLES, "outbox")}
            await _reset(conn)
            start = time.perf_counter()
            async with conn.transaction():
                for table, rows in dumped.items():
                    columns = [c for c in rows[0].keys() if c != "seq"]
                    await conn.copy_records_to_table(
                        table, records=[tuple(r[c] for c in columns) for r in rows], columns=columns
                    )
            times["copy"].append(time.perf_counter() - start)
        written = sum(len(rows) for rows in dumped.values())
    finally:
        await conn.close()
        await db.dispose()
    rate = {name: records / statistics.median(values) for name, values in times.items()}
    classes, students, parents, staff = sizes[2], sizes[0], sizes[1], sizes[3]
    print(
        f"{label}: {records} records ({classes} classes, {students} students, {parents} "
        f"parents, {staff} staff) → {written} rows incl. outbox; median of {RUNS} runs"
    )
    print(f"  {'raw asyncpg COPY of the same rows (baseline)':<52} {rate['copy']:>8.0f} records/s")
    print(
        f"  {'import, 4 CSV files (parse+validate+write+outbox)':<52} {rate['csv']:>8.0f} records/s"
    )
    print(f"  {'import, 1 XLSX workbook (openpyxl read-only)':<52} {rate['xlsx']:>8.0f} records/s")
    print(f"  {'ratio CSV import / raw COPY':<52} {rate['csv'] / rate['copy']:>8.2f}")
    print(f"  {'ratio XLSX import / raw COPY':<52} {rate['xlsx'] / rate['copy']:>8.2f}")


async def run(infra: Infra) -> None:
    await _case(infra, "one school", (1000, 1600, 33, 80))
    await _case(infra, "region-size file", (7400, 11800, 264, 536))
