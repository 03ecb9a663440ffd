"""The curriculum: subjects, hours a week, and the teaching load that decides who writes which
journal."""

from __future__ import annotations

import time
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.dialects.postgresql import insert

from services.journal import domain
from services.journal.access import (
    own_academic_year,
    own_school_class,
    own_subject,
    require,
    same_school,
)
from services.journal.domain import timetable as rules
from services.journal.events import (
    CurriculumHoursSet,
    SubjectCreated,
    SubjectRenamed,
    TeachingLoadAssigned,
    TeachingLoadWithdrawn,
)
from services.journal.lock import school_today
from services.journal.models import (
    CurriculumHours,
    Person,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingLoad,
    TimetableEntry,
)
from services.journal.views import (
    CurriculumHoursView,
    SubjectView,
    TeachingLoadView,
)
from services.kernel.db import Database
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, STAFF, Role
from services.kernel.uow import UnitOfWork

CURRICULUM_EDITORS = (Role.DEPUTY_DIRECTOR_CONTENT, Role.ADMINISTRATOR)
CURRICULUM_READERS = STAFF


async def create_subject(uow: UnitOfWork, name: str) -> SubjectView:
    principal = uow.principal
    require(principal, *CURRICULUM_EDITORS)
    school_id = principal.school_id
    if school_id is None:
        raise Forbidden("Предметы заводятся в своей школе.")
    clean = domain.normalize_subject_name(name)
    async with uow:
        subject_id = await uow.session.scalar(
            insert(Subject)
            .values(id=uuid7(), school_id=school_id, name=clean)
            .on_conflict_do_nothing()
            .returning(Subject.id)
        )
        if subject_id is None:
            raise Conflict(f"Предмет «{clean}» уже есть в учебном плане.", field="name")
        uow.emit(
            SubjectCreated(subject_id=subject_id, school_id=school_id, name=clean),
            school_id=school_id,
        )
        await uow.commit()
    return SubjectView(subject_id, school_id, clean)


async def rename_subject(uow: UnitOfWork, subject_id: UUID, name: str) -> SubjectView:
    principal = uow.principal
    require(principal, *CURRICULUM_EDITORS)
    clean = domain.normalize_subject_name(name)
    async with uow:
        s = uow.session
        subject = await s.get(Subject, subject_id, with_for_update=True)
        if subject is None:
            raise NotFound("Предмет не найден.")
        same_school(principal, subject.school_id, "Предмет")
        before = subject.name
        if before != clean:
            taken = await s.scalar(
                select(
                    exists().where(
                        Subject.school_id == subject.school_id,
                        Subject.name == clean,
                        Subject.id != subject_id,
                    )
                )
            )
            if taken:
                raise Conflict(f"Предмет «{clean}» уже есть в учебном плане.", field="name")
            subject.name = clean
            await s.flush()
            uow.emit(
                SubjectRenamed(
                    subject_id=subject_id,
                    school_id=subject.school_id,
                    name_before=before,
                    name=clean,
                ),
                school_id=subject.school_id,
            )
        await uow.commit()
    forget_subject(subject_id)
    return SubjectView(subject_id, subject.school_id, clean)


def _one_target(school_class_id: UUID | None, grade_level: int | None) -> None:
    if (school_class_id is None) == (grade_level is None):
        raise ValidationFailed(
            "Укажите либо класс, либо параллель (часы для всей параллели).",
            field="schoolClassId",
        )


async def set_curriculum_hours(
    uow: UnitOfWork,
    academic_year_id: UUID,
    subject_id: UUID,
    school_class_id: UUID | None,
    grade_level: int | None,
    hours_per_week: float,
) -> CurriculumHoursView | None:
    """Hours a week of a subject for a class or a parallel; 0 removes the row."""
    principal = uow.principal
    editor = require(principal, *CURRICULUM_EDITORS)
    _one_target(school_class_id, grade_level)
    if grade_level is not None:
        rules.check_grade_level(grade_level)
    hours = rules.check_hours_per_week(hours_per_week)
    async with uow:
        s = uow.session
        year = await own_academic_year(s, principal, academic_year_id)
        await own_subject(s, principal, subject_id)
        if school_class_id is not None:
            school_class = await own_school_class(s, principal, school_class_id)
            if school_class.academic_year_id not in (None, academic_year_id):
                raise ValidationFailed(
                    f"Класс {school_class.name} относится к другому учебному году.",
                    field="schoolClassId",
                )
        target = (
            CurriculumHours.school_class_id == school_class_id
            if school_class_id is not None
            else CurriculumHours.grade_level == grade_level
        )
        row = await s.scalar(
            select(CurriculumHours)
            .where(
                CurriculumHours.academic_year_id == academic_year_id,
                CurriculumHours.subject_id == subject_id,
                target,
            )
            .with_for_update()
        )
        view: CurriculumHoursView | None = None
        if hours == 0:
            if row is not None:
                await s.execute(delete(CurriculumHours).where(CurriculumHours.id == row.id))
        elif row is None:
            row = CurriculumHours(
                id=uuid7(),
                school_id=year.school_id,
                academic_year_id=academic_year_id,
                subject_id=subject_id,
                grade_level=grade_level,
                school_class_id=school_class_id,
                hours_per_week=hours,
                updated_by=editor,
            )
            s.add(row)
        else:
            row.hours_per_week, row.updated_by, row.updated_at = hours, editor, utcnow()
        if hours != 0 and row is not None:
            await s.flush()
            view = CurriculumHoursView(
                row.id, academic_year_id, subject_id, grade_level, school_class_id, hours
            )
        uow.emit(
            CurriculumHoursSet(
                academic_year_id=academic_year_id,
                school_id=year.school_id,
                subject_id=subject_id,
                school_class_id=school_class_id,
                grade_level=grade_level,
                hours_per_week=float(hours),
            ),
            school_id=year.school_id,
        )
        await uow.commit()
    return view


async def curriculum(
    db: Database,
    principal: Principal,
    academic_year_id: UUID,
    school_class_id: UUID | None = None,
    grade_level: int | None = None,
) -> list[rules.EffectiveHours]:
    """Effective hours per class and subject of a year (a class, a parallel or the school)."""
    require(principal, *CURRICULUM_READERS)
    async with db.sessionmaker() as s:
        await own_academic_year(s, principal, academic_year_id)
        classes_q = select(SchoolClass.id, SchoolClass.grade_level).where(
            SchoolClass.school_id == principal.school_id,
            or_(
                SchoolClass.academic_year_id == academic_year_id,
                SchoolClass.academic_year_id.is_(None),
            ),
        )
        if school_class_id is not None:
            await own_school_class(s, principal, school_class_id)
            classes_q = classes_q.where(SchoolClass.id == school_class_id)
        if grade_level is not None:
            classes_q = classes_q.where(SchoolClass.grade_level == grade_level)
        classes = [
            (c, g)
            for c, g in await s.execute(
                classes_q.order_by(SchoolClass.grade_level, SchoolClass.letter)
            )
        ]
        rows = await s.scalars(
            select(CurriculumHours).where(
                CurriculumHours.academic_year_id == academic_year_id,
                CurriculumHours.school_id == principal.school_id,
            )
        )
        hours = [
            rules.HoursRow(r.subject_id, r.hours_per_week, r.grade_level, r.school_class_id)
            for r in rows
        ]
    return rules.effective_hours(classes, hours)


def _load_view(r: TeachingLoad) -> TeachingLoadView:
    return TeachingLoadView(
        r.id, r.teacher_id, r.school_class_id, r.subject_id, r.subgroup_id, r.hours_per_week
    )


async def assign_teaching_load(
    uow: UnitOfWork,
    teacher_id: UUID,
    school_class_id: UUID,
    subject_id: UUID,
    subgroup_id: UUID | None = None,
    hours_per_week: float | None = None,
) -> TeachingLoadView:
    principal = uow.principal
    assigned_by = require(principal, *CURRICULUM_EDITORS)
    hours = None if hours_per_week is None else rules.check_hours_per_week(hours_per_week)
    async with uow:
        s = uow.session
        teacher = await s.get(Person, teacher_id)
        if teacher is None or teacher.school_id != principal.school_id:
            raise NotFound("Учитель не найден.")
        if teacher.kind != "staff":
            raise ValidationFailed("Нагрузку можно назначить только сотруднику.", field="teacherId")
        school_class = await own_school_class(s, principal, school_class_id)
        subject = await own_subject(s, principal, subject_id)
        if subgroup_id is not None:
            subgroup = await s.get(Subgroup, subgroup_id)
            if subgroup is None or subgroup.school_class_id != school_class_id:
                raise ValidationFailed(
                    f"Подгруппа не относится к классу {school_class.name}.", field="subgroupId"
                )
            if not rules.same_subject_name(subgroup.subject, subject.name):
                raise ValidationFailed(
                    f"Подгруппа «{subgroup.name}» создана для предмета «{subgroup.subject}», "
                    f"а не «{subject.name}».",
                    field="subgroupId",
                )
        same_load = and_(
            TeachingLoad.teacher_id == teacher_id,
            TeachingLoad.school_class_id == school_class_id,
            TeachingLoad.subject_id == subject_id,
            TeachingLoad.subgroup_id.is_not_distinct_from(subgroup_id),
        )
        row = await s.scalar(select(TeachingLoad).where(same_load).with_for_update())
        if row is None:
            row = TeachingLoad(
                id=uuid7(),
                school_id=school_class.school_id,
                teacher_id=teacher_id,
                school_class_id=school_class_id,
                subject_id=subject_id,
                subgroup_id=subgroup_id,
                hours_per_week=hours,
                assigned_by=assigned_by,
            )
            s.add(row)
            changed = True
        else:  # already assigned: the same answer again, with the new hours if given
            changed = hours is not None and row.hours_per_week != hours
            if changed:
                row.hours_per_week = hours
        await s.flush()
        if changed:
            uow.emit(
                TeachingLoadAssigned(
                    teaching_load_id=row.id,
                    school_id=row.school_id,
                    teacher_id=teacher_id,
                    school_class_id=school_class_id,
                    subject_id=subject_id,
                    subgroup_id=subgroup_id,
                    hours_per_week=None
                    if row.hours_per_week is None
                    else float(row.hours_per_week),
                ),
                school_id=row.school_id,
            )
        view = _load_view(row)
        await uow.commit()
    return view


async def withdraw_teaching_load(uow: UnitOfWork, teaching_load_id: UUID) -> UUID:
    """Refused while the timetable still puts the teacher there from today on."""
    principal = uow.principal
    require(principal, *CURRICULUM_EDITORS)
    async with uow:
        s = uow.session
        load = await s.get(TeachingLoad, teaching_load_id, with_for_update=True)
        if load is None:
            raise NotFound("Нагрузка не найдена.")
        same_school(principal, load.school_id, "Нагрузка")
        today = await school_today(s, load.school_id)
        other = TeachingLoad.__table__.alias("other_load")
        covered_elsewhere = exists().where(
            other.c.id != load.id,
            other.c.teacher_id == load.teacher_id,
            other.c.school_class_id == load.school_class_id,
            other.c.subject_id == load.subject_id,
            or_(other.c.subgroup_id.is_(None), other.c.subgroup_id == TimetableEntry.subgroup_id),
        )
        conditions = [
            TimetableEntry.teacher_id == load.teacher_id,
            TimetableEntry.school_class_id == load.school_class_id,
            TimetableEntry.subject_id == load.subject_id,
            TimetableEntry.valid_to >= today,
            ~covered_elsewhere,
        ]
        if load.subgroup_id is not None:
            conditions.append(TimetableEntry.subgroup_id == load.subgroup_id)
        used = (
            await s.execute(
                select(TimetableEntry.weekday, TimetableEntry.number).where(*conditions)
            )
        ).first()
        if used is not None:
            raise Conflict(
                "Нагрузку нельзя снять: по расписанию учитель ведёт эти уроки "
                f"({rules.WEEKDAYS[used.weekday]}, {used.number}-й урок). "
                "Сначала измените расписание.",
                field="id",
            )
        await s.delete(load)
        uow.emit(
            TeachingLoadWithdrawn(
                teaching_load_id=load.id,
                school_id=load.school_id,
                teacher_id=load.teacher_id,
                school_class_id=load.school_class_id,
                subject_id=load.subject_id,
                subgroup_id=load.subgroup_id,
            ),
            school_id=load.school_id,
        )
        await uow.commit()
    return teaching_load_id


async def subjects(db: Database, principal: Principal) -> list[SubjectView]:
    require(principal)
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(Subject).where(Subject.school_id == principal.school_id).order_by(Subject.name)
        )
        return [SubjectView(r.id, r.school_id, r.name) for r in rows]


# Every lesson of a diary or a journal page names its subject; subjects are few and renamed
# rarely, so each process keeps them for a minute instead of asking on every request. A rename
# is seen at once by the process that made it, by others within SUBJECT_CACHE_SECONDS.
SUBJECT_CACHE_SECONDS = 60.0
_subject_cache: dict[UUID, tuple[float, SubjectView]] = {}


def forget_subject(subject_id: UUID) -> None:
    _subject_cache.pop(subject_id, None)


async def subjects_by_id(db: Database, ids: Sequence[UUID]) -> list[SubjectView | None]:
    """DataLoader batch: subjects in key order (curriculum names are not personal data)."""
    now = time.monotonic()
    found = {
        i: hit[1]
        for i in ids
        if (hit := _subject_cache.get(i)) is not None and now - hit[0] < SUBJECT_CACHE_SECONDS
    }
    missing = list({i for i in ids if i not in found})
    if missing:
        async with db.sessionmaker() as s:
            rows = await s.execute(
                select(Subject.id, Subject.school_id, Subject.name).where(Subject.id.in_(missing))
            )
            for subject_id, school_id, name in rows:
                view = SubjectView(subject_id, school_id, name)
                found[subject_id] = view
                _subject_cache[subject_id] = (now, view)
    return [found.get(i) for i in ids]


async def teaching_load(
    db: Database, principal: Principal, teacher_id: UUID | None
) -> list[TeachingLoadView]:
    person_id = require(principal)
    teacher_id = teacher_id or person_id
    if teacher_id != person_id and not principal.has_role(*ADMINISTRATION, Role.ACADEMIC_SECRETARY):
        return []  # a list: another teacher's load is not in a teacher's (kernel.visibility)
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(TeachingLoad).where(
                TeachingLoad.teacher_id == teacher_id,
                TeachingLoad.school_id == principal.school_id,
            )
        )
        return [_load_view(r) for r in rows]
