"""Mail («Почта»): write, reply, forward, keep drafts, mark read, delete and restore.

One letter and all its deliveries are written in one transaction with its event; each
recipient's delivery carries the sender's rank for that reader, fixed at delivery, and for a
parent the child the letter is about. Only the sender and the recipients ever read a letter:
anyone else — the administration included — is answered as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import func, insert, select, text, update

from services.kernel.errors import Forbidden, NotFound, TooManyRequests, ValidationFailed
from services.kernel.events import utcnow, uuid7
from services.kernel.principal import Principal
from services.kernel.uow import UnitOfWork
from services.messaging import access, audiences
from services.messaging.audiences import SCHOOL_TIMEZONE
from services.messaging.domain import mail
from services.messaging.domain.audiences import Audience
from services.messaging.events import MessageSent
from services.messaging.models import Confirmation, Delivery, Message, MessageAudience, Person

_SENDER_LOCK_NAMESPACE = 0x5604
NOT_FOUND = "Письмо не найдено."


@dataclass(frozen=True)
class LetterInput:
    to: list[UUID]
    cc: list[UUID] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    about_student_id: UUID | None = None
    audiences: list[Audience] = field(default_factory=list)
    confirm_by: datetime | None = None  # ask each recipient to confirm until then


@dataclass(frozen=True)
class Thread:
    thread_id: UUID | None = None
    in_reply_to_id: UUID | None = None
    forwarded_from_id: UUID | None = None
    # The author of the letter answered: a reply reaches them whatever the rules say.
    answered: UUID | None = None
    # Recipients already allowed (a reminder goes to those the first letter reached).
    authorised: frozenset[UUID] = frozenset()


def _recipients(letter: LetterInput, me: UUID) -> tuple[list[UUID], list[UUID]]:
    """To and cc without repeats and without the sender; one in both is a «to»."""
    to = [r for r in dict.fromkeys(letter.to) if r != me]
    cc = [r for r in dict.fromkeys(letter.cc) if r != me and r not in to]
    return to, cc


async def send_message(uow: UnitOfWork, principal: Principal, letter: LetterInput) -> UUID:
    async with uow:
        message_id = await send_in(uow, principal, letter, Thread())
        await uow.commit()
        return message_id


async def send_draft(
    uow: UnitOfWork, principal: Principal, draft_id: UUID, letter: LetterInput
) -> UUID:
    """Send a kept draft as it is now written; the draft leaves the drafts folder."""
    async with uow:
        draft = await _own_draft(uow, principal, draft_id)
        message_id = await send_in(uow, principal, letter, Thread(), reuse=draft)
        await uow.commit()
        return message_id


async def reply_to_message(
    uow: UnitOfWork, principal: Principal, message_id: UUID, body: str, *, reply_all: bool
) -> UUID:
    """«Ответить» goes to the author (to the recipients, when the author answers their own
    letter); «ответить всем» to everyone on it. The reply joins the letter's thread."""
    me, _ = access.require_person(principal)
    async with uow:
        original = await _readable(uow, principal, message_id)
        others = await _copies(uow, original.id)
        if original.sender_id == me:
            to = [r for r, copy in others if copy == "to"]
            cc = [r for r, copy in others if copy == "cc"] if reply_all else []
        else:
            to = [original.sender_id]
            cc = [r for r, _copy in others if r != me] if reply_all else []
        letter = LetterInput(to=to, cc=cc, subject=mail.quoted("Re", original.subject), body=body)
        sent = await send_in(
            uow,
            principal,
            letter,
            Thread(
                thread_id=original.thread_id,
                in_reply_to_id=original.id,
                answered=original.sender_id,
            ),
        )
        await uow.commit()
        return sent


async def forward_message(
    uow: UnitOfWork, principal: Principal, message_id: UUID, letter: LetterInput
) -> UUID:
    """The letter below the sender's own words, to new recipients the rules allow."""
    async with uow:
        original = await _readable(uow, principal, message_id)
        author = await uow.session.get(Person, original.sender_id)
        name = mail.full_name(author.last_name, author.first_name, None) if author else "—"
        sent_at = original.sent_at.strftime("%d.%m.%Y %H:%M") if original.sent_at else ""
        words = mail.clean_body(letter.body, required=False)
        body = (
            f"{words}\n\n---------- Пересланное письмо ----------\n"
            f"От: {name}\nДата: {sent_at} (UTC)\nТема: {original.subject}\n\n{original.body}"
        ).lstrip()
        forwarded = LetterInput(
            to=letter.to,
            cc=letter.cc,
            subject=mail.quoted("Fwd", original.subject),
            body=body[: mail.BODY_MAX],
            about_student_id=letter.about_student_id,
        )
        sent = await send_in(uow, principal, forwarded, Thread(forwarded_from_id=original.id))
        await uow.commit()
        return sent


async def send_in(
    uow: UnitOfWork,
    principal: Principal,
    letter: LetterInput,
    thread: Thread,
    *,
    reuse: Message | None = None,
) -> UUID:
    """One letter inside the caller's unit of work: checked, written with its deliveries."""
    me, school_id = access.require_person(principal)
    session = uow.session
    subject = mail.clean_subject(letter.subject)
    body = mail.clean_body(letter.body)
    if letter.confirm_by is not None and letter.confirm_by.tzinfo is None:
        # A deadline without a time zone is the school's time.
        letter = replace(letter, confirm_by=letter.confirm_by.replace(tzinfo=SCHOOL_TIMEZONE))
    if letter.confirm_by is not None and letter.confirm_by <= utcnow():
        raise ValidationFailed("Срок подтверждения должен быть в будущем.", field="confirmBy")
    to, cc = _recipients(letter, me)
    picked = to + cc
    if not to and not letter.audiences:
        raise ValidationFailed("Укажите хотя бы одного получателя.", field="to")
    sender = await access.caller_facts(session, principal)
    groups = mail.sender_groups(sender.roles)
    allowed = await access.allowed_relations(session, school_id, groups)
    limit = mail.MASS_RECIPIENTS_MAX if mail.Relation.AUDIENCE in allowed else mail.RECIPIENTS_MAX
    if len(picked) > limit:
        raise ValidationFailed(
            f"Не больше {limit} получателей в одном письме (указано {len(picked)}).",
            field="to",
        )
    resolved = await audiences.resolve(session, principal, sender, allowed, letter.audiences)
    # Audience members were authorised with their audience; they join the «to» line.
    grouped = [m for r in resolved for m in sorted(r.members) if m not in picked]
    grouped = list(dict.fromkeys(grouped))
    to = to + grouped
    everyone = to + cc
    if not everyone:
        raise ValidationFailed(
            "В выбранных группах сейчас нет ни одного получателя.", field="audiences"
        )
    if len(everyone) > mail.MASS_RECIPIENTS_MAX:
        raise ValidationFailed(
            f"Не больше {mail.MASS_RECIPIENTS_MAX} получателей в одном письме "
            f"(получилось {len(everyone)}).",
            field="audiences",
        )
    mass = len(everyone) >= mail.MASS_FROM
    if len(picked) >= mail.MASS_FROM and mail.Relation.AUDIENCE not in allowed:
        raise Forbidden(
            f"Письмо {len(everyone)} получателям — массовая рассылка: она доступна "
            "администрации школы.",
            field="to",
        )
    readers = await access.facts_of(session, school_id, everyone)
    missing = [r for r in everyone if r not in readers]
    if missing:
        raise NotFound("Получатель не найден в школе.", field="to", ids=[str(m) for m in missing])
    members = set(grouped) | thread.authorised
    refused = [
        r
        for r in everyone
        if r != thread.answered
        and r not in members
        and not (mail.relations(sender, readers[r]) & allowed)
    ]
    if refused:
        names = await _names(uow, refused)
        raise Forbidden(
            access.refusal(groups, allowed) + " Нельзя отправить: " + ", ".join(names) + ".",
            field="to",
            refused=[str(r) for r in refused],
        )
    about = letter.about_student_id
    if about is not None and not any(about in readers[r].children for r in everyone):
        raise ValidationFailed(
            "Ученик, о котором письмо, должен быть ребёнком одного из получателей.",
            field="aboutStudentId",
        )
    if mass:
        await _within_mass_limit(uow, me)

    now = utcnow()
    message_id = reuse.id if reuse is not None else uuid7()
    values = {
        "school_id": school_id,
        "sender_id": me,
        "thread_id": thread.thread_id or message_id,
        "in_reply_to_id": thread.in_reply_to_id,
        "forwarded_from_id": thread.forwarded_from_id,
        "subject": subject,
        "body": body,
        "draft_to": None,
        "draft_cc": None,
        "about_student_id": about,
        "sent_at": now,
        "recipient_count": len(everyone),
        "confirm_by": letter.confirm_by,
    }
    if reuse is not None:
        await session.execute(update(Message).where(Message.id == reuse.id).values(**values))
    else:
        await session.execute(insert(Message).values(id=message_id, created_at=now, **values))
    parents = [r for r in everyone if readers[r].children]
    names = {r: " ".join(n) for r, n in (await _name_parts(uow, parents)).items()}
    to_set = set(to)
    await insert_deliveries(
        uow,
        message_id,
        school_id,
        now,
        [
            (
                r,
                "to" if r in to_set else "cc",
                int(mail.rank_for(sender, readers[r])),
                mail.child_concerned(sender, readers[r], about, names),
            )
            for r in everyone
        ],
    )
    if letter.confirm_by is not None:
        related = sender.taught_classes | sender.own_classes
        related |= {r.audience.school_class_id for r in resolved if r.audience.school_class_id}
        await session.execute(
            insert(Confirmation),
            [
                {
                    "message_id": message_id,
                    "recipient_id": r,
                    "child_key": child or r,
                    "child_id": child,
                }
                for r in everyone
                for child in mail.children_to_confirm(readers[r], about, related)
            ],
        )
    if resolved:
        await session.execute(
            insert(MessageAudience),
            [
                {
                    "message_id": message_id,
                    "position": n,
                    "kind": r.audience.kind.value,
                    "school_class_id": r.audience.school_class_id,
                    "subject_id": r.audience.subject_id,
                    "label": r.label,
                    "member_count": len(r.members),
                    "resolved_at": now,
                }
                for n, r in enumerate(resolved)
            ],
        )
    uow.emit(
        MessageSent(
            message_id=message_id,
            school_id=school_id,
            sender_id=me,
            thread_id=values["thread_id"],
            recipient_ids=everyone,
            mass=mass,
        ),
        school_id=school_id,
    )
    return message_id


async def insert_deliveries(
    uow: UnitOfWork,
    message_id: UUID,
    school_id: UUID,
    now: datetime,
    rows: list[tuple[UUID, str, int, UUID | None]],
) -> None:
    """Every delivery of a letter in one statement of the letter's transaction: a letter to a
    whole school is one round trip, not thousands of rows bound one by one."""
    conn = await uow.driver_connection()
    await conn.execute(
        "INSERT INTO delivery (message_id, recipient_id, school_id, copy, sender_rank, child_id, "
        "delivered_at) SELECT $1, r, $2, c, k, ch, $3 "
        "FROM unnest($4::uuid[], $5::text[], $6::smallint[], $7::uuid[]) AS t(r, c, k, ch)",
        message_id,
        school_id,
        now,
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
    )


async def _within_mass_limit(uow: UnitOfWork, me: UUID) -> None:
    """A sender's mass mailings per hour are bounded; concurrent sends are counted in turn."""
    await uow.session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
        {"ns": _SENDER_LOCK_NAMESPACE, "key": str(me)},
    )
    recent = await uow.session.scalar(
        select(func.count()).where(
            Message.sender_id == me,
            Message.sent_at >= utcnow() - timedelta(hours=1),
            Message.recipient_count >= mail.MASS_FROM,
        )
    )
    if (recent or 0) >= mail.MASS_PER_HOUR:
        raise TooManyRequests(
            f"Не больше {mail.MASS_PER_HOUR} массовых рассылок в час. Повторите позже."
        )


# --- drafts ----------------------------------------------------------------------------------


async def save_draft(
    uow: UnitOfWork, principal: Principal, draft_id: UUID | None, letter: LetterInput
) -> UUID:
    """Keep an unfinished letter; recipients and rules are checked when it is sent."""
    me, school_id = access.require_person(principal)
    subject = mail.clean_subject(letter.subject, required=False)
    body = mail.clean_body(letter.body, required=False)
    to, cc = _recipients(letter, me)
    if len(to) + len(cc) > mail.MASS_RECIPIENTS_MAX:
        raise ValidationFailed(
            f"Не больше {mail.MASS_RECIPIENTS_MAX} получателей в одном письме.", field="to"
        )
    values = {
        "subject": subject,
        "body": body,
        "draft_to": to,
        "draft_cc": cc,
        "about_student_id": letter.about_student_id,
    }
    async with uow:
        if draft_id is None:
            draft_id = uuid7()
            await uow.session.execute(
                insert(Message).values(
                    id=draft_id, school_id=school_id, sender_id=me, thread_id=draft_id, **values
                )
            )
        else:
            await _own_draft(uow, principal, draft_id)
            await uow.session.execute(
                update(Message).where(Message.id == draft_id).values(**values)
            )
        await uow.commit()
        return draft_id


async def _own_draft(uow: UnitOfWork, principal: Principal, draft_id: UUID) -> Message:
    me, school_id = access.require_person(principal)
    draft = await uow.session.get(Message, draft_id, with_for_update=True)
    if (
        draft is None
        or draft.sender_id != me
        or draft.school_id != school_id
        or draft.sent_at is not None
        or draft.sender_deleted_at is not None
    ):
        raise NotFound("Черновик не найден.")
    return draft


# --- one reader's marks ------------------------------------------------------------------------


async def mark_read(uow: UnitOfWork, principal: Principal, message_id: UUID, read: bool) -> UUID:
    me, school_id = access.require_person(principal)
    async with uow:
        result = await uow.session.execute(
            update(Delivery)
            .where(
                Delivery.message_id == message_id,
                Delivery.recipient_id == me,
                Delivery.school_id == school_id,
            )
            .values(read_at=func.coalesce(Delivery.read_at, func.now()) if read else None)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound(NOT_FOUND)
        await uow.commit()
        return message_id


async def move_to_deleted(
    uow: UnitOfWork, principal: Principal, message_id: UUID, *, deleted: bool
) -> UUID:
    """«Удалить» moves a letter to the deleted folder of this person only; «восстановить»
    brings it back. The sender's copy and each recipient's are apart."""
    me, school_id = access.require_person(principal)
    when = utcnow() if deleted else None
    async with uow:
        result = await uow.session.execute(
            update(Delivery)
            .where(
                Delivery.message_id == message_id,
                Delivery.recipient_id == me,
                Delivery.school_id == school_id,
            )
            .values(deleted_at=when)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            result = await uow.session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.sender_id == me,
                    Message.school_id == school_id,
                )
                .values(sender_deleted_at=when)
            )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound(NOT_FOUND)
        await uow.commit()
        return message_id


# --- helpers -----------------------------------------------------------------------------------


async def _readable(uow: UnitOfWork, principal: Principal, message_id: UUID) -> Message:
    """A sent letter the caller wrote or received; anything else does not exist for them."""
    me, school_id = access.require_person(principal)
    message = await uow.session.get(Message, message_id)
    if message is None or message.school_id != school_id or message.sent_at is None:
        raise NotFound(NOT_FOUND)
    if message.sender_id != me:
        delivered = await uow.session.get(Delivery, (message_id, me))
        if delivered is None:
            raise NotFound(NOT_FOUND)
    return message


async def _copies(uow: UnitOfWork, message_id: UUID) -> list[tuple[UUID, str]]:
    rows = await uow.session.execute(
        select(Delivery.recipient_id, Delivery.copy)
        .where(Delivery.message_id == message_id)
        .order_by(Delivery.copy.desc(), Delivery.recipient_id)
    )
    return [(r, c) for r, c in rows.all()]


async def _name_parts(uow: UnitOfWork, ids: list[UUID]) -> dict[UUID, tuple[str, str]]:
    rows = await uow.session.execute(
        select(Person.person_id, Person.last_name, Person.first_name).where(
            Person.person_id.in_(ids)
        )
    )
    return {pid: (last, first) for pid, last, first in rows.all()}


async def _names(uow: UnitOfWork, ids: list[UUID]) -> list[str]:
    parts = await _name_parts(uow, ids)
    return [" ".join(parts[i]) if i in parts else str(i) for i in ids]
