"""The demo school's messaging: letters in every demo login's inbox in the regulation's order,
a letter asking parents to confirm a trip, announcements on the board, posts in the class and
staff chats and a forum topic. Written through the use cases, as the people themselves would,
once people's roster and the journal's teaching load have reached messaging's replica."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from services.kernel.demo import demo_id
from services.kernel.events import utcnow
from services.kernel.graphql import Runtime
from services.kernel.principal import Principal, RoleGrant
from services.kernel.roles import Role
from services.messaging import announcements, discussions, mail
from services.messaging.domain.audiences import Audience, AudienceKind
from services.messaging.domain.discussions import DiscussionKind, system_id
from services.messaging.models import Message, Person, TeachingLoad
from services.messaging.models import RoleGrant as RoleRow

log = logging.getLogger("sgo.messaging.demo")

SCHOOL = demo_id("school")
CLASS_7B = demo_id("class:7Б")
LOGINS = (
    "director",
    "admin",
    "zavuch",
    "teacher",
    "klassruk",
    "parent",
    "student",
    "medic",
    "psychologist",
    "secretary",
    "hr",
)
POLL_SECONDS = 0.5
WAIT_SECONDS = 240.0


def person(login: str) -> UUID:
    return demo_id(f"person:{login}")


async def _ready(runtime: Runtime) -> bool:
    """Every demo login is known and the teacher's load in 7Б has arrived from the journal."""
    async with runtime.db.sessionmaker() as s:
        known = await s.scalar(
            select(func.count())
            .select_from(Person)
            .where(Person.person_id.in_([person(login) for login in LOGINS]))
        )
        load = await s.scalar(
            select(func.count())
            .select_from(TeachingLoad)
            .where(
                TeachingLoad.teacher_id == person("teacher"),
                TeachingLoad.school_class_id == CLASS_7B,
            )
        )
    return known == len(LOGINS) and bool(load)


async def _size(runtime: Runtime) -> tuple[int, ...]:
    async with runtime.db.sessionmaker() as s:
        return tuple(
            [
                await s.scalar(select(func.count()).select_from(table)) or 0
                for table in (Person, RoleRow, TeachingLoad)
            ]
        )


async def _loaded(runtime: Runtime) -> bool:
    async with runtime.db.sessionmaker() as s:
        return bool(
            await s.scalar(
                select(func.count()).select_from(Message).where(Message.school_id == SCHOOL)
            )
        )


async def wait_for_replica(runtime: Runtime, timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    previous: tuple[int, ...] = ()
    while time.monotonic() < deadline:
        if await _ready(runtime):
            size = await _size(runtime)  # the roster arrives in a burst: wait for it to stop
            if size == previous:
                return True
            previous = size
        await asyncio.sleep(POLL_SECONDS)
    return False


async def _principal(runtime: Runtime, login: str) -> Principal:
    """The demo person as the gateway would sign them in: their roles from the replica."""
    pid = person(login)
    async with runtime.db.sessionmaker() as s:
        rows = (
            await s.execute(
                select(RoleRow.role, RoleRow.school_class_id).where(
                    RoleRow.person_id == pid, RoleRow.active.is_(True)
                )
            )
        ).all()
    grants = tuple(RoleGrant(Role(role), school_class_id=cls) for role, cls in rows)
    return Principal(
        account_id=demo_id(f"account:{login}"),
        person_id=pid,
        school_id=SCHOOL,
        login=login,
        roles=grants,
    )


async def load_demo(runtime: Runtime) -> dict[str, Any]:
    who = {login: await _principal(runtime, login) for login in LOGINS}

    async def write(sender: str, to: list[str], subject: str, body: str, **kw: Any) -> UUID:
        letter = mail.LetterInput(to=[person(t) for t in to], subject=subject, body=body, **kw)
        return await mail.send_message(runtime.uow(who[sender]), who[sender], letter)

    async def reply(sender: str, message_id: UUID, body: str) -> UUID:
        return await mail.reply_to_message(
            runtime.uow(who[sender]), who[sender], message_id, body, reply_all=False
        )

    class_parents = Audience(AudienceKind.CLASS_PARENTS, school_class_id=CLASS_7B)
    class_students = Audience(AudienceKind.CLASS_STUDENTS, school_class_id=CLASS_7B)
    letters = [
        await write(
            "director",
            [],
            "График работы в каникулы",
            "Коллеги, график дежурств на каникулах — во вложении к приказу, ознакомьтесь до "
            "пятницы.",
            audiences=[Audience(AudienceKind.ALL_STAFF)],
        ),
        await write(
            "zavuch",
            ["teacher", "klassruk"],
            "Заполнение журнала",
            "Прошу до конца недели выставить отметки за контрольные работы и темы уроков.",
        ),
        await write(
            "klassruk",
            [],
            "Экскурсия в краеведческий музей",
            "Уважаемые родители! В субботу 7Б едет в краеведческий музей. Подтвердите, "
            "пожалуйста, согласие на поездку.",
            audiences=[class_parents],
            confirm_by=utcnow() + timedelta(days=5),
        ),
        await write(
            "klassruk",
            [],
            "Классный час",
            "В четверг после шестого урока — классный час.",
            audiences=[class_students],
        ),
        await write(
            "teacher",
            ["parent"],
            "Контрольная работа по алгебре",
            "Артём написал контрольную работу на «3». Рекомендую повторить тему «Степень».",
            about_student_id=person("student"),
        ),
        await write(
            "psychologist",
            ["parent"],
            "Консультация педагога-психолога",
            "Приглашаю на консультацию по адаптации в среду с 15:00.",
        ),
    ]
    sick = await write(
        "parent",
        ["klassruk"],
        "Справка о болезни",
        "Ирина Александровна, Артём болел в понедельник, справку принесём завтра.",
    )
    await reply("klassruk", sick, "Спасибо, отметила причину пропуска.")
    question = await write(
        "student",
        ["teacher"],
        "Вопрос по домашнему заданию",
        "Дмитрий Сергеевич, в № 233 нужно решать оба пункта?",
    )
    await reply("teacher", question, "Да, оба пункта.")
    await write(
        "admin",
        ["director", "zavuch"],
        "Резервное копирование",
        "Резервная копия базы сделана, проверка прошла без ошибок.",
    )
    await write(
        "director",
        ["admin", "medic", "secretary", "hr"],
        "Проверка документов",
        "До 20 числа проверьте личные дела и согласия на обработку данных.",
    )

    def post(author: str, title: str, body: str, audiences: list[Audience], **kw: Any) -> Any:
        return announcements.post_announcement(
            runtime.uow(who[author]),
            who[author],
            announcements.AnnouncementInput(title=title, body=body, audiences=audiences, **kw),
        )

    await post(
        "director",
        "Зимние каникулы",
        "Каникулы с 29 декабря по 11 января.",
        [Audience(AudienceKind.WHOLE_SCHOOL)],
        pinned=True,
    )
    await post(
        "psychologist",
        "Родительский лекторий",
        "В пятницу в 18:00 — «Как помочь подростку с учёбой».",
        [Audience(AudienceKind.CLASS_PARENTS, school_class_id=CLASS_7B)],
    )
    await post(
        "klassruk",
        "Родительское собрание 7Б",
        "Собрание в среду в 18:30, кабинет 21.",
        [class_parents, class_students],
    )

    async def say(author: str, kind: DiscussionKind, body: str) -> None:
        cls = None if kind is DiscussionKind.STAFF_ROOM else CLASS_7B
        await discussions.post(
            runtime.uow(who[author]), who[author], system_id(SCHOOL, kind, cls), body
        )

    await say("klassruk", DiscussionKind.CLASS_CHAT, "Ребята, не забудьте форму на физкультуру.")
    await say("student", DiscussionKind.CLASS_CHAT, "Спасибо, Ирина Александровна!")
    await say("parent", DiscussionKind.PARENTS_CHAT, "Кто сможет сопровождать детей на экскурсии?")
    await say("teacher", DiscussionKind.STAFF_ROOM, "Коллеги, кабинет 21 свободен на 5-м уроке.")
    await discussions.open_forum_topic(
        runtime.uow(who["zavuch"]),
        who["zavuch"],
        "Подготовка к ВПР",
        "Делимся материалами и графиком консультаций.",
        [Audience(AudienceKind.ALL_TEACHERS)],
    )
    return {"letters": len(letters) + 6, "announcements": 3, "posts": 5, "topics": 1}


async def run_demo(runtime: Runtime) -> dict[str, Any] | None:
    if await _loaded(runtime):
        return None
    if not await wait_for_replica(runtime):
        log.warning("demo messaging skipped: the demo roster did not reach messaging in time")
        return None
    if await _loaded(runtime):  # another replica loaded it meanwhile
        return None
    summary = await load_demo(runtime)
    log.info("demo messaging loaded: %s", summary)
    runtime.extras["demo_summary"] = summary
    return summary


async def start_demo(runtime: Runtime) -> None:
    """``on_startup`` hook: the load runs in the background so the service answers at once."""
    if not runtime.settings.demo:
        return

    async def guarded() -> None:
        try:
            await run_demo(runtime)
        except Exception:
            log.exception("demo messaging failed")

    runtime.extras["demo_task"] = runtime.spawn(guarded(), name="messaging-demo")
