"""The rules of hours, bells, timetable slots and class events, without a database."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from uuid import uuid4

import pytest

from services.journal.domain.class_events import check_class_event
from services.journal.domain.timetable import (
    Bell,
    HoursRow,
    check_bells,
    check_hours_per_week,
    check_reason,
    check_weekday,
    class_slot_taken,
    effective_hours,
    same_subject_name,
    study_days,
)
from services.kernel.errors import ValidationFailed


@pytest.mark.parametrize("hours", [0, 0.5, 1, 3.5, 40])
def test_hours_a_week_go_from_zero_to_forty_in_half_hours(hours: float) -> None:
    assert check_hours_per_week(hours) == Decimal(str(hours))


@pytest.mark.parametrize("hours", [-1, 0.25, 40.5, 1.3])
def test_hours_off_the_half_hour_step_or_over_forty_are_refused(hours: float) -> None:
    with pytest.raises(ValidationFailed):
        check_hours_per_week(hours)


def test_a_class_row_overrides_its_parallel_and_other_subjects_stay() -> None:
    c7a, c7b, algebra, russian = uuid4(), uuid4(), uuid4(), uuid4()
    rows = [
        HoursRow(algebra, Decimal(3), grade_level=7),
        HoursRow(russian, Decimal(4), grade_level=7),
        HoursRow(algebra, Decimal(5), school_class_id=c7b),
    ]
    result = {
        (r.school_class_id, r.subject_id): r for r in effective_hours([(c7a, 7), (c7b, 7)], rows)
    }
    assert result[(c7a, algebra)].hours_per_week == 3 and result[(c7a, algebra)].from_parallel
    assert result[(c7b, algebra)].hours_per_week == 5 and not result[(c7b, algebra)].from_parallel
    assert result[(c7b, russian)].hours_per_week == 4
    assert len(result) == 4


def test_bells_in_order_without_overlap_are_accepted() -> None:
    bells = [Bell(1, time(8, 30), time(9, 10)), Bell(2, time(9, 20), time(10, 0))]
    assert check_bells(bells) == bells


@pytest.mark.parametrize(
    "bells",
    [
        [],
        [Bell(0, time(8, 0), time(8, 40))],
        [Bell(11, time(8, 0), time(8, 40))],
        [Bell(1, time(9, 0), time(8, 40))],
        [Bell(1, time(8, 0), time(8, 40)), Bell(1, time(9, 0), time(9, 40))],
        [Bell(2, time(8, 0), time(8, 40)), Bell(1, time(9, 0), time(9, 40))],
        [Bell(1, time(8, 0), time(8, 45)), Bell(2, time(8, 40), time(9, 20))],
    ],
    ids=["none", "zero", "eleven", "ends-first", "twice", "unordered", "overlap"],
)
def test_bells_out_of_the_rules_are_refused(bells: list[Bell]) -> None:
    with pytest.raises(ValidationFailed):
        check_bells(bells)


def test_weekdays_run_monday_to_saturday() -> None:
    assert check_weekday(6) == 6
    for day in (0, 7):
        with pytest.raises(ValidationFailed):
            check_weekday(day)


def test_subgroups_of_one_subject_share_a_slot_other_subjects_do_not() -> None:
    english, algebra, group1, group2 = uuid4(), uuid4(), uuid4(), uuid4()
    assert not class_slot_taken(english, group1, english, group2)
    assert class_slot_taken(english, group1, english, group1)
    assert class_slot_taken(english, None, english, group1)
    assert class_slot_taken(algebra, None, english, group1)


def test_study_days_skip_holidays_and_sundays() -> None:
    periods = [(date(2026, 9, 1), date(2026, 10, 26)), (date(2026, 11, 5), date(2026, 12, 28))]
    days = study_days(date(2026, 10, 24), date(2026, 11, 9), periods)
    assert days == [
        date(2026, 10, 24),
        date(2026, 10, 26),
        date(2026, 11, 5),
        date(2026, 11, 6),
        date(2026, 11, 7),
        date(2026, 11, 9),
    ]


def test_a_subgroup_belongs_to_the_subject_of_the_same_name() -> None:
    assert same_subject_name("Английский  язык", "английский язык")
    assert not same_subject_name("немецкий язык", "английский язык")


def test_a_cancelled_lesson_needs_a_reason_in_russian() -> None:
    assert check_reason(" карантин ") == "карантин"
    for reason in ("", "quarantine"):
        with pytest.raises(ValidationFailed):
            check_reason(reason)


def test_class_events_last_at_most_a_month_and_are_titled_in_russian() -> None:
    text = check_class_event(
        "Субботник", None, " школьный двор ", date(2026, 5, 1), date(2026, 5, 31)
    )
    assert text.title == "Субботник" and text.place == "школьный двор"
    with pytest.raises(ValidationFailed):
        check_class_event("Субботник", None, None, date(2026, 5, 1), date(2026, 6, 1))
    with pytest.raises(ValidationFailed):
        check_class_event("Cleanup day", None, None, date(2026, 5, 1), date(2026, 5, 1))
    with pytest.raises(ValidationFailed):
        check_class_event("Субботник", None, None, date(2026, 5, 2), date(2026, 5, 1))
