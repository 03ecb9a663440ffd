"""The replica of people's and journal's events messaging decides with: persons and their
names, roles, classes and their class teachers, enrolments, guardianships, teaching load and
subjects. Messaging reads no other service's tables.

Every handler converges whatever order its events arrive in: a row keeps the ``sequence`` of
the event that last wrote it (``version``) and takes an event only over an older one; a removal
(a withdrawn role, a departure, a withdrawn load) keeps its row as a tombstone
(``active = false``) so an older creation arriving late cannot bring it back.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import Table, and_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from services.kernel.events import Envelope
from services.messaging.domain import discussions as discussion_rules
from services.messaging.domain.discussions import DiscussionKind
from services.messaging.models import (
    ClassTeacher,
    Discussion,
    Enrolment,
    Guardianship,
    Person,
    RoleGrant,
    SchoolClass,
    Subject,
    TeachingLoad,
)

_GRANT_NAMESPACE = uuid5(NAMESPACE_URL, "sgo:messaging:role_grant")


def uuid_of(value: object) -> UUID:
    return UUID(str(value))


def optional_uuid(value: object) -> UUID | None:
    return UUID(str(value)) if value else None


def role_grant_id(person_id: UUID, role: str, school_class_id: UUID | None) -> UUID:
    return uuid5(_GRANT_NAMESPACE, f"{person_id}:{role}:{school_class_id or '-'}")


async def upsert_versioned(
    session: AsyncSession,
    model: Any,
    keys: dict[str, Any],
    values: dict[str, Any],
    version: int,
    *,
    only_if: ColumnElement[bool] | None = None,
) -> bool:
    """Insert the row, or update it when what it holds is not newer than ``version``; returns
    whether the event was applied. Equal versions apply too: events stamped before sequences
    existed all carry 0 and then the latest arrival wins, as before."""
    table: Table = model.__table__
    stmt = insert(table).values(**keys, **values, version=version)
    guard = table.c.version <= stmt.excluded.version
    if only_if is not None:
        guard = and_(guard, only_if)
    result = await session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={k: stmt.excluded[k] for k in (*values, "version")},
            where=guard,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- persons ------------------------------------------------------------------------------------


async def on_person_registered(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    person_id = uuid_of(p["person_id"])
    applied = await upsert_versioned(
        session,
        Person,
        {"person_id": person_id},
        {
            "school_id": uuid_of(p["school_id"]),
            "kind": p["kind"],
            "last_name": p["last_name"],
            "first_name": p["first_name"],
            "middle_name": p.get("middle_name"),
        },
        envelope.sequence,
    )
    if not applied:
        # A newer rename or anonymisation came first: keep its names, learn the kind.
        await session.execute(
            update(Person)
            .where(Person.person_id == person_id, Person.kind.is_(None))
            .values(kind=p["kind"])
        )


async def rename(session: AsyncSession, envelope: Envelope) -> bool:
    """A corrected name, or «Обезличено …»: the names messaging shows everywhere come from this
    row, so an anonymised person's name is gone from every letter and list at once."""
    p = envelope.payload
    return await upsert_versioned(
        session,
        Person,
        {"person_id": uuid_of(p["person_id"])},
        {
            "school_id": uuid_of(p["school_id"]),
            "last_name": str(p["last_name"]),
            "first_name": str(p["first_name"]),
            "middle_name": str(p["middle_name"]) if p.get("middle_name") else None,
        },
        envelope.sequence,
    )


async def on_person_renamed(session: AsyncSession, envelope: Envelope) -> None:
    await rename(session, envelope)


# --- classes, their chats, and roles -----------------------------------------------------------


async def ensure_class_discussions(
    session: AsyncSession, school_id: UUID, school_class_id: UUID, class_name: str
) -> None:
    """The school's staff room and the class's two chats exist once its class is known."""
    rows = [
        (DiscussionKind.STAFF_ROOM, None),
        (DiscussionKind.CLASS_CHAT, school_class_id),
        (DiscussionKind.PARENTS_CHAT, school_class_id),
    ]
    await session.execute(
        insert(Discussion)
        .values(
            [
                {
                    "id": discussion_rules.system_id(school_id, kind, cls),
                    "school_id": school_id,
                    "kind": kind.value,
                    "school_class_id": cls,
                    "title": discussion_rules.title(kind, class_name),
                    "audiences": [],
                }
                for kind, cls in rows
            ]
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )


async def on_school_class_created(session: AsyncSession, envelope: Envelope) -> None:
    """A class, and with it the discussions the system keeps: its chats, the staff room."""
    p = envelope.payload
    grade = p.get("grade_level")
    name = p.get("name") or f"{grade}{p.get('letter', '')}"
    await ensure_class_discussions(
        session, uuid_of(p["school_id"]), uuid_of(p["school_class_id"]), name
    )
    await upsert_versioned(
        session,
        SchoolClass,
        {"id": uuid_of(p["school_class_id"])},
        {
            "school_id": uuid_of(p["school_id"]),
            "name": name,
            "grade_level": int(grade) if grade is not None else None,
        },
        envelope.sequence,
    )


async def on_class_teacher_assigned(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    await upsert_versioned(
        session,
        ClassTeacher,
        {"school_class_id": uuid_of(p["school_class_id"])},
        {
            "school_id": uuid_of(p["school_id"]),
            "person_id": uuid_of(p["person_id"]),
            "active": True,
        },
        envelope.sequence,
    )


async def _set_role(session: AsyncSession, envelope: Envelope, *, active: bool) -> None:
    p = envelope.payload
    person_id, class_id = uuid_of(p["person_id"]), optional_uuid(p.get("school_class_id"))
    school_id = uuid_of(p["school_id"])
    await upsert_versioned(
        session,
        RoleGrant,
        {"id": role_grant_id(person_id, p["role"], class_id)},
        {
            "school_id": school_id,
            "person_id": person_id,
            "role": p["role"],
            "school_class_id": class_id,
            "active": active,
        },
        envelope.sequence,
    )
    if not active and p["role"] == "class_teacher" and class_id is not None:
        # The class's pointer goes with the grant, unless another teacher has it by now.
        await upsert_versioned(
            session,
            ClassTeacher,
            {"school_class_id": class_id},
            {"school_id": school_id, "person_id": person_id, "active": False},
            envelope.sequence,
            only_if=ClassTeacher.__table__.c.person_id == person_id,
        )


async def on_role_granted(session: AsyncSession, envelope: Envelope) -> None:
    await _set_role(session, envelope, active=True)


async def on_role_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
    await _set_role(session, envelope, active=False)


# --- students and families ---------------------------------------------------------------------


async def on_student_enrolled(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    await upsert_versioned(
        session,
        Enrolment,
        {"student_id": uuid_of(p["person_id"])},
        {
            "school_id": uuid_of(p["school_id"]),
            "school_class_id": uuid_of(p["school_class_id"]),
            "enrolled_on": date.fromisoformat(p["enrolled_on"]) if p.get("enrolled_on") else None,
            "active": True,
        },
        envelope.sequence,
    )


async def on_student_left(session: AsyncSession, envelope: Envelope) -> None:
    """A departure or graduation: the student is no longer in any class's audience."""
    p = envelope.payload
    await upsert_versioned(
        session,
        Enrolment,
        {"student_id": uuid_of(p["person_id"])},
        {
            "school_id": uuid_of(p["school_id"]),
            "school_class_id": uuid_of(p["school_class_id"]),
            "active": False,
        },
        envelope.sequence,
    )


async def link_guardian(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    await upsert_versioned(
        session,
        Guardianship,
        {"parent_id": uuid_of(p["parent_id"]), "student_id": uuid_of(p["student_id"])},
        {"school_id": uuid_of(p["school_id"]), "relation": p.get("relation")},
        envelope.sequence,
    )


# --- the journal's teaching load and subjects ------------------------------------------------


async def _set_load(session: AsyncSession, envelope: Envelope, *, active: bool) -> None:
    p = envelope.payload
    await upsert_versioned(
        session,
        TeachingLoad,
        {"id": uuid_of(p["teaching_load_id"])},
        {
            "school_id": uuid_of(p["school_id"]),
            "teacher_id": uuid_of(p["teacher_id"]),
            "school_class_id": uuid_of(p["school_class_id"]),
            "subject_id": uuid_of(p["subject_id"]),
            "subgroup_id": optional_uuid(p.get("subgroup_id")),
            "active": active,
        },
        envelope.sequence,
    )


async def on_teaching_load_assigned(session: AsyncSession, envelope: Envelope) -> None:
    await _set_load(session, envelope, active=True)


async def on_teaching_load_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
    await _set_load(session, envelope, active=False)


async def on_subject_named(session: AsyncSession, envelope: Envelope) -> None:
    """``journal.subject.created`` and ``journal.subject.renamed`` both carry the name."""
    p = envelope.payload
    await upsert_versioned(
        session,
        Subject,
        {"id": uuid_of(p["subject_id"])},
        {"school_id": uuid_of(p["school_id"]), "name": p["name"]},
        envelope.sequence,
    )
