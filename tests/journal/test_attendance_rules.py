"""Attendance rules without a database: codes, who sets which category, the counting."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from services.journal.domain import (
    AttendanceCategory,
    AttendanceCode,
)
from services.journal.domain import attendance as rules
from services.kernel.errors import ValidationFailed

MON, TUE = date(2026, 11, 23), date(2026, 11, 24)


@pytest.mark.parametrize("code", ["Б", "УП", "ОСВ", "БОЛН", " нп "])
def test_a_code_is_one_to_four_capital_russian_letters(code: str) -> None:
    assert rules.check_code(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["", "ABS", "БОЛЕН", "Б1", "О-П"])
def test_a_code_of_other_characters_or_longer_than_four_letters_is_refused(code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rules.check_code(code)
    assert refused.value.details["field"] == "code"


def test_a_code_label_is_russian_text() -> None:
    assert rules.check_label("  по  заявлению родителей ") == "по заявлению родителей"
    for label in ("", "sick", "б" * 101):
        with pytest.raises(ValidationFailed):
            rules.check_label(label)


def test_the_subject_teacher_sets_only_absent_or_late() -> None:
    rules.check_subject_teacher_category("ОТ", AttendanceCategory.ABSENT_UNKNOWN)
    rules.check_subject_teacher_category("ОП", AttendanceCategory.LATE)
    with pytest.raises(ValidationFailed, match="классный руководитель"):
        rules.check_subject_teacher_category("Б", AttendanceCategory.ILLNESS)


def test_the_class_teacher_gives_only_a_reason() -> None:
    for category in (
        AttendanceCategory.ILLNESS,
        AttendanceCategory.EXCUSED,
        AttendanceCategory.UNEXCUSED,
        AttendanceCategory.EXEMPT,
    ):
        rules.check_class_teacher_category("Б", category)
        assert rules.is_reason(category)
    for category in (AttendanceCategory.ABSENT_UNKNOWN, AttendanceCategory.LATE):
        with pytest.raises(ValidationFailed):
            rules.check_class_teacher_category("ОТ", category)
        assert not rules.is_reason(category)


def test_the_old_kind_is_late_for_late_arrivals_and_absent_for_everything_else() -> None:
    assert rules.kind_of(AttendanceCategory.LATE) is AttendanceCode.LATE
    assert rules.kind_of(AttendanceCategory.ILLNESS) is AttendanceCode.ABSENT
    assert rules.kind_of(AttendanceCategory.ABSENT_UNKNOWN) is AttendanceCode.ABSENT


def test_a_register_names_a_student_absent_or_late_but_not_both() -> None:
    a, b = uuid4(), uuid4()
    assert rules.check_register([a, a], [b]) == ([a], [b])
    with pytest.raises(ValidationFailed):
        rules.check_register([a], [a])


def test_missed_lessons_are_counted_by_reason_and_lates_apart() -> None:
    lessons = [rules.ClassLesson(uuid4(), MON) for _ in range(6)]
    marks = {
        lessons[0].lesson_id: AttendanceCategory.ILLNESS,
        lessons[1].lesson_id: AttendanceCategory.EXCUSED,
        lessons[2].lesson_id: AttendanceCategory.UNEXCUSED,
        lessons[3].lesson_id: AttendanceCategory.EXEMPT,
        lessons[4].lesson_id: AttendanceCategory.ABSENT_UNKNOWN,
        lessons[5].lesson_id: AttendanceCategory.LATE,
    }
    count = rules.count(lessons, marks)
    assert (count.lessons, count.missed, count.late) == (6, 5, 1)
    assert (count.illness, count.excused, count.unexcused, count.exempt, count.unknown) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert count.missed_days == 0  # the late arrival was there


def test_a_missed_day_counts_only_when_every_lesson_of_the_day_was_missed() -> None:
    monday = [rules.ClassLesson(uuid4(), MON) for _ in range(3)]
    tuesday = [rules.ClassLesson(uuid4(), TUE) for _ in range(3)]
    marks = {lesson.lesson_id: AttendanceCategory.ILLNESS for lesson in monday}
    marks[tuesday[0].lesson_id] = AttendanceCategory.ILLNESS
    count = rules.count(monday + tuesday, marks)
    assert (count.missed, count.missed_days, count.days) == (4, 1, 2)


def test_other_subgroups_and_cancelled_lessons_do_not_keep_a_day_from_being_missed() -> None:
    mine, theirs = uuid4(), uuid4()
    own = rules.ClassLesson(uuid4(), MON)
    own_group = rules.ClassLesson(uuid4(), MON, subgroup_id=mine)
    other_group = rules.ClassLesson(uuid4(), MON, subgroup_id=theirs)
    cancelled = rules.ClassLesson(uuid4(), MON, cancelled=True)
    marks = {
        own.lesson_id: AttendanceCategory.EXCUSED,
        own_group.lesson_id: AttendanceCategory.EXCUSED,
    }
    count = rules.count([own, own_group, other_group, cancelled], marks, frozenset({mine}))
    assert (count.lessons, count.missed, count.missed_days) == (2, 2, 1)
    # Without the subgroup the student was to attend only the whole-class lesson.
    assert rules.count([own, own_group, other_group], marks).lessons == 1


def test_a_class_total_sums_its_students() -> None:
    lesson = rules.ClassLesson(uuid4(), MON)
    one = rules.count([lesson], {lesson.lesson_id: AttendanceCategory.ILLNESS})
    two = rules.count([lesson], {lesson.lesson_id: AttendanceCategory.LATE})
    total = rules.total([one, two])
    assert (total.lessons, total.missed, total.illness, total.late, total.missed_days) == (
        2,
        1,
        1,
        1,
        1,
    )


def test_unresolved_marks_are_grouped_per_class_and_student_in_lesson_order() -> None:
    c7, c8, pupil, other = uuid4(), uuid4(), uuid4(), uuid4()
    first, third = uuid4(), uuid4()
    grouped = rules.group_unresolved(
        [
            rules.UnresolvedMark(c7, pupil, third, 3),
            rules.UnresolvedMark(c7, pupil, first, 1),
            rules.UnresolvedMark(c8, other, uuid4(), 2),
        ]
    )
    by_class = {c.school_class_id: c for c in grouped}
    [student] = by_class[c7].students
    assert student.lesson_ids == (first, third) and student.lesson_numbers == (1, 3)
    assert by_class[c8].students[0].student_id == other


def test_a_code_missing_from_the_dictionary_reads_with_its_default_meaning() -> None:
    assert rules.default_entry("ОП").category is AttendanceCategory.LATE
    assert rules.default_entry("Б").label == "по болезни"
    assert rules.default_entry("Щ").category is AttendanceCategory.ABSENT_UNKNOWN
