"""A school's attendance code dictionary: ОТ, ОП, Б, УП, НП, ОСВ and the codes it adds."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.journal import domain
from services.journal.access import require, same_school
from services.journal.domain import attendance as rules
from services.journal.models import AttendanceCodeEntry
from services.journal.views import AttendanceCodeView, attendance_code_view
from services.kernel.db import Database
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.events import uuid7
from services.kernel.principal import Principal
from services.kernel.roles import Role
from services.kernel.uow import UnitOfWork

EDITORS = (Role.ADMINISTRATOR,)


async def codes(
    db: Database, principal: Principal, with_archived: bool = False
) -> list[AttendanceCodeView]:
    require(principal)
    query = select(AttendanceCodeEntry).where(AttendanceCodeEntry.school_id == principal.school_id)
    if not with_archived:
        query = query.where(~AttendanceCodeEntry.archived)
    async with db.sessionmaker() as s:
        rows = await s.scalars(
            query.order_by(AttendanceCodeEntry.position, AttendanceCodeEntry.code)
        )
        return [attendance_code_view(r) for r in rows]


async def entry_of(s: AsyncSession, school_id: UUID, code: str) -> AttendanceCodeEntry:
    """The school's code in use; an unknown or archived one is the caller's mistake."""
    text = rules.normalize_code(code)
    row = await s.scalar(
        select(AttendanceCodeEntry).where(
            AttendanceCodeEntry.school_id == school_id, AttendanceCodeEntry.code == text
        )
    )
    if row is None or row.archived:
        raise ValidationFailed(f"Кода посещаемости «{text}» нет в справочнике школы.", field="code")
    return row


async def create_code(
    uow: UnitOfWork, code: str, label: str, category: domain.AttendanceCategory
) -> AttendanceCodeView:
    principal = uow.principal
    require(principal, *EDITORS)
    text, label_text = rules.check_code(code), rules.check_label(label)
    school_id = principal.school_id
    assert school_id is not None
    async with uow:
        s = uow.session
        taken = await s.scalar(
            select(AttendanceCodeEntry.id).where(
                AttendanceCodeEntry.school_id == school_id, AttendanceCodeEntry.code == text
            )
        )
        if taken is not None:
            raise Conflict(f"Код «{text}» уже есть в справочнике посещаемости.")
        position = await s.scalar(
            select(func.coalesce(func.max(AttendanceCodeEntry.position), -1)).where(
                AttendanceCodeEntry.school_id == school_id
            )
        )
        row = AttendanceCodeEntry(
            id=uuid7(),
            school_id=school_id,
            code=text,
            label=label_text,
            category=domain.AttendanceCategory(category).value,
            position=int(position or 0) + 1,
            archived=False,
        )
        s.add(row)
        await s.flush()
        view = attendance_code_view(row)
        await uow.commit()
    return view


async def update_code(
    uow: UnitOfWork, code_id: UUID, label: str | None = None, archived: bool | None = None
) -> AttendanceCodeView:
    principal = uow.principal
    require(principal, *EDITORS)
    label_text = rules.check_label(label) if label is not None else None
    async with uow:
        s = uow.session
        row = await s.get(AttendanceCodeEntry, code_id, with_for_update=True)
        if row is None:
            raise NotFound("Код посещаемости не найден.")
        same_school(principal, row.school_id, "Код посещаемости")
        if label_text is not None:
            row.label = label_text
        if archived is True and not row.archived:
            others = await s.scalar(
                select(func.count()).where(
                    AttendanceCodeEntry.school_id == row.school_id,
                    AttendanceCodeEntry.category == row.category,
                    AttendanceCodeEntry.id != row.id,
                    ~AttendanceCodeEntry.archived,
                )
            )
            if not others:
                category = domain.AttendanceCategory(row.category)
                raise Conflict(
                    f"«{row.code}» — единственный код вида «{rules.CATEGORY_LABELS[category]}»: "
                    "без него эту отметку нельзя будет поставить."
                )
        if archived is not None:
            row.archived = archived
        await s.flush()
        view = attendance_code_view(row)
        await uow.commit()
    return view


async def entry_for_category(
    s: AsyncSession, school_id: UUID, category: domain.AttendanceCategory
) -> AttendanceCodeEntry:
    """The school's first code in use of a category (ОТ for an absence, ОП for a late arrival)."""
    row = await s.scalar(
        select(AttendanceCodeEntry)
        .where(
            AttendanceCodeEntry.school_id == school_id,
            AttendanceCodeEntry.category == category.value,
            ~AttendanceCodeEntry.archived,
        )
        .order_by(AttendanceCodeEntry.position, AttendanceCodeEntry.code)
        .limit(1)
    )
    if row is None:
        raise ValidationFailed(
            f"В справочнике школы нет кода вида «{rules.CATEGORY_LABELS[category]}».", field="code"
        )
    return row


async def entries_by_code(s: AsyncSession, school_id: UUID) -> dict[str, AttendanceCodeEntry]:
    """Every code of the school, archived ones too (old marks keep their meaning)."""
    rows = await s.scalars(
        select(AttendanceCodeEntry).where(AttendanceCodeEntry.school_id == school_id)
    )
    return {r.code: r for r in rows}
