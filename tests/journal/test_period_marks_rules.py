"""The period marks' pure rules: averages, rounding by each threshold set, what a year needs."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from services.journal.domain.period_marks import (
    PeriodMarkKind,
    SpecialMark,
    Thresholds,
    check_lock_days,
    check_period_mark,
    check_thresholds,
    differs,
    mean,
    missing_marks,
    propose,
    weighted_average,
    year_results,
)
from services.kernel.errors import ValidationFailed

IN_FAVOUR = Thresholds(Decimal("4.65"), Decimal("3.65"), Decimal("2.65"))
HALF = Thresholds(Decimal("4.5"), Decimal("3.5"), Decimal("2.5"))
SIX_TENTHS = Thresholds(Decimal("4.6"), Decimal("3.6"), Decimal("2.6"))


def test_weighted_average_weighs_each_mark_by_its_assignment_type() -> None:
    # 5 for a test (weight 3) and 3 for an oral answer (weight 1): (15 + 3) / 4 = 4.5
    assert weighted_average([(5, 3), (3, 1)]) == Decimal("4.50")
    assert weighted_average([(4, 1), (5, 1), (5, 1)]) == Decimal("4.67")
    assert weighted_average([]) is None


def test_year_average_is_the_mean_of_the_term_marks() -> None:
    assert mean([4, 5, 5, 4]) == Decimal("4.50")
    assert mean([]) is None


@pytest.mark.parametrize(
    ("thresholds", "average", "proposed"),
    [
        (IN_FAVOUR, "4.65", 5),
        (IN_FAVOUR, "4.64", 4),
        (IN_FAVOUR, "3.65", 4),
        (IN_FAVOUR, "3.64", 3),
        (IN_FAVOUR, "2.65", 3),
        (IN_FAVOUR, "2.64", 2),
        (HALF, "4.50", 5),
        (HALF, "4.49", 4),
        (HALF, "3.50", 4),
        (HALF, "2.50", 3),
        (HALF, "2.49", 2),
        (SIX_TENTHS, "4.60", 5),
        (SIX_TENTHS, "4.59", 4),
        (SIX_TENTHS, "3.60", 4),
        (SIX_TENTHS, "2.60", 3),
        (SIX_TENTHS, "2.59", 2),
    ],
)
def test_reaching_a_threshold_proposes_its_mark(
    thresholds: Thresholds, average: str, proposed: int
) -> None:
    assert propose(Decimal(average), thresholds) == proposed


def test_an_average_from_weights_rounds_without_float_surprises() -> None:
    # Exactly 4.65: (5·13 + 4·7) / 20 = 93 / 20
    marks = [(5, 1)] * 13 + [(4, 1)] * 7
    assert weighted_average(marks) == Decimal("4.65")
    assert propose(weighted_average(marks), IN_FAVOUR) == 5
    assert propose(None, IN_FAVOUR) is None


def test_thresholds_must_descend_within_two_to_five() -> None:
    assert check_thresholds("4.65", "3.65", "2.65") == IN_FAVOUR
    for bad in (("3.5", "4.5", "2.5"), ("4.5", "4.5", "2.5"), ("5.5", "3.5", "2.5"),
                ("4.5", "3.5", "1.5"), ("4.655", "3.5", "2.5")):  # fmt: skip
        with pytest.raises(ValidationFailed):
            check_thresholds(*bad)


def test_lock_period_is_one_to_sixty_days() -> None:
    assert check_lock_days(1) == 1 and check_lock_days(60) == 60
    for bad in (0, 61):
        with pytest.raises(ValidationFailed):
            check_lock_days(bad)


def test_a_period_mark_is_a_value_or_a_special_result_never_both() -> None:
    term = dict(has_study_period=True, has_academic_year=False)
    assert check_period_mark(PeriodMarkKind.TERM, 4, None, **term).value == 4
    assert check_period_mark(PeriodMarkKind.TERM, None, SpecialMark.EXEMPT, **term).special
    with pytest.raises(ValidationFailed):
        check_period_mark(PeriodMarkKind.TERM, 4, SpecialMark.PASS, **term)
    with pytest.raises(ValidationFailed):
        check_period_mark(PeriodMarkKind.TERM, None, None, **term)
    with pytest.raises(ValidationFailed):
        check_period_mark(PeriodMarkKind.TERM, 6, None, **term)


def test_a_term_mark_needs_its_study_period_and_a_year_mark_its_year() -> None:
    with pytest.raises(ValidationFailed) as term:
        check_period_mark(
            PeriodMarkKind.TERM, 4, None, has_study_period=False, has_academic_year=True
        )
    assert term.value.details["field"] == "studyPeriodId"
    with pytest.raises(ValidationFailed) as year:
        check_period_mark(
            PeriodMarkKind.YEAR, 4, None, has_study_period=False, has_academic_year=False
        )
    assert year.value.details["field"] == "academicYearId"


def test_a_special_result_never_differs_from_the_proposal() -> None:
    assert differs(3, 4) and not differs(4, 4) and not differs(None, 4) and not differs(4, None)


def test_a_year_needs_every_term_mark_and_the_year_mark() -> None:
    school_class, subject, student = uuid4(), uuid4(), uuid4()
    q1, q2 = uuid4(), uuid4()
    present = {(student, subject, q1)}
    missing = missing_marks([(school_class, [subject], [student])], [q1, q2], present)
    assert [m.study_period_id for m in missing] == [q2, None]
    everything = present | {(student, subject, q2), (student, subject, None)}
    assert missing_marks([(school_class, [subject], [student])], [q1, q2], everything) == []


def test_year_results_name_failed_and_not_attested_subjects() -> None:
    school_class, good, debtor = uuid4(), uuid4(), uuid4()
    algebra, russian, music = uuid4(), uuid4(), uuid4()
    results = year_results(
        [(good, school_class), (debtor, school_class)],
        [
            (good, algebra, 5, None),
            (debtor, algebra, 2, None),
            (debtor, russian, None, SpecialMark.NOT_ATTESTED.value),
            (debtor, music, None, SpecialMark.FAIL.value),
            (good, music, None, SpecialMark.EXEMPT.value),
        ],
    )
    by_student = {r.student_id: r for r in results}
    assert not by_student[good].has_debt
    assert set(by_student[debtor].failed_subject_ids) == {algebra, music}
    assert by_student[debtor].not_attested_subject_ids == (russian,)
