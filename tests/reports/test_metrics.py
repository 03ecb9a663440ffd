"""The figures of every report against hand-computed classes, and their invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reports.domain import metrics
from services.reports.domain.metrics import Absence, Result, Standing

NA, EXEMPT, NO_MARKS = Result.NOT_ATTESTED, Result.EXEMPT, Result.NO_MARKS

# 7А, алгебра, I четверть: ten students enrolled at the quarter's end.
ALGEBRA_7A = [5, 5, 4, 4, 4, 3, 2, NA, EXEMPT, NO_MARKS]


def test_n_leaves_out_the_exempt_and_those_without_marks_but_keeps_not_attested() -> None:
    f = metrics.figures(ALGEBRA_7A)
    assert (f.n, f.n5, f.n4, f.n3, f.n2, f.not_attested) == (8, 2, 3, 1, 1, 1)
    assert (f.exempt, f.no_marks) == (1, 1)


def test_the_class_figures_match_the_hand_computed_ones() -> None:
    f = metrics.figures(ALGEBRA_7A)
    assert f.pass_rate == Decimal("75.00")  # (2 + 3 + 1) · 100 / 8
    assert f.quality_rate == Decimal("62.50")  # (2 + 3) · 100 / 8
    assert f.learning_level == Decimal("56.38")  # (200 + 192 + 36 + 16 + 7) / 8 = 56.375
    assert f.average_mark == Decimal("3.86")  # 27 / 7


def test_a_class_of_fives_is_at_a_hundred_and_a_class_of_twos_at_sixteen() -> None:
    fives, twos = metrics.figures([5, 5, 5]), metrics.figures([2, 2])
    assert (fives.pass_rate, fives.quality_rate, fives.learning_level) == (100, 100, 100)
    assert (twos.pass_rate, twos.quality_rate, twos.learning_level) == (0, 0, 16)


def test_without_anyone_in_n_there_are_no_figures() -> None:
    f = metrics.figures([EXEMPT, NO_MARKS, Result.PASS])
    assert f.n == 0
    assert (f.pass_rate, f.quality_rate, f.learning_level, f.average_mark) == (None,) * 4


def test_not_attested_counts_seven_in_the_learning_level() -> None:
    assert metrics.figures([NA]).learning_level == Decimal("7.00")
    assert metrics.figures([5, NA]).learning_level == Decimal("53.50")


def test_averages_simple_and_weighted() -> None:
    assert metrics.simple_average([5, 4, 4]) == Decimal("4.33")
    assert metrics.simple_average([]) is None
    assert metrics.weighted_average([(5, 1), (3, 2)]) == Decimal("3.67")
    assert metrics.weighted_average([(5, 0)]) is None


def test_standing_of_a_student_by_their_period_marks() -> None:
    assert metrics.standing([5, 5, EXEMPT]) is Standing.EXCELLENT
    assert metrics.standing([5, 4, 5]) is Standing.ONE_FOUR
    assert metrics.standing([5, 4, 4]) is Standing.GOOD
    assert metrics.standing([5, 4, 3]) is Standing.ONE_THREE
    assert metrics.standing([3, 3, 5]) is Standing.OTHER
    assert metrics.standing([5, 2]) is Standing.FAILING
    assert metrics.standing([5, NA]) is Standing.FAILING
    assert metrics.standing([NO_MARKS, EXEMPT]) is Standing.OTHER


def test_a_day_is_missed_only_when_every_lesson_of_it_was() -> None:
    d1, d2, d3 = date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)
    absences = [
        Absence(d1, "a", "illness"),
        Absence(d1, "b", "illness"),
        Absence(d1, "c", "illness"),
        Absence(d2, "d", "absent_unknown"),
        Absence(d2, "e", "excused"),
        Absence(d2, "f", "late"),
        Absence(d3, "g", "exempt"),
        Absence(d3, "h", "exempt"),
    ]
    f = metrics.attendance(absences, {d1: 3, d2: 4, d3: 2})
    assert (f.missed, f.by_illness, f.excused, f.unexcused) == (7, 3, 3, 1)
    assert f.lates == 1
    assert f.missed_days == 2  # d1 and d3; on d2 one of four lessons was attended


def test_density_bands_by_hours_a_week() -> None:
    assert [metrics.required_marks(Decimal(h)) for h in ("1", "2", "2.5", "3", "6")] == [
        3,
        5,
        5,
        7,
        9,
    ]
    assert metrics.below_density(2, Decimal(1))
    assert not metrics.below_density(3, Decimal(1))


def test_a_lesson_filled_after_its_allowance_in_the_school_s_time_is_late() -> None:
    lesson = date(2026, 10, 5)
    # 20:00 UTC on the 6th is already the 7th in Tomsk (UTC+7).
    assert metrics.filled_late(lesson, datetime(2026, 10, 6, 20, tzinfo=UTC), 1)
    assert not metrics.filled_late(lesson, datetime(2026, 10, 6, 10, tzinfo=UTC), 1)
    assert not metrics.filled_late(lesson, None, 1)


def test_programme_coverage_against_the_curriculum_s_hours() -> None:
    planned = metrics.planned_lessons(Decimal(2), date(2026, 9, 1), date(2026, 10, 26))
    assert planned == 16  # eight weeks at two hours
    assert metrics.coverage(12, planned) == Decimal("75.00")
    assert metrics.coverage(3, 0) is None


def test_objectivity_compares_the_period_mark_with_the_proposal() -> None:
    assert metrics.differs_from_proposal(5, 4)
    assert not metrics.differs_from_proposal(4, 4)
    assert not metrics.differs_from_proposal(None, 4)


# Properties, not timings: a slow shared machine must not fail them.
PROPERTIES = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

RESULTS = st.lists(
    st.sampled_from([2, 3, 4, 5, NA, EXEMPT, NO_MARKS, Result.PASS, Result.FAIL]), max_size=40
)


@PROPERTIES
@given(RESULTS)
def test_quality_is_at_most_pass_rate_which_is_at_most_a_hundred(results: list) -> None:
    f = metrics.figures(results)
    if f.n:
        assert f.quality_rate is not None and f.pass_rate is not None
        assert 0 <= f.quality_rate <= f.pass_rate <= 100


@PROPERTIES
@given(st.lists(st.sampled_from([2, 3, 4, 5, EXEMPT, NO_MARKS]), min_size=1, max_size=40))
def test_learning_level_without_not_attested_is_between_16_and_100(results: list) -> None:
    f = metrics.figures(results)
    if f.n:
        assert f.learning_level is not None
        assert 16 <= f.learning_level <= 100


@PROPERTIES
@given(RESULTS)
def test_n_is_every_graded_or_not_attested_student(results: list) -> None:
    f = metrics.figures(results)
    assert f.n == sum(1 for r in results if r in (2, 3, 4, 5) or r == NA)
    assert f.n5 + f.n4 + f.n3 + f.n2 + f.not_attested == f.n


@PROPERTIES
@given(
    st.lists(
        st.tuples(st.integers(2, 5), st.integers(1, 10)),
        min_size=1,
        max_size=30,
    )
)
def test_a_weighted_average_lies_between_the_lowest_and_highest_mark(marks: list) -> None:
    avg = metrics.weighted_average(marks)
    values = [v for v, _ in marks]
    assert avg is not None and min(values) <= avg <= max(values)


DAYS = [date(2026, 10, d) for d in range(5, 10)]


@PROPERTIES
@given(
    st.lists(
        st.tuples(
            st.sampled_from(DAYS),
            st.integers(1, 6),
            st.sampled_from(
                ["absent_unknown", "late", "illness", "excused", "unexcused", "exempt"]
            ),
        ),
        max_size=40,
    )
)
def test_missed_lessons_add_up_and_missed_days_never_exceed_the_days(rows: list) -> None:
    # One mark per lesson: the same lesson is absent or late, not both.
    unique = {(day, number): category for day, number, category in rows}
    absences = [Absence(day, (day, n), c) for (day, n), c in unique.items()]
    f = metrics.attendance(absences, dict.fromkeys(DAYS, 6))
    assert f.missed == f.by_illness + f.excused + f.unexcused
    assert f.missed + f.lates == len(absences)
    assert f.missed_days <= len({a.date for a in absences if a.category != "late"})
