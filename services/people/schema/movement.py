"""Student movement: arrival, transfer, departure, the movement book and the year's promotion."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import UUID

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import any_of
from services.people import models, movement
from services.people.domain import MOVEMENT_LABELS, MovementKind
from services.people.schema.core import SchoolClass, Student, classes, persons

federation = strawberry.federation

MovementKindName = schema_enum(
    MovementKind,
    name="MovementKind",
    description="Вид движения учащегося",
)

MOVERS = any_of(*movement.MOVERS)
BOOK_READERS = any_of(*movement.BOOK_READERS)
PROMOTERS = any_of(*movement.PROMOTERS)


@federation.type(requires_scopes=BOOK_READERS, description="Запись книги движения учащихся")
class MovementRecord:
    id: strawberry.ID
    kind: MovementKindName  # type: ignore[valid-type]
    occurred_on: date
    other_school: str | None
    reason: str | None
    order_number: str
    order_date: date
    student_id: strawberry.Private[UUID]
    from_class_id: strawberry.Private[UUID | None]
    to_class_id: strawberry.Private[UUID | None]

    @federation.field(requires_scopes=BOOK_READERS, description="Вид движения по-русски")
    def label(self) -> str:
        return MOVEMENT_LABELS[MovementKind(self.kind.value)]

    @federation.field(requires_scopes=BOOK_READERS, description="Учащийся")
    async def student(self, info: Info) -> Student | None:
        row = await persons(info).load(self.student_id)
        return Student.from_row(row) if row else None

    @federation.field(requires_scopes=BOOK_READERS, description="Из класса")
    async def from_class(self, info: Info) -> SchoolClass | None:
        return await _class(info, self.from_class_id)

    @federation.field(requires_scopes=BOOK_READERS, description="В класс")
    async def to_class(self, info: Info) -> SchoolClass | None:
        return await _class(info, self.to_class_id)

    @classmethod
    def from_row(cls, row: models.Movement) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=MovementKindName(row.kind),
            occurred_on=row.occurred_on,
            other_school=row.other_school_name,
            reason=row.reason,
            order_number=row.order_number,
            order_date=row.order_date,
            student_id=row.person_id,
            from_class_id=row.from_class_id,
            to_class_id=row.to_class_id,
        )


async def _class(info: Info, class_id: UUID | None) -> SchoolClass | None:
    if class_id is None:
        return None
    row = await classes(info).load(class_id)
    return SchoolClass.from_row(row) if row else None


# periods: why a student is not simply promoted


@federation.type(
    requires_scopes=PROMOTERS,
    description="Учащийся с академической задолженностью по итогам закрытого года",
)
class PromotionNote:
    student: Student
    reason: str


@federation.type(requires_scopes=PROMOTERS, description="Что перевод сделает с одним классом")
class ClassPromotionPlan:
    from_class: SchoolClass
    to_class_name: str | None = federation.field(
        requires_scopes=PROMOTERS, description="Класс следующего года; пусто — выпуск"
    )
    graduates: bool
    creates_class: bool = federation.field(
        requires_scopes=PROMOTERS, description="Класс следующего года будет создан"
    )
    promoted: list[Student]
    held_back: list[Student]
    conditionally_promoted: list[PromotionNote] = federation.field(
        requires_scopes=PROMOTERS,
        description="Переводятся условно: академическая задолженность по итогам года "
        "(ст. 58 273-ФЗ); в «promoted» их нет",
    )
    held_back_reasons: list[PromotionNote] = federation.field(
        requires_scopes=PROMOTERS,
        description="Почему оставлены (задолженность по итогам закрытого года)",
    )


@federation.type(requires_scopes=PROMOTERS, description="Перевод всех классов в следующий год")
class PromotionPlan:
    from_academic_year: str
    to_academic_year: str
    classes: list[ClassPromotionPlan]
    student_count: int
    year_closed: bool = federation.field(
        requires_scopes=PROMOTERS,
        description="Журнал закрыл учебный год: предложение учитывает итоговые отметки",
    )

    @classmethod
    def from_promotion(cls, p: movement.Promotion, *, applied: bool) -> Self:
        plans = [
            ClassPromotionPlan(
                from_class=SchoolClass.from_row(c.source),
                to_class_name=c.target_name,
                graduates=c.target_name is None,
                creates_class=(
                    c.target_name is not None
                    and bool(c.promoted)
                    and not c.target_exists
                    and not applied
                ),
                promoted=[Student.from_row(s) for s in c.promoted if s.id not in c.reasons],
                held_back=[Student.from_row(s) for s in c.held_back],
                conditionally_promoted=[
                    PromotionNote(student=Student.from_row(s), reason=c.reasons[s.id])
                    for s in c.conditionally_promoted
                ],
                held_back_reasons=[
                    PromotionNote(student=Student.from_row(s), reason=c.reasons[s.id])
                    for s in c.held_back
                    if s.id in c.reasons
                ],
            )
            for c in p.classes
        ]
        return cls(
            from_academic_year=p.from_year.name,
            to_academic_year=p.to_year.name,
            classes=plans,
            student_count=sum(len(c.promoted) + len(c.held_back) for c in p.classes),
            year_closed=p.year_closed,
        )


@strawberry.input
class EnrolArrivalInput:
    person_id: strawberry.ID
    school_class_id: strawberry.ID
    enrolled_on: date
    order_number: str
    order_date: date
    from_school_id: strawberry.ID | None = None
    from_school_name: str | None = None


@strawberry.input
class TransferStudentInput:
    person_id: strawberry.ID
    to_class_id: strawberry.ID
    transferred_on: date
    order_number: str
    order_date: date


@strawberry.input
class RecordDepartureInput:
    person_id: strawberry.ID
    left_on: date
    order_number: str
    order_date: date
    to_school_id: strawberry.ID | None = None
    to_school_name: str | None = None
    reason: str | None = None


@strawberry.input
class PromotionInput:
    from_academic_year_id: strawberry.ID
    to_academic_year_id: strawberry.ID
    held_back_student_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class ApplyPromotionInput:
    from_academic_year_id: strawberry.ID
    to_academic_year_id: strawberry.ID
    order_number: str
    order_date: date
    held_back_student_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


def _opt(value: strawberry.ID | None) -> UUID | None:
    return parse_id(value) if value is not None else None


@strawberry.type
class MovementQuery:
    @federation.field(
        requires_scopes=BOOK_READERS,
        description="Книга движения учащихся за период (вид движения и приказ — по желанию)",
    )
    async def movement_book(
        self,
        info: Info,
        from_date: date,
        to_date: date,
        kind: MovementKindName | None = None,  # type: ignore[valid-type]
        order_number: str | None = None,
    ) -> list[MovementRecord] | None:
        lines = await movement.movement_book(
            info.context.runtime.db,
            info.context.principal,
            from_date=from_date,
            to_date=to_date,
            kind=MovementKind(kind.value) if kind else None,
            order_number=order_number,
        )
        return [MovementRecord.from_row(line.movement) for line in lines]

    @federation.field(
        requires_scopes=PROMOTERS,
        description="Предпросмотр перевода всех классов в следующий учебный год",
    )
    async def promotion_preview(self, info: Info, input: PromotionInput) -> PromotionPlan | None:
        plan = await movement.preview_promotion(
            info.context.runtime.db,
            info.context.principal,
            from_academic_year_id=parse_id(input.from_academic_year_id),
            to_academic_year_id=parse_id(input.to_academic_year_id),
            held_back_student_ids=[parse_id(i) for i in input.held_back_student_ids],
        )
        return PromotionPlan.from_promotion(plan, applied=False)


@strawberry.type
class MovementMutation:
    @federation.field(
        requires_scopes=MOVERS, description="Зачислить прибывшего учащегося по приказу"
    )
    async def enrol_arrival(self, info: Info, input: EnrolArrivalInput) -> MovementRecord | None:
        row = await movement.enrol_arrival(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            school_class_id=parse_id(input.school_class_id),
            enrolled_on=input.enrolled_on,
            order_number=input.order_number,
            order_date=input.order_date,
            from_school_id=_opt(input.from_school_id),
            from_school_name=input.from_school_name,
        )
        return MovementRecord.from_row(row)

    @federation.field(
        requires_scopes=MOVERS, description="Перевести учащегося в другой класс по приказу"
    )
    async def transfer_student(
        self, info: Info, input: TransferStudentInput
    ) -> MovementRecord | None:
        row = await movement.transfer_student(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            to_class_id=parse_id(input.to_class_id),
            transferred_on=input.transferred_on,
            order_number=input.order_number,
            order_date=input.order_date,
        )
        return MovementRecord.from_row(row)

    @federation.field(
        requires_scopes=MOVERS,
        description="Оформить выбытие учащегося по приказу; учётная запись блокируется сразу",
    )
    async def record_departure(
        self, info: Info, input: RecordDepartureInput
    ) -> MovementRecord | None:
        row = await movement.record_departure(
            info.context.uow(),
            info.context.principal,
            person_id=parse_id(input.person_id),
            left_on=input.left_on,
            order_number=input.order_number,
            order_date=input.order_date,
            to_school_id=_opt(input.to_school_id),
            to_school_name=input.to_school_name,
            reason=input.reason,
        )
        return MovementRecord.from_row(row)

    @federation.field(
        requires_scopes=PROMOTERS,
        description="Перевести все классы в следующий учебный год (всё или ничего)",
    )
    async def apply_promotion(self, info: Info, input: ApplyPromotionInput) -> PromotionPlan | None:
        plan = await movement.apply_promotion(
            info.context.uow(),
            info.context.principal,
            from_academic_year_id=parse_id(input.from_academic_year_id),
            to_academic_year_id=parse_id(input.to_academic_year_id),
            order_number=input.order_number,
            order_date=input.order_date,
            held_back_student_ids=[parse_id(i) for i in input.held_back_student_ids],
        )
        return PromotionPlan.from_promotion(plan, applied=True)
