"""E-mail copies of notices: one consumer of ``messaging.notice.created`` sends each notice
announced at once to the address its recipient gave, through SMTP (``SGO_SMTP_HOST``,
``SGO_SMTP_PORT``, ``SGO_SMTP_FROM``). Each notice is mailed once (``email_delivery``); one the
server keeps refusing is kept as a dead letter the school's administration sees. During the
school's quiet hours copies are held and go out when the hours end."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from email.message import EmailMessage
from uuid import UUID

import aiosmtplib
from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database
from services.kernel.errors import Forbidden, ValidationFailed
from services.kernel.events import Envelope, utcnow
from services.kernel.graphql import Runtime
from services.kernel.periodic import run_every
from services.kernel.principal import Principal
from services.kernel.roles import ADMINISTRATION, Role
from services.kernel.uow import UnitOfWork
from services.messaging import access, domain
from services.messaging.audiences import SCHOOL_TIMEZONE
from services.messaging.models import EmailDelivery, Notice, NoticeEmail, QuietHours

log = logging.getLogger("sgo.messaging.email")

ATTEMPTS = 3
HELD_ROUND_SECONDS = 60.0
ADDRESS_MAX = 254
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        host = os.environ.get("SGO_SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(os.environ.get("SGO_SMTP_PORT", "25")),
            sender=os.environ.get("SGO_SMTP_FROM", "sgo@localhost"),
        )


@dataclass
class DeadLetter:
    notice_id: UUID
    email: str
    attempts: int
    error: str | None
    at: datetime


def _letter(notice: Notice, to: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = (
        "Сетевой город: " + domain.NOTICE_KIND_LABELS[domain.NoticeKind(notice.kind)]
    )
    message.set_content(notice.text + "\n\nОткройте «Сетевой город», чтобы узнать подробности.")
    return message


async def on_notice_created(session: AsyncSession, envelope: Envelope) -> None:
    notice_id = UUID(str(envelope.payload["notice_id"]))
    if await session.get(EmailDelivery, notice_id) is not None:
        return  # mailed already
    notice = await session.get(Notice, notice_id)
    if notice is None or notice.digest:
        return
    address = await session.get(NoticeEmail, notice.recipient_id)
    smtp = SmtpSettings.from_env()
    if address is None or smtp is None:
        return
    due = await _quiet_until(session, notice.school_id, utcnow())
    if due is not None:
        # Quiet hours: the notice is in the app already; its copy waits for the morning.
        await session.execute(
            insert(EmailDelivery).values(
                notice_id=notice_id,
                school_id=notice.school_id,
                email=address.email,
                status="held",
                attempts=0,
                at=utcnow(),
                due_at=due,
            )
        )
        return
    attempts, error = await _send(notice, address.email, smtp)
    await session.execute(
        insert(EmailDelivery).values(
            notice_id=notice_id,
            school_id=notice.school_id,
            email=address.email,
            status="dead" if error else "sent",
            attempts=attempts,
            error=error,
            at=utcnow(),
        )
    )


async def _send(notice: Notice, to: str, smtp: SmtpSettings) -> tuple[int, str | None]:
    """Up to three attempts; returns how many were made and the last refusal, if any."""
    error: str | None = None
    attempts = 0
    for attempts in range(1, ATTEMPTS + 1):
        try:
            await aiosmtplib.send(
                _letter(notice, to, smtp.sender), hostname=smtp.host, port=smtp.port, timeout=10
            )
            return attempts, None
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = str(exc)[:500]
            await asyncio.sleep(0.2 * attempts)
    return attempts, error


async def _quiet_until(session: AsyncSession, school_id: UUID, now: datetime) -> datetime | None:
    quiet = await session.get(QuietHours, school_id)
    if quiet is None:
        return None
    local = domain.quiet_until(now.astimezone(SCHOOL_TIMEZONE), quiet.starts_at, quiet.ends_at)
    return local.astimezone(UTC) if local else None


async def send_held(db: Database, now: datetime | None = None) -> int:
    """Copies held through quiet hours that are due: sent now, each once. Returns how many."""
    smtp = SmtpSettings.from_env()
    if smtp is None:
        return 0
    sent = 0
    async with db.sessionmaker() as session, session.begin():
        held = (
            await session.scalars(
                select(EmailDelivery)
                .where(EmailDelivery.status == "held", EmailDelivery.due_at <= (now or utcnow()))
                .order_by(EmailDelivery.due_at)
                .limit(200)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for row in held:
            notice = await session.get(Notice, row.notice_id)
            if notice is None:
                continue
            row.attempts, row.error = await _send(notice, row.email, smtp)
            row.status, row.at = ("dead" if row.error else "sent"), utcnow()
            sent += 0 if row.error else 1
    return sent


async def start_mailer(runtime: Runtime) -> None:
    """``on_startup`` hook: copies held through quiet hours go out once the hours end."""
    runtime.spawn(
        run_every(HELD_ROUND_SECONDS, lambda: send_held(runtime.db), log=log, what="held e-mail"),
        name="messaging-held-email",
    )


async def set_quiet_hours(
    uow: UnitOfWork, principal: Principal, starts: time | None, ends: time | None
) -> None:
    """The school's quiet hours (both empty: none); set by the director or administrator."""
    _, school_id = access.require_person(principal)
    if not principal.has_role(Role.DIRECTOR, Role.ADMINISTRATOR):
        raise Forbidden("Тихие часы задают директор и системный администратор.")
    if (starts is None) != (ends is None) or (starts is not None and starts == ends):
        raise ValidationFailed(
            "Укажите начало и конец тихих часов, они не должны совпадать.", field="from"
        )
    async with uow:
        await uow.session.execute(delete(QuietHours).where(QuietHours.school_id == school_id))
        if starts is not None and ends is not None:
            await uow.session.execute(
                insert(QuietHours).values(school_id=school_id, starts_at=starts, ends_at=ends)
            )
        await uow.commit()


async def quiet_hours(db: Database, principal: Principal) -> tuple[time, time] | None:
    _, school_id = access.require_person(principal)
    async with db.sessionmaker() as session:
        quiet = await session.get(QuietHours, school_id)
    return (quiet.starts_at, quiet.ends_at) if quiet else None


async def set_address(uow: UnitOfWork, principal: Principal, email: str | None) -> str | None:
    """The caller's own address for e-mail copies; empty stops them."""
    person_id, school_id = access.require_person(principal)
    address = (email or "").strip()
    if address and (len(address) > ADDRESS_MAX or not _ADDRESS.match(address)):
        raise ValidationFailed("Адрес электронной почты указан неверно.", field="email")
    async with uow:
        if not address:
            await uow.session.execute(delete(NoticeEmail).where(NoticeEmail.person_id == person_id))
        else:
            stmt = pg_insert(NoticeEmail).values(
                person_id=person_id, school_id=school_id, email=address
            )
            await uow.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[NoticeEmail.person_id], set_={"email": address}
                )
            )
        await uow.commit()
    return address or None


async def dead_letters(db: Database, principal: Principal) -> list[DeadLetter]:
    """E-mail copies the server kept refusing, for the school's administration."""
    _, school_id = access.require_person(principal)
    if not principal.has_role(*ADMINISTRATION):
        raise Forbidden()
    async with db.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(EmailDelivery)
                .where(EmailDelivery.school_id == school_id, EmailDelivery.status == "dead")
                .order_by(EmailDelivery.at.desc())
                .limit(200)
            )
        ).all()
    return [DeadLetter(r.notice_id, r.email, r.attempts, r.error, r.at) for r in rows]
