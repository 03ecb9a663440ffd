"""Rules of the people context: names, classes, periods, credentials, passwords, throttling."""

from __future__ import annotations

import calendar
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


# What the regional administrator grants: the regional roles it may hand out, and a school's
# administrator and director (a school's first ones among them).
REGIONAL_GRANTS: frozenset[Role] = frozenset(
    {Role.REGIONAL_OFFICER, Role.ADMINISTRATOR, Role.DIRECTOR}
)
OWN_ROLES_MESSAGE = (
    "Нельзя выдавать или снимать роли самому себе: попросите другого администратора."
)


def check_role_change(role: Role, *, regional: bool, own: bool) -> None:
    """Who may grant or withdraw which role. ``regional``: the caller is the regional
    administrator; ``own``: the role is the caller's own."""
    if own:
        raise Forbidden(OWN_ROLES_MESSAGE)
    if role is Role.REGIONAL_ADMINISTRATOR:
        raise Forbidden(
            "Администратора органа управления образованием создают только на сервере "
            "командой sgo regional-admin create."
        )
    if regional and role not in REGIONAL_GRANTS:
        raise Forbidden(
            "Орган управления образованием выдаёт региональные роли, администратора и директора "
            "школы; остальные роли выдаёт администратор школы."
        )
    if not regional and role is Role.REGIONAL_OFFICER:
        raise Forbidden("Региональные роли выдаёт администратор органа управления образованием.")


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


# --- organisation and movement ------------------------------------------------------------


class StudyPeriodKind(StrEnum):
    """How a school divides its year: a school setting."""

    QUARTERS = "quarters"
    TRIMESTERS = "trimesters"
    HALVES = "halves"


PERIOD_COUNTS: dict[StudyPeriodKind, int] = {
    StudyPeriodKind.QUARTERS: 4,
    StudyPeriodKind.TRIMESTERS: 3,
    StudyPeriodKind.HALVES: 2,
}
PERIOD_LABELS: dict[StudyPeriodKind, str] = {
    StudyPeriodKind.QUARTERS: "четверти",
    StudyPeriodKind.TRIMESTERS: "триместры",
    StudyPeriodKind.HALVES: "полугодия",
}


def check_periods_for_kind(
    kind: StudyPeriodKind, starts_on: date, ends_on: date, periods: Sequence[PeriodDraft]
) -> None:
    """The school's kind fixes the number of periods; together they cover the year, from its
    first day to its last (holidays may sit between periods, overlaps are checked elsewhere)."""
    expected = PERIOD_COUNTS[kind]
    if len(periods) != expected:
        raise ValidationFailed(
            f"Школа делит год на {PERIOD_LABELS[kind]}: нужно {expected} учебных периода(ов), "
            f"указано {len(periods)}.",
            field="studyPeriods",
        )
    if periods[0].starts_on != starts_on or periods[-1].ends_on != ends_on:
        raise ValidationFailed(
            "Учебные периоды должны покрывать весь год: первый начинается в первый день года, "
            "последний заканчивается в последний.",
            field="studyPeriods",
        )


class MovementKind(StrEnum):
    ARRIVAL = "arrival"
    TRANSFER = "transfer"
    DEPARTURE = "departure"
    PROMOTION = "promotion"
    GRADUATION = "graduation"


MOVEMENT_LABELS: dict[MovementKind, str] = {
    MovementKind.ARRIVAL: "прибытие",
    MovementKind.TRANSFER: "перевод в другой класс",
    MovementKind.DEPARTURE: "выбытие",
    MovementKind.PROMOTION: "перевод в следующий класс",
    MovementKind.GRADUATION: "выпуск",
}


def clean_text(value: str | None, field: str, message: str, *, limit: int = 200) -> str:
    text = " ".join((value or "").split())
    if not text or len(text) > limit:
        raise ValidationFailed(message, field=field)
    return text


def clean_subject(value: str) -> str:
    """A subject is named in full, starting with a lower-case letter (the regulation, II.2)."""
    subject = clean_text(value, "subject", "Укажите предмет (до 200 символов).")
    if not subject[0].islower():
        raise ValidationFailed(
            "Название предмета пишется полностью и со строчной буквы: «английский язык».",
            field="subject",
        )
    return subject


@dataclass(frozen=True)
class Order:
    """The director's order a movement rests on (приказ: номер и дата)."""

    number: str
    issued_on: date


def check_order(number: str | None, issued_on: date | None, occurred_on: date) -> Order:
    clean = " ".join((number or "").split())
    if not clean or len(clean) > 50:
        raise ValidationFailed("Укажите номер приказа директора.", field="orderNumber")
    if issued_on is None:
        raise ValidationFailed("Укажите дату приказа директора.", field="orderDate")
    if issued_on > occurred_on:
        raise ValidationFailed(
            "Движение учащегося не может быть раньше приказа о нём.", field="orderDate"
        )
    return Order(clean, issued_on)


@dataclass(frozen=True)
class ClassToPromote:
    id: object
    grade_level: int
    letter: str
    student_ids: tuple[object, ...]


@dataclass(frozen=True)
class ClassPromotion:
    """What happens to one class: its students go to ``target`` (grade, letter) or graduate;
    those held back go to the same grade of the next year."""

    source: ClassToPromote
    target: tuple[int, str] | None
    promoted: tuple[object, ...]
    held_back: tuple[object, ...]

    @property
    def graduates(self) -> bool:
        return self.target is None


def plan_promotion(
    classes: Sequence[ClassToPromote], held_back: Iterable[object] = ()
) -> list[ClassPromotion]:
    """7Б → 8Б; the 11th grade graduates. Held-back students stay in their grade (7Б → 7Б)."""
    held = set(held_back)
    plans: list[ClassPromotion] = []
    for c in sorted(classes, key=lambda c: (c.grade_level, c.letter)):
        target = None if c.grade_level >= MAX_GRADE else (c.grade_level + 1, c.letter)
        plans.append(
            ClassPromotion(
                source=c,
                target=target,
                promoted=tuple(s for s in c.student_ids if s not in held),
                held_back=tuple(s for s in c.student_ids if s in held),
            )
        )
    return plans


# --- health, psychological and social data, data verification -----------------------------


class HealthGroup(StrEnum):
    """Группа здоровья (I–V), as the medical worker records it."""

    I = "I"  # noqa: E741 - the group's own numeral
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"


HEALTH_GROUP_LABELS: dict[HealthGroup, str] = {
    HealthGroup.I: "I группа здоровья",
    HealthGroup.II: "II группа здоровья",
    HealthGroup.III: "III группа здоровья",
    HealthGroup.IV: "IV группа здоровья",
    HealthGroup.V: "V группа здоровья",
}


class PeGroup(StrEnum):
    """Физкультурная группа: what the PE teacher needs, and all of health data they see."""

    MAIN = "main"
    PREPARATORY = "preparatory"
    SPECIAL_A = "special_a"
    SPECIAL_B = "special_b"
    EXEMPT = "exempt"


PE_GROUP_LABELS: dict[PeGroup, str] = {
    PeGroup.MAIN: "основная",
    PeGroup.PREPARATORY: "подготовительная",
    PeGroup.SPECIAL_A: "специальная «А»",
    PeGroup.SPECIAL_B: "специальная «Б»",
    PeGroup.EXEMPT: "освобождён",
}


class SocialStatus(StrEnum):
    """The dictionary of a student's social status kept by the social pedagogue."""

    LARGE_FAMILY = "large_family"
    LOW_INCOME = "low_income"
    UNDER_GUARDIANSHIP = "under_guardianship"
    SPECIAL_NEEDS = "special_needs"
    DISABILITY = "disability"
    SOCIALLY_DANGEROUS = "socially_dangerous"
    SINGLE_PARENT = "single_parent"


SOCIAL_STATUS_LABELS: dict[SocialStatus, str] = {
    SocialStatus.LARGE_FAMILY: "многодетная семья",
    SocialStatus.LOW_INCOME: "малоимущая семья",
    SocialStatus.UNDER_GUARDIANSHIP: "опекаемый",
    SocialStatus.SPECIAL_NEEDS: "ОВЗ (ограниченные возможности здоровья)",
    SocialStatus.DISABILITY: "инвалидность",
    SocialStatus.SOCIALLY_DANGEROUS: "семья в социально опасном положении (СОП)",
    SocialStatus.SINGLE_PARENT: "неполная семья",
}


class DataSection(StrEnum):
    """A section of special-category data, as the access log names it."""

    MEDICAL = "medical"
    PE_GROUP = "pe_group"
    PSYCH_SOCIAL = "psych_social"


DATA_SECTION_LABELS: dict[DataSection, str] = {
    DataSection.MEDICAL: "медицинские сведения",
    DataSection.PE_GROUP: "физкультурная группа",
    DataSection.PSYCH_SOCIAL: "психолого-педагогические и социальные сведения",
}


class DataAction(StrEnum):
    READ = "read"
    WRITE = "write"


MAX_NOTE_LENGTH = 2000
MAX_TEXT_LENGTH = 10000


def free_text(value: str | None, field: str, *, limit: int, required: bool = True) -> str | None:
    """Trimmed free text; blank is «not given» (an error when required)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed("Заполните поле.", field=field)
        return None
    if len(text) > limit:
        raise ValidationFailed(f"Не длиннее {limit} символов.", field=field)
    return text


def check_condition(name: str, since: date | None, until: date | None, today: date) -> str:
    """A named condition (миопия, астигматизм); the dates, when given, make sense."""
    cleaned = free_text(name, "name", limit=200)
    assert cleaned is not None
    if since is not None and since > today:
        raise ValidationFailed("Дата выявления не может быть в будущем.", field="since")
    if since is not None and until is not None and until < since:
        raise ValidationFailed("Дата окончания раньше даты выявления.", field="until")
    return cleaned


def check_deviant_behaviour_date(occurred_on: date, today: date) -> None:
    if occurred_on > today:
        raise ValidationFailed("Дата случая не может быть в будущем.", field="occurredOn")


# The class teacher verifies the class's student and parent data by 20 September, then at
# least monthly (the regulation, class teacher 13–14).
FIRST_CONFIRMATION_DAY = (9, 20)


def add_month(day: date) -> date:
    """The same day a month later, or the month's last day (31 January → 28/29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_confirmation_due(year_starts_on: date) -> date:
    due = date(year_starts_on.year, *FIRST_CONFIRMATION_DAY)
    return due if due >= year_starts_on else year_starts_on + timedelta(days=19)


def confirmation_due(year_starts_on: date, last_confirmed_on: date | None) -> date:
    """When the class's next confirmation is due: 20 September, then a month after the last."""
    if last_confirmed_on is None:
        return first_confirmation_due(year_starts_on)
    return add_month(last_confirmed_on)


def confirmation_overdue(
    year_starts_on: date, year_ends_on: date, last_confirmed_on: date | None, today: date
) -> date | None:
    """The missed due date, or None when the class is in time (or the year is over)."""
    due = confirmation_due(year_starts_on, last_confirmed_on)
    if due > year_ends_on or today <= due or today > year_ends_on:
        return None
    return due


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


# periods: academic debt at the end of the year (273-FZ art. 58)

CONDITIONAL_PROMOTION_REASON = "переведён условно"


def academic_debt_reason(
    failed_subjects: Sequence[str], not_attested_subjects: Sequence[str], *, graduating: bool
) -> str | None:
    """Why a student is not simply promoted: the subjects of their academic debt; None if none.

    The law promotes a student with academic debt conditionally (переведён условно), with at
    most two retakes; one who does not clear it may be held back on the parents' application.
    """
    parts = []
    if failed_subjects:
        parts.append("годовая «2» или «незачёт»: " + ", ".join(failed_subjects))
    if not_attested_subjects:
        parts.append("не аттестован: " + ", ".join(not_attested_subjects))
    if not parts:
        return None
    debt = "академическая задолженность (" + "; ".join(parts) + ")"
    if graduating:
        return f"{debt}: до её ликвидации выпуск не проводится"
    return (
        f"{CONDITIONAL_PROMOTION_REASON}: {debt}; не ликвидирует в установленные сроки — "
        "по заявлению родителей оставляется на повторное обучение (ст. 58 273-ФЗ)"
    )
