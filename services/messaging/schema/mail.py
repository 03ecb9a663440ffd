"""Mail («Почта»): folders, the priority inbox, threads, search, the address book, and writing.

Every person of a school may use the mail; who may write to whom is decided on the server from
the school's rules, and a letter is read only by its sender and its recipients.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from services.kernel.graphql import Info, parse_id, schema_enum
from services.kernel.inputs import max_length
from services.kernel.roles import any_of
from services.messaging import audiences as audience_service
from services.messaging import confirmations, mail, mail_rules, mailbox, subscriptions
from services.messaging.domain import audiences as audience_rules
from services.messaging.domain import mail as rules

MailFolder = schema_enum(mailbox.Folder, name="MailFolder", description="Папка почты.")
MailOrder = schema_enum(
    mailbox.Order,
    name="MailOrder",
    description="NEWEST — новые сверху; PRIORITY — непрочитанные, затем по рангу отправителя "
    "(администрация, классный руководитель, учитель, родитель, ученик), затем новые.",
)
AddressGroupKind = schema_enum(mailbox.BookGroup, name="AddressGroupKind")
AudienceKind = schema_enum(
    audience_rules.AudienceKind,
    name="AudienceKind",
    description="Группа получателей: родители класса, ученики класса, группа по предмету, все "
    "учителя, все сотрудники, родители отсутствующих сегодня без причины.",
)
MailSenderGroup = schema_enum(
    rules.SenderGroup, name="MailSenderGroup", description="Кто пишет: группа отправителя."
)
MailRelation = schema_enum(
    rules.Relation, name="MailRelation", description="Кому: как получатель связан с отправителем."
)


@strawberry.federation.type(authenticated=True, description="Участник переписки.")
class Correspondent:
    id: strawberry.ID
    full_name: str

    @classmethod
    def of(cls, named: mailbox.Named) -> Correspondent:
        return cls(id=strawberry.ID(str(named.id)), full_name=named.name)


@strawberry.federation.type(
    authenticated=True, description="Ранг отправителя для читателя, определённый при доставке."
)
class SenderRank:
    rank: int
    label: str


@strawberry.federation.type(
    authenticated=True, description="Группа получателей и сколько человек в ней на момент отправки."
)
class AudienceCount:
    label: str
    count: int


@strawberry.federation.type(
    authenticated=True, description="Кому уйдёт письмо группам: по группам и всего (без повторов)."
)
class AudiencePreview:
    audiences: list[AudienceCount]
    total: int


@strawberry.input(description="Группа получателей; класс и предмет — где группа их требует.")
class AudienceInput:
    kind: AudienceKind  # type: ignore[valid-type]
    school_class_id: strawberry.ID | None = None
    subject_id: strawberry.ID | None = None

    def parsed(self) -> audience_rules.Audience:
        return audience_rules.Audience(
            kind=audience_rules.AudienceKind(self.kind.value),
            school_class_id=(
                parse_id(self.school_class_id, "audiences") if self.school_class_id else None
            ),
            subject_id=parse_id(self.subject_id, "audiences") if self.subject_id else None,
        )


@strawberry.federation.type(authenticated=True, description="Моё подтверждение письма.")
class MyConfirmation:
    child: Correspondent | None
    confirmed_at: datetime | None


@strawberry.federation.type(authenticated=True, description="Подтверждение одного получателя.")
class ConfirmationItem:
    recipient: Correspondent
    child: Correspondent | None
    confirmed_at: datetime | None
    reminded_at: datetime | None


@strawberry.federation.type(
    authenticated=True, description="Кто подтвердил письмо и кто ещё нет (видит отправитель)."
)
class ConfirmationStatus:
    confirm_by: datetime
    deadline_passed: bool
    confirmed: int
    pending: int
    items: list[ConfirmationItem]


@strawberry.federation.type(
    authenticated=True, description="Письмо; его читают только отправитель и получатели."
)
class Letter:
    id: strawberry.ID
    thread_id: strawberry.ID
    subject: str
    body: str
    sender: Correspondent
    to: list[Correspondent]
    cc: list[Correspondent]
    recipient_count: int
    sent_at: datetime | None
    created_at: datetime
    is_draft: bool
    in_reply_to_id: strawberry.ID | None
    forwarded_from_id: strawberry.ID | None
    sender_rank: SenderRank | None = strawberry.field(
        description="Для получателя: ранг отправителя (1 — администрация … 5 — ученик)."
    )
    read_at: datetime | None
    deleted: bool
    child: Correspondent | None = strawberry.field(
        description="Для родителя: ребёнок, о котором письмо."
    )
    audiences: list[AudienceCount] = strawberry.field(
        description="Группы получателей письма, как они были при отправке."
    )
    confirm_by: datetime | None = strawberry.field(
        description="Письмо просит подтверждения до этого момента."
    )
    my_confirmations: list[MyConfirmation] = strawberry.field(
        description="Для получателя: что нужно подтвердить (родителю — за каждого ребёнка)."
    )

    @classmethod
    def of(cls, view: mailbox.LetterView) -> Letter:
        rank = rules.SenderRank(view.sender_rank) if view.sender_rank is not None else None
        return cls(
            id=strawberry.ID(str(view.id)),
            thread_id=strawberry.ID(str(view.thread_id)),
            subject=view.subject,
            body=view.body,
            sender=Correspondent.of(view.sender),
            to=[Correspondent.of(n) for n in view.to],
            cc=[Correspondent.of(n) for n in view.cc],
            recipient_count=view.recipient_count,
            sent_at=view.sent_at,
            created_at=view.created_at,
            is_draft=view.is_draft,
            in_reply_to_id=strawberry.ID(str(view.in_reply_to_id)) if view.in_reply_to_id else None,
            forwarded_from_id=(
                strawberry.ID(str(view.forwarded_from_id)) if view.forwarded_from_id else None
            ),
            sender_rank=SenderRank(rank=int(rank), label=rules.RANK_LABELS[rank]) if rank else None,
            read_at=view.read_at,
            deleted=view.deleted,
            child=Correspondent.of(view.child) if view.child else None,
            audiences=[AudienceCount(label=label, count=n) for label, n in view.audiences],
            confirm_by=view.confirm_by,
            my_confirmations=[
                MyConfirmation(child=Correspondent.of(child) if child else None, confirmed_at=at)
                for child, at in view.confirmations
            ],
        )


@strawberry.federation.type(authenticated=True, description="Непрочитанные письма одного ранга.")
class UnreadByRank:
    rank: int
    label: str
    unread: int


@strawberry.federation.type(authenticated=True, description="Группа адресной книги.")
class AddressGroup:
    kind: AddressGroupKind  # type: ignore[valid-type]
    label: str
    school_class_name: str | None
    people: list[Correspondent]


@strawberry.federation.type(
    requires_scopes=any_of(*mail_rules.READERS),
    description="Правило переписки школы: группа отправителя может писать получателям так "
    "связанным с ней (правило школы заменяет правило по умолчанию).",
)
class MailRule:
    sender_group: MailSenderGroup  # type: ignore[valid-type]
    relation: MailRelation  # type: ignore[valid-type]
    allowed: bool
    school_override: bool
    label: str

    @classmethod
    def of(cls, view: mail_rules.RuleView) -> MailRule:
        return cls(
            sender_group=MailSenderGroup(view.sender_group.value),
            relation=MailRelation(view.relation.value),
            allowed=view.allowed,
            school_override=view.school_override,
            label=f"{rules.GROUP_LABELS[view.sender_group]} → "
            f"{rules.RELATION_LABELS[view.relation]}",
        )


@strawberry.input(description="Письмо: кому (люди и группы), копия, тема, текст.")
class LetterInput:
    to: list[strawberry.ID]
    subject: str
    body: str = strawberry.field(metadata=max_length(rules.BODY_MAX))
    cc: list[strawberry.ID] | None = None
    audiences: list[AudienceInput] | None = None
    confirm_by: datetime | None = strawberry.field(
        default=None, description="Попросить каждого получателя подтвердить письмо до срока."
    )
    about_student_id: strawberry.ID | None = strawberry.field(
        default=None, description="Ученик, о котором письмо родителям."
    )

    def parsed(self) -> mail.LetterInput:
        return mail.LetterInput(
            to=[parse_id(r, "to") for r in self.to],
            cc=[parse_id(r, "cc") for r in self.cc or []],
            subject=self.subject,
            body=self.body,
            about_student_id=(
                parse_id(self.about_student_id, "aboutStudentId") if self.about_student_id else None
            ),
            audiences=[a.parsed() for a in self.audiences or []],
            confirm_by=self.confirm_by,
        )


@strawberry.input(description="Черновик: всё можно оставить пустым.")
class DraftInput:
    id: strawberry.ID | None = None
    to: list[strawberry.ID] | None = None
    cc: list[strawberry.ID] | None = None
    subject: str = ""
    body: str = strawberry.field(default="", metadata=max_length(rules.BODY_MAX))
    about_student_id: strawberry.ID | None = None

    def parsed(self) -> mail.LetterInput:
        return LetterInput(
            to=self.to or [],
            cc=self.cc,
            subject=self.subject,
            body=self.body,
            about_student_id=self.about_student_id,
        ).parsed()


@strawberry.input
class ReplyInput:
    message_id: strawberry.ID
    body: str = strawberry.field(metadata=max_length(rules.BODY_MAX))
    all: bool = strawberry.field(default=False, description="Ответить всем.")


@strawberry.input
class ForwardInput:
    message_id: strawberry.ID
    to: list[strawberry.ID]
    cc: list[strawberry.ID] | None = None
    body: str = strawberry.field(default="", metadata=max_length(rules.BODY_MAX))


async def _one(info: Info, message_id: object) -> Letter:
    view = await mailbox.letter(
        info.context.runtime.db, info.context.principal, parse_id(message_id)
    )
    return Letter.of(view)


@strawberry.type
class MailQuery:
    @strawberry.federation.field(
        authenticated=True,
        description="Входящие. order: PRIORITY — порядок регламента; rank — только письма "
        "отправителей этого ранга.",
    )
    async def inbox(
        self,
        info: Info,
        order: MailOrder = mailbox.Order.NEWEST,  # type: ignore[valid-type]
        rank: int | None = None,
        unread_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Letter] | None:
        principal = info.context.require()
        views = await mailbox.inbox(
            info.context.runtime.db,
            principal,
            order=mailbox.Order(order.value),
            rank=rank,
            unread_only=unread_only,
            limit=limit,
            offset=offset,
        )
        return [Letter.of(v) for v in views]

    @strawberry.federation.field(
        authenticated=True,
        description="Письма папки: входящие, отправленные, черновики, удалённые.",
    )
    async def mail_folder(
        self,
        info: Info,
        folder: MailFolder,  # type: ignore[valid-type]
        limit: int = 50,
        offset: int = 0,
    ) -> list[Letter] | None:
        principal = info.context.require()
        views = await mailbox.folder(
            info.context.runtime.db,
            principal,
            mailbox.Folder(folder.value),
            limit=limit,
            offset=offset,
        )
        return [Letter.of(v) for v in views]

    @strawberry.federation.field(authenticated=True, description="Одно письмо.")
    async def letter(self, info: Info, id: strawberry.ID) -> Letter | None:
        info.context.require()
        return await _one(info, id)

    @strawberry.federation.field(
        authenticated=True, description="Переписка: письма цепочки, старые сверху."
    )
    async def mail_thread(self, info: Info, id: strawberry.ID) -> list[Letter] | None:
        principal = info.context.require()
        views = await mailbox.thread(info.context.runtime.db, principal, parse_id(id))
        return [Letter.of(v) for v in views]

    @strawberry.federation.field(
        authenticated=True, description="Поиск по своей почте (с учётом форм русских слов)."
    )
    async def search_mail(self, info: Info, text: str, limit: int = 50) -> list[Letter] | None:
        principal = info.context.require()
        views = await mailbox.search(info.context.runtime.db, principal, text, limit=limit)
        return [Letter.of(v) for v in views]

    @strawberry.federation.field(
        authenticated=True, description="Непрочитанные входящие по рангу отправителя."
    )
    async def unread_mail(self, info: Info) -> list[UnreadByRank] | None:
        principal = info.context.require()
        counts = await mailbox.unread_counts(info.context.runtime.db, principal)
        return [
            UnreadByRank(rank=r, label=rules.RANK_LABELS[rules.SenderRank(r)], unread=n)
            for r, n in counts.items()
        ]

    @strawberry.federation.field(
        authenticated=True,
        description="Адресная книга: только те, кому можно писать, по группам.",
    )
    async def address_book(self, info: Info) -> list[AddressGroup] | None:
        principal = info.context.require()
        groups = await mailbox.address_book(info.context.runtime.db, principal)
        return [
            AddressGroup(
                kind=AddressGroupKind(g.kind.value),
                label=g.label,
                school_class_name=g.school_class,
                people=[Correspondent.of(p) for p in g.people],
            )
            for g in groups
        ]

    @strawberry.federation.field(
        authenticated=True, description="Кто подтвердил моё письмо и кто ещё нет."
    )
    async def confirmations(
        self, info: Info, message_id: strawberry.ID
    ) -> ConfirmationStatus | None:
        principal = info.context.require()
        found = await confirmations.status(
            info.context.runtime.db, principal, parse_id(message_id, "messageId")
        )
        return ConfirmationStatus(
            confirm_by=found.confirm_by,
            deadline_passed=found.deadline_passed,
            confirmed=found.confirmed,
            pending=found.pending,
            items=[
                ConfirmationItem(
                    recipient=Correspondent.of(i.recipient),
                    child=Correspondent.of(i.child) if i.child else None,
                    confirmed_at=i.confirmed_at,
                    reminded_at=i.reminded_at,
                )
                for i in found.items
            ],
        )

    @strawberry.federation.field(
        authenticated=True,
        description="Сколько человек сейчас в группах получателей (до отправки).",
    )
    async def audience_preview(
        self, info: Info, audiences: list[AudienceInput]
    ) -> AudiencePreview | None:
        principal = info.context.require()
        resolved, total = await audience_service.preview(
            info.context.runtime.db, principal, [a.parsed() for a in audiences]
        )
        return AudiencePreview(
            audiences=[AudienceCount(label=r.label, count=len(r.members)) for r in resolved],
            total=total,
        )

    @strawberry.federation.field(
        requires_scopes=any_of(*mail_rules.READERS),
        description="Правила переписки школы (директор, администратор, заместители).",
    )
    async def mail_rules(self, info: Info) -> list[MailRule] | None:
        principal = info.context.require(*mail_rules.READERS)
        return [MailRule.of(v) for v in await mail_rules.rules(info.context.runtime.db, principal)]


@strawberry.type
class MailMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*mail_rules.EDITORS),
        description="Разрешить или запретить группе писать так связанным получателям в этой "
        "школе (директор, системный администратор).",
    )
    async def set_mail_rule(
        self,
        info: Info,
        sender_group: MailSenderGroup,  # type: ignore[valid-type]
        relation: MailRelation,  # type: ignore[valid-type]
        allowed: bool,
    ) -> list[MailRule] | None:
        principal = info.context.require(*mail_rules.EDITORS)
        await mail_rules.set_rule(
            info.context.uow(),
            principal,
            rules.SenderGroup(sender_group.value),
            rules.Relation(relation.value),
            allowed,
        )
        return [MailRule.of(v) for v in await mail_rules.rules(info.context.runtime.db, principal)]

    @strawberry.federation.field(authenticated=True, description="Отправить письмо.")
    async def send_message(
        self, info: Info, input: LetterInput, draft_id: strawberry.ID | None = None
    ) -> Letter | None:
        principal = info.context.require()
        if draft_id is not None:
            sent = await mail.send_draft(
                info.context.uow(), principal, parse_id(draft_id, "draftId"), input.parsed()
            )
        else:
            sent = await mail.send_message(info.context.uow(), principal, input.parsed())
        return await _one(info, sent)

    @strawberry.federation.field(
        authenticated=True,
        description="Подтвердить письмо (childId — за одного ребёнка, иначе за всех).",
    )
    async def confirm_message(
        self, info: Info, id: strawberry.ID, child_id: strawberry.ID | None = None
    ) -> Letter | None:
        principal = info.context.require()
        child = parse_id(child_id, "childId") if child_id else None
        await confirmations.confirm(info.context.uow(), principal, parse_id(id), child)
        return await _one(info, id)

    @strawberry.federation.field(
        authenticated=True, description="Напомнить не подтвердившим (письмом в той же переписке)."
    )
    async def remind_unconfirmed(self, info: Info, id: strawberry.ID) -> Letter | None:
        principal = info.context.require()
        sent = await confirmations.remind(info.context.uow(), principal, parse_id(id))
        return await _one(info, sent)

    @strawberry.federation.field(authenticated=True, description="Сохранить черновик.")
    async def save_draft(self, info: Info, input: DraftInput) -> Letter | None:
        principal = info.context.require()
        draft_id = parse_id(input.id) if input.id else None
        saved = await mail.save_draft(info.context.uow(), principal, draft_id, input.parsed())
        return await _one(info, saved)

    @strawberry.federation.field(
        authenticated=True, description="Ответить отправителю (all: всем участникам)."
    )
    async def reply_to_message(self, info: Info, input: ReplyInput) -> Letter | None:
        principal = info.context.require()
        sent = await mail.reply_to_message(
            info.context.uow(),
            principal,
            parse_id(input.message_id, "messageId"),
            input.body,
            reply_all=input.all,
        )
        return await _one(info, sent)

    @strawberry.federation.field(authenticated=True, description="Переслать письмо.")
    async def forward_message(self, info: Info, input: ForwardInput) -> Letter | None:
        principal = info.context.require()
        letter = LetterInput(to=input.to, cc=input.cc, subject="", body=input.body).parsed()
        sent = await mail.forward_message(
            info.context.uow(), principal, parse_id(input.message_id, "messageId"), letter
        )
        return await _one(info, sent)

    @strawberry.federation.field(
        authenticated=True, description="Отметить письмо прочитанным (read: false — непрочитанным)."
    )
    async def mark_message_read(
        self, info: Info, id: strawberry.ID, read: bool = True
    ) -> Letter | None:
        principal = info.context.require()
        await mail.mark_read(info.context.uow(), principal, parse_id(id), read)
        return await _one(info, id)

    @strawberry.federation.field(
        authenticated=True, description="Переместить письмо в удалённые (его можно восстановить)."
    )
    async def delete_message(self, info: Info, id: strawberry.ID) -> Letter | None:
        principal = info.context.require()
        await mail.move_to_deleted(info.context.uow(), principal, parse_id(id), deleted=True)
        return await _one(info, id)

    @strawberry.federation.field(authenticated=True, description="Вернуть письмо из удалённых.")
    async def restore_message(self, info: Info, id: strawberry.ID) -> Letter | None:
        principal = info.context.require()
        await mail.move_to_deleted(info.context.uow(), principal, parse_id(id), deleted=False)
        return await _one(info, id)


@strawberry.type
class MailSubscription:
    @strawberry.federation.field(
        authenticated=True,
        is_subscription=True,
        description="Новые входящие письма по мере доставки; after — последнее полученное.",
    )
    async def message_received(
        self, info: Info, after: strawberry.ID | None = None
    ) -> AsyncGenerator[Letter, None]:
        principal = info.context.require()
        since = parse_id(after, "after") if after is not None else None
        background = info.context.request.app.state.background
        async for view in subscriptions.letters_for(
            info.context.runtime, background.nats_ready, principal, since
        ):
            yield Letter.of(view)
