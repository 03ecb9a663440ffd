"""One error model: a stable ``extensions.code`` and a Russian message a person can act on."""

from __future__ import annotations

from typing import Any, ClassVar


class SgoError(Exception):
    """A refusal the caller can understand; anything else is masked as INTERNAL."""

    code: ClassVar[str] = "INTERNAL"
    default_message: ClassVar[str] = "Внутренняя ошибка. Повторите попытку позже."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.details}


class Unauthenticated(SgoError):
    code = "UNAUTHENTICATED"
    default_message = "Требуется вход в систему."


class Forbidden(SgoError):
    code = "FORBIDDEN"
    default_message = "Недостаточно прав для этого действия."


class NotFound(SgoError):
    code = "NOT_FOUND"
    default_message = "Запись не найдена."


class ValidationFailed(SgoError):
    code = "VALIDATION"
    default_message = "Данные заполнены неверно."


class Conflict(SgoError):
    code = "CONFLICT"
    default_message = "Запись уже изменена или существует."


class Locked(SgoError):
    code = "LOCKED"
    default_message = "Запись закрыта для изменений."


class Unavailable(SgoError):
    """A dependency (the database) is away for a moment: the same request can be sent again.

    Answered with a ``Retry-After`` header (seconds) over HTTP, by the service and the gateway.
    """

    code = "UNAVAILABLE"
    default_message = "Сервис временно недоступен. Повторите попытку через несколько секунд."
    retry_after_seconds: ClassVar[int] = 5


class TooManyRequests(SgoError):
    code = "RATE_LIMITED"
    default_message = "Слишком много попыток. Повторите позже."
