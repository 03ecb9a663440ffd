"""Rules of the people context: names, classes, periods, credentials, passwords, throttling."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.kernel.errors import Forbidden, ValidationFailed
from services.kernel.roles import Role


class PersonKind(StrEnum):
    STAFF = "staff"
    STUDENT = "student"
    PARENT = "parent"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Relation(StrEnum):
    """The legal tie of a parent to a student, in the words of the documents."""

    MOTHER = "мать"
    FATHER = "отец"
    LEGAL_REPRESENTATIVE = "законный представитель"


CLASS_LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"
MIN_GRADE, MAX_GRADE = 1, 11

# Roles a person of each kind may hold; a staff member's role is whatever the school gives them.
ROLES_BY_KIND: dict[PersonKind, frozenset[Role]] = {
    PersonKind.STUDENT: frozenset({Role.STUDENT}),
    PersonKind.PARENT: frozenset({Role.PARENT}),
    PersonKind.STAFF: frozenset(set(Role) - {Role.STUDENT, Role.PARENT}),
}

# Who issues logins and records consent for whom (the regulation, section II.5).
REGISTRARS: dict[PersonKind, frozenset[Role]] = {
    PersonKind.STUDENT: frozenset({Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY}),
    PersonKind.PARENT: frozenset({Role.ADMINISTRATOR, Role.ACADEMIC_SECRETARY}),
    PersonKind.STAFF: frozenset({Role.ADMINISTRATOR, Role.HR_SECRETARY}),
}

NO_CONSENT_MESSAGE = (
    "Нельзя выдать логин: не зарегистрировано согласие на обработку персональных данных "
    "(152-ФЗ). Сначала зарегистрируйте согласие."
)
BAD_CREDENTIALS_MESSAGE = "Неверный логин или пароль."
BLOCKED_MESSAGE = "Учётная запись заблокирована. Обратитесь к администратору школы."

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=5)
MIN_PASSWORD_LENGTH = 8
# No look-alikes (0/O, 1/l/I): the one-time password is read off paper.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def clean_name(value: str | None, field: str, *, required: bool = True) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise ValidationFailed("Укажите фамилию и имя.", field=field)
        return None
    if len(text) > 100:
        raise ValidationFailed("Слишком длинное значение.", field=field)
    return text


def full_name(last_name: str, first_name: str, middle_name: str | None) -> str:
    return " ".join(part for part in (last_name, first_name, middle_name) if part)


def short_name(last_name: str, first_name: str, middle_name: str | None) -> str:
    """«Иванов И. И.» — the form class lists and journals use."""
    initials = " ".join(f"{part[0]}." for part in (first_name, middle_name) if part)
    return f"{last_name} {initials}".strip()


def class_name(grade_level: int, letter: str) -> tuple[str, str]:
    """Validated (letter, name): ``class_name(7, "б") == ("Б", "7Б")``."""
    if not MIN_GRADE <= grade_level <= MAX_GRADE:
        raise ValidationFailed("Параллель должна быть от 1 до 11.", field="gradeLevel")
    letter = letter.strip().upper()
    if len(letter) != 1 or letter not in CLASS_LETTERS:
        raise ValidationFailed(
            "Литера класса — одна заглавная русская буква (А, Б, В…).", field="letter"
        )
    return letter, f"{grade_level}{letter}"


@dataclass(frozen=True)
class PeriodDraft:
    name: str
    starts_on: date
    ends_on: date


def check_academic_year(starts_on: date, ends_on: date, periods: Sequence[PeriodDraft]) -> None:
    """Periods lie inside the year, in order, without overlapping (holidays may sit between)."""
    if starts_on >= ends_on:
        raise ValidationFailed("Учебный год должен начинаться раньше, чем заканчивается.")
    previous_end: date | None = None
    for index, period in enumerate(periods):
        field = f"studyPeriods.{index}"
        if not period.name.strip():
            raise ValidationFailed("Укажите название учебного периода.", field=field)
        if period.starts_on > period.ends_on:
            raise ValidationFailed(
                f"Период «{period.name}» заканчивается раньше, чем начинается.", field=field
            )
        if period.starts_on < starts_on or period.ends_on > ends_on:
            raise ValidationFailed(
                f"Период «{period.name}» выходит за границы учебного года.", field=field
            )
        if previous_end is not None and period.starts_on <= previous_end:
            raise ValidationFailed(
                f"Период «{period.name}» пересекается с предыдущим или идёт не по порядку.",
                field=field,
            )
        previous_end = period.ends_on


def check_role_for_kind(role: Role, kind: PersonKind, school_class_id: object | None) -> None:
    if role not in ROLES_BY_KIND[kind]:
        raise ValidationFailed("Эта роль не подходит для этого человека.", field="role")
    if role is Role.CLASS_TEACHER and school_class_id is None:
        raise ValidationFailed("Для классного руководителя укажите класс.", field="schoolClassId")
    if role is not Role.CLASS_TEACHER and school_class_id is not None:
        raise ValidationFailed("Класс указывается только для классного руководителя.")


def check_registrar(actor_roles: Iterable[Role], kind: PersonKind) -> None:
    """The academic secretary serves students and parents, the HR secretary staff."""
    if not REGISTRARS[kind] & set(actor_roles):
        who = "сотрудников" if kind is PersonKind.STAFF else "учащихся и родителей"
        raise Forbidden(f"Недостаточно прав: вы не ведёте данные {who}.")


def normalize_login(login: str) -> str:
    return login.strip().lower()


def check_login(login: str) -> str:
    login = normalize_login(login)
    allowed = all(c.isascii() and (c.isalnum() or c in "._-") for c in login)
    if not 3 <= len(login) <= 64 or not allowed:
        raise ValidationFailed(
            "Логин: от 3 до 64 латинских букв, цифр, точек, дефисов или подчёркиваний.",
            field="login",
        )
    return login


_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)


def suggested_login(last_name: str, first_name: str, middle_name: str | None) -> str:
    """«Иванова Анна Петровна» → ``ivanova.ap``; the caller appends a number if it is taken."""

    def latin(text: str) -> str:
        return "".join(
            _TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "").replace("-", "")
            for ch in text.lower()
        )

    initials = "".join(latin(part)[:1] for part in (first_name, middle_name) if part)
    base = latin(last_name) or "user"
    return f"{base}.{initials}" if initials else base


def generate_password(length: int = 12) -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def check_new_password(password: str, login: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.", field="newPassword"
        )
    if normalize_login(password) == normalize_login(login):
        raise ValidationFailed("Пароль не должен совпадать с логином.", field="newPassword")


@dataclass(frozen=True)
class Throttle:
    """Failed logins of one account: ``MAX_FAILED_LOGINS`` in a row lock it for a while."""

    failed_attempts: int
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime) -> Throttle:
        attempts = self.failed_attempts + 1
        if attempts >= MAX_FAILED_LOGINS:
            return Throttle(failed_attempts=0, locked_until=now + LOCK_DURATION)
        return Throttle(failed_attempts=attempts, locked_until=self.locked_until)

    @staticmethod
    def after_success() -> Throttle:
        return Throttle(failed_attempts=0, locked_until=None)


def locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = max(1, -(-int((locked_until - now).total_seconds()) // 60))
    return (
        f"Слишком много неудачных попыток входа. Повторите через {minutes} мин. "
        "или обратитесь к администратору школы."
    )


ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class AddressThrottle:
    """Failed logins from one client address, whatever the logins: ``ADDRESS_MAX_FAILURES``
    within ``ADDRESS_WINDOW`` shut the address out for one more window (password spraying)."""

    window_started_at: datetime | None
    failures: int
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime) -> AddressThrottle:
        fresh = self.window_started_at is None or now - self.window_started_at >= ADDRESS_WINDOW
        started = now if fresh else self.window_started_at
        failures = 1 if fresh else self.failures + 1
        if failures >= ADDRESS_MAX_FAILURES:
            return AddressThrottle(
                window_started_at=None, failures=0, locked_until=now + ADDRESS_WINDOW
            )
        return AddressThrottle(window_started_at=started, failures=failures, locked_until=None)


def address_locked_message(locked_until: datetime, now: datetime) -> str:
    minutes = max(1, -(-int((locked_until - now).total_seconds()) // 60))
    return f"Слишком много неудачных попыток входа с этого адреса. Повторите через {minutes} мин."
