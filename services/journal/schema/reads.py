"""Reading the journal: the diary, the class journal, lessons (of any academic year)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from services.journal import reads
from services.journal.access import DIARY_OVERSEERS
from services.journal.schema.types import (
    JOURNAL_READERS,
    LESSON_READERS,
    ClassEvent,
    ClassJournal,
    ClassJournalRow,
    Debt,
    DiaryDay,
    Lesson,
    SchoolClass,
    Student,
)
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import Role, any_of

From = Annotated[date, strawberry.argument(name="from")]
# The diary is the family's and the administration's: teachers read the class journal instead.
DIARY_OPENERS = (Role.STUDENT, Role.PARENT, *DIARY_OVERSEERS)


@strawberry.type
class ReadsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*DIARY_OPENERS),
        description="Дневник учащегося за неделю (до месяца) любого учебного года: сам "
        "учащийся, его родители, директор и заместители директора школы (учителя читают "
        "журнал класса). Отменённые уроки не показываются.",
    )
    async def diary(
        self, info: Info, student_id: strawberry.ID, from_: From, to: date
    ) -> list[DiaryDay] | None:
        principal = info.context.require(*DIARY_OPENERS)
        days = await reads.diary(
            info.context.runtime.db, principal, parse_id(student_id, "studentId"), from_, to
        )
        return [
            DiaryDay(
                date=d.date,
                lessons=[Lesson.of(x) for x in d.lessons],
                class_events=[ClassEvent.of(e) for e in d.class_events],
                debts=[Debt.of(x) for x in d.debts],
            )
            for d in days
        ]

    @strawberry.federation.field(
        requires_scopes=any_of(*JOURNAL_READERS),
        description="Журнал класса по предмету: учитель с нагрузкой, классный руководитель, "
        "администрация.",
    )
    async def class_journal(
        self,
        info: Info,
        school_class_id: strawberry.ID,
        subject_id: strawberry.ID,
        from_: From,
        to: date,
    ) -> ClassJournal | None:
        principal = info.context.require(*JOURNAL_READERS)
        view = await reads.class_journal(
            info.context.runtime.db,
            principal,
            parse_id(school_class_id, "schoolClassId"),
            parse_id(subject_id, "subjectId"),
            from_,
            to,
        )
        return ClassJournal(
            school_class=SchoolClass(id=strawberry.ID(str(view.school_class_id))),
            students=[Student(id=strawberry.ID(str(s))) for s in view.student_ids],
            lessons=[Lesson.of(x) for x in view.lessons],
            subject_id=view.subject_id,
            rows=[ClassJournalRow.of(r) for r in view.rows],
        )

    @strawberry.federation.field(
        requires_scopes=any_of(*LESSON_READERS),
        description="Уроки учителя (свои; администрация и секретарь — любого учителя или класса).",
    )
    async def lessons(
        self,
        info: Info,
        from_: From,
        to: date,
        teacher_id: strawberry.ID | None = None,
        school_class_id: strawberry.ID | None = None,
    ) -> list[Lesson] | None:
        principal = info.context.require(*LESSON_READERS)
        views = await reads.lessons(
            info.context.runtime.db,
            principal,
            from_,
            to,
            parse_id(teacher_id, "teacherId") if teacher_id else None,
            parse_id(school_class_id, "schoolClassId") if school_class_id else None,
        )
        return [Lesson.of(v) for v in views]
