"""Personal data in the people subgraph: the person's file field by field, its change log, the
subject's export and the school's anonymisation term.

Each field declares the roles that may ever read it (the gateway's check); the use case then
says which groups this caller may read of this person (``personal_data_rules``), and a field
outside them answers FORBIDDEN at its path.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import Role, any_of
from services.people import audit, personal_data, subject_access
from services.people import personal_data_rules as rules
from services.people.models import PersonalDataChange as ChangeRow
from services.people.personal_data import PersonalDataView
from services.people.personal_data_rules import DOCUMENT_LABELS, Document, DocumentKind
from services.people.schema.core import Person, SexName, persons

federation = strawberry.federation

CONTACT_READERS = any_of(*rules.CONTACT_READERS)
IDENTITY_READERS = any_of(*rules.IDENTITY_READERS)
WRITERS = any_of(*rules.WRITERS)
HEADS = any_of(Role.DIRECTOR, Role.ADMINISTRATOR)

DocumentKindName = schema_enum(
    DocumentKind,
    name="IdentityDocumentKind",
    description="Вид документа, удостоверяющего личность",
)


@federation.type(authenticated=True, description="Документ, удостоверяющий личность")
class IdentityDocument:
    kind: DocumentKindName  # type: ignore[valid-type]
    series: str | None
    number: str | None
    issued_by: str | None
    issued_on: date | None

    @federation.field(authenticated=True, description="Вид документа по-русски")
    def kind_label(self) -> str:
        return DOCUMENT_LABELS[DocumentKind(self.kind.value)]


@federation.type(authenticated=True, description="Персональные данные человека (152-ФЗ)")
class PersonalData:
    view: strawberry.Private[PersonalDataView]

    @federation.field(authenticated=True)
    def person_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.person.id))

    @federation.field(authenticated=True, description="Человек (ФИО)")
    def person(self) -> Person:
        return Person.from_row(self.view.person)

    @federation.field(authenticated=True, description="Может ли вызывающий изменять эти данные")
    def can_edit(self) -> bool:
        return self.view.writable

    @federation.field(requires_scopes=CONTACT_READERS, description="Пол")
    def sex(self) -> SexName | None:  # type: ignore[valid-type]
        value = self.view.value("sex")
        return SexName(value) if value else None

    @federation.field(requires_scopes=CONTACT_READERS, description="Дата рождения")
    def birth_date(self) -> date | None:
        return self.view.value("birthDate")  # type: ignore[no-any-return]

    @federation.field(requires_scopes=CONTACT_READERS, description="Телефон (+7XXXXXXXXXX)")
    def phone(self) -> str | None:
        return self.view.value("phone")  # type: ignore[no-any-return]

    @federation.field(requires_scopes=CONTACT_READERS, description="Электронная почта")
    def email(self) -> str | None:
        return self.view.value("email")  # type: ignore[no-any-return]

    @federation.field(requires_scopes=CONTACT_READERS, description="Адрес фактического проживания")
    def actual_address(self) -> str | None:
        return self.view.value("actualAddress")  # type: ignore[no-any-return]

    @federation.field(requires_scopes=IDENTITY_READERS, description="Адрес регистрации")
    def registration_address(self) -> str | None:
        return self.view.value("registrationAddress")  # type: ignore[no-any-return]

    @federation.field(requires_scopes=IDENTITY_READERS, description="СНИЛС")
    def snils(self) -> str | None:
        return self.view.value("snils")  # type: ignore[no-any-return]

    @federation.field(
        requires_scopes=IDENTITY_READERS, description="Документ, удостоверяющий личность"
    )
    def identity_document(self) -> IdentityDocument | None:
        kind = self.view.value("documentKind")
        if kind is None:
            return None
        return IdentityDocument(
            kind=DocumentKindName(kind),
            series=self.view.value("documentSeries"),
            number=self.view.value("documentNumber"),
            issued_by=self.view.value("documentIssuedBy"),
            issued_on=self.view.value("documentIssuedOn"),
        )


def _label(field: str) -> str:
    return rules.FIELDS[field].label if field in rules.FIELDS else "все поля"


@federation.type(
    authenticated=True, description="Изменение персональных данных (с прежним и новым значением)"
)
class PersonalDataChange:
    id: strawberry.ID
    person_id: strawberry.ID
    field: str
    field_label: str
    kind: str
    value_before: str | None
    value_after: str | None
    changed_at: datetime
    note: str | None
    changed_by_id: strawberry.Private[Any]

    @federation.field(authenticated=True, description="Чьи данные")
    async def person(self, info: Info) -> Person | None:
        row = await persons(info).load(parse_id(self.person_id))
        return Person.from_row(row) if row else None

    @federation.field(authenticated=True, description="Кто изменил (пусто — система)")
    async def changed_by(self, info: Info) -> Person | None:
        if self.changed_by_id is None:
            return None
        row = await persons(info).load(self.changed_by_id)
        return Person.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: ChangeRow) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            person_id=strawberry.ID(str(row.person_id)),
            field=row.field,
            field_label=_label(row.field),
            kind=row.kind,
            value_before=row.value_before,
            value_after=row.value_after,
            changed_at=row.changed_at,
            note=row.note,
            changed_by_id=row.changed_by,
        )


@federation.type(authenticated=True, description="Кто и когда изменил мои данные (без значений)")
class MyDataChange:
    field: str
    field_label: str
    kind: str
    changed_at: datetime
    note: str | None
    changed_by_id: strawberry.Private[Any]

    @federation.field(authenticated=True, description="Кто изменил (пусто — система)")
    async def changed_by(self, info: Info) -> Person | None:
        if self.changed_by_id is None:
            return None
        row = await persons(info).load(self.changed_by_id)
        return Person.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: ChangeRow) -> Self:
        return cls(
            field=row.field,
            field_label=_label(row.field),
            kind=row.kind,
            changed_at=row.changed_at,
            note=row.note,
            changed_by_id=row.changed_by,
        )


@federation.type(authenticated=True, description="Страница журнала изменений, новые сначала")
class PersonalDataChangePage:
    items: list[PersonalDataChange]
    next_cursor: str | None


@federation.type(authenticated=True, description="Страница изменений моих данных")
class MyDataChangePage:
    items: list[MyDataChange]
    next_cursor: str | None


@strawberry.input
class IdentityDocumentInput:
    kind: DocumentKindName  # type: ignore[valid-type]
    series: str | None = None
    number: str
    issued_by: str | None = None
    issued_on: date | None = None


@strawberry.input(description="Не указанное поле не меняется; null очищает его")
class UpdatePersonalDataInput:
    person_id: strawberry.ID
    last_name: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    middle_name: str | None = strawberry.UNSET
    sex: SexName | None = strawberry.UNSET  # type: ignore[valid-type]
    birth_date: date | None = strawberry.UNSET
    registration_address: str | None = strawberry.UNSET
    actual_address: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    snils: str | None = strawberry.UNSET
    identity_document: IdentityDocumentInput | None = strawberry.UNSET


_SIMPLE_FIELDS = {
    "last_name": "lastName",
    "first_name": "firstName",
    "middle_name": "middleName",
    "sex": "sex",
    "birth_date": "birthDate",
    "registration_address": "registrationAddress",
    "actual_address": "actualAddress",
    "phone": "phone",
    "email": "email",
    "snils": "snils",
}


def _changes(input: UpdatePersonalDataInput) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for attr, field in _SIMPLE_FIELDS.items():
        value = getattr(input, attr)
        if value is strawberry.UNSET:
            continue
        changes[field] = value.value if attr == "sex" and value is not None else value
    return changes


@strawberry.type
class PersonalDataQuery:
    @federation.field(
        requires_scopes=CONTACT_READERS,
        description="Персональные данные человека: каждое поле — тем, кому оно положено",
    )
    async def personal_data(self, info: Info, person_id: strawberry.ID) -> PersonalData | None:
        view = await personal_data.read(
            info.context.runtime.db, info.context.principal, parse_id(person_id, "personId")
        )
        return PersonalData(view=view)

    @federation.field(
        requires_scopes=HEADS,
        description="Журнал изменений персональных данных школы (новые сначала)",
    )
    async def personal_data_changes(
        self,
        info: Info,
        person_id: strawberry.ID | None = None,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PersonalDataChangePage | None:
        page = await audit.changes(
            info.context.runtime.db,
            info.context.principal,
            person_id=parse_id(person_id, "personId") if person_id is not None else None,
            field=field,
            since=since,
            until=until,
            first=first,
            after=after,
        )
        return PersonalDataChangePage(
            items=[PersonalDataChange.from_row(r) for r in page.items],
            next_cursor=page.next_cursor,
        )

    @federation.field(
        authenticated=True,
        description="Кто и когда менял мои данные (родителю — данные ребёнка)",
    )
    async def my_data_changes(
        self, info: Info, person_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> MyDataChangePage | None:
        page = await audit.my_changes(
            info.context.runtime.db,
            info.context.principal,
            parse_id(person_id, "personId"),
            first=first,
            after=after,
        )
        return MyDataChangePage(
            items=[MyDataChange.from_row(r) for r in page.items], next_cursor=page.next_cursor
        )

    @federation.field(
        authenticated=True,
        description="Всё, что хранится обо мне (родителю — о ребёнке), одним JSON-документом",
    )
    async def my_data_export(self, info: Info, person_id: strawberry.ID) -> str | None:
        return await subject_access.export(
            info.context.runtime.db, info.context.principal, parse_id(person_id, "personId")
        )

    @federation.field(
        requires_scopes=HEADS, description="Через сколько дней обезличиваются данные выбывших"
    )
    async def anonymise_after_days(self, info: Info) -> int | None:
        return await personal_data.get_anonymise_after_days(
            info.context.runtime.db, info.context.principal
        )


@strawberry.type
class PersonalDataMutation:
    @federation.field(
        requires_scopes=WRITERS,
        description="Изменить персональные данные; каждое изменение попадает в журнал",
    )
    async def update_personal_data(
        self, info: Info, input: UpdatePersonalDataInput
    ) -> PersonalData | None:
        doc = input.identity_document
        view = await personal_data.update(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id, "personId"),
            changes=_changes(input),
            document=None
            if doc is None or doc is strawberry.UNSET
            else Document(
                kind=DocumentKind(doc.kind.value),
                series=doc.series,
                number=doc.number,
                issued_by=doc.issued_by,
                issued_on=doc.issued_on,
            ),
            clear_document=doc is None,
        )
        return PersonalData(view=view)

    @federation.field(
        requires_scopes=HEADS, description="Срок обезличивания данных выбывших (0–30 дней)"
    )
    async def set_anonymise_after_days(self, info: Info, days: int) -> int | None:
        return await personal_data.set_anonymise_after_days(
            info.context.uow(), info.context.principal, days
        )
