"""The archive of closed years' progress sheets (PDF/A, kept 75 years) and its fixity alarm."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from services.kernel.graphql import Info, parse_id
from services.kernel.roles import ADMINISTRATION, any_of
from services.reports import archive
from services.reports.access import CLASS_READERS


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def _link_seconds(info: Info) -> int:
    return info.context.runtime.settings.files_link_seconds


@strawberry.federation.type(
    authenticated=True, description="Подпись ведомости: должность и ФИО на дату закрытия года."
)
class ArchiveSignatory:
    position: str
    name: str


@strawberry.federation.type(
    authenticated=True,
    description=(
        "Сводная ведомость закрытого года в архиве: PDF/A-3 с XLSX и данными (JSON) внутри, "
        "SHA-256 и срок хранения (75 лет)."
    ),
)
class ArchivedSheet:
    id: strawberry.ID
    academic_year_id: strawberry.ID
    school_class_id: strawberry.ID
    class_name: str
    academic_year: str
    closed_at: datetime
    retain_until: date = strawberry.field(description="Хранить до (удаление раньше невозможно).")
    signatories: list[ArchiveSignatory]
    sealed: bool = strawberry.field(description="PDF/A построен и опечатан контрольной суммой.")
    sha256: str | None
    size: int | None
    checked_at: datetime | None = strawberry.field(description="Последняя проверка целостности.")
    fixity_ok: bool | None = strawberry.field(description="Контрольная сумма совпала.")
    download_url: str | None

    @classmethod
    def from_view(cls, view: archive.SheetView, info: Info) -> ArchivedSheet:
        secret = info.context.runtime.settings.internal_secret
        return cls(
            id=_id(view.archived_sheet_id),
            academic_year_id=_id(view.academic_year_id),
            school_class_id=_id(view.school_class_id),
            class_name=view.class_name,
            academic_year=view.academic_year,
            closed_at=view.closed_at,
            retain_until=view.retain_until,
            signatories=[
                ArchiveSignatory(position=s["position"], name=s["name"]) for s in view.signatories
            ],
            sealed=view.sealed,
            sha256=view.sha256,
            size=view.size,
            checked_at=view.checked_at,
            fixity_ok=view.fixity_ok,
            download_url=view.download_url(secret, _link_seconds(info)),
        )


@strawberry.type
class ArchiveQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*CLASS_READERS),
        description=(
            "Архив сводных ведомостей закрытого учебного года: класса или всех доступных классов."
        ),
    )
    async def archive(
        self,
        info: Info,
        academic_year_id: strawberry.ID,
        school_class_id: strawberry.ID | None = None,
    ) -> list[ArchivedSheet] | None:
        principal = info.context.require(*CLASS_READERS)
        views = await archive.archived_sheets(
            info.context.runtime.db,
            principal,
            parse_id(academic_year_id, "academicYearId"),
            parse_id(school_class_id, "schoolClassId") if school_class_id is not None else None,
        )
        return [ArchivedSheet.from_view(v, info) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*ADMINISTRATION),
        description="Ведомости архива, не прошедшие проверку целостности (SHA-256).",
    )
    async def archive_mismatches(self, info: Info) -> list[ArchivedSheet] | None:
        principal = info.context.require(*ADMINISTRATION)
        views = await archive.archive_mismatches(info.context.runtime.db, principal)
        return [ArchivedSheet.from_view(v, info) for v in views]
