"""Data verification: the class teacher's confirmation and the list of overdue classes."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from services.kernel.graphql import Info, parse_id
from services.kernel.roles import Role, any_of
from services.people import models, verification
from services.people.schema.core import Person, SchoolClass, classes, persons

federation = strawberry.federation

CONFIRMERS = any_of(Role.CLASS_TEACHER)
OVERDUE_READERS = any_of(*verification.OVERDUE_READERS)


@federation.type(authenticated=True, description="Подтверждение данных учащихся и родителей класса")
class ClassDataConfirmation:
    id: strawberry.ID
    school_class: SchoolClass
    confirmed_on: date
    confirmed_at: datetime
    confirmed_by: Person | None


@federation.type(authenticated=True, description="Класс, не подтвердивший данные в срок")
class OverdueDataConfirmation:
    school_class: SchoolClass
    due_on: date = strawberry.field(description="Когда подтверждение было нужно")
    days_overdue: int
    last_confirmation: ClassDataConfirmation | None


async def _confirmation(info: Info, row: models.ClassDataConfirmation) -> ClassDataConfirmation:
    school_class = await classes(info).load(row.school_class_id)
    by = await persons(info).load(row.confirmed_by)
    return ClassDataConfirmation(
        id=strawberry.ID(str(row.id)),
        school_class=SchoolClass.from_row(school_class),
        confirmed_on=row.confirmed_on,
        confirmed_at=row.confirmed_at,
        confirmed_by=Person.from_row(by) if by else None,
    )


@strawberry.type
class VerificationQuery:
    @federation.field(
        requires_scopes=OVERDUE_READERS,
        description="Классы, где классный руководитель не подтвердил данные в срок "
        "(до 20 сентября, затем не реже раза в месяц)",
    )
    async def overdue_data_confirmations(self, info: Info) -> list[OverdueDataConfirmation] | None:
        overdue = await verification.overdue_confirmations(
            info.context.runtime.db,
            info.context.principal,
            verification.clock(info.context.runtime),
        )
        return [
            OverdueDataConfirmation(
                school_class=SchoolClass.from_row(o.school_class),
                due_on=o.due_on,
                days_overdue=o.days_overdue,
                last_confirmation=await _confirmation(info, o.last) if o.last else None,
            )
            for o in overdue
        ]


@strawberry.type
class VerificationMutation:
    @federation.field(
        requires_scopes=CONFIRMERS,
        description="Подтвердить, что данные учащихся и родителей класса проверены",
    )
    async def confirm_class_data(
        self, info: Info, class_id: strawberry.ID
    ) -> ClassDataConfirmation | None:
        row = await verification.confirm_class_data(
            info.context.uow(),
            info.context.principal,
            school_class_id=parse_id(class_id, "classId"),
            now=verification.clock(info.context.runtime),
        )
        return await _confirmation(info, row)
