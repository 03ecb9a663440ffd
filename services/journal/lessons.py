"""A lesson's own record: its topic and homework, and the files the homework carries."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from services.journal.access import lesson_for_writing, require
from services.journal.domain import lessons as rules
from services.journal.events import LessonHeld, LessonTopicSet
from services.journal.files import FileStore, storage_key
from services.journal.lock import ensure_year_open
from services.journal.models import HomeworkFile, JournalSettings, Lesson
from services.journal.reads import assemble
from services.journal.views import HomeworkFileView, LessonView
from services.kernel.db import Database
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork

log = logging.getLogger("sgo.journal.lessons")


def _refuse_cancelled(lesson: Lesson) -> None:
    if lesson.cancelled:
        raise Conflict(f"Урок {lesson.date:%d.%m.%Y} отменён: его запись не заполняется.")


async def set_lesson_topic(
    uow: UnitOfWork, lesson_id: UUID, topic: str | None, homework: str | None
) -> LessonView:
    """Whoever may write the lesson (load or substitution) sets its topic and homework."""
    principal = uow.principal
    person_id = require(principal)
    topic_text, homework_text = rules.check_lesson_text(topic, homework)
    async with uow:
        s = uow.session
        lesson, _ = await lesson_for_writing(s, principal, lesson_id)
        await ensure_year_open(s, lesson)
        _refuse_cancelled(lesson)
        now = utcnow()
        # A topic written before lessons kept held_at (or loaded with the demo) was held then.
        first_topic = topic_text is not None and lesson.held_at is None and lesson.topic is None
        lesson.topic, lesson.homework, lesson.updated_at = topic_text, homework_text, now
        if first_topic:
            lesson.held_at, lesson.held_by = now, person_id
            uow.emit(
                LessonHeld(
                    lesson_id=lesson.id,
                    school_id=lesson.school_id,
                    school_class_id=lesson.school_class_id,
                    subject_id=lesson.subject_id,
                    teacher_id=person_id,
                    date=lesson.date,
                    number=lesson.number,
                    topic_set_at=now,
                ),
                school_id=lesson.school_id,
            )
        uow.emit(
            LessonTopicSet(
                lesson_id=lesson.id,
                school_id=lesson.school_id,
                school_class_id=lesson.school_class_id,
                subject_id=lesson.subject_id,
                date=lesson.date,
                number=lesson.number,
                set_by=person_id,
                has_topic=topic_text is not None,
                has_homework=homework_text is not None,
            ),
            school_id=lesson.school_id,
        )
        await s.flush()
        [view] = await assemble(s, select(Lesson).where(Lesson.id == lesson_id), uow.principal)
        await uow.commit()
    return view


# --- homework files ------------------------------------------------------------------------------


def _file_view(f: HomeworkFile) -> HomeworkFileView:
    return HomeworkFileView(
        f.id, f.lesson_id, f.name, f.content_type, f.size, f.uploaded_by, f.uploaded_at
    )


def decode_content(content_base64: str) -> bytes:
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "Содержимое файла передано неверно (ожидается base64).", field="contentBase64"
        ) from None


async def attach_homework_file(
    uow: UnitOfWork, store: FileStore, lesson_id: UUID, file_name: str, content_base64: str
) -> HomeworkFileView:
    """The file is stored before the row is committed; if the commit fails it is removed."""
    principal = uow.principal
    person_id = require(principal)
    data = decode_content(content_base64)
    key: str | None = None
    try:
        async with uow:
            s = uow.session
            lesson, _ = await lesson_for_writing(s, principal, lesson_id)
            await ensure_year_open(s, lesson)
            _refuse_cancelled(lesson)
            limit = await s.scalar(
                select(JournalSettings.max_file_bytes).where(
                    JournalSettings.school_id == lesson.school_id
                )
            )
            name, kind = rules.check_homework_file(
                file_name, data, int(limit or rules.DEFAULT_MAX_FILE_BYTES)
            )
            file_id = uuid7()
            key = storage_key(lesson.school_id, lesson.id, file_id)
            row = HomeworkFile(
                id=file_id,
                school_id=lesson.school_id,
                lesson_id=lesson.id,
                name=name,
                content_type=kind.content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_key=key,
                uploaded_by=person_id,
                uploaded_at=utcnow(),
            )
            s.add(row)
            await s.flush()
            await store.put(key, data, kind.content_type)
            await uow.commit()
    except BaseException:
        if key is not None:
            try:
                await store.delete(key)
            except Exception:
                log.exception("could not remove the stored object %s", key)
        raise
    return _file_view(row)


async def remove_homework_file(uow: UnitOfWork, store: FileStore, file_id: UUID) -> UUID:
    """The row goes in the transaction; the object after the commit (a leftover, never a hole)."""
    principal = uow.principal
    async with uow:
        s = uow.session
        row = await s.get(HomeworkFile, file_id, with_for_update=True)
        if row is None or row.school_id != principal.school_id:
            raise NotFound("Файл не найден.")
        lesson, _ = await lesson_for_writing(s, principal, row.lesson_id, "Файл не найден.")
        await ensure_year_open(s, lesson)
        key = row.storage_key
        await s.delete(row)
        await uow.commit()
    try:
        await store.delete(key)
    except Exception:
        log.exception("could not remove the stored object %s", key)
    return file_id


async def files_by_lesson(
    db: Database, principal: Principal, lesson_ids: Sequence[UUID]
) -> list[list[HomeworkFileView]]:
    """DataLoader batch: each lesson's files in upload order, in one query."""
    by_lesson: dict[UUID, list[HomeworkFileView]] = defaultdict(list)
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            select(HomeworkFile)
            .where(
                HomeworkFile.lesson_id.in_(list(lesson_ids)),
                HomeworkFile.school_id == principal.school_id,
            )
            .order_by(HomeworkFile.uploaded_at, HomeworkFile.id)
        )
        for row in rows:
            by_lesson[row.lesson_id].append(_file_view(row))
    return [by_lesson.get(i, []) for i in lesson_ids]


async def file_for_download(db: Database, file_id: UUID) -> HomeworkFile | None:
    """The signed link is the permission: whoever read the lesson got it a moment ago."""
    async with db.sessionmaker() as s:
        return await s.get(HomeworkFile, file_id)
