"""A lesson's topic and homework: who writes them, in Russian, and the events they publish."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete

from services.journal.domain import lessons as rules
from services.journal.models import YearClosing
from services.kernel.errors import ValidationFailed
from tests.journal.lessons_world import World, code_of, data, lessons_world
from tests.support import Infra, eventually

TOPIC = """mutation($l: ID!, $t: String, $h: String) {
  setLessonTopic(input: {lessonId: $l, topic: $t, homework: $h}) { id topic homework }
}"""


@pytest.fixture(scope="module")
async def world(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Any:
    async with lessons_world(infra, tmp_path_factory.mktemp("files")) as w:
        yield w


def error_field(result: dict[str, Any]) -> str | None:
    return result["errors"][0]["extensions"].get("field")


async def test_the_teacher_with_the_load_sets_topic_and_the_first_topic_holds_the_lesson(
    world: World,
) -> None:
    lesson = world.lesson("lesson_7b")
    first = data(await world.gql(TOPIC, "teacher", l=lesson, t="Линейная функция", h="№ 231"))
    assert first["setLessonTopic"]["topic"] == "Линейная функция"
    assert first["setLessonTopic"]["homework"] == "№ 231"
    data(await world.gql(TOPIC, "teacher", l=lesson, t="Линейная функция и её график"))

    async def topic_events() -> list[dict[str, Any]]:
        found = [
            e
            for e in world.published("journal.lesson.topic_set")
            if e["payload"]["lesson_id"] == lesson
        ]
        return found if len(found) == 2 else []

    first_set, second_set = await eventually(topic_events)
    assert first_set["payload"]["has_homework"] is True
    assert second_set["payload"]["has_homework"] is False
    assert first_set["payload"]["set_by"] == str(world.ids["teacher"])
    [held] = [
        e for e in world.published("journal.lesson.held") if e["payload"]["lesson_id"] == lesson
    ]
    payload = held["payload"]
    assert payload["teacher_id"] == str(world.ids["teacher"])
    assert payload["school_class_id"] == str(world.ids["7Б"])
    assert payload["subject_id"] == str(world.ids["алгебра"])
    assert payload["number"] == 2 and payload["topic_set_at"]


async def test_a_teacher_without_the_load_cannot_set_the_topic(world: World) -> None:
    result = await world.gql(TOPIC, "other_teacher", l=world.lesson("lesson_7b"), t="Дроби")
    assert code_of(result) == "NOT_FOUND"  # neither teaches nor leads 7Б: does not see it
    assert result["errors"][0]["message"] == "Урок не найден."


async def test_a_teacher_cannot_set_the_topic_in_a_foreign_class(world: World) -> None:
    result = await world.gql(TOPIC, "teacher", l=world.lesson("lesson_8a"), t="Дроби")
    assert code_of(result) == "NOT_FOUND"


async def test_a_class_teacher_cannot_set_the_topic_of_another_subject_in_their_class(
    world: World,
) -> None:
    result = await world.gql(TOPIC, "klassruk", l=world.lesson("lesson_7b"), t="Дроби")
    assert code_of(result) == "FORBIDDEN"


async def test_a_topic_with_no_russian_word_is_refused_even_in_english(world: World) -> None:
    lesson = world.lesson("lesson_7b_english")
    result = await world.gql(TOPIC, "klassruk", l=lesson, t="Present Simple")
    assert code_of(result) == "VALIDATION" and error_field(result) == "topic"
    assert "на русском языке" in result["errors"][0]["message"]
    ok = await world.gql(
        TOPIC, "klassruk", l=lesson, t="Present Simple: утвердительные предложения"
    )
    assert data(ok)["setLessonTopic"]["topic"] == "Present Simple: утвердительные предложения"


async def test_homework_with_no_russian_word_is_refused(world: World) -> None:
    lesson = world.lesson("lesson_7b_english")
    result = await world.gql(
        TOPIC, "klassruk", l=lesson, t="Present Simple: вопросы", h="Exercise 5, page 12"
    )
    assert code_of(result) == "VALIDATION" and error_field(result) == "homework"
    ok = await world.gql(
        TOPIC, "klassruk", l=lesson, t="Present Simple: вопросы", h="Упражнение 5 (Exercise 5)"
    )
    assert data(ok)["setLessonTopic"]["homework"] == "Упражнение 5 (Exercise 5)"


async def test_students_and_parents_cannot_set_a_topic(world: World) -> None:
    for who in ("student", "parent"):
        result = await world.gql(TOPIC, who, l=world.lesson("lesson_7b"), t="Дроби")
        assert code_of(result) == "FORBIDDEN", who


async def test_the_topic_is_refused_in_a_closed_year(world: World) -> None:
    db = world.svc.runtime.db
    async with db.sessionmaker() as s:
        s.add(YearClosing(academic_year_id=world.roster.year_id, school_id=world.roster.school_id))
        await s.commit()
    try:
        result = await world.gql(TOPIC, "teacher", l=world.lesson("lesson_7b"), t="Дроби")
        assert code_of(result) == "LOCKED"
    finally:
        async with db.sessionmaker() as s:
            await s.execute(
                delete(YearClosing).where(YearClosing.academic_year_id == world.roster.year_id)
            )
            await s.commit()


@pytest.mark.parametrize(
    "text",
    ["Present Simple: утвердительные предложения", "№ 231, 232", "с. 45", "Линейная функция"],
)
def test_russian_text_or_text_without_letters_is_accepted(text: str) -> None:
    assert rules.check_lesson_text(text, text) == (text, text)


@pytest.mark.parametrize("text", ["Present Simple", "Exercise 5, p. 12", "Die Zeit"])
def test_text_in_another_language_alone_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        rules.check_lesson_text(text, None)
