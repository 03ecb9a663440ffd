"""Medical, psychological and social data of students, and the log of who read them.

Each field declares exactly who may ask (the gateway refuses everyone else before a fetch);
the use cases then check the relationship (this class, this child) and log the read.
The PE group is its own field and type, so the gateway can open it to a PE teacher alone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.roles import STAFF, Role, any_of
from services.people import data_reads, health, models, wellbeing
from services.people.domain import (
    DATA_SECTION_LABELS,
    HEALTH_GROUP_LABELS,
    PE_GROUP_LABELS,
    SOCIAL_STATUS_LABELS,
    DataAction,
    DataSection,
    HealthGroup,
    PeGroup,
    SocialStatus,
)
from services.people.schema.core import Person, SchoolClass, Student, classes
from services.people.verification import clock

federation = strawberry.federation

HEALTH_READERS = any_of(*health.READERS)
PE_GROUP_READERS = any_of(*health.PE_GROUP_READERS)
CLASS_PE_GROUP_READERS = any_of(*health.CLASS_PE_GROUP_READERS)
HEALTH_WRITERS = any_of(*health.WRITERS)
PE_TEACHER_KEEPERS = any_of(*health.PE_TEACHER_KEEPERS)
WELLBEING_READERS = any_of(*wellbeing.READERS)
WELLBEING_WRITERS = any_of(*wellbeing.WRITERS)
LOG_READERS = any_of(*data_reads.LOG_READERS)
DATA_SUBJECTS = any_of(Role.STUDENT, Role.PARENT)
STAFF_ONLY = any_of(*STAFF)

HealthGroupName = schema_enum(
    HealthGroup,
    name="HealthGroup",
    description="Группа здоровья (I–V)",
)
PeGroupName = schema_enum(
    PeGroup,
    name="PeGroup",
    description="Физкультурная группа",
)
SocialStatusName = schema_enum(
    SocialStatus,
    name="SocialStatus",
    description="Социальное положение (справочник)",
)
DataSectionName = schema_enum(
    DataSection,
    name="DataSection",
    description="Раздел особых категорий данных",
)
DataActionName = schema_enum(
    DataAction,
    name="DataAction",
    description="Чтение или изменение",
)


# --- medical ------------------------------------------------------------------------------


@federation.type(authenticated=True, description="Заболевание учащегося (миопия, астигматизм…)")
class HealthCondition:
    id: strawberry.ID
    name: str
    note: str | None
    since: date | None
    until: date | None

    @classmethod
    def from_row(cls, row: models.HealthCondition) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            note=row.note,
            since=row.since,
            until=row.until,
        )


@federation.type(authenticated=True, description="Медицинские сведения учащегося")
class HealthRecord:
    student: Student
    health_group: HealthGroupName | None  # type: ignore[valid-type]
    health_group_label: str | None
    pe_group: PeGroupName | None  # type: ignore[valid-type]
    pe_group_label: str | None
    conditions: list[HealthCondition]
    updated_at: datetime | None

    @classmethod
    def from_view(cls, view: health.HealthView) -> Self:
        return cls(
            student=Student.from_row(view.student),
            health_group=HealthGroupName(view.health_group.value) if view.health_group else None,
            health_group_label=HEALTH_GROUP_LABELS[view.health_group]
            if view.health_group
            else None,
            pe_group=PeGroupName(view.pe_group.value) if view.pe_group else None,
            pe_group_label=PE_GROUP_LABELS[view.pe_group] if view.pe_group else None,
            conditions=[HealthCondition.from_row(c) for c in view.conditions],
            updated_at=view.updated_at,
        )


@federation.type(authenticated=True, description="Физкультурная группа учащегося (и только она)")
class StudentPeGroup:
    student: Student
    pe_group: PeGroupName | None  # type: ignore[valid-type]
    pe_group_label: str | None

    @classmethod
    def from_view(cls, view: health.PeGroupView) -> Self:
        return cls(
            student=Student.from_row(view.student),
            pe_group=PeGroupName(view.pe_group.value) if view.pe_group else None,
            pe_group_label=PE_GROUP_LABELS[view.pe_group] if view.pe_group else None,
        )


@strawberry.input
class RecordHealthInput:
    student_id: strawberry.ID
    health_group: HealthGroupName | None = None  # type: ignore[valid-type]
    pe_group: PeGroupName | None = None  # type: ignore[valid-type]


@strawberry.input
class AddHealthConditionInput:
    student_id: strawberry.ID
    name: str
    note: str | None = None
    since: date | None = None
    until: date | None = None


@strawberry.input
class PeTeacherInput:
    school_class_id: strawberry.ID
    person_id: strawberry.ID


# --- psychological and social -------------------------------------------------------------


@federation.type(authenticated=True, description="Случай девиантного поведения")
class DeviantBehaviourRecord:
    id: strawberry.ID
    occurred_on: date
    description: str
    recorded_at: datetime

    @classmethod
    def from_row(cls, row: models.DeviantBehaviourRecord) -> Self:
        return cls(
            id=strawberry.ID(str(row.id)),
            occurred_on=row.occurred_on,
            description=row.description,
            recorded_at=row.recorded_at,
        )


@federation.type(authenticated=True, description="Социальное положение: код и название")
class SocialStatusEntry:
    status: SocialStatusName  # type: ignore[valid-type]
    label: str


@federation.type(
    authenticated=True, description="Психолого-педагогические и социальные сведения учащегося"
)
class WellbeingRecord:
    student: Student
    characteristics: str | None
    social_statuses: list[SocialStatusEntry]
    deviant_behaviour: list[DeviantBehaviourRecord]
    updated_at: datetime | None

    @classmethod
    def from_view(cls, view: wellbeing.WellbeingView) -> Self:
        return cls(
            student=Student.from_row(view.student),
            characteristics=view.characteristics,
            social_statuses=[
                SocialStatusEntry(status=SocialStatusName(s.value), label=SOCIAL_STATUS_LABELS[s])
                for s in view.social_statuses
            ],
            deviant_behaviour=[DeviantBehaviourRecord.from_row(r) for r in view.deviant_behaviour],
            updated_at=view.updated_at,
        )


@strawberry.input
class RecordDeviantBehaviourInput:
    student_id: strawberry.ID
    occurred_on: date
    description: str


# --- the access log -----------------------------------------------------------------------


@federation.type(authenticated=True, description="Обращение к особым категориям данных")
class DataAccessEntry:
    id: strawberry.ID
    occurred_at: datetime
    action: DataActionName  # type: ignore[valid-type]
    section: DataSectionName  # type: ignore[valid-type]
    section_label: str
    field: str = strawberry.field(description="Поле или действие, через которое обратились")
    changes: list[str] = strawberry.field(description="Что изменено (названия, не значения)")
    reader_id: strawberry.ID
    reader_name: str
    reader_role: str = strawberry.field(description="Основание: роль или назначение")
    reader_role_label: str
    subject_id: strawberry.ID
    subject_name: str

    @classmethod
    def from_line(cls, line: data_reads.LogLine) -> Self:
        return cls(
            id=strawberry.ID(str(line.id)),
            occurred_at=line.occurred_at,
            action=DataActionName(line.action.value),
            section=DataSectionName(line.section.value),
            section_label=DATA_SECTION_LABELS[line.section],
            field=line.field,
            changes=line.changes,
            reader_id=strawberry.ID(str(line.actor_id)),
            reader_name=line.actor_name,
            reader_role=line.basis,
            reader_role_label=line.basis_label,
            subject_id=strawberry.ID(str(line.subject_id)),
            subject_name=line.subject_name,
        )


@federation.type(authenticated=True, description="Страница журнала доступа (новые сначала)")
class DataAccessPage:
    entries: list[DataAccessEntry]
    next_cursor: str | None = strawberry.field(description="Передайте в after для продолжения")

    @classmethod
    def from_page(cls, page: data_reads.LogPage) -> Self:
        return cls(
            entries=[DataAccessEntry.from_line(line) for line in page.lines],
            next_cursor=str(page.next_cursor) if page.next_cursor else None,
        )


@strawberry.input
class DataAccessFilter:
    subject_id: strawberry.ID | None = None
    reader_id: strawberry.ID | None = None
    section: DataSectionName | None = None  # type: ignore[valid-type]
    action: DataActionName | None = None  # type: ignore[valid-type]
    since: datetime | None = None
    until: datetime | None = None


def _optional_id(value: strawberry.ID | None, field: str) -> object:
    return parse_id(value, field) if value is not None else None


# --- roots --------------------------------------------------------------------------------


@strawberry.type
class HealthQuery:
    @federation.field(
        requires_scopes=HEALTH_READERS,
        description="Медицинские сведения: медработнику, директору, классному руководителю "
        "учащегося, родителям, самому учащемуся. Каждое чтение записывается в журнал.",
    )
    async def student_health(self, info: Info, student_id: strawberry.ID) -> HealthRecord | None:
        view = await health.read_health(
            info.context.uow(), info.context.principal, parse_id(student_id, "studentId")
        )
        return HealthRecord.from_view(view)

    @federation.field(
        requires_scopes=PE_GROUP_READERS,
        description="Физкультурная группа: также учителю физической культуры класса",
    )
    async def student_pe_group(
        self, info: Info, student_id: strawberry.ID
    ) -> StudentPeGroup | None:
        view = await health.read_pe_group(
            info.context.uow(), info.context.principal, parse_id(student_id, "studentId")
        )
        return StudentPeGroup.from_view(view)

    @federation.field(
        requires_scopes=CLASS_PE_GROUP_READERS,
        description="Физкультурные группы класса (по алфавиту): учителю физической культуры "
        "класса, классному руководителю, медработнику, директору",
    )
    async def class_pe_groups(
        self, info: Info, school_class_id: strawberry.ID
    ) -> list[StudentPeGroup] | None:
        views = await health.class_pe_groups(
            info.context.uow(), info.context.principal, parse_id(school_class_id, "schoolClassId")
        )
        return [StudentPeGroup.from_view(v) for v in views]

    @federation.field(requires_scopes=STAFF_ONLY, description="Учителя физической культуры класса")
    async def pe_teachers(self, info: Info, school_class_id: strawberry.ID) -> list[Person] | None:
        rows = await health.pe_teachers(
            info.context.runtime.db,
            info.context.principal,
            parse_id(school_class_id, "schoolClassId"),
        )
        return [Person.from_row(r) for r in rows]

    @federation.field(
        requires_scopes=WELLBEING_READERS,
        description="Психолого-педагогические и социальные сведения: психологу, социальному "
        "педагогу, директору, заместителю по воспитанию. Каждое чтение записывается в журнал.",
    )
    async def student_wellbeing(
        self, info: Info, student_id: strawberry.ID
    ) -> WellbeingRecord | None:
        view = await wellbeing.read_wellbeing(
            info.context.uow(), info.context.principal, parse_id(student_id, "studentId")
        )
        return WellbeingRecord.from_view(view)

    @federation.field(
        requires_scopes=LOG_READERS,
        description="Журнал доступа к особым категориям данных (без самих данных)",
    )
    async def data_access_log(
        self,
        info: Info,
        filter: DataAccessFilter | None = None,
        first: int = data_reads.DEFAULT_PAGE,
        after: strawberry.ID | None = None,
    ) -> DataAccessPage | None:
        f = filter or DataAccessFilter()
        filters = data_reads.LogFilter(
            subject_id=_optional_id(f.subject_id, "subjectId"),  # type: ignore[arg-type]
            actor_id=_optional_id(f.reader_id, "readerId"),  # type: ignore[arg-type]
            section=DataSection(f.section.value) if f.section else None,
            action=DataAction(f.action.value) if f.action else None,
            since=f.since,
            until=f.until,
        )
        page = await data_reads.access_log(
            info.context.runtime.db,
            info.context.principal,
            filters,
            first=first,
            after=_optional_id(after, "after"),  # type: ignore[arg-type]
        )
        return DataAccessPage.from_page(page)

    @federation.field(
        requires_scopes=DATA_SUBJECTS,
        description="Кто читал и менял мои (моего ребёнка) медицинские, психологические и "
        "социальные сведения",
    )
    async def who_read_my_data(
        self,
        info: Info,
        person_id: strawberry.ID,
        first: int = data_reads.DEFAULT_PAGE,
        after: strawberry.ID | None = None,
    ) -> DataAccessPage | None:
        page = await data_reads.who_read(
            info.context.runtime.db,
            info.context.principal,
            parse_id(person_id, "personId"),
            first=first,
            after=_optional_id(after, "after"),  # type: ignore[arg-type]
        )
        return DataAccessPage.from_page(page)


@strawberry.type
class HealthMutation:
    @federation.field(
        requires_scopes=HEALTH_WRITERS,
        description="Записать группу здоровья и физкультурную группу",
    )
    async def record_health(self, info: Info, input: RecordHealthInput) -> HealthRecord | None:
        view = await health.record_health(
            info.context.uow(),
            info.context.principal,
            student_id=parse_id(input.student_id, "studentId"),
            health_group=HealthGroup(input.health_group.value) if input.health_group else None,
            pe_group=PeGroup(input.pe_group.value) if input.pe_group else None,
        )
        return HealthRecord.from_view(view)

    @federation.field(requires_scopes=HEALTH_WRITERS, description="Записать заболевание учащегося")
    async def add_health_condition(
        self, info: Info, input: AddHealthConditionInput
    ) -> HealthCondition | None:
        row = await health.add_condition(
            info.context.uow(),
            info.context.principal,
            student_id=parse_id(input.student_id, "studentId"),
            name=input.name,
            note=input.note,
            since=input.since,
            until=input.until,
            now=clock(info.context.runtime),
        )
        return HealthCondition.from_row(row)

    @federation.field(
        requires_scopes=HEALTH_WRITERS, description="Удалить ошибочную запись о заболевании"
    )
    async def remove_health_condition(self, info: Info, id: strawberry.ID) -> bool | None:
        return await health.remove_condition(
            info.context.uow(), info.context.principal, condition_id=parse_id(id)
        )

    @federation.field(
        requires_scopes=PE_TEACHER_KEEPERS,
        description="Назначить учителя физической культуры класса",
    )
    async def assign_pe_teacher(self, info: Info, input: PeTeacherInput) -> SchoolClass | None:
        row = await health.assign_pe_teacher(
            info.context.uow(),
            info.context.principal,
            school_class_id=parse_id(input.school_class_id, "schoolClassId"),
            person_id=parse_id(input.person_id, "personId"),
        )
        school_class = await classes(info).load(row.school_class_id)
        return SchoolClass.from_row(school_class)

    @federation.field(
        requires_scopes=PE_TEACHER_KEEPERS, description="Снять учителя физической культуры класса"
    )
    async def withdraw_pe_teacher(self, info: Info, input: PeTeacherInput) -> bool | None:
        return await health.withdraw_pe_teacher(
            info.context.uow(),
            info.context.principal,
            school_class_id=parse_id(input.school_class_id, "schoolClassId"),
            person_id=parse_id(input.person_id, "personId"),
        )

    @federation.field(
        requires_scopes=WELLBEING_WRITERS,
        description="Записать психолого-педагогическую характеристику (пусто — удалить)",
    )
    async def set_psychological_characteristics(
        self, info: Info, student_id: strawberry.ID, text: str | None
    ) -> WellbeingRecord | None:
        view = await wellbeing.set_characteristics(
            info.context.uow(),
            info.context.principal,
            student_id=parse_id(student_id, "studentId"),
            text=text,
        )
        return WellbeingRecord.from_view(view)

    @federation.field(
        requires_scopes=WELLBEING_WRITERS, description="Записать социальное положение учащегося"
    )
    async def set_social_statuses(
        self,
        info: Info,
        student_id: strawberry.ID,
        statuses: list[SocialStatusName],  # type: ignore[valid-type]
    ) -> WellbeingRecord | None:
        view = await wellbeing.set_social_statuses(
            info.context.uow(),
            info.context.principal,
            student_id=parse_id(student_id, "studentId"),
            statuses=[SocialStatus(s.value) for s in statuses],
        )
        return WellbeingRecord.from_view(view)

    @federation.field(
        requires_scopes=WELLBEING_WRITERS, description="Записать случай девиантного поведения"
    )
    async def record_deviant_behaviour(
        self, info: Info, input: RecordDeviantBehaviourInput
    ) -> DeviantBehaviourRecord | None:
        row = await wellbeing.record_deviant_behaviour(
            info.context.uow(),
            info.context.principal,
            student_id=parse_id(input.student_id, "studentId"),
            occurred_on=input.occurred_on,
            description=input.description,
            now=clock(info.context.runtime),
        )
        return DeviantBehaviourRecord.from_row(row)
