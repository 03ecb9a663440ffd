"""The journal's pure rules: mark scale, attendance codes, subject names."""

from __future__ import annotations

import pytest

from services.journal import domain
from services.kernel.errors import ValidationFailed


@pytest.mark.parametrize("value", [2, 3, 4, 5])
def test_marks_two_to_five_are_on_the_scale(value: int) -> None:
    assert domain.check_mark(value) == value


@pytest.mark.parametrize("value", [0, 1, 6, -3, True])
def test_marks_outside_two_to_five_are_refused(value: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        domain.check_mark(value)
    assert "2, 3, 4 или 5" in caught.value.message
    assert caught.value.extensions["field"] == "value"


def test_mark_labels_follow_the_regulation() -> None:
    assert domain.MARK_LABELS == {
        2: "неудовлетворительно",
        3: "удовлетворительно",
        4: "хорошо",
        5: "отлично",
    }


def test_attendance_codes_carry_russian_labels() -> None:
    assert domain.AttendanceCode.ABSENT.value == "ОТ"
    assert domain.AttendanceCode.ABSENT.label == "отсутствовал"
    assert domain.AttendanceCode.LATE.value == "ОП"
    assert domain.AttendanceCode.LATE.label == "опоздал"


def test_attendance_code_parses_from_its_russian_code() -> None:
    assert domain.parse_attendance_code(" оп ") is domain.AttendanceCode.LATE


@pytest.mark.parametrize("code", ["Б", "УП", "ОСВ", "X", ""])
def test_subject_teacher_sets_only_absent_or_late(code: str) -> None:
    with pytest.raises(ValidationFailed):
        domain.parse_attendance_code(code)


@pytest.mark.parametrize(
    "name",
    [
        "алгебра",
        "русский язык",
        "английский язык",
        "изобразительное искусство",
        "вероятность и статистика",
        "труд (технология)",
    ],
)
def test_full_lower_case_subject_names_are_accepted(name: str) -> None:
    assert domain.normalize_subject_name(name) == name


def test_subject_name_whitespace_is_normalised() -> None:
    assert domain.normalize_subject_name("  русский   язык ") == "русский язык"


@pytest.mark.parametrize(
    "name", ["Алгебра", "рус. яз.", "физ-ра", "ИЗО", "изо", "алгебра 7", "algebra", "", "   "]
)
def test_abbreviated_or_capitalised_subject_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        domain.normalize_subject_name(name)
    assert "со строчной буквы" in caught.value.message
    assert "без сокращений" in caught.value.message


def test_weight_and_lesson_number_bounds() -> None:
    assert domain.check_weight(1) == 1
    with pytest.raises(ValidationFailed):
        domain.check_weight(0)
    assert domain.check_lesson_number(6) == 6
    with pytest.raises(ValidationFailed):
        domain.check_lesson_number(0)


def test_topic_and_homework_are_trimmed_and_empty_is_none() -> None:
    assert domain.check_topic("  Линейная функция ", "  ") == ("Линейная функция", None)
