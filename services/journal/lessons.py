"""A lesson's own record: its topic and homework."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from services.journal import domain
from services.journal.access import (
    require,
    same_school,
)
from services.journal.lock import ensure_year_open
from services.journal.models import (
    Lesson,
)
from services.journal.reads import assemble
from services.journal.views import (
    LessonView,
)
from services.kernel.errors import Forbidden, NotFound
from services.kernel.events import utcnow
from services.kernel.uow import UnitOfWork


async def set_lesson_topic(
    uow: UnitOfWork, lesson_id: UUID, topic: str | None, homework: str | None
) -> LessonView:
    principal = uow.principal
    person_id = require(principal)
    topic_text, homework_text = domain.check_topic(topic, homework)
    async with uow:
        lesson = await uow.session.get(Lesson, lesson_id, with_for_update=True)
        if lesson is None:
            raise NotFound("Урок не найден.")
        same_school(principal, lesson.school_id, "Урок")
        if lesson.teacher_id != person_id:
            raise Forbidden("Тему и домашнее задание записывает учитель, который ведёт этот урок.")
        await ensure_year_open(uow.session, lesson)
        lesson.topic, lesson.homework, lesson.updated_at = topic_text, homework_text, utcnow()
        await uow.session.flush()
        [view] = await assemble(uow.session, select(Lesson).where(Lesson.id == lesson_id))
        await uow.commit()
    return view
