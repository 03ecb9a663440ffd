"""Bulk import of the secretaries' lists: the ``importPeople`` mutation and its report."""

from __future__ import annotations

import strawberry

from services.kernel.graphql import Info, schema_enum
from services.kernel.inputs import FILE_BASE64_MAX, max_length
from services.kernel.roles import Role, any_of
from services.people.importing import FileFormat, ImportKind, ImportReport, import_people

federation = strawberry.federation

# The service checks the kinds in the file again: staff for the HR secretary, the rest for the
# academic secretary, everything for the administrator.
IMPORTERS = any_of(Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY)

ImportKindName = schema_enum(
    ImportKind,
    name="ImportKind",
    description="Какой список в файле: классы, учащиеся, родители, сотрудники",
)
ImportFormatName = schema_enum(
    FileFormat,
    name="ImportFormat",
)


@strawberry.input(description="Файл списка: один вид (kind) или книга XLSX с листом на вид")
class ImportPeopleInput:
    format: ImportFormatName  # type: ignore[valid-type]
    content: str = strawberry.field(
        description="CSV — текстом (или base64 байтов файла при base64: true); XLSX — base64",
        metadata=max_length(FILE_BASE64_MAX),  # a file of up to 10 MB, as base64
    )
    kind: ImportKindName | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Пусто — книга XLSX: листы «Классы», «Учащиеся»…"
    )
    base64: bool = False
    dry_run: bool = False


@federation.type(authenticated=True, description="Ошибка в файле: лист, строка, графа")
class ImportProblem:
    sheet: str
    row: int | None
    column: str | None
    message: str


@federation.type(authenticated=True, description="Сколько записей создаёт (создала) загрузка")
class ImportCounts:
    classes: int
    students: int
    parents: int
    staff: int
    enrolments: int
    guardianships: int


@federation.type(authenticated=True, description="Итог загрузки списков")
class ImportPeopleReport:
    dry_run: bool
    written: bool
    counts: ImportCounts
    problems: list[ImportProblem]

    @classmethod
    def from_report(cls, report: ImportReport) -> ImportPeopleReport:
        return cls(
            dry_run=report.dry_run,
            written=report.written,
            counts=ImportCounts(
                classes=report.classes,
                students=report.students,
                parents=report.parents,
                staff=report.staff,
                enrolments=report.enrolments,
                guardianships=report.guardianships,
            ),
            problems=[
                ImportProblem(sheet=p.sheet, row=p.row, column=p.column, message=p.message)
                for p in report.problems
            ],
        )


@strawberry.type
class ImportingQuery:
    pass


@strawberry.type
class ImportingMutation:
    @federation.field(
        requires_scopes=IMPORTERS,
        description="Загрузить списки классов, учащихся, родителей, сотрудников (CSV, XLSX); "
        "dryRun — только проверить. Всё или ничего: при любой ошибке ничего не записывается",
    )
    async def import_people(
        self, info: Info, input: ImportPeopleInput
    ) -> ImportPeopleReport | None:
        report = await import_people(
            info.context.uow(),
            info.context.principal,
            kind=ImportKind(input.kind.value) if input.kind else None,
            fmt=FileFormat(input.format.value),
            content=input.content,
            is_base64=input.base64,
            dry_run=input.dry_run,
        )
        return ImportPeopleReport.from_report(report)
