"""Absence notices: an ОТ becomes a notice to each parent of the student; the end of the
school day tells class teachers and parents of the ОТ left without a reason.

Two streams arrive in any order, so an absence may come before the student's parents are
known. Every attendance record is kept (a cleared one as a tombstone); when a guardianship is
linked afterwards, the parent gets the notices of the student's ОТ absences recorded in the
last seven days.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Envelope, utcnow
from services.messaging import domain, replica
from services.messaging.models import Absence, ClassTeacher, Guardianship, Notice, Person
from services.messaging.notices import deliver_notices

_STUDENT_LOCK_NAMESPACE = 0x5603
_uuid = replica.uuid_of
_optional_uuid = replica.optional_uuid


async def lock_student(session: AsyncSession, student_id: UUID) -> None:
    """Serialise absence and guardianship handling per student for this transaction.

    They arrive on two streams and are handled concurrently; without the lock each could
    miss the other's uncommitted row and the parent would never be told.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
        {"ns": _STUDENT_LOCK_NAMESPACE, "key": str(student_id)},
    )


async def on_guardianship_linked(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    parent_id, student_id = _uuid(p["parent_id"]), _uuid(p["student_id"])
    await lock_student(session, student_id)
    await replica.link_guardian(session, envelope)
    # Absences that arrived before this link still reach the parent.
    since = utcnow() - domain.LATE_LINK_WINDOW
    absences = (
        await session.scalars(
            select(Absence)
            .where(
                Absence.student_id == student_id,
                Absence.code == domain.ABSENT,
                Absence.cleared.is_(False),
                Absence.recorded_at >= since,
            )
            .order_by(Absence.recorded_at)
        )
    ).all()
    for absence in absences:
        await notify_absence(session, absence, [parent_id])


# --- absences ----------------------------------------------------------------------------


async def on_attendance_set(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    attendance_id = _uuid(p["attendance_id"])
    code = p["code"]
    await lock_student(session, _uuid(p["student_id"]))
    fields = {
        "school_id": _uuid(p["school_id"]),
        "student_id": _uuid(p["student_id"]),
        "lesson_id": _optional_uuid(p.get("lesson_id")),
        "subject_name": p["subject_name"],
        "lesson_date": date.fromisoformat(p["date"]),
        "lesson_number": p.get("lesson_number"),
        "code": code,
        "recorded_at": envelope.occurred_at,
        "version": envelope.sequence,
    }
    absence = await session.get(Absence, attendance_id, with_for_update=True)
    if absence is None:
        absence = Absence(
            attendance_id=attendance_id,
            source_event_id=envelope.id,
            cleared=False,
            **fields,
        )
        session.add(absence)
        already_told = False
    elif absence.version > envelope.sequence or (
        absence.version == envelope.sequence and absence.recorded_at > envelope.occurred_at
    ):
        return  # an older record arriving late (a clearing included) changes nothing
    else:
        already_told = not absence.cleared and absence.code == code == domain.ABSENT
        if not already_told:
            absence.source_event_id = envelope.id
        for key, value in fields.items():
            setattr(absence, key, value)
        absence.cleared = False
    await session.flush()
    # Saving the same ОТ again does not tell the parents twice.
    if already_told or not domain.notifies_parents(code, p.get("category")):
        return
    parent_ids = (
        await session.scalars(
            select(Guardianship.parent_id).where(Guardianship.student_id == absence.student_id)
        )
    ).all()
    await notify_absence(session, absence, list(parent_ids))


async def notify_absence(session: AsyncSession, absence: Absence, parent_ids: list[UUID]) -> int:
    """One notice per parent and absence record; returns how many were new."""
    if not parent_ids:
        return 0
    student = await session.get(Person, absence.student_id)
    body = domain.absence_text(
        last_name=student.last_name if student else None,
        first_name=student.first_name if student else None,
        middle_name=student.middle_name if student else None,
        subject_name=absence.subject_name,
        lesson_number=absence.lesson_number,
        lesson_date=absence.lesson_date,
    )
    return await deliver_notices(
        session,
        school_id=absence.school_id,
        kind=domain.NoticeKind.ABSENCE,
        texts=dict.fromkeys(parent_ids, body),
        source_event_id=absence.source_event_id,
        link=f"lesson:{absence.lesson_id}" if absence.lesson_id else None,
    )


async def on_attendance_cleared(session: AsyncSession, envelope: Envelope) -> None:
    """The student was there after all: a parent linked later is not told of that absence. The
    record stays as a tombstone, so an older ОТ arriving after its clearing stays cleared."""
    p = envelope.payload
    student_id = _uuid(p["student_id"])
    await lock_student(session, student_id)
    stmt = insert(Absence).values(
        attendance_id=_uuid(p["attendance_id"]),
        school_id=_uuid(p["school_id"]),
        source_event_id=envelope.id,
        student_id=student_id,
        lesson_id=_optional_uuid(p.get("lesson_id")),
        subject_name="",
        lesson_date=date.fromisoformat(p["date"]),
        lesson_number=p.get("lesson_number"),
        code=p.get("code_before") or "",
        recorded_at=envelope.occurred_at,
        cleared=True,
        version=envelope.sequence,
    )
    table = Absence.__table__
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Absence.attendance_id],
            set_={
                "cleared": True,
                "version": stmt.excluded.version,
                "recorded_at": stmt.excluded.recorded_at,
            },
            where=or_(
                table.c.version < stmt.excluded.version,
                and_(
                    table.c.version == stmt.excluded.version,
                    table.c.recorded_at <= stmt.excluded.recorded_at,
                ),
            ),
        )
    )


# --- the end of the school day ------------------------------------------------------------


async def on_absences_unresolved(session: AsyncSession, envelope: Envelope) -> None:
    """Tells class teachers and parents of the ОТ marks the day ended with; a redelivered event
    tells nobody twice (one notice per event and recipient)."""
    p = envelope.payload
    school_id, day = _uuid(p["school_id"]), date.fromisoformat(p["date"])
    classes = p.get("classes") or []
    student_ids = [_uuid(st["student_id"]) for c in classes for st in c["students"]]
    if not student_ids:
        return
    people = {
        person.person_id: person
        for person in await session.scalars(select(Person).where(Person.person_id.in_(student_ids)))
    }
    guardians: dict[UUID, list[UUID]] = {}
    for parent_id, student_id in await session.execute(
        select(Guardianship.parent_id, Guardianship.student_id).where(
            Guardianship.student_id.in_(student_ids)
        )
    ):
        guardians.setdefault(parent_id, []).append(student_id)
    numbers: dict[UUID, list[int]] = {}
    texts: dict[UUID, str] = {}
    for c in classes:
        teacher_id = _optional_uuid(c.get("class_teacher_id")) or await session.scalar(
            select(ClassTeacher.person_id).where(
                ClassTeacher.school_class_id == _uuid(c["school_class_id"]),
                ClassTeacher.active.is_(True),
            )
        )
        listed = []
        for st in c["students"]:
            sid = _uuid(st["student_id"])
            numbers[sid] = [int(n) for n in st.get("lesson_numbers") or []]
            person = people.get(sid)
            name = domain.student_display_name(
                person.last_name if person else None, person.first_name if person else None
            )
            listed.append((name, numbers[sid]))
        if teacher_id is not None:
            texts[teacher_id] = domain.unresolved_for_class_teacher(day, listed)
    for parent_id, children in guardians.items():
        texts[parent_id] = domain.unresolved_for_parent(
            day,
            [
                (
                    people[sid].last_name if sid in people else None,
                    people[sid].first_name if sid in people else None,
                    people[sid].middle_name if sid in people else None,
                    numbers.get(sid, []),
                )
                for sid in children
            ],
        )
    await deliver_notices(
        session,
        school_id=school_id,
        kind=domain.NoticeKind.UNRESOLVED_ABSENCES,
        texts=texts,
        source_event_id=envelope.id,
        link=f"attendance:{day.isoformat()}",
    )


async def on_person_anonymised(session: AsyncSession, envelope: Envelope) -> None:
    p = envelope.payload
    before = await session.get(Person, _uuid(p["person_id"]))
    before_names = (before.last_name, before.first_name) if before else None
    if not await replica.rename(session, envelope) or before_names is None:
        return
    # Notices to the student's parents begin with the student's name (``absence_text``).
    old = domain.student_display_name(*before_names) + " "
    new = domain.student_display_name(str(p["last_name"]), str(p["first_name"])) + " "
    parents = select(Guardianship.parent_id).where(Guardianship.student_id == _uuid(p["person_id"]))
    await session.execute(
        update(Notice)
        .where(Notice.recipient_id.in_(parents), Notice.text.startswith(old, autoescape=True))
        .values(text=new + func.substr(Notice.text, len(old) + 1))
    )
