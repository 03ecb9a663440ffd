"""Every problem of an import, by sheet, row and column, and the plan of what it would create.

Pure: what the school already has comes in as a ``Snapshot``; nothing here reads or writes.
All problems are collected (not the first only), so the secretary fixes the file in one pass.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from services.kernel.errors import ValidationFailed
from services.kernel.events import uuid7
from services.people import domain
from services.people.domain import Relation, Sex
from services.people.importing.parse import ImportKind, Row, Sheet, fold

LABELS: dict[str, str] = {
    "class": "Класс",
    "last_name": "Фамилия",
    "first_name": "Имя",
    "middle_name": "Отчество",
    "full_name": "ФИО",
    "sex": "Пол",
    "birth_date": "Дата рождения",
    "enrolled_on": "Дата зачисления",
    "relation": "Родство",
    "child": "Ребёнок",
    "child_birth_date": "Дата рождения ребёнка",
    "child_class": "Класс ребёнка",
    "position": "Должность",
    "hired_on": "Дата приёма",
}
REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.CLASSES: ("class",),
    ImportKind.STUDENTS: ("birth_date", "class"),
    ImportKind.PARENTS: ("relation", "child"),
    ImportKind.STAFF: ("position",),
}
_SEX = {"м": Sex.MALE, "муж": Sex.MALE, "мужской": Sex.MALE, "m": Sex.MALE, "male": Sex.MALE}
_SEX |= {"ж": Sex.FEMALE, "жен": Sex.FEMALE, "женский": Sex.FEMALE, "f": Sex.FEMALE}
_SEX |= {"female": Sex.FEMALE}
_RELATIONS = {
    "мать": Relation.MOTHER,
    "мама": Relation.MOTHER,
    "отец": Relation.FATHER,
    "папа": Relation.FATHER,
    "законный представитель": Relation.LEGAL_REPRESENTATIVE,
    "опекун": Relation.LEGAL_REPRESENTATIVE,
    "попечитель": Relation.LEGAL_REPRESENTATIVE,
    "приемный родитель": Relation.LEGAL_REPRESENTATIVE,
}
_SEX_OF_RELATION = {Relation.MOTHER: Sex.FEMALE, Relation.FATHER: Sex.MALE}
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_CLASS = re.compile(r"^(\d{1,2})\s*[-–]?\s*[\"«]?(\w)[\"»]?$")
_NOT_NAME = re.compile(r"[^\w \-'’.]|[\d_]")
MAX_POSITION = 200


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class Year:
    id: UUID
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Known:
    """A person the school already has, as far as matching a list needs."""

    id: UUID
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date | None
    class_name: str | None = None


@dataclass
class Snapshot:
    year: Year | None
    classes: dict[str, UUID]  # the year's classes by name
    students: list[Known] = field(default_factory=list)
    parents: list[Known] = field(default_factory=list)
    staff: list[Known] = field(default_factory=list)
    guardianships: set[tuple[UUID, UUID]] = field(default_factory=set)  # (parent, student)
    today: date = field(default_factory=date.today)


@dataclass
class ClassDraft:
    id: UUID
    grade_level: int
    letter: str
    name: str


@dataclass
class PersonDraft:
    id: UUID
    last_name: str
    first_name: str
    middle_name: str | None
    sex: Sex | None
    birth_date: date | None


@dataclass
class StudentDraft(PersonDraft):
    class_name: str = ""
    enrolled_on: date = date.min


@dataclass
class StaffDraft(PersonDraft):
    position: str = ""
    hired_on: date | None = None


@dataclass(frozen=True)
class LinkDraft:
    parent_id: UUID
    student_id: UUID
    relation: Relation


@dataclass
class Plan:
    year: Year | None
    classes: list[ClassDraft] = field(default_factory=list)
    class_ids: dict[str, UUID] = field(default_factory=dict)  # new and existing, by name
    students: list[StudentDraft] = field(default_factory=list)
    parents: list[PersonDraft] = field(default_factory=list)  # new ones only
    links: list[LinkDraft] = field(default_factory=list)
    staff: list[StaffDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.classes) + len(self.students) + len(self.parents) + len(self.staff)


NameKey = tuple[str, str, str, date | None]


def _key(last: str, first: str, middle: str | None, birth: date | None) -> NameKey:
    return (fold(last), fold(first), fold(middle or ""), birth)


class _Checker:
    """One sheet's rows: each read cell either yields a value or records a problem."""

    def __init__(self, sheet: Sheet, problems: list[Problem]) -> None:
        self.sheet = sheet
        self.problems = problems
        self.row: Row = Row(sheet.header_row, {})
        self.failed = False

    def at(self, row: Row) -> None:
        self.row, self.failed = row, False

    def column(self, key: str) -> str:
        return self.sheet.headers.get(key) or LABELS[key]

    def problem(self, key: str | None, message: str, *, row: int | None = -1) -> None:
        number = self.row.number if row == -1 else row
        column = self.column(key) if key else None
        self.problems.append(Problem(self.sheet.name, number, column, message))
        self.failed = True

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.row.cells.get(key)
        if value is None:
            if required:
                self.problem(key, f"Не заполнено: «{self.column(key)}».")
            return None
        if isinstance(value, date):
            self.problem(key, "Здесь ожидается текст, а не дата.")
            return None
        return value

    def name(self, key: str, *, required: bool) -> str | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        try:
            cleaned = domain.clean_name(value, key, required=required)
        except ValidationFailed as exc:
            self.problem(key, exc.message)
            return None
        if cleaned and _NOT_NAME.search(cleaned):
            self.problem(key, f"«{cleaned}»: допустимы только буквы, пробел и дефис.")
            return None
        return cleaned

    def names(self) -> tuple[str, str, str | None] | None:
        if "last_name" not in self.sheet.headers and "full_name" in self.sheet.headers:
            full = self.name("full_name", required=True)
            if full is None:
                return None
            parts = full.split()
            if len(parts) < 2:
                self.problem("full_name", "Укажите фамилию и имя полностью.")
                return None
            return parts[0], parts[1], " ".join(parts[2:]) or None
        last = self.name("last_name", required=True)
        first = self.name("first_name", required=True)
        middle = self.name("middle_name", required=False)
        if last is None or first is None:
            return None
        return last, first, middle

    def date(self, key: str, *, required: bool = False) -> date | None:
        value = self.row.cells.get(key)
        if value is None:
            if required:
                self.problem(key, f"Не заполнено: «{self.column(key)}».")
            return None
        if isinstance(value, date):
            return value
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        self.problem(key, f"Неверная дата «{value}»: ожидается ДД.ММ.ГГГГ, например 01.09.2026.")
        return None

    def birth_date(self, key: str, today: date, *, required: bool) -> date | None:
        value = self.date(key, required=required)
        if value is not None and value > today:
            self.problem(key, "Дата рождения не может быть в будущем.")
            return None
        if value is not None and value.year < 1900:
            self.problem(key, "Неверная дата рождения.")
            return None
        return value

    def sex(self, key: str = "sex") -> Sex | None:
        value = self.text(key)
        if value is None:
            return None
        sex = _SEX.get(fold(value))
        if sex is None:
            self.problem(key, f"Пол «{value}»: укажите «М» или «Ж».")
        return sex

    def class_name(self, key: str) -> str | None:
        value = self.text(key, required=True)
        if value is None:
            return None
        match = _CLASS.match(" ".join(value.split()))
        if match is None:
            self.problem(key, f"Класс «{value}» записывается как «7Б»: параллель и русская буква.")
            return None
        try:
            return domain.class_name(int(match.group(1)), match.group(2))[1]
        except ValidationFailed as exc:
            self.problem(key, f"Класс «{value}»: {exc.message[0].lower()}{exc.message[1:]}")
            return None


def validate(sheets: list[Sheet], snapshot: Snapshot) -> Plan:
    """The plan of an import and its problems; sheets are taken classes first, then students,
    parents and staff, so a row may refer to anything above it in the same import."""
    plan = Plan(year=snapshot.year, class_ids=dict(snapshot.classes))
    order = list(ImportKind)
    seen: set[ImportKind] = set()
    for sheet in sorted(sheets, key=lambda s: order.index(s.kind)):
        check = _Checker(sheet, plan.problems)
        if sheet.kind in seen:
            check.problem(None, "Лист этого вида уже есть в книге.", row=None)
            continue
        seen.add(sheet.kind)
        if not _has_columns(sheet, check):
            continue
        if sheet.kind in (ImportKind.CLASSES, ImportKind.STUDENTS) and snapshot.year is None:
            check.problem(None, "В школе нет учебного года: сначала создайте его.", row=None)
            continue
        {
            ImportKind.CLASSES: _classes,
            ImportKind.STUDENTS: _students,
            ImportKind.PARENTS: _parents,
            ImportKind.STAFF: _staff,
        }[sheet.kind](sheet, check, snapshot, plan)
    return plan


def _has_columns(sheet: Sheet, check: _Checker) -> bool:
    missing = [key for key in REQUIRED[sheet.kind] if key not in sheet.headers]
    if sheet.kind is not ImportKind.CLASSES and "full_name" not in sheet.headers:
        missing = [k for k in ("last_name", "first_name") if k not in sheet.headers] + missing
    for key in missing:
        check.problem(
            key,
            f"В листе нет графы «{LABELS[key]}» (заголовки — в первой строке).",
            row=sheet.header_row,
        )
    return not missing


def _classes(sheet: Sheet, check: _Checker, snapshot: Snapshot, plan: Plan) -> None:
    assert snapshot.year is not None
    first_row: dict[str, int] = {}
    for row in sheet.rows:
        check.at(row)
        name = check.class_name("class")
        if name is None:
            continue
        if name in first_row:
            check.problem("class", f"Класс {name} уже есть в файле (строка {first_row[name]}).")
        elif name in snapshot.classes:
            check.problem("class", f"Класс {name} уже есть в учебном году {snapshot.year.name}.")
        else:
            first_row[name] = row.number
            grade, letter = int(name[:-1]), name[-1]
            draft = ClassDraft(uuid7(), grade, letter, name)
            plan.classes.append(draft)
            plan.class_ids[name] = draft.id


def _students(sheet: Sheet, check: _Checker, snapshot: Snapshot, plan: Plan) -> None:
    year = snapshot.year
    assert year is not None
    existing = {
        _key(p.last_name, p.first_name, p.middle_name, p.birth_date) for p in snapshot.students
    }
    first_row: dict[NameKey, int] = {}
    for row in sheet.rows:
        check.at(row)
        names = check.names()
        sex = check.sex()
        birth = check.birth_date("birth_date", snapshot.today, required=True)
        name = check.class_name("class")
        enrolled_on = check.date("enrolled_on") or year.starts_on
        if name is not None and name not in plan.class_ids:
            check.problem(
                "class", f"Класса {name} нет ни в файле, ни в школе (учебный год {year.name})."
            )
        if not year.starts_on <= enrolled_on <= year.ends_on:
            check.problem("enrolled_on", f"Дата зачисления вне учебного года {year.name}.")
        if names is None or birth is None or check.failed:
            continue
        key = _key(*names, birth)
        duplicate = _duplicate(check, key, first_row, existing, "Этот учащийся")
        if duplicate or name is None:
            continue
        plan.students.append(
            StudentDraft(uuid7(), *names, sex, birth, class_name=name, enrolled_on=enrolled_on)
        )


def _duplicate(
    check: _Checker, key: NameKey, first_row: dict[NameKey, int], existing: set[NameKey], who: str
) -> bool:
    column = "last_name" if "last_name" in check.sheet.headers else "full_name"
    if key in first_row:
        check.problem(column, f"{who} уже есть в файле (строка {first_row[key]}).")
        return True
    if key in existing:
        check.problem(column, f"{who} с такими ФИО и датой рождения уже есть в школе.")
        return True
    first_row[key] = check.row.number
    return False


def _staff(sheet: Sheet, check: _Checker, snapshot: Snapshot, plan: Plan) -> None:
    existing = {
        _key(p.last_name, p.first_name, p.middle_name, p.birth_date) for p in snapshot.staff
    }
    first_row: dict[NameKey, int] = {}
    for row in sheet.rows:
        check.at(row)
        names = check.names()
        sex = check.sex()
        birth = check.birth_date("birth_date", snapshot.today, required=False)
        position = check.text("position", required=True)
        hired_on = check.date("hired_on")
        if position is not None and len(position) > MAX_POSITION:
            check.problem("position", f"Слишком длинная должность (до {MAX_POSITION} символов).")
        if hired_on is not None and birth is not None and hired_on <= birth:
            check.problem("hired_on", "Дата приёма раньше даты рождения.")
        if names is None or position is None or check.failed:
            continue
        if _duplicate(check, _key(*names, birth), first_row, existing, "Этот сотрудник"):
            continue
        plan.staff.append(
            StaffDraft(
                uuid7(), *names, sex, birth, position=" ".join(position.split()), hired_on=hired_on
            )
        )


@dataclass
class _ParentEntry:
    id: UUID
    row: int
    children: dict[UUID, int] = field(default_factory=dict)  # student → row linking them


def _parents(sheet: Sheet, check: _Checker, snapshot: Snapshot, plan: Plan) -> None:
    # Students by folded (last, first): those of this import and those the school has.
    students: dict[tuple[str, str], list[Known]] = defaultdict(list)
    for s in plan.students:
        known = Known(s.id, s.last_name, s.first_name, s.middle_name, s.birth_date, s.class_name)
        students[(fold(s.last_name), fold(s.first_name))].append(known)
    for s in snapshot.students:
        students[(fold(s.last_name), fold(s.first_name))].append(s)
    existing: dict[NameKey, list[UUID]] = defaultdict(list)
    for p in snapshot.parents:
        existing[_key(p.last_name, p.first_name, p.middle_name, p.birth_date)].append(p.id)
    entries: dict[NameKey, _ParentEntry] = {}
    for row in sheet.rows:
        check.at(row)
        names = check.names()
        sex = check.sex()
        birth = check.birth_date("birth_date", snapshot.today, required=False)
        relation = _relation(check)
        child = _child(check, students)
        if names is None or relation is None or child is None or check.failed:
            continue
        key = _key(*names, birth)
        entry = entries.get(key)
        if entry is None:
            known = existing.get(key, [])
            if len(known) > 1:
                check.problem(
                    "last_name" if "last_name" in sheet.headers else "full_name",
                    "В школе несколько родителей с такими ФИО: свяжите их с ребёнком вручную.",
                )
                continue
            entry = _ParentEntry(known[0] if known else uuid7(), row.number)
            entries[key] = entry
            if not known:
                plan.parents.append(
                    PersonDraft(entry.id, *names, sex or _SEX_OF_RELATION.get(relation), birth)
                )
        if child in entry.children:
            check.problem("child", f"Эта строка повторяет строку {entry.children[child]}.")
            continue
        if (entry.id, child) in snapshot.guardianships:
            check.problem("child", "Этот родитель уже связан с учащимся.")
            continue
        entry.children[child] = row.number
        plan.links.append(LinkDraft(entry.id, child, relation))


def _relation(check: _Checker) -> Relation | None:
    value = check.text("relation", required=True)
    if value is None:
        return None
    relation = _RELATIONS.get(fold(value))
    if relation is None:
        check.problem(
            "relation", f"Родство «{value}»: укажите мать, отец или законный представитель."
        )
    return relation


def _child(check: _Checker, students: dict[tuple[str, str], list[Known]]) -> UUID | None:
    value = check.name("child", required=True)
    birth = check.date("child_birth_date")
    class_name = check.class_name("child_class") if "child_class" in check.row.cells else None
    if value is None:
        return None
    parts = value.split()
    if len(parts) < 2:
        check.problem("child", "Укажите фамилию и имя ребёнка полностью.")
        return None
    middle = fold(" ".join(parts[2:]))
    found = [
        s
        for s in students.get((fold(parts[0]), fold(parts[1])), [])
        if (not middle or fold(s.middle_name or "") == middle)
        and (birth is None or s.birth_date == birth)
        and (class_name is None or s.class_name == class_name)
    ]
    if not found:
        check.problem("child", f"Учащийся «{value}» не найден ни в файле, ни в школе.")
        return None
    if len({s.id for s in found}) > 1:
        check.problem(
            "child",
            f"Учащихся «{value}» несколько: укажите дату рождения или класс ребёнка.",
        )
        return None
    return found[0].id
