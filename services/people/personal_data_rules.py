"""Personal data rules without I/O: the fields, who reads and writes them, and their formats.

Fields fall into three groups, and each group has its readers (152-FZ: no more than the purpose
needs). Everyone is limited to their own school; a person of another school is NOT_FOUND.

- ``name`` (last, first, middle name): every signed-in user of the school (class lists, journals;
  a subject teacher sees nothing more).
- ``contacts`` (phone, e-mail, actual address) and ``birth`` (sex, birth date): besides the
  ``identity`` readers, the class teacher of a student's current class, for the class's students
  and their parents.
- ``identity`` (registration address, identity document, SNILS): the person themself, a parent
  for their own child, the director, the administrator, and the secretary who keeps the
  person's file (academic secretary for students and parents, HR secretary for staff).

Writers are the director, the administrator and the secretary who keeps the file; a person
does not edit their own file (they ask the school, which checks the documents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.kernel.errors import Forbidden, ValidationFailed
from services.kernel.roles import Role
from services.people.domain import PersonKind


class Group(StrEnum):
    NAME = "name"
    CONTACTS = "contacts"
    BIRTH = "birth"
    IDENTITY = "identity"


ALL_GROUPS = frozenset(Group)
CLASS_TEACHER_GROUPS = frozenset({Group.NAME, Group.CONTACTS, Group.BIRTH})
NAME_ONLY = frozenset({Group.NAME})


@dataclass(frozen=True)
class Field:
    name: str  # as the API names it; also what the change log records
    label: str
    group: Group


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("lastName", "фамилия", Group.NAME),
        Field("firstName", "имя", Group.NAME),
        Field("middleName", "отчество", Group.NAME),
        Field("sex", "пол", Group.BIRTH),
        Field("birthDate", "дата рождения", Group.BIRTH),
        Field("registrationAddress", "адрес регистрации", Group.IDENTITY),
        Field("actualAddress", "адрес фактического проживания", Group.CONTACTS),
        Field("phone", "телефон", Group.CONTACTS),
        Field("email", "электронная почта", Group.CONTACTS),
        Field("documentKind", "вид документа", Group.IDENTITY),
        Field("documentSeries", "серия документа", Group.IDENTITY),
        Field("documentNumber", "номер документа", Group.IDENTITY),
        Field("documentIssuedBy", "кем выдан документ", Group.IDENTITY),
        Field("documentIssuedOn", "дата выдачи документа", Group.IDENTITY),
        Field("snils", "СНИЛС", Group.IDENTITY),
    )
}
NAME_FIELDS = ("lastName", "firstName", "middleName")
DOCUMENT_FIELDS = (
    "documentKind",
    "documentSeries",
    "documentNumber",
    "documentIssuedBy",
    "documentIssuedOn",
)

# Who keeps whose file (the regulation, section II.5), besides the director and administrator.
FILE_KEEPERS: dict[PersonKind, Role] = {
    PersonKind.STUDENT: Role.ACADEMIC_SECRETARY,
    PersonKind.PARENT: Role.ACADEMIC_SECRETARY,
    PersonKind.STAFF: Role.HR_SECRETARY,
}
HEADS = (Role.DIRECTOR, Role.ADMINISTRATOR)
# The roles that may hold any group beyond names; the schema declares exactly these.
CONTACT_READERS = (
    Role.STUDENT,
    Role.PARENT,
    Role.CLASS_TEACHER,
    Role.ACADEMIC_SECRETARY,
    Role.HR_SECRETARY,
    *HEADS,
)
IDENTITY_READERS = tuple(r for r in CONTACT_READERS if r is not Role.CLASS_TEACHER)
WRITERS = (Role.ACADEMIC_SECRETARY, Role.HR_SECRETARY, *HEADS)


@dataclass(frozen=True)
class Relationship:
    """How the caller stands to the person, as the rows (not the token) say."""

    is_self: bool = False
    is_parent: bool = False  # a guardianship links the caller to this student
    is_class_teacher: bool = False  # of the student's class, or of a class of the parent's child


def keeps_file(roles: set[Role], kind: PersonKind) -> bool:
    return bool(roles & set(HEADS)) or FILE_KEEPERS[kind] in roles


def readable_groups(roles: set[Role], kind: PersonKind, rel: Relationship) -> frozenset[Group]:
    if rel.is_self or rel.is_parent or keeps_file(roles, kind):
        return ALL_GROUPS
    if rel.is_class_teacher and Role.CLASS_TEACHER in roles:
        return CLASS_TEACHER_GROUPS
    return NAME_ONLY


def check_writer(roles: set[Role], kind: PersonKind) -> None:
    if not keeps_file(roles, kind):
        who = "сотрудников" if kind is PersonKind.STAFF else "учащихся и родителей"
        raise Forbidden(f"Недостаточно прав: вы не ведёте личные дела {who}.")


# --- formats ------------------------------------------------------------------------------


class DocumentKind(StrEnum):
    PASSPORT_RF = "passport_rf"
    BIRTH_CERTIFICATE = "birth_certificate"
    OTHER = "other"


DOCUMENT_LABELS = {
    DocumentKind.PASSPORT_RF: "паспорт гражданина РФ",
    DocumentKind.BIRTH_CERTIFICATE: "свидетельство о рождении",
    DocumentKind.OTHER: "иной документ",
}


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def snils_checksum(digits9: str) -> int:
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits9))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def clean_snils(value: str) -> str:
    """``"112-233-445 95"`` in, the same canonical form out; the check number must match."""
    text = value.strip()
    if re.fullmatch(r"[\d\s-]+", text) is None or len(_digits(text)) != 11:
        raise ValidationFailed("СНИЛС: 11 цифр, например 112-233-445 95.", field="snils")
    digits = _digits(text)
    # Check numbers are defined from 001-001-999 on; earlier numbers are not issued.
    if int(digits[:9]) <= 1001998 or snils_checksum(digits[:9]) != int(digits[9:]):
        raise ValidationFailed(
            "СНИЛС указан неверно: не сходится контрольное число.", field="snils"
        )
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


PHONE_FORMAT = "Телефон: российский номер, например +7 913 123-45-67."


def clean_phone(value: str) -> str:
    """Russian numbers in any usual spelling become ``+7XXXXXXXXXX``."""
    text = value.strip()
    if re.fullmatch(r"\+?[\d\s()\-]+", text) is None:
        raise ValidationFailed(PHONE_FORMAT, field="phone")
    digits = _digits(text)
    if len(digits) == 11 and digits[0] in "78" and not (text.startswith("+") and digits[0] == "8"):
        digits = digits[1:]
    elif len(digits) != 10 or text.startswith("+"):
        raise ValidationFailed(PHONE_FORMAT, field="phone")
    if digits[0] not in "3489":
        raise ValidationFailed("Телефон: такого кода в России нет.", field="phone")
    return f"+7{digits}"


_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def clean_email(value: str) -> str:
    text = value.strip()
    if len(text) > 254 or _EMAIL.fullmatch(text) is None or ".." in text:
        raise ValidationFailed(
            "Электронная почта указана неверно, например ivanova@mail.ru.", field="email"
        )
    local, _, host = text.partition("@")
    return f"{local}@{host.lower()}"


def clean_address(value: str, field: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValidationFailed("Укажите адрес или очистите поле.", field=field)
    if len(text) > 500:
        raise ValidationFailed("Адрес длиннее 500 символов.", field=field)
    return text


# Plausible ages on the day of the change: a student of a school, an adult parent or employee.
AGE_LIMITS: dict[PersonKind, tuple[int, int]] = {
    PersonKind.STUDENT: (5, 22),
    PersonKind.PARENT: (14, 100),
    PersonKind.STAFF: (14, 100),
}


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_birth_date(birth_date: date, kind: PersonKind, today: date) -> date:
    if birth_date > today:
        raise ValidationFailed("Дата рождения не может быть в будущем.", field="birthDate")
    low, high = AGE_LIMITS[kind]
    if not low <= age_on(birth_date, today) <= high:
        who = {
            PersonKind.STUDENT: "учащегося",
            PersonKind.PARENT: "родителя",
            PersonKind.STAFF: "сотрудника",
        }[kind]
        raise ValidationFailed(
            f"Дата рождения неправдоподобна: возраст {who} — от {low} до {high} лет.",
            field="birthDate",
        )
    return birth_date


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    series: str | None
    number: str
    issued_by: str | None
    issued_on: date | None


_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")


def clean_document(doc: Document, birth_date: date | None, today: date) -> Document:
    """Passport of the RF: series 4 digits, number 6; birth certificate: «IV-ОМ» and 6 digits."""
    series = " ".join((doc.series or "").split()) or None
    number = "".join(doc.number.split())
    issued_by = " ".join((doc.issued_by or "").split()) or None
    if doc.kind is DocumentKind.PASSPORT_RF:
        digits = _digits(series or "")
        if series is None or re.fullmatch(r"\d{2}\s?\d{2}", series) is None:
            raise ValidationFailed(
                "Серия паспорта РФ — 4 цифры, например 69 04.", field="documentSeries"
            )
        series = digits
        if re.fullmatch(r"\d{6}", number) is None:
            raise ValidationFailed("Номер паспорта РФ — 6 цифр.", field="documentNumber")
    elif doc.kind is DocumentKind.BIRTH_CERTIFICATE:
        match = re.fullmatch(r"([IVXLCM]+)\s*-?\s*([А-ЯЁ]{2})", (series or "").upper())
        if match is None or not match.group(1) or _ROMAN.fullmatch(match.group(1)) is None:
            raise ValidationFailed(
                "Серия свидетельства о рождении — римское число и две русские буквы, "
                "например IV-ОМ.",
                field="documentSeries",
            )
        series = f"{match.group(1)}-{match.group(2)}"
        if re.fullmatch(r"\d{6}", number) is None:
            raise ValidationFailed(
                "Номер свидетельства о рождении — 6 цифр.", field="documentNumber"
            )
    else:
        if series is not None and len(series) > 20:
            raise ValidationFailed("Серия документа длиннее 20 символов.", field="documentSeries")
        if not number or len(number) > 30:
            raise ValidationFailed(
                "Укажите номер документа (до 30 символов).", field="documentNumber"
            )
    if issued_by is not None and len(issued_by) > 300:
        raise ValidationFailed("«Кем выдан» длиннее 300 символов.", field="documentIssuedBy")
    if doc.issued_on is not None:
        if doc.issued_on > today:
            raise ValidationFailed(
                "Дата выдачи документа не может быть в будущем.", field="documentIssuedOn"
            )
        if birth_date is not None and doc.issued_on < birth_date:
            raise ValidationFailed(
                "Документ не может быть выдан раньше дня рождения.", field="documentIssuedOn"
            )
    return Document(doc.kind, series, number, issued_by, doc.issued_on)


def anonymised_names(person_id: object) -> tuple[str, str, None]:
    """«Обезличено 1a2b3c4d»: the same short id everywhere the person is named."""
    return "Обезличено", str(person_id).replace("-", "")[-8:], None
