"""Curriculum and teaching load: subjects, hours a week, and who teaches what."""

from __future__ import annotations

from uuid import UUID

import strawberry

from services.journal import curriculum, views
from services.journal.domain.timetable import EffectiveHours
from services.journal.schema.types import (
    LESSON_READERS,
    SchoolClass,
    Subject,
    TeachingLoad,
    _subjects,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of

CURRICULUM_EDITORS = curriculum.CURRICULUM_EDITORS
CURRICULUM_READERS = curriculum.CURRICULUM_READERS


def _id(value: UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.input
class CreateSubjectInput:
    name: str


@strawberry.input
class RenameSubjectInput:
    subject_id: strawberry.ID
    name: str


@strawberry.input
class AssignTeachingLoadInput:
    teacher_id: strawberry.ID
    school_class_id: strawberry.ID
    subject_id: strawberry.ID
    subgroup_id: strawberry.ID | None = strawberry.field(
        default=None, description="Нагрузка на одну подгруппу класса по этому предмету."
    )
    hours_per_week: float | None = None


@strawberry.input
class SetCurriculumHoursInput:
    academic_year_id: strawberry.ID
    subject_id: strawberry.ID
    school_class_id: strawberry.ID | None = None
    grade_level: int | None = strawberry.field(
        default=None, description="Параллель: часы для всех её классов (класс может уточнить)."
    )
    hours_per_week: float = strawberry.field(description="0 снимает строку; шаг 0,5; до 40.")


@strawberry.federation.type(
    authenticated=True, description="Часы в неделю по предмету для класса или параллели."
)
class CurriculumHours:
    id: strawberry.ID
    academic_year_id: strawberry.ID
    grade_level: int | None
    school_class: SchoolClass | None
    hours_per_week: float
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @classmethod
    def of(cls, v: views.CurriculumHoursView) -> CurriculumHours:
        return cls(
            id=_id(v.id),
            academic_year_id=_id(v.academic_year_id),
            grade_level=v.grade_level,
            school_class=SchoolClass(id=_id(v.school_class_id)) if v.school_class_id else None,
            hours_per_week=float(v.hours_per_week),
            subject_id=v.subject_id,
        )


@strawberry.federation.type(
    authenticated=True,
    description="Действующие часы класса по предмету (своя строка или параллели).",
)
class ClassCurriculumHours:
    school_class: SchoolClass
    hours_per_week: float
    from_parallel: bool = strawberry.field(
        description="Часы взяты из строки параллели (у класса нет своей)."
    )
    subject_id: strawberry.Private[UUID]

    @strawberry.federation.field(authenticated=True)
    async def subject(self, info: Info) -> Subject:
        view = await _subjects(info).load(self.subject_id)
        assert view is not None
        return Subject.of(view)

    @classmethod
    def of(cls, v: EffectiveHours) -> ClassCurriculumHours:
        return cls(
            school_class=SchoolClass(id=_id(v.school_class_id)),
            hours_per_week=float(v.hours_per_week),
            from_parallel=v.from_parallel,
            subject_id=v.subject_id,
        )


@strawberry.type
class CurriculumQuery:
    @strawberry.federation.field(authenticated=True, description="Предметы учебного плана школы.")
    async def subjects(self, info: Info) -> list[Subject] | None:
        views = await curriculum.subjects(info.context.runtime.db, info.context.require())
        return [Subject.of(v) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*LESSON_READERS),
        description="Нагрузка учителя: свои классы и предметы (администрация — любого учителя).",
    )
    async def teaching_load(
        self, info: Info, teacher_id: strawberry.ID | None = None
    ) -> list[TeachingLoad] | None:
        principal = info.context.require(*LESSON_READERS)
        views = await curriculum.teaching_load(
            info.context.runtime.db,
            principal,
            parse_id(teacher_id, "teacherId") if teacher_id else None,
        )
        return [TeachingLoad.of(v) for v in views]

    @strawberry.federation.field(
        requires_scopes=any_of(*CURRICULUM_READERS),
        description="Учебный план года: часы в неделю по классам и предметам (сотрудники школы).",
    )
    async def curriculum(
        self,
        info: Info,
        academic_year_id: strawberry.ID,
        school_class_id: strawberry.ID | None = None,
        grade_level: int | None = None,
    ) -> list[ClassCurriculumHours] | None:
        principal = info.context.require(*CURRICULUM_READERS)
        rows = await curriculum.curriculum(
            info.context.runtime.db,
            principal,
            parse_id(academic_year_id, "academicYearId"),
            parse_id(school_class_id, "schoolClassId") if school_class_id else None,
            grade_level,
        )
        return [ClassCurriculumHours.of(r) for r in rows]


@strawberry.type
class CurriculumMutation:
    @strawberry.federation.field(requires_scopes=any_of(*CURRICULUM_EDITORS))
    async def create_subject(self, info: Info, input: CreateSubjectInput) -> Subject | None:
        info.context.require(*CURRICULUM_EDITORS)
        return Subject.of(await curriculum.create_subject(info.context.uow(), input.name))

    @strawberry.federation.field(
        requires_scopes=any_of(*CURRICULUM_EDITORS),
        description="Переименовать предмет (то же правило: полностью, со строчной буквы).",
    )
    async def rename_subject(self, info: Info, input: RenameSubjectInput) -> Subject | None:
        info.context.require(*CURRICULUM_EDITORS)
        view = await curriculum.rename_subject(
            info.context.uow(), parse_id(input.subject_id, "subjectId"), input.name
        )
        return Subject.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*CURRICULUM_EDITORS),
        description="Часы в неделю по предмету для класса или параллели; null — строка снята.",
    )
    async def set_curriculum_hours(
        self, info: Info, input: SetCurriculumHoursInput
    ) -> CurriculumHours | None:
        info.context.require(*CURRICULUM_EDITORS)
        view = await curriculum.set_curriculum_hours(
            info.context.uow(),
            parse_id(input.academic_year_id, "academicYearId"),
            parse_id(input.subject_id, "subjectId"),
            parse_id(input.school_class_id, "schoolClassId") if input.school_class_id else None,
            input.grade_level,
            input.hours_per_week,
        )
        return CurriculumHours.of(view) if view else None

    @strawberry.federation.field(requires_scopes=any_of(*CURRICULUM_EDITORS))
    async def assign_teaching_load(
        self, info: Info, input: AssignTeachingLoadInput
    ) -> TeachingLoad | None:
        info.context.require(*CURRICULUM_EDITORS)
        view = await curriculum.assign_teaching_load(
            info.context.uow(),
            parse_id(input.teacher_id, "teacherId"),
            parse_id(input.school_class_id, "schoolClassId"),
            parse_id(input.subject_id, "subjectId"),
            parse_id(input.subgroup_id, "subgroupId") if input.subgroup_id else None,
            input.hours_per_week,
        )
        return TeachingLoad.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*CURRICULUM_EDITORS),
        description="Снять нагрузку (нельзя, пока по расписанию учитель ведёт эти уроки).",
    )
    async def withdraw_teaching_load(self, info: Info, id: strawberry.ID) -> strawberry.ID | None:
        info.context.require(*CURRICULUM_EDITORS)
        removed = await curriculum.withdraw_teaching_load(info.context.uow(), parse_id(id, "id"))
        return _id(removed)
