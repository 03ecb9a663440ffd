"""Bulk import of the secretaries' lists: files, problems by row and column, all or nothing."""

from __future__ import annotations

import base64
import io
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from services.kernel.events import Envelope
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.people.importing.parse import (
    FileFormat,
    ImportKind,
    UnreadableFile,
    parse_csv,
    read_file,
)
from services.people.models import Enrolment, Guardianship, Person, RoleGrantRow, StaffRecord
from services.people.models import outbox as outbox_table
from tests.people.helpers import CREATE_SCHOOL, build_school, error_code, ok, regional_admin, staff
from tests.support import Infra, ServiceClient, running_service

DATA = Path(__file__).parent / "data"
IMPORT = """mutation($input: ImportPeopleInput!) { importPeople(input: $input) {
  dryRun written counts { classes students parents staff enrolments guardianships }
  problems { sheet row column message } } }"""

STUDENTS_HEADER = "Фамилия;Имя;Отчество;Пол;Дата рождения;Класс"


def csv_input(kind: str, text: str, *, dry_run: bool) -> dict[str, Any]:
    return {"input": {"kind": kind, "format": "CSV", "content": text, "dryRun": dry_run}}


def xlsx(sheets: dict[str, list[list[Any]]]) -> str:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


async def counts(svc: ServiceClient, school_id: UUID) -> dict[str, int]:
    async with svc.runtime.db.sessionmaker() as session:

        async def count(model: Any) -> int:
            return int(
                await session.scalar(
                    select(func.count()).select_from(model).where(model.school_id == school_id)
                )
                or 0
            )

        outbox = await session.scalar(select(func.count()).select_from(outbox_table))
        return {
            "persons": await count(Person),
            "enrolments": await count(Enrolment),
            "guardianships": await count(Guardianship),
            "outbox": int(outbox or 0),
        }


def problems_of(report: dict[str, Any]) -> set[tuple[int | None, str | None]]:
    return {(p["row"], p["column"]) for p in report["problems"]}


# --- reading files (no database) ----------------------------------------------------------


@pytest.mark.parametrize("name", ["students_cp1251_semicolon.csv", "students_utf8_bom_comma.csv"])
def test_csv_in_windows_1251_or_utf8_with_bom_and_either_separator_reads_the_same(
    name: str,
) -> None:
    sheet = parse_csv((DATA / name).read_bytes(), ImportKind.STUDENTS)
    assert sheet.headers["last_name"] == "Фамилия"
    assert [r.number for r in sheet.rows] == [2, 3, 4]
    assert sheet.rows[0].cells == {
        "last_name": "Ёлкина",
        "first_name": "Алёна",
        "middle_name": "Сергеевна",
        "sex": "ж",
        "birth_date": "14.03.2013",
        "class": "7Б",
    }
    assert "middle_name" not in sheet.rows[2].cells  # an empty cell is no value


def test_xlsx_keeps_excel_row_numbers_across_a_title_and_blank_rows() -> None:
    content = xlsx(
        {
            "Учащиеся": [
                ["Список учащихся на 01.09.2026"],
                [],
                ["Фамилия", "Имя", "Дата рождения", "Класс"],
                ["Петрова", "Ольга", date(2013, 5, 6), "7Б"],
                [],
                ["Орлов", "Игорь", "06.05.2013", "7А"],
            ],
            "Пояснения": [["этот лист не читается"]],
        }
    )
    (sheet,) = read_file(base64.b64decode(content), FileFormat.XLSX, None)
    assert sheet.kind is ImportKind.STUDENTS and sheet.header_row == 3
    assert [(r.number, r.cells["birth_date"]) for r in sheet.rows] == [
        (4, date(2013, 5, 6)),
        (6, "06.05.2013"),
    ]


def test_a_file_that_is_not_xlsx_is_unreadable_with_a_russian_reason() -> None:
    with pytest.raises(UnreadableFile, match="XLSX"):
        read_file(b"not a zip", FileFormat.XLSX, None)


# --- the use case through the subgraph ----------------------------------------------------


async def test_dry_run_reports_every_problem_by_row_and_column_and_writes_nothing(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        before = await counts(svc, school.id)
        students = "\n".join(
            [
                STUDENTS_HEADER,
                "Иванов;Иван;Иванович;М;01.02.2013;7Б",  # 2: fine
                "Сидоров;;Петрович;М;01.02.2013;7Б",  # 3: no first name
                "Кузнецов;Олег;;М;31.02.2013;7Б",  # 4: no such date
                "Волков;Лев;;М;01.02.2013;9Я",  # 5: no such class
                "Зайцев;Ян;;Х;01.02.2013;7B",  # 6: Latin B; unknown sex
                "иванов;иван;иванович;м;01.02.2013;7б",  # 7: the same as row 2
                "Петров;Артём;Алексеевич;М;;7Б",  # 8: no birth date
            ]
        )
        data = await ok(
            svc, IMPORT, csv_input("STUDENTS", students, dry_run=True), principal=secretary
        )
        report = data["importPeople"]
        assert report["dryRun"] is True and report["written"] is False
        assert problems_of(report) == {
            (3, "Имя"),
            (4, "Дата рождения"),
            (5, "Класс"),
            (6, "Пол"),
            (6, "Класс"),
            (7, "Фамилия"),
            (8, "Дата рождения"),
        }
        messages = {(p["row"], p["column"]): p["message"] for p in report["problems"]}
        assert messages[(5, "Класс")].startswith("Класса 9Я нет ни в файле, ни в школе")
        assert "строка 2" in messages[(7, "Фамилия")]
        assert all(p["sheet"] == "Учащиеся" for p in report["problems"])

        parents = "\n".join(
            [
                "ФИО;Родство;Ребёнок",
                "Петров Алексей Иванович;отец;Петров Артём",  # 2: a student of the school
                "Гусев Павел Олегович;отец;Гусев Максим",  # 3: nobody of that name
                "Гусева Нина;тётя;Петров Артём",  # 4: not a relation
            ]
        )
        data = await ok(
            svc, IMPORT, csv_input("PARENTS", parents, dry_run=True), principal=secretary
        )
        assert problems_of(data["importPeople"]) == {(3, "Ребёнок"), (4, "Родство")}
        missing = "Фамилия;Имя\nИванов;Иван\n"
        data = await ok(
            svc, IMPORT, csv_input("STUDENTS", missing, dry_run=True), principal=secretary
        )
        assert problems_of(data["importPeople"]) == {(1, "Дата рождения"), (1, "Класс")}
        assert await counts(svc, school.id) == before


async def test_workbook_import_writes_everything_with_its_events(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        before = await counts(svc, school.id)
        content = xlsx(
            {
                "Сотрудники": [
                    ["Фамилия", "Имя", "Отчество", "Должность", "Дата приёма"],
                    ["Лебедева", "Ольга", "Павловна", "учитель математики", date(2026, 8, 25)],
                ],
                "Классы": [["Класс"], ["5А"], ["5Б"]],
                "Учащиеся": [
                    ["Фамилия", "Имя", "Отчество", "Пол", "Дата рождения", "Класс"],
                    ["Белов", "Марк", "Олегович", "М", date(2015, 4, 1), "5А"],
                    ["Белова", "Ева", "Олеговна", "Ж", date(2015, 4, 1), "5 б"],
                    ["Новиков", "Ян", None, "М", "12.12.2012", "7Б"],
                ],
                "Родители": [
                    ["ФИО", "Родство", "Ребёнок", "Класс ребёнка"],
                    ["Белова Анна Игоревна", "Мать", "Белов Марк", None],
                    ["Белова Анна Игоревна", "мать", "Белова Ева", "5Б"],
                    ["Петрова Мария Владимировна", "мать", "Новиков Ян", None],
                    ["Петров Алексей", "отец", "Петров Артём Алексеевич", "7Б"],
                ],
            }
        )
        variables = {"input": {"format": "XLSX", "content": content, "dryRun": False}}
        data = await ok(svc, IMPORT, variables, principal=school.admin)
        report = data["importPeople"]
        assert report["problems"] == [] and report["written"] is True
        # Anna Belova is one person with two children; Maria Petrova is already a parent.
        assert report["counts"] == {
            "classes": 2,
            "students": 3,
            "parents": 2,
            "staff": 1,
            "enrolments": 3,
            "guardianships": 4,
        }
        after = await counts(svc, school.id)
        assert after["persons"] - before["persons"] == 6
        assert after["enrolments"] - before["enrolments"] == 3
        assert after["guardianships"] - before["guardianships"] == 4

        async with svc.runtime.db.sessionmaker() as session:
            employment = await session.scalar(select(StaffRecord))
            assert employment is not None
            assert (employment.position, employment.hired_on) == (
                "учитель математики",
                date(2026, 8, 25),
            )
            anna = await session.scalar(select(Person).where(Person.first_name == "Анна"))
            assert anna is not None and anna.sex == "female"
            roles = Counter(
                await session.scalars(
                    select(RoleGrantRow.role).where(
                        RoleGrantRow.person_id.in_(
                            select(Person.id).where(Person.last_name.in_(["Белов", "Белова"]))
                        )
                    )
                )
            )
            assert roles == {"student": 2, "parent": 1}
            query = select(outbox_table.c.envelope).order_by(outbox_table.c.seq)
            rows = (await session.execute(query)).scalars().all()
        types = Counter(e["type"] for e in rows[before["outbox"] :])
        assert types == {
            "people.school_class.created": 2,
            "people.person.registered": 6,
            "people.role.granted": 5,
            "people.student.enrolled": 3,
            "people.guardianship.linked": 4,
            "people.staff.hired": 1,
        }
        new = [Envelope.model_validate(e) for e in rows[before["outbox"] :]]  # as consumers read
        assert {e.actor for e in new} == {school.admin.person_id}
        assert {e.school_id for e in new} == {school.id}

        # The same list again: everyone is already there, and nothing is written twice.
        body = await svc.gql(IMPORT, variables, principal=school.admin)
        assert error_code(body) == "VALIDATION"
        assert len(body["errors"][0]["extensions"]["problems"]) >= 6


async def test_a_problem_in_the_last_row_refuses_the_whole_file(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        before = await counts(svc, school.id)
        names = ["Андреев", "Борисов", "Васильев", "Григорьев", "Давыдов"]
        rows = [f"{name};Иван;;М;01.02.2013;7А" for name in names]
        students = "\n".join([STUDENTS_HEADER, *rows, "Последний;Иван;;М;01.02.2013;12Б"])
        body = await svc.gql(
            IMPORT, csv_input("STUDENTS", students, dry_run=False), principal=school.admin
        )
        assert error_code(body) == "VALIDATION"
        assert body["errors"][0]["extensions"]["problems"] == [
            {
                "sheet": "Учащиеся",
                "row": 7,
                "column": "Класс",
                "message": "Класс «12Б»: параллель должна быть от 1 до 11.",
            }
        ]
        assert await counts(svc, school.id) == before


async def test_each_list_is_loaded_only_by_the_secretary_who_keeps_it(
    infra: Infra, namespace: str
) -> None:
    async with running_service(infra, "people", namespace=namespace) as svc:
        school = await build_school(svc)
        students = "\n".join([STUDENTS_HEADER, "Иванов;Иван;;М;01.02.2013;7Б"])
        staff_list = "Фамилия;Имя;Должность\nЛебедева;Ольга;учитель\n"
        teacher = staff(school.id, Role.SUBJECT_TEACHER)
        hr = staff(school.id, Role.HR_SECRETARY)
        secretary = staff(school.id, Role.ACADEMIC_SECRETARY)
        for principal, kind, text in (
            (teacher, "STUDENTS", students),
            (hr, "STUDENTS", students),
            (secretary, "STAFF", staff_list),
        ):
            body = await svc.gql(IMPORT, csv_input(kind, text, dry_run=True), principal=principal)
            assert error_code(body) == "FORBIDDEN", (principal.roles, kind)
        # A workbook is refused as a whole when one of its sheets is not the caller's.
        content = xlsx({"Учащиеся": [["ФИО"], ["Иванов Иван"]], "Сотрудники": [["ФИО"]]})
        body = await svc.gql(
            IMPORT, {"input": {"format": "XLSX", "content": content}}, principal=hr
        )
        assert error_code(body) == "FORBIDDEN"
        data = await ok(svc, IMPORT, csv_input("STAFF", staff_list, dry_run=False), principal=hr)
        assert data["importPeople"]["counts"]["staff"] == 1

        # A secretary of another school sees none of this school's students or classes.
        other = await _other_school(svc)
        parents = "ФИО;Родство;Ребёнок\nПетрова Мария;мать;Петров Артём Алексеевич\n"
        data = await ok(svc, IMPORT, csv_input("PARENTS", parents, dry_run=True), principal=other)
        assert problems_of(data["importPeople"]) == {(2, "Ребёнок")}
        data = await ok(svc, IMPORT, csv_input("STUDENTS", students, dry_run=True), principal=other)
        assert data["importPeople"]["problems"][0]["message"].startswith(
            "В школе нет учебного года"
        )


async def _other_school(svc: ServiceClient) -> Principal:
    """The academic secretary of a second school, which has nothing in it yet."""
    root = regional_admin()
    names = {"name": "МАОУ СОШ № 2", "shortName": "СОШ № 2"}
    data = await ok(svc, CREATE_SCHOOL, {"input": names}, principal=root)
    return staff(UUID(data["createSchool"]["id"]), Role.ACADEMIC_SECRETARY)
