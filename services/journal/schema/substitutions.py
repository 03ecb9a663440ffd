"""Substitutions: recorded and cancelled by the academic part, and their log."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from services.journal import substitutions
from services.journal.schema.types import LESSON_READERS, Substitution
from services.kernel.graphql import Info, parse_id
from services.kernel.roles import any_of

From = Annotated[date, strawberry.argument(name="from")]
ARRANGERS = substitutions.ARRANGERS


@strawberry.input
class RecordSubstitutionInput:
    lesson_id: strawberry.ID
    substitute_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class SubstitutionsQuery:
    @strawberry.federation.field(
        requires_scopes=any_of(*LESSON_READERS),
        description="Журнал замен: администрация и секретарь учебной части — все замены; "
        "учитель — замены, которые он провёл или из-за которых его урок вёл другой.",
    )
    async def substitutions(
        self, info: Info, from_: From, to: date, teacher_id: strawberry.ID | None = None
    ) -> list[Substitution] | None:
        principal = info.context.require(*LESSON_READERS)
        found = await substitutions.substitution_log(
            info.context.runtime.db,
            principal,
            from_,
            to,
            parse_id(teacher_id, "teacherId") if teacher_id else None,
        )
        return [Substitution.of(v) for v in found]


@strawberry.type
class SubstitutionsMutation:
    @strawberry.federation.field(
        requires_scopes=any_of(*ARRANGERS),
        description="Назначить замену урока (заменяет прежнюю): секретарь учебной части, "
        "заместитель директора по содержанию образования, администратор.",
    )
    async def record_substitution(
        self, info: Info, input: RecordSubstitutionInput
    ) -> Substitution | None:
        info.context.require(*ARRANGERS)
        view = await substitutions.record_substitution(
            info.context.uow(),
            parse_id(input.lesson_id, "lessonId"),
            parse_id(input.substitute_id, "substituteId"),
            input.reason,
        )
        return Substitution.of(view)

    @strawberry.federation.field(
        requires_scopes=any_of(*ARRANGERS),
        description="Отменить замену урока; возвращает урок.",
    )
    async def cancel_substitution(
        self, info: Info, lesson_id: strawberry.ID
    ) -> strawberry.ID | None:
        info.context.require(*ARRANGERS)
        cancelled = await substitutions.cancel_substitution(
            info.context.uow(), parse_id(lesson_id, "lessonId")
        )
        return strawberry.ID(str(cancelled))
