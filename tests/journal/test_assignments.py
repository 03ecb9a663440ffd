"""Assignment types and their weights, assignments of a lesson, marks on them and their history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from services.journal.domain.marks import check_assignment, normalize_assignment_type_name
from services.kernel.errors import ValidationFailed
from tests.journal.marks_world import (
    FRESH_DAY,
    World,
    code_of,
    data,
    marks_world,
    message_of,
)
from tests.support import Infra, eventually

CREATE_TYPE = """mutation($n: String!, $w: Int!) {
  createAssignmentType(input: {name: $n, weight: $w}) { id name weight isDefault archived }
}"""
UPDATE_TYPE = """mutation($id: ID!, $n: String, $w: Int, $a: Boolean) {
  updateAssignmentType(input: {id: $id, name: $n, weight: $w, archived: $a}) {
    id name weight archived
  }
}"""
TYPES = """query($all: Boolean! = false) {
  assignmentTypes(includeArchived: $all) { id name weight isDefault archived }
}"""
CREATE = """mutation($l: ID!, $t: ID!, $topic: String, $m: Boolean! = false, $due: Date) {
  createAssignment(input: {lessonId: $l, typeId: $t, topic: $topic, mandatory: $m, dueOn: $due}) {
    id lessonId topic mandatory dueOn type { id name weight }
  }
}"""
UPDATE = """mutation($id: ID!, $topic: String, $t: ID) {
  updateAssignment(input: {id: $id, topic: $topic, typeId: $t}) { id topic type { name } }
}"""
REMOVE = "mutation($id: ID!) { removeAssignment(input: {id: $id}) }"
RECORD = """mutation($l: ID!, $s: ID!, $v: Int!, $a: ID) {
  recordMark(input: {lessonId: $l, studentId: $s, value: $v, assignmentId: $a}) {
    id value weight assignment { id topic type { name weight } }
  }
}"""
RECORD_MANY = """mutation($a: ID!, $marks: [MarkEntryInput!]!) {
  recordMarks(input: {assignmentId: $a, marks: $marks}) { id value weight student { id } }
}"""
CHANGE = """mutation($id: ID!, $v: Int!) {
  changeMark(input: {markId: $id, value: $v}) { id value }
}"""
HISTORY = """query($m: ID, $l: ID, $s: ID) {
  markHistory(markId: $m, lessonId: $l, studentId: $s) {
    markId action valueBefore valueAfter changedBy { id } viaCorrection correctionRequestId
  }
}"""
CLASS_JOURNAL = """query($c: ID!, $s: ID!, $from: Date!, $to: Date!) {
  classJournal(schoolClassId: $c, subjectId: $s, from: $from, to: $to) {
    lessons {
      id assignments { id topic type { name weight } } marks { id weight assignment { id } }
    }
  }
}"""
DIARY = """query($s: ID!, $from: Date!, $to: Date!) {
  diary(studentId: $s, from: $from, to: $to) {
    lessons { assignments { topic type { name } } marks { value assignment { topic } } }
  }
}"""


# --- the rules (no database) ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["контрольная работа", "ответ на уроке", "работа (устная)"])
def test_full_lower_case_russian_type_names_pass(name: str) -> None:
    assert normalize_assignment_type_name(f"  {name} ") == name


@pytest.mark.parametrize("name", ["", "К/р", "Контрольная", "контр. работа", "test", "изо"])
def test_abbreviated_or_capitalised_type_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed):
        normalize_assignment_type_name(name)


def test_a_mandatory_assignment_is_due_no_earlier_than_its_lesson() -> None:
    lesson_day = date(2026, 11, 20)
    with pytest.raises(ValidationFailed) as missing:
        check_assignment(
            lesson_date=lesson_day, topic="Дроби", comment=None, mandatory=True, due_on=None
        )
    assert missing.value.extensions["field"] == "dueOn"
    with pytest.raises(ValidationFailed):
        check_assignment(
            lesson_date=lesson_day,
            topic="Дроби",
            comment=None,
            mandatory=False,
            due_on=lesson_day - timedelta(days=1),
        )
    assert check_assignment(
        lesson_date=lesson_day, topic=" Дроби ", comment=" ", mandatory=True, due_on=lesson_day
    ) == ("Дроби", None)


@pytest.fixture(scope="module")
async def world(infra: Infra) -> AsyncIterator[World]:
    async with marks_world(infra) as w:
        yield w


async def _assignment(world: World, lesson: str, type_name: str, topic: str, **kw: Any) -> str:
    result = await world.gql(
        CREATE, "teacher", l=world.id(lesson), t=world.types[type_name], topic=topic, **kw
    )
    return data(result)["createAssignment"]["id"]


# --- assignment types --------------------------------------------------------------------------


async def test_the_schools_assignment_types_come_with_default_weights(world: World) -> None:
    for reader in ("teacher", "student", "parent", "secretary"):
        types = data(await world.gql(TYPES, reader))["assignmentTypes"]
        by_name = {t["name"]: t for t in types}
        assert by_name["ответ на уроке"]["weight"] == 1
        assert by_name["ответ на уроке"]["isDefault"] is True
        assert by_name["контрольная работа"]["weight"] == 3
        assert sum(t["isDefault"] for t in types) == 1


async def test_quality_deputy_and_administrator_create_assignment_types(world: World) -> None:
    created = data(await world.gql(CREATE_TYPE, "quality", n="устный опрос", w=2))
    assert created["createAssignmentType"]["weight"] == 2
    created = data(await world.gql(CREATE_TYPE, "admin", n="творческая работа", w=4))
    assert created["createAssignmentType"]["isDefault"] is False
    again = await world.gql(CREATE_TYPE, "admin", n="устный опрос", w=2)
    assert code_of(again) == "CONFLICT"


@pytest.mark.parametrize("who", ["teacher", "deputy", "director"])
async def test_others_cannot_create_or_change_assignment_types(world: World, who: str) -> None:
    assert code_of(await world.gql(CREATE_TYPE, who, n="викторина", w=1)) == "FORBIDDEN"
    test_type = world.types["тест"]
    assert code_of(await world.gql(UPDATE_TYPE, who, id=test_type, w=5)) == "FORBIDDEN"


async def test_assignment_types_need_a_signed_in_caller(world: World) -> None:
    assert code_of(await world.svc.gql(TYPES)) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("name", "weight", "field"),
    [
        ("Контрольная", 2, "name"),
        ("контр. работа", 2, "name"),
        ("quiz", 2, "name"),
        ("обж", 2, "name"),
        ("викторина", 0, "weight"),
        ("викторина", 11, "weight"),
    ],
)
async def test_an_assignment_type_needs_a_full_russian_name_and_a_weight_of_one_to_ten(
    world: World, name: str, weight: int, field: str
) -> None:
    result = await world.gql(CREATE_TYPE, "quality", n=name, w=weight)
    assert code_of(result) == "VALIDATION"
    assert result["errors"][0]["extensions"]["field"] == field


async def test_the_default_type_cannot_be_archived(world: World) -> None:
    result = await world.gql(UPDATE_TYPE, "quality", id=world.types["ответ на уроке"], a=True)
    assert code_of(result) == "VALIDATION"
    assert "нельзя убрать в архив" in message_of(result)


async def test_an_archived_type_is_hidden_and_takes_no_new_assignments(world: World) -> None:
    kind = data(await world.gql(CREATE_TYPE, "quality", n="зачётная работа", w=3))
    type_id = kind["createAssignmentType"]["id"]
    data(await world.gql(UPDATE_TYPE, "quality", id=type_id, a=True))
    names = {t["name"] for t in data(await world.gql(TYPES, "teacher"))["assignmentTypes"]}
    assert "зачётная работа" not in names
    everything = data(await world.gql(TYPES, "quality", all=True))["assignmentTypes"]
    assert "зачётная работа" in {t["name"] for t in everything}
    result = await world.gql(CREATE, "teacher", l=world.id("fresh_7b"), t=type_id, topic="Зачёт")
    assert code_of(result) == "VALIDATION"


async def test_a_new_weight_counts_in_marks_read_from_then_on(world: World) -> None:
    kind = data(await world.gql(CREATE_TYPE, "quality", n="математический диктант", w=2))
    type_id = kind["createAssignmentType"]["id"]
    world.types["математический диктант"] = type_id
    assignment = await _assignment(world, "fresh_7b_2", "математический диктант", "Дроби")
    mark = data(
        await world.gql(
            RECORD, "teacher", l=world.id("fresh_7b_2"), s=world.id("third"), v=4, a=assignment
        )
    )["recordMark"]
    assert mark["weight"] == 2
    data(await world.gql(UPDATE_TYPE, "admin", id=type_id, w=5))
    journal = data(
        await world.gql(
            CLASS_JOURNAL,
            "teacher",
            c=world.id("7Б"),
            s=world.id("algebra"),
            **{"from": FRESH_DAY.isoformat(), "to": FRESH_DAY.isoformat()},
        )
    )["classJournal"]
    weights = {m["id"]: m["weight"] for lesson in journal["lessons"] for m in lesson["marks"]}
    assert weights[mark["id"]] == 5


# --- assignments ---------------------------------------------------------------------------------


async def test_teacher_creates_an_assignment_and_the_lesson_lists_it(world: World) -> None:
    due = (FRESH_DAY + timedelta(days=7)).isoformat()
    created = data(
        await world.gql(
            CREATE,
            "teacher",
            l=world.id("fresh_7b"),
            t=world.types["контрольная работа"],
            topic="Линейные уравнения",
            m=True,
            due=due,
        )
    )["createAssignment"]
    assert created["type"] == {
        "id": world.types["контрольная работа"],
        "name": "контрольная работа",
        "weight": 3,
    }
    assert (created["mandatory"], created["dueOn"]) == (True, due)
    diary = data(
        await world.gql(
            DIARY,
            "parent",
            s=world.id("student"),
            **{"from": FRESH_DAY.isoformat(), "to": FRESH_DAY.isoformat()},
        )
    )["diary"]
    topics = {
        a["topic"] for day in diary for lesson in day["lessons"] for a in lesson["assignments"]
    }
    assert "Линейные уравнения" in topics

    async def published() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.assignment.created")
            if e["payload"]["assignment_id"] == created["id"]
        ]

    [event_] = await eventually(published)
    assert event_["payload"]["assignment_type"] == "контрольная работа"
    assert event_["payload"]["weight"] == 3 and event_["payload"]["due_on"] == due


async def test_a_teacher_cannot_create_an_assignment_in_a_foreign_class(world: World) -> None:
    # A lesson of a class the teacher neither teaches nor leads is one they do not see.
    result = await world.gql(
        CREATE, "teacher", l=world.id("fresh_8a"), t=world.types["тест"], topic="Степени"
    )
    assert code_of(result) == "NOT_FOUND"
    assert message_of(result) == "Урок не найден."


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"topic": "Linear equations"}, "topic"),
        ({"topic": "Уравнения", "m": True}, "dueOn"),
        ({"topic": "Уравнения", "due": (FRESH_DAY - timedelta(days=1)).isoformat()}, "dueOn"),
    ],
)
async def test_an_assignment_is_russian_and_a_mandatory_one_is_due_after_the_lesson(
    world: World, variables: dict[str, Any], field: str
) -> None:
    result = await world.gql(
        CREATE, "teacher", l=world.id("fresh_7b"), t=world.types["тест"], **variables
    )
    assert code_of(result) == "VALIDATION"
    assert result["errors"][0]["extensions"]["field"] == field


async def test_one_mark_per_student_per_assignment(world: World) -> None:
    assignment = await _assignment(world, "fresh_7b", "самостоятельная работа", "Проценты")
    args = {"l": world.id("fresh_7b"), "s": world.id("student"), "a": assignment}
    mark = data(await world.gql(RECORD, "teacher", v=5, **args))["recordMark"]
    assert mark["weight"] == 2
    assert mark["assignment"] == {
        "id": assignment,
        "topic": "Проценты",
        "type": {"name": "самостоятельная работа", "weight": 2},
    }
    second = await world.gql(RECORD, "teacher", v=4, **args)
    assert code_of(second) == "CONFLICT"
    assert "уже есть отметка, измените её" in message_of(second)

    async def published() -> list[dict[str, Any]]:
        return [
            e
            for e in world.published("journal.mark.recorded")
            if e["payload"]["mark_id"] == mark["id"]
        ]

    [event_] = await eventually(published)
    assert event_["payload"]["assignment_id"] == assignment
    assert event_["payload"]["assignment_type"] == "самостоятельная работа"
    assert event_["payload"]["weight"] == 2


async def test_several_marks_on_one_lesson_through_several_assignments(world: World) -> None:
    first = await _assignment(world, "fresh_7b", "тест", "Степени")
    second = await _assignment(world, "fresh_7b", "домашнее задание", "Степени дома")
    args = {"l": world.id("fresh_7b"), "s": world.id("classmate")}
    values = [
        data(await world.gql(RECORD, "teacher", v=v, a=a, **args))["recordMark"]["assignment"]
        for v, a in ((3, first), (5, second))
    ]
    assert [v["id"] for v in values] == [first, second]
    # Without an assignment the marks go to "ответ на уроке", a new one for each answer.
    plain = [
        data(await world.gql(RECORD, "teacher", v=v, **args))["recordMark"]["assignment"]
        for v in (4, 5)
    ]
    assert [p["type"]["name"] for p in plain] == ["ответ на уроке", "ответ на уроке"]
    assert plain[0]["id"] != plain[1]["id"]


async def test_record_marks_saves_a_whole_class_at_once(world: World) -> None:
    assignment = await _assignment(world, "fresh_7b_2", "контрольная работа", "Многочлены")
    marks = [
        {"studentId": world.id("student"), "value": 5},
        {"studentId": world.id("classmate"), "value": 3, "comment": "Ошибка в знаке"},
    ]
    saved = data(await world.gql(RECORD_MANY, "teacher", a=assignment, marks=marks))
    assert [(m["student"]["id"], m["value"], m["weight"]) for m in saved["recordMarks"]] == [
        (world.id("student"), 5, 3),
        (world.id("classmate"), 3, 3),
    ]
    # One already marked: nothing of the batch is saved.
    again = [
        {"studentId": world.id("third"), "value": 4},
        {"studentId": world.id("student"), "value": 4},
    ]
    result = await world.gql(RECORD_MANY, "teacher", a=assignment, marks=again)
    assert code_of(result) == "CONFLICT"
    assert result["errors"][0]["extensions"]["student_ids"] == [world.id("student")]
    journal = await world.gql(
        CLASS_JOURNAL,
        "teacher",
        c=world.id("7Б"),
        s=world.id("algebra"),
        **{"from": FRESH_DAY.isoformat(), "to": FRESH_DAY.isoformat()},
    )
    on_it = [
        m
        for lesson in data(journal)["classJournal"]["lessons"]
        for m in lesson["marks"]
        if m["assignment"]["id"] == assignment
    ]
    assert len(on_it) == 2


async def test_record_marks_in_a_foreign_class_is_forbidden(world: World) -> None:
    assignment = await _assignment(world, "fresh_7b_2", "тест", "Квадраты")
    marks = [{"studentId": world.id("student"), "value": 5}]
    assert code_of(await world.gql(RECORD_MANY, "other_teacher", a=assignment, marks=marks)) == (
        "NOT_FOUND"
    )
    foreign = [{"studentId": world.id("other_student"), "value": 5}]
    result = await world.gql(RECORD_MANY, "teacher", a=assignment, marks=foreign)
    assert code_of(result) == "VALIDATION"


async def test_an_assignment_with_marks_cannot_be_removed(world: World) -> None:
    assignment = await _assignment(world, "fresh_7b", "проект", "Графики функций")
    data(
        await world.gql(
            RECORD, "teacher", l=world.id("fresh_7b"), s=world.id("third"), v=5, a=assignment
        )
    )
    assert code_of(await world.gql(REMOVE, "teacher", id=assignment)) == "CONFLICT"
    empty = await _assignment(world, "fresh_7b", "проект", "Графики, вторая часть")
    assert code_of(await world.gql(REMOVE, "other_teacher", id=empty)) == "NOT_FOUND"
    assert data(await world.gql(REMOVE, "teacher", id=empty))["removeAssignment"] == empty
    changed = data(await world.gql(UPDATE, "teacher", id=assignment, topic="Графики"))
    assert changed["updateAssignment"]["topic"] == "Графики"
    refused = await world.gql(UPDATE, "other_teacher", id=assignment, topic="Чужое")
    assert code_of(refused) == "NOT_FOUND"


# --- history -----------------------------------------------------------------------------------


async def test_mark_history_for_the_teacher_class_teacher_and_administration(
    world: World,
) -> None:
    mark = data(
        await world.gql(RECORD, "teacher", l=world.id("fresh_7b_2"), s=world.id("third"), v=3)
    )["recordMark"]
    data(await world.gql(CHANGE, "teacher", id=mark["id"], v=4))
    for reader in ("teacher", "klassruk", "quality", "director"):
        history = data(await world.gql(HISTORY, reader, m=mark["id"]))["markHistory"]
        assert [(h["action"], h["valueBefore"], h["valueAfter"]) for h in history] == [
            ("RECORDED", None, 3),
            ("CHANGED", 3, 4),
        ]
        assert history[0]["changedBy"] == {"id": world.id("teacher")}
        assert not any(h["viaCorrection"] for h in history)
    # A list: what another teacher may not read is not in it, whatever it is filtered by.
    assert data(await world.gql(HISTORY, "other_teacher", m=mark["id"]))["markHistory"] == []
    by_lesson = await world.gql(HISTORY, "other_teacher", l=world.id("fresh_7b_2"))
    assert data(by_lesson)["markHistory"] == []
    # By student alone another teacher sees only the lessons they may read: none here.
    by_student = await world.gql(HISTORY, "other_teacher", s=world.id("third"))
    assert data(by_student)["markHistory"] == []
    assert code_of(await world.gql(HISTORY, "student", m=mark["id"])) == "FORBIDDEN"
    assert code_of(await world.gql(HISTORY, "teacher")) == "VALIDATION"


async def test_lessons_assignments_come_in_one_query_for_a_whole_journal(world: World) -> None:
    engine = world.svc.runtime.db.engine.sync_engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        journal = await world.gql(
            CLASS_JOURNAL,
            "teacher",
            c=world.id("7Б"),
            s=world.id("algebra"),
            **{
                "from": (date.today() - timedelta(days=20)).isoformat(),
                "to": date.today().isoformat(),
            },
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    lessons = data(journal)["classJournal"]["lessons"]
    assert len(lessons) == 3
    on_assignments = [
        s for s in statements if "FROM assignment" in s and "JOIN assignment_type" in s
    ]
    # The lessons' assignments, the marks' assignments and the class's overdue mandatory ones.
    assert len(on_assignments) <= 3
